"""Issue 12, problem 10: least privilege derived from code and bindings, not assumed.

Fixtures: `tests/fixtures/repos/functions-bindings/` (a Functions project with a blob trigger and a
blob output on one connection, a queue trigger, a SignalR output binding and a Service Bus trigger on
an entity-scoped key) and scan items built here (read-only consumption forms, entity-scoped keys).
Each binding's roles are the ones its Microsoft Learn page names (`migrate.plan.catalog.bindings`).
"""

from __future__ import annotations

import json
import re

import pytest

from migrate.plan import catalog as cat
from migrate.plan.catalog import BindingKind, Facet
from migrate.plan.grants import unit_grants
from migrate.plan.planner import plan
from migrate.plan.records import Access, AppPlan, Basis
from migrate.plan.units import Unit
from scanners.records import ServiceType as S
from scanners.serialization import read_audit
from tests.conftest import DATA, REPO
from tests.migrate.fixture_repos import planned
from tests.migrate.plan.test_planner import doc, file_item, only_app


def _roles(app: AppPlan, unit_suffix: str) -> dict[str, tuple[Access, Basis, str]]:
    return {g.role: (g.access, g.basis, g.reason) for g in app.grants if g.unit.endswith(unit_suffix)}


@pytest.fixture(scope="module")
def functions_app() -> AppPlan:
    p = planned("functions-bindings")
    return next(a for a in p.apps if a.app.endswith("Orders.Functions"))


def test_blob_trigger_gets_the_roles_its_page_names(functions_app: AppPlan) -> None:
    roles = _roles(functions_app, "::images")
    # before: Storage Blob Data Contributor (not enough for the trigger's receipts and poison queue)
    assert set(roles) == {"Storage Blob Data Owner", "Storage Queue Data Contributor"}
    assert all(basis is Basis.INFERRED for _, basis, _ in roles.values())
    assert "functions-bindings-storage-blob" in roles["Storage Queue Data Contributor"][2]


def test_queue_trigger_only_reads(functions_app: AppPlan) -> None:
    roles = _roles(functions_app, "::orderqueue")
    assert set(roles) == {"Storage Queue Data Reader", "Storage Queue Data Message Processor"}
    assert {a for a, _, _ in roles.values()} == {Access.READ}
    assert all("functions-bindings-storage-queue" in r for _, _, r in roles.values())
    # the identity-based connection points at the queue service (the trigger reads queues)
    uri = {s.setting: s.value_template for s in functions_app.settings if s.unit.endswith("::orderqueue")}
    assert uri["OrderQueue__serviceUri"] == "https://contosoorderq.queue.core.windows.net"


def test_signalr_output_binding_gets_the_role_its_page_names(functions_app: AppPlan) -> None:
    roles = _roles(functions_app, "::signalr")
    # before: SignalR App Server; the Functions page names SignalR Service Owner
    assert set(roles) == {"SignalR Service Owner"}
    grant = next(g for g in functions_app.grants if g.unit.endswith("::signalr"))
    assert grant.role_guid == "7e4f1700-ea5a-4f59-8f37-079cfe29dce3"
    assert "functions-reference" in grant.reason


def test_service_bus_trigger_on_an_entity_key_is_scoped_to_the_queue(functions_app: AppPlan) -> None:
    grants = [g for g in functions_app.grants if g.unit.endswith("::invoices")]
    assert [g.role for g in grants] == ["Azure Service Bus Data Receiver"]
    assert grants[0].access is Access.READ
    # before: the namespace, although the key (EntityPath=invoices) only reached the queue
    assert grants[0].scope.endswith(
        "/providers/Microsoft.ServiceBus/namespaces/contoso-invoices/queues/invoices"
    )
    assert grants[0].narrower_scope == "queue invoices"
    assert grants[0].scope in grants[0].statement


def _bus(preview: str, entity: str | None, role: str = "code-consumer") -> list[dict[str, object]]:
    endpoint = {"namespace": "bus1", "host": "bus1.servicebus.windows.net"}
    if entity:
        endpoint["entity"] = entity
    return [
        file_item(S.SERVICE_BUS, "Bus", endpoint=endpoint),
        file_item(
            S.SERVICE_BUS,
            "Bus",
            path="src/App/Worker.cs",
            line=7,
            role=role,
            value_class="reference",
            preview=preview,
            detector="csharp:ctor",
        ),
    ]


