"""The planner's rules, table-driven over every service type, plus determinism and secrecy."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from migrate.errors import AuditInputError, MigrateError
from migrate.plan.planner import plan
from migrate.plan.records import AppPlan, IdentityKind, Plan, ReviewReason, StageName, dumps
from migrate.plan.view import render
from scanners.errors import SecretlessError
from scanners.linking import unit_name
from scanners.records import ServiceType as S
from tests.migrate.estate_audit import az_export_document, estate_document

SUB = "00000000-0000-0000-0000-0000000000aa"


# --- factories with dull defaults ---------------------------------------------------------------


def file_item(
    service: S,
    setting: str,
    *,
    project: str = "src/App",
    path: str | None = None,
    line: int = 1,
    value_class: str = "secret",
    role: str = "config-value",
    endpoint: dict[str, str] | None = None,
    preview: str = "***",
    detector: str = "json-config:json",
    notes: list[str] | None = None,
    credential: str = "account-key",
) -> dict[str, Any]:
    return {
        "Id": f"id-{project}-{setting}-{line}-{role}",
        "Location": {"kind": "file", "path": path or f"{project}/appsettings.json", "line": line},
        "ServiceType": str(service),
        "CanUseManagedIdentity": "yes",
        "RecommendedReplacement": "use an identity",
        "CredentialKind": credential,
        "ValueClass": value_class,
        "EvidenceRole": role,
        "Endpoint": endpoint or {},
        "SettingName": setting,
        "RedactedPreview": preview,
        "Detector": detector,
        "Confidence": "high",
        "Fingerprint": f"hs1:{abs(hash((project, setting, line, role))) % 10**12:012d}",
        "Unit": f"{project}::{unit_name(setting)}",
        "Notes": notes or [],
    }


def live_item(
    service: S,
    setting: str,
    *,
    site: str = "web",
    slot: str | None = None,
    value_class: str = "secret",
    endpoint: dict[str, str] | None = None,
    kind: str = "app-setting",
    sticky: bool = False,
    preview: str = "***",
    rg: str = "rg",
) -> dict[str, Any]:
    return {
        "Id": f"id-{site}-{slot}-{setting}",
        "Location": {
            "kind": "app-service",
            "subscription": SUB,
            "resource_group": rg,
            "site": site,
            "slot": slot,
            "setting": setting,
            "setting_kind": kind,
            "slot_setting": sticky,
        },
        "ServiceType": str(service),
        "CanUseManagedIdentity": "yes",
        "RecommendedReplacement": "use an identity",
        "CredentialKind": "account-key",
        "ValueClass": value_class,
        "EvidenceRole": "live-setting",
        "Endpoint": endpoint or {},
        "SettingName": setting,
        "RedactedPreview": preview,
        "Detector": "app-service:conn-string",
        "Confidence": "high",
        "Fingerprint": f"hs1:{site}{slot}{setting}",
        "Unit": f"{SUB}/{rg}/{site}::{unit_name(setting)}",
        "Notes": [],
    }


def advisory(
    code: str,
    setting: str = "",
    *,
    site: str = "web",
    slot: str | None = None,
    rg: str = "rg",
    service: S = S.ENTRA_ID,
) -> dict[str, Any]:
    return {
        "Id": f"adv-{site}-{slot}-{code}",
        "Location": {
            "kind": "app-service",
            "subscription": SUB,
            "resource_group": rg,
            "site": site,
            "slot": slot,
            "setting": setting,
            "setting_kind": "identity",
            "slot_setting": False,
        },
        "ServiceType": str(service),
        "CanUseManagedIdentity": "yes",
        "RecommendedReplacement": f"advice {code}",
        "CredentialKind": "identity",
        "ValueClass": "advisory",
        "EvidenceRole": "identity-design",
        "Endpoint": {},
        "SettingName": setting or None,
        "RedactedPreview": code,
        "Detector": f"app-service:{code}",
        "Confidence": "high",
        "Fingerprint": f"hs1:{site}{code}",
        "Unit": None,
        "Notes": [],
    }


def site(
    name: str = "web",
    slot: str | None = None,
    *,
    kind: str = "app,linux",
    identity_type: str = "None",
    user_assigned: list[dict[str, Any]] | None = None,
    settings: list[str] | None = None,
    rg: str = "rg",
) -> dict[str, Any]:
    return {
        "subscription": SUB,
        "resource_group": rg,
        "site": name,
        "slot": slot,
        "kind": kind,
        "identity": {
            "type": identity_type,
            "principal_id": f"pid-{name}-{slot}" if "System" in identity_type else None,
            "tenant_id": None,
            "user_assigned": user_assigned or [],
        },
        "key_vault_reference_identity": None,
        "app_setting_names": settings or [],
        "connection_string_names": [],
        "sticky_app_settings": [],
        "sticky_connection_strings": [],
    }


def doc(items: list[dict[str, Any]], sites: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "tool": "secretless",
        "items": items,
        "skipped": [],
        "sites": sites or [],
        "summary": {},
    }


def only_app(p: Plan) -> AppPlan:
    assert len(p.apps) == 1, [a.app for a in p.apps]
    return p.apps[0]


# --- every service type gets a plan or an explicit needs-review reason ----------------------------

EP = {
    S.STORAGE: {"account": "acct", "host": "acct.blob.core.windows.net"},
    S.SERVICE_BUS: {"namespace": "ns", "host": "ns.servicebus.windows.net"},
    S.EVENT_HUBS: {"namespace": "eh", "host": "eh.servicebus.windows.net", "entity": "hub"},
    S.COSMOS_DB: {"account": "cosmo", "host": "cosmo.documents.azure.com"},
    S.COSMOS_MONGO: {"account": "mongo", "host": "mongo.mongo.cosmos.azure.com"},
    S.SQL: {"server": "srv", "database": "db", "host": "srv.database.windows.net"},
    S.POSTGRESQL: {"server": "pg", "database": "db", "host": "pg.postgres.database.azure.com"},
    S.MYSQL: {"server": "my", "database": "db", "host": "my.mysql.database.azure.com"},
    S.REDIS: {"server": "cache", "host": "cache.redis.cache.windows.net"},
    S.APP_CONFIGURATION: {"account": "appcs", "host": "appcs.azconfig.io"},
    S.SIGNALR: {"account": "sig", "host": "sig.service.signalr.net"},
    S.WEB_PUBSUB: {"account": "wps", "host": "wps.webpubsub.azure.com"},
    S.EVENT_GRID: {"account": "topic", "host": "topic.westeurope-1.eventgrid.azure.net"},
    S.APPLICATION_INSIGHTS: {"host": "westeurope-5.in.applicationinsights.azure.com"},
    S.OPENAI: {"account": "oai", "host": "oai.openai.azure.com"},
    S.COGNITIVE_SERVICES: {"account": "cog", "host": "cog.cognitiveservices.azure.com"},
    S.AI_SEARCH: {"account": "srch", "host": "srch.search.windows.net"},
    S.CONTAINER_REGISTRY: {"account": "reg", "host": "reg.azurecr.io"},
    S.ENTRA_ID: {},
    S.KEY_VAULT: {"account": "kv", "host": "kv.vault.azure.net"},
    S.THIRD_PARTY: {"host": "api.bing.microsoft.com"},
    S.GENERIC: {"host": "api.example.org"},
}

# service → (authorization system, role) when planned, or the needs-review reason.
EXPECTED: dict[S, tuple[str, str | None] | ReviewReason] = {
    S.STORAGE: ("arm-rbac", "Storage Blob Data Contributor"),
    S.SERVICE_BUS: ("arm-rbac", "Azure Service Bus Data Sender"),
    S.EVENT_HUBS: ("arm-rbac", "Azure Event Hubs Data Sender"),
    S.COSMOS_DB: ("cosmos-sql-rbac", "Cosmos DB Built-in Data Contributor"),
    S.COSMOS_MONGO: ReviewReason.MONGO_API,
    S.SQL: ("sql-contained-user", "db_datawriter"),
    S.POSTGRESQL: ("postgres-entra-role", "GRANT … (user-defined: what the app writes)"),
    S.MYSQL: ("mysql-aad-user", "GRANT … (user-defined: what the app writes)"),
    S.REDIS: ("redis-access-policy", "Data Contributor"),
    S.APP_CONFIGURATION: ("arm-rbac", "App Configuration Data Owner"),
    S.SIGNALR: ("arm-rbac", "SignalR App Server"),
    S.WEB_PUBSUB: ("arm-rbac", "Web PubSub Service Owner"),
    S.EVENT_GRID: ("arm-rbac", "EventGrid Data Sender"),
    S.APPLICATION_INSIGHTS: ("arm-rbac", "Monitoring Metrics Publisher"),
    S.OPENAI: ("arm-rbac", "Cognitive Services OpenAI User"),
    S.COGNITIVE_SERVICES: ReviewReason.NO_SAFE_ROLE,
    S.AI_SEARCH: ("arm-rbac", "Search Index Data Contributor"),
    S.CONTAINER_REGISTRY: ("arm-rbac", "AcrPush"),
    S.ENTRA_ID: ("none", None),
    S.KEY_VAULT: ("key-vault-rbac", "Key Vault Secrets Officer"),
    # The catalog's review text names it a third-party credential to keep in Key Vault;
    # migrate/plan/classify.py maps the service to a reason (`cannot-migrate` until it lists it).
    S.THIRD_PARTY: ReviewReason.UNRECOGNISED,
    S.GENERIC: ReviewReason.UNRECOGNISED,
}


def test_expected_table_covers_every_service_type() -> None:
    assert set(EXPECTED) == set(S) == set(EP)


@pytest.mark.parametrize("service", list(S), ids=str)
def test_every_service_type(service: S) -> None:
    value_class = "locator" if service is S.APPLICATION_INSIGHTS else "secret"
    # an Entra client secret under another name is another registration's (kept): the service principal's here
    name = "AZURE_CLIENT_SECRET" if service is S.ENTRA_ID else "Conn"
    p = plan(doc([live_item(service, name, endpoint=EP[service], value_class=value_class)]))
    expected = EXPECTED[service]
    if isinstance(expected, ReviewReason):
        assert not p.apps
        assert [r.reason for r in p.needs_review] == [expected]
        assert p.needs_review[0].detail and p.needs_review[0].action_needed
        return
    system, role = expected
    app = only_app(p)
    assert [u.service for u in app.units] == [str(service)]
    if role is None:
        assert not app.grants
        assert any(r.stage is StageName.REMOVE_SECRETS for r in app.removals)
    else:
        assert {g.authorization for g in app.grants} == {system}
        assert role in {g.role for g in app.grants}
        for g in app.grants:
            assert g.scope and g.statement and g.principal == "web"
    assert [s.name for s in app.stages] == list(StageName)
    assert all(st.gate for st in app.stages)


def test_missing_endpoint_goes_to_review() -> None:
    p = plan(doc([file_item(S.SERVICE_BUS, "ServiceBus")]))
    assert not p.apps
    assert [r.reason for r in p.needs_review] == [ReviewReason.NO_ENDPOINT]


@pytest.mark.parametrize(
    ("value_class", "reason"),
    [("placeholder", ReviewReason.PLACEHOLDER_ONLY), ("dev-emulator", ReviewReason.DEV_EMULATOR_ONLY)],
)
def test_nothing_to_do_is_mentioned(value_class: str, reason: ReviewReason) -> None:
    p = plan(doc([file_item(S.STORAGE, "Storage", value_class=value_class, endpoint=EP[S.STORAGE])]))
    assert not p.apps
    assert [(r.reason, r.action_needed) for r in p.needs_review] == [(reason, False)]


def test_passwordless_is_reported_done() -> None:
    p = plan(
        doc(
            [
                file_item(
                    S.SERVICE_BUS,
                    "Bus__fullyQualifiedNamespace",
                    value_class="passwordless",
                    endpoint=EP[S.SERVICE_BUS],
                ),
                file_item(
                    S.SERVICE_BUS,
                    "Bus",
                    role="code-consumer",
                    value_class="reference",
                    line=5,
                    path="src/App/F.cs",
                    preview='[ServiceBusTrigger(Connection = "Bus")]',
                ),
            ]
        )
    )
    assert not p.apps and not p.needs_review
    assert [d.service for d in p.already_passwordless] == ["service-bus"]


def test_key_vault_reference_is_a_migration_candidate() -> None:
    kv = file_item(
        S.STORAGE,
        "Storage",
        value_class="reference",
        preview="@Microsoft.KeyVault(SecretUri=...)",
        endpoint={"account": "kv", "host": "kv.vault.azure.net"},
    )
    consumer = file_item(
        S.STORAGE,
        "Storage",
        role="code-consumer",
        value_class="reference",
        line=3,
        path="src/App/a.py",
        endpoint=EP[S.STORAGE],
    )
    app = only_app(plan(doc([kv, consumer])))
    assert app.units[0].resource == "acct"  # the target, not the vault
    assert any("Key Vault" in r.why for r in app.removals)


# --- identity rules ------------------------------------------------------------------------------


def test_one_app_one_identity_is_system_assigned() -> None:
    app = only_app(plan(doc([live_item(S.STORAGE, "Storage", endpoint=EP[S.STORAGE])], [site()])))
    assert app.identity.kind is IdentityKind.SYSTEM_ASSIGNED
    assert not app.identity.client_id_required
    assert "one app, one identity" in app.identity.rule


def test_slots_with_system_identities_get_grants_per_slot() -> None:
    items = [
        live_item(S.STORAGE, "Storage", endpoint=EP[S.STORAGE]),
        live_item(S.STORAGE, "Storage", slot="staging", endpoint=EP[S.STORAGE]),
        live_item(S.SQL, "Orders", kind="connection-string", endpoint=EP[S.SQL]),
    ]
    sites = [site(identity_type="SystemAssigned"), site(slot="staging", identity_type="SystemAssigned")]
    app = only_app(plan(doc(items, sites)))
    assert app.identity.kind is IdentityKind.SYSTEM_ASSIGNED
    assert {p.name for p in app.identity.principals} == {"web", "web/slots/staging"}
    storage = [g for g in app.grants if g.role == "Storage Blob Data Contributor"]
    assert {(g.principal, g.slot) for g in storage} == {("web", None), ("web/slots/staging", "staging")}
    assert any("--assignee-object-id pid-web-staging" in g.statement for g in storage)
    sql = " ".join(g.statement for g in app.grants if g.authorization == "sql-contained-user")
    assert "CREATE USER [web/slots/staging] FROM EXTERNAL PROVIDER;" in sql
    assert "CREATE USER [web] FROM EXTERNAL PROVIDER;" in sql
    assert any(r.code == "identities-do-not-swap" for r in app.risks)
    swap = next(s for s in app.stages if s.name is StageName.SWAP)
    assert any("--action preview" in step for step in swap.steps)


def test_slots_without_identities_share_a_user_assigned_identity() -> None:
    items = [live_item(S.STORAGE, "Storage", endpoint=EP[S.STORAGE])]
    app = only_app(plan(doc(items, [site(), site(slot="staging")])))
    assert app.identity.kind is IdentityKind.USER_ASSIGNED
    assert app.identity.client_id_required
    assert len(app.identity.principals) == 1
    assert {g.principal for g in app.grants} == {app.identity.name}
    enable = next(s for s in app.stages if s.name is StageName.ENABLE_IDENTITY)
    assert any("--slot staging" in s and "--identities" in s for s in enable.steps)
    assert not any("--scope" in s for s in enable.steps if s.startswith("az "))
    client_ids = {(c.setting, c.slot, c.sticky) for c in app.settings if c.setting == "AZURE_CLIENT_ID"}
    assert client_ids == {("AZURE_CLIENT_ID", "staging", False)}, (
        "set in the slot under test; travels with the swap"
    )


def test_existing_single_user_assigned_identity_is_reused() -> None:
    uai = [
        {
            "resource_id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/"
            "userAssignedIdentities/id-orders",
            "principal_id": "pid-uami",
            "client_id": "cid",
        }
    ]
    app = only_app(
        plan(
            doc(
                [live_item(S.STORAGE, "Storage", endpoint=EP[S.STORAGE])],
                [site(identity_type="UserAssigned", user_assigned=uai)],
            )
        )
    )
    assert app.identity.kind is IdentityKind.USER_ASSIGNED and app.identity.existing
    assert app.identity.name == "id-orders" and app.identity.client_id_required
    assert app.grants[0].statement.count("pid-uami") == 1


def test_shared_resource_across_two_apps_uses_one_user_assigned_identity_only_when_asked() -> None:
    items = [
        live_item(S.SERVICE_BUS, "Bus", site="orders", endpoint=EP[S.SERVICE_BUS]),
        live_item(S.SERVICE_BUS, "Bus", site="billing", endpoint=EP[S.SERVICE_BUS]),
    ]
    p = plan(doc(items, [site("orders"), site("billing")]))
    assert len(p.apps) == 2
    assert len({a.identity.name for a in p.apps}) == 2, "one identity per app by default"
    for a in p.apps:
        assert a.identity.kind is IdentityKind.SYSTEM_ASSIGNED
        assert a.local_auth[0].shared_with
    p = plan(doc(items, [site("orders"), site("billing")]), share_identity=True)
    names = {a.identity.name for a in p.apps}
    assert len(names) == 1
    for a in p.apps:
        assert a.identity.kind is IdentityKind.USER_ASSIGNED and a.identity.client_id_required
        assert "other apps" in a.identity.rule
        assert a.local_auth[0].shared_with


def test_function_app_states_the_redeployment_assumption() -> None:
    app = only_app(
        plan(
            doc(
                [live_item(S.SERVICE_BUS, "Bus", endpoint=EP[S.SERVICE_BUS])],
                [site(kind="functionapp,linux")],
            )
        )
    )
    assert app.kind == "function-app"
    assert any("redeployment" in a for a in app.identity.assumptions)
    assert {(c.setting, c.value_template) for c in app.settings} == {
        ("Bus__fullyQualifiedNamespace", "ns.servicebus.windows.net")
    }
    assert any(r.code == "durable-functions" and r.unverified for r in app.risks)


def test_functions_blob_trigger_needs_blob_and_queue() -> None:
    cfg = file_item(
        S.STORAGE,
        "Uploads",
        project="src/Fn",
        path="src/Fn/local.settings.json",
        endpoint={"account": "up", "host": "up.blob.core.windows.net"},
    )
    trig = file_item(
        S.STORAGE,
        "Uploads",
        project="src/Fn",
        path="src/Fn/F.cs",
        line=9,
        role="code-consumer",
        value_class="reference",
        detector="csharp:binding",
        preview='[BlobTrigger(Connection = "Uploads")]',
    )
    app = only_app(plan(doc([cfg, trig])))
    assert {c.setting for c in app.settings} == {"Uploads__blobServiceUri", "Uploads__queueServiceUri"}
    # the blob trigger page names Storage Blob Data Owner and Storage Queue Data Contributor (catalog.bindings)
    assert {g.role for g in app.grants} == {"Storage Blob Data Owner", "Storage Queue Data Contributor"}
    assert all(g.basis.value == "inferred" for g in app.grants)


def test_user_assigned_functions_settings_select_the_client_id() -> None:
    items = [live_item(S.STORAGE, "Queue", endpoint={"account": "q", "host": "q.queue.core.windows.net"})]
    app = only_app(plan(doc(items, [site(kind="functionapp"), site(slot="staging", kind="functionapp")])))
    names = {c.setting for c in app.settings}
    assert {"Queue__serviceUri", "Queue__credential", "Queue__clientId"} <= names
    cred = next(c for c in app.settings if c.setting == "Queue__credential")
    assert cred.value_template == "managedidentity"


# --- least privilege -------------------------------------------------------------------------------


def _consumer(service: S, preview: str, line: int = 10) -> dict[str, Any]:
    return file_item(
        service,
        "Conn",
        path="src/App/app.py",
        line=line,
        role="code-consumer",
        value_class="reference",
        preview=preview,
    )


def test_read_only_consumer_gets_reader_role() -> None:
    items = [
        file_item(S.STORAGE, "Conn", endpoint=EP[S.STORAGE]),
        _consumer(S.STORAGE, "container.download_blob(name).readall()"),
    ]
    app = only_app(plan(doc(items)))
    assert [(g.role, g.role_guid, g.basis.value) for g in app.grants] == [
        ("Storage Blob Data Reader", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", "inferred")
    ]
    assert app.units[0].access_evidence


def test_sender_gets_sender_only() -> None:
    items = [
        file_item(S.SERVICE_BUS, "Conn", endpoint=EP[S.SERVICE_BUS]),
        _consumer(S.SERVICE_BUS, "client.get_queue_sender('orders')"),
    ]
    app = only_app(plan(doc(items)))
    assert [g.role for g in app.grants] == ["Azure Service Bus Data Sender"]


def test_unknown_use_assumes_write_and_says_so() -> None:
    items = [
        file_item(S.SERVICE_BUS, "Conn", endpoint=EP[S.SERVICE_BUS]),
        _consumer(S.SERVICE_BUS, "ServiceBusClient.from_connection_string(os.environ['X'])"),
    ]
    app = only_app(plan(doc(items)))
    assert {g.role for g in app.grants} == {
        "Azure Service Bus Data Sender",
        "Azure Service Bus Data Receiver",
    }
    assert all(g.basis.value == "assumed" and "assumed" in g.reason for g in app.grants)


def test_queue_trigger_gets_reader_and_processor() -> None:
    items = [
        file_item(S.STORAGE, "Q", endpoint={"account": "q", "host": "q.queue.core.windows.net"}),
        file_item(
            S.STORAGE,
            "Q",
            path="src/App/F.cs",
            line=4,
            role="code-consumer",
            value_class="reference",
            detector="csharp:binding",
            preview='[QueueTrigger("jobs", Connection = "Q")]',
        ),
    ]
    app = only_app(plan(doc(items)))
    assert {g.role for g in app.grants} == {
        "Storage Queue Data Reader",
        "Storage Queue Data Message Processor",
    }


# --- decommissioning and exceptions -----------------------------------------------------------------


def test_consumption_content_share_keeps_shared_keys() -> None:
    items = [
        live_item(S.STORAGE, "AzureWebJobsStorage", endpoint=EP[S.STORAGE]),
        live_item(S.STORAGE, "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", endpoint=EP[S.STORAGE]),
    ]
    app = only_app(plan(doc(items, [site(kind="functionapp")])))
    la = [x for x in app.local_auth if x.resource == "acct"]
    assert len(la) == 1 and la[0].command is None
    assert la[0].blocked_reason and "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING" in la[0].blocked_reason
    step_text = " ".join(s for st in app.stages for s in st.steps)
    assert "--allow-shared-key-access false" not in step_text


def test_other_storage_account_may_drop_shared_keys() -> None:
    other = {"account": "content", "host": "content.file.core.windows.net"}
    items = [
        live_item(S.STORAGE, "AzureWebJobsStorage", endpoint=EP[S.STORAGE]),
        live_item(S.STORAGE, "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", endpoint=other),
    ]
    p = plan(doc(items, [site(kind="functionapp")]))
    app = only_app(p)
    acct = next(x for x in app.local_auth if x.resource == "acct")
    assert acct.command and "--allow-shared-key-access false" in acct.command
    assert not [x for x in app.local_auth if x.resource == "content" and x.command]
    assert [r.reason for r in p.needs_review] == [ReviewReason.PLATFORM_EXCEPTION]


def test_mongo_api_needs_review() -> None:
    p = plan(doc([file_item(S.COSMOS_MONGO, "COSMOS_MONGO_URI", endpoint=EP[S.COSMOS_MONGO])]))
    assert not p.apps
    (r,) = p.needs_review
    assert r.reason is ReviewReason.MONGO_API and "MongoDB" in r.detail


def test_azure_client_secret_is_removed() -> None:
    items = [
        live_item(S.ENTRA_ID, "AZURE_CLIENT_SECRET"),
        advisory("service-principal-credential-in-settings", "AZURE_CLIENT_SECRET"),
        live_item(S.STORAGE, "Storage", endpoint=EP[S.STORAGE]),
    ]
    app = only_app(plan(doc(items, [site()])))
    removals = [r for r in app.removals if r.what == "AZURE_CLIENT_SECRET"]
    assert len(removals) == 1
    (r,) = removals
    assert r.stage is StageName.REMOVE_SECRETS and "DefaultAzureCredential" in r.why
    assert r.command == (
        "az webapp config appsettings delete -g rg -n web --setting-names AZURE_CLIENT_ID "
        "AZURE_CLIENT_SECRET AZURE_TENANT_ID"
    ), "the service principal's id and tenant go with it"
    assert any("az ad app credential delete" in (x.command or "") for x in app.removals)


def test_azure_client_secret_in_a_repository_file_is_removed() -> None:
    app = only_app(
        plan(
            doc(
                [
                    file_item(
                        S.ENTRA_ID,
                        "AZURE_CLIENT_SECRET",
                        path="src/App/web.config",
                        credential="client-secret",
                    )
                ]
            )
        )
    )
    assert any(r.what == "AZURE_CLIENT_SECRET" and r.where == "src/App/web.config:1" for r in app.removals)


def test_shadowing_plain_setting_is_deleted() -> None:
    items = [
        live_item(S.STORAGE, "Storage", endpoint=EP[S.STORAGE]),
        advisory("mixed-connection-forms", "Jobs", service=S.GENERIC),
    ]
    app = only_app(plan(doc(items, [site(kind="functionapp")])))
    # no slot to test in: the plain setting (the secret in use) goes only after verification
    assert any(r.what == "Jobs" and r.stage is StageName.REMOVE_SECRETS for r in app.removals)
    slotted = only_app(plan(doc(items, [site(kind="functionapp"), site(slot="staging", kind="functionapp")])))
    assert any(
        c.setting == "Jobs"
        and c.action.value == "remove"
        and c.slot == "staging"
        and c.stage is StageName.CHANGE_IN_STAGING
        for c in slotted.settings
    )


def test_nothing_is_removed_before_verification() -> None:
    app = only_app(plan(doc([live_item(S.STORAGE, "Storage", endpoint=EP[S.STORAGE])], [site()])))
    order = [s.name for s in app.stages]
    assert (
        order.index(StageName.VERIFY)
        < order.index(StageName.REMOVE_SECRETS)
        < order.index(StageName.DISABLE_LOCAL_AUTH)
    )
    assert all(r.stage in (StageName.REMOVE_SECRETS, StageName.DISABLE_LOCAL_AUTH) for r in app.removals)


# --- determinism, secrecy, bad input ----------------------------------------------------------------


@pytest.fixture(scope="module")
def example_documents(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    key_dir = tmp_path_factory.mktemp("key")
    return [estate_document(key_dir), az_export_document(key_dir)]


def test_same_input_gives_byte_identical_plan(example_documents: list[dict[str, Any]]) -> None:
    for document in example_documents:
        assert dumps(plan(document)) == dumps(plan(json.loads(json.dumps(document))))


def test_input_order_does_not_matter(example_documents: list[dict[str, Any]]) -> None:
    for document in example_documents:
        shuffled = json.loads(json.dumps(document))
        rng = random.Random(4)  # noqa: S311 - shuffling test input, not cryptography
        rng.shuffle(shuffled["items"])
        rng.shuffle(shuffled["sites"])
        assert dumps(plan(shuffled)) == dumps(plan(document))


def test_no_secret_reaches_the_plan(example_documents: list[dict[str, Any]], tmp_path: Path) -> None:
    for document in example_documents:
        p = plan(document)
        assert p.apps
        secret_ids = {i["Id"] for i in document["items"] if i["ValueClass"] == "secret"}
        planned_ids = {item_id for app in p.apps for unit in app.units for item_id in unit.item_ids}
        assert secret_ids & planned_ids, "the plan acts on the planted secrets"
        text = dumps(p)
        assert "CANARY" not in text
        out = tmp_path / "view.txt"
        with out.open("w", encoding="utf-8") as fh:
            render(p, Console(file=fh, width=200, color_system=None))
        view = out.read_text(encoding="utf-8")
        assert "CANARY" not in view
        assert "Identity:" in view


def test_example_estate_plan_shape(example_documents: list[dict[str, Any]]) -> None:
    p = plan(example_documents[1])
    app = only_app(p)
    assert app.app.endswith("/rg-orders/web-orders")
    assert any(r.what == "AZURE_CLIENT_SECRET" for r in app.removals)
    assert {u.service for u in app.units} >= {"storage", "azure-sql"}
    repo = plan(example_documents[0])
    reasons = {r.reason for r in repo.needs_review}
    assert ReviewReason.MONGO_API in reasons and ReviewReason.DEV_EMULATOR_ONLY in reasons
    assert repo.already_passwordless


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "expected a JSON object"),
        ({"items": []}, "schema_version"),
        ({"schema_version": 2, "items": []}, "schema_version 2"),
        ({"schema_version": 1, "items": {}}, "'items' must be a list"),
        (
            {"schema_version": 1, "items": [{"Location": {"kind": "file", "path": "a", "line": 1}}]},
            "missing field",
        ),
        (doc([{**file_item(S.STORAGE, "X"), "ServiceType": "nope"}]), "ServiceType"),
        (doc([{**file_item(S.STORAGE, "X"), "Location": {"kind": "moon"}}]), "location kind"),
    ],
)
def test_bad_input_raises_a_typed_error(document: Any, message: str) -> None:
    with pytest.raises(AuditInputError, match=message) as info:
        plan(document)
    assert isinstance(info.value, MigrateError) and isinstance(info.value, SecretlessError)


def test_key_vault_reference_that_stays_names_the_vault_model() -> None:
    kv = live_item(
        S.COSMOS_MONGO,
        "Mongo",
        value_class="reference",
        preview="@Microsoft.KeyVault(VaultName=kv;...)",
        endpoint={"account": "kv", "host": "kv.vault.azure.net"},
    )
    kv["Notes"] = ["vault kv uses access policies: move it to Azure RBAC first"]
    (r,) = plan(doc([kv], [site()])).needs_review
    assert r.reason is ReviewReason.MONGO_API
    assert "move it to Azure RBAC first" in r.detail and "Key Vault Secrets User" in r.detail


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("vault kv uses Azure RBAC: grant Key Vault Secrets User", "az role assignment create"),
        ("vault kv uses access policies: move it to Azure RBAC first", "move vault kv to Azure RBAC first"),
    ],
)
def test_key_vault_grant_follows_the_vault_model(note: str, expected: str) -> None:
    item = file_item(S.KEY_VAULT, "KeyVault:Secret", endpoint=EP[S.KEY_VAULT], notes=[note])
    reader = _consumer(S.KEY_VAULT, "client.get_secret('x')")
    reader["SettingName"] = "KeyVault:Secret"
    reader["Unit"] = item["Unit"]
    app = only_app(plan(doc([item, reader])))
    (g,) = app.grants
    assert g.role == "Key Vault Secrets User" and g.authorization == "key-vault-rbac"
    assert g.statement.startswith(expected)


def test_dev_value_beside_a_real_secret_is_mentioned_not_planned() -> None:
    items = [
        file_item(S.SQL, "ConnectionStrings:Sql", endpoint=EP[S.SQL]),
        file_item(
            S.SQL,
            "ConnectionStrings:Sql",
            path="src/App/appsettings.Development.json",
            value_class="dev-emulator",
            endpoint={"server": "localhost", "host": "localhost"},
        ),
    ]
    app = only_app(plan(doc(items)))
    assert app.units[0].resource == "srv"
    assert any("appsettings.Development.json" in n and "nothing to migrate" in n for n in app.units[0].notes)
    assert [c.where for c in app.settings] == ["src/App/appsettings.json"]