def test_a_topic_sender_is_scoped_to_the_topic() -> None:
    app = only_app(plan(doc(_bus('new ServiceBusClient(cfg["Bus"]).CreateSender("topic-orders")', "orders"))))
    (grant,) = app.grants
    assert grant.role == "Azure Service Bus Data Sender"
    assert grant.scope.endswith("/namespaces/bus1/topics/orders")


def test_a_topic_receiver_keeps_the_namespace_and_says_why() -> None:
    app = only_app(
        plan(
            doc(
                _bus('client.get_subscription_receiver(topic_name="orders", subscription_name="s")', "orders")
            )
        )
    )
    (grant,) = app.grants
    assert grant.role == "Azure Service Bus Data Receiver"
    assert grant.scope.endswith("/namespaces/bus1")
    assert grant.narrower_scope and "subscription of topic orders" in grant.narrower_scope


def test_no_entity_no_entity_scope() -> None:
    app = only_app(plan(doc(_bus('new ServiceBusClient(cfg["Bus"]).CreateSender("q")', None))))
    assert all(g.scope.endswith("/namespaces/bus1") and g.narrower_scope is None for g in app.grants)


@pytest.mark.parametrize(
    ("service", "endpoint", "preview", "reader", "owner"),
    [
        (
            S.APP_CONFIGURATION,
            {"account": "cfg1", "host": "cfg1.azconfig.io"},
            'builder.Configuration.AddAzureAppConfiguration(cfg["AppConfig"])',
            "App Configuration Data Reader",
            "App Configuration Data Owner",
        ),
        (
            S.KEY_VAULT,
            {"account": "kv1", "host": "kv1.vault.azure.net"},
            'builder.Configuration.AddAzureKeyVault(cfg["Vault"])',
            "Key Vault Secrets User",
            "Key Vault Secrets Officer",
        ),
    ],
)
def test_a_read_only_consumer_gets_the_reader_role(
    service: S, endpoint: dict[str, str], preview: str, reader: str, owner: str
) -> None:
    items = [
        file_item(service, "Conn", endpoint=endpoint),
        file_item(
            service,
            "Conn",
            path="src/App/Program.cs",
            line=3,
            role="code-consumer",
            value_class="reference",
            preview=preview,
            detector="csharp:lookup",
        ),
    ]
    app = only_app(plan(doc(items)))
    roles = {g.role: g for g in app.grants}
    # before: the owner/officer role, "write assumed"
    assert set(roles) == {reader}, set(roles)
    assert roles[reader].basis is Basis.INFERRED and roles[reader].access is Access.READ
    assert "read-only form" in roles[reader].reason


def test_assumed_write_says_so_in_the_plan() -> None:
    items = [file_item(S.APP_CONFIGURATION, "Conn", endpoint={"account": "cfg1", "host": "cfg1.azconfig.io"})]
    (grant,) = only_app(plan(doc(items))).grants
    assert grant.basis is Basis.ASSUMED and grant.role == "App Configuration Data Owner"
    assert "assumed" in grant.reason and "reader role is enough" in grant.reason


def test_every_binding_row_cites_its_page_and_uses_pinned_roles() -> None:
    facts = json.loads((REPO / "tests" / "fixtures" / "reference_facts.json").read_text(encoding="utf-8"))
    pinned = {(r["name"], r["guid"]) for r in facts["arm_roles"]}  # pinned against the reference
    for row in cat.BINDING_ROLES:
        assert row.source.startswith("https://learn.microsoft.com/azure/azure-functions/"), row
        for _facet, role in row.roles:
            assert (role.name, role.guid) in pinned, role
    blob_trigger = next(b for b in cat.BINDING_ROLES if b.family == "blob" and b.kind is BindingKind.TRIGGER)
    assert {r.name for _f, r in blob_trigger.roles} == {
        "Storage Blob Data Owner",
        "Storage Queue Data Contributor",
    }


@pytest.mark.parametrize(
    ("preview", "family", "kind"),
    [
        ('[BlobTrigger(Connection = "X")]', "blob", BindingKind.TRIGGER),
        ('[QueueOutput(Connection = "X")]', "queue", BindingKind.OUTPUT),
        ('[SignalROutput(Connection = "X")]', "signalr", BindingKind.OUTPUT),
        ('@app.service_bus_queue_trigger(connection="X")', "service-bus", BindingKind.TRIGGER),
        ('@app.blob_input(connection="X")', "blob", BindingKind.INPUT),
    ],
)
def test_binding_previews_are_read(preview: str, family: str, kind: BindingKind) -> None:
    row = cat.binding_roles(preview)
    assert row is not None and (row.family, row.kind) == (family, kind)


def test_a_binding_of_unknown_kind_is_not_guessed() -> None:
    assert cat.binding_roles('[Blob(Connection = "X")]') is None and cat.is_binding(
        '[Blob(Connection = "X")]'
    )


def test_signalr_service_owner_guid_is_the_reference_one() -> None:
    line = next(
        ln
        for ln in (DATA / "azure-services.md").read_text(encoding="utf-8").splitlines()
        if "| SignalR Service Owner |" in ln
    )
    assert re.search(cat.SIGNALR_SERVICE_OWNER.guid or "-", line)


# --- access from the consuming files (migrate.plan.code_access), when the caller can read them ------

READER = """using Azure.Storage.Blobs;

public sealed class ReportStore
{
    private readonly BlobContainerClient _reports;

    public ReportStore(IConfiguration config)
    {
        _reports = new BlobServiceClient(config["Reports"]).GetBlobContainerClient("reports");
    }

    public async Task<BinaryData> ReadAsync(string name) => (await _reports.GetBlobClient(name).DownloadContentAsync()).Value.Content;
}
"""


def _storage_grants(source: str) -> dict[str, tuple[Access, Basis]]:
    items = [
        file_item(S.STORAGE, "Reports", endpoint={"account": "acct1", "host": "acct1.blob.core.windows.net"}),
        file_item(
            S.STORAGE,
            "Reports",
            path="src/App/ReportStore.cs",
            line=9,
            role="code-consumer",
            value_class="reference",
            preview='new BlobServiceClient(config["Reports"])',
            detector="csharp:ctor",
        ),
    ]
    audit = read_audit(doc(items))
    unit = Unit(
        "src/App",
        "src/App::reports",
        tuple(audit.items),
        S.STORAGE,
        "acct1",
        {"account": "acct1"},
        (Facet.BLOB,),
        True,
        True,
        Basis.ASSUMED,
        (),
    )
    identity = only_app(plan(doc(items))).identity
    files = {"src/App/ReportStore.cs": source}
    grants = unit_grants(unit, cat.CATALOG[S.STORAGE], identity, files.get)
    return {g.role: (g.access, g.basis) for g in grants}


def test_a_read_only_consumer_in_the_code_gets_the_reader_role() -> None:
    # before: Storage Blob Data Contributor, "write assumed"
    assert _storage_grants(READER) == {"Storage Blob Data Reader": (Access.READ, Basis.INFERRED)}


def test_a_writing_call_anywhere_in_the_file_keeps_write() -> None:
    writer = READER.replace(
        "DownloadContentAsync()).Value.Content;",
        "DownloadContentAsync()).Value.Content;\n    public Task Save(string n, Stream s) => _reports.UploadBlobAsync(n, s);",
    )
    assert _storage_grants(writer) == {"Storage Blob Data Contributor": (Access.WRITE, Basis.INFERRED)}


@pytest.mark.parametrize(
    "escape",
    [
        "    public BlobContainerClient Reports => _reports;\n",
        "    public void Share(Archive a) => a.Keep(_reports);\n",
    ],
)
def test_a_client_that_leaves_the_file_proves_nothing(escape: str) -> None:
    leaking = READER.replace("    public async Task", escape + "    public async Task")
    assert _storage_grants(leaking) == {"Storage Blob Data Contributor": (Access.WRITE, Basis.ASSUMED)}


def test_a_file_with_no_data_call_proves_nothing() -> None:
    assert _storage_grants("class Empty {}\n") == {
        "Storage Blob Data Contributor": (Access.WRITE, Basis.ASSUMED)
    }
