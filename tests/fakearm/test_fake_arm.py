"""Tests of the fake ARM itself, driven by the real azure-mgmt-web / azure-mgmt-keyvault SDKs."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.web import WebSiteManagementClient

from tests.fakearm import (
    CANARY,
    DEFAULT_SUBSCRIPTION,
    AsyncStaticTokenCredential,
    FakeArm,
    FakeIdentity,
    FakeSlot,
    Faults,
    LoopbackOnlyPolicy,
    StaticTokenCredential,
    make_estate,
)

# registers the fake_arm / fake_arm_factory / arm_ca_path fixtures for this module
pytest_plugins = ["tests.fakearm.conftest_fixtures"]

SUB = DEFAULT_SUBSCRIPTION


def _web(arm: FakeArm, cred: StaticTokenCredential | None = None, **kw: Any) -> WebSiteManagementClient:
    return WebSiteManagementClient(
        cred or StaticTokenCredential(),
        SUB,
        base_url=arm.base_url,
        connection_verify=arm.ca_path,
        per_call_policies=[LoopbackOnlyPolicy()],
        **kw,
    )


def _raw_get(arm: FakeArm, path: str, token: str | None = "t") -> tuple[int, dict[str, str], dict[str, Any]]:  # noqa: S107
    req = urllib.request.Request(arm.base_url + path)  # noqa: S310 - https to 127.0.0.1 only
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, context=arm.client_ssl_context(), timeout=5) as resp:  # noqa: S310
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read())


# ---- estate generator ----------------------------------------------------------------------------


def test_make_estate_is_mixed_and_deterministic() -> None:
    a, b = make_estate(24, seed=3), make_estate(24, seed=3)
    assert a == b
    assert make_estate(24, seed=4) != a
    kinds = {s.kind for s in a.sites}
    assert {"app", "functionapp", "functionapp,linux"} <= kinds
    ident = {s.identity.type if s.identity else None for s in a.sites}
    assert ident == {None, "SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned"}
    settings = [v for s in a.sites for v in s.app_settings.values()]
    keys = [k for s in a.sites for k in s.app_settings]
    conns = [v for s in a.sites for v, _ in s.connection_strings.values()]
    assert any(CANARY in v for v in settings) and all(CANARY in v for v in conns if "Password" in v)
    assert any(k.endswith("__serviceUri") for k in keys)
    assert any(v.startswith("@Microsoft.KeyVault(SecretUri=https://kv-") for v in settings)
    assert "AZURE_CLIENT_SECRET" in keys
    types = {t for s in a.sites for _, t in s.connection_strings.values()}
    assert {"SQLAzure", "DocDb", "RedisCache"} <= types
    assert any(s.slots for s in a.sites) and not any(s.slots for s in make_estate(24, with_slots=False).sites)
    assert any(s.key_vault_reference_identity != "SystemAssigned" for s in a.sites)
    assert {v.rbac for v in a.vaults} == {True, False}


# ---- SDK round trips -----------------------------------------------------------------------------


def test_list_follows_nextlinks_and_sends_bearer(fake_arm_factory: Callable[..., FakeArm]) -> None:
    arm = fake_arm_factory(make_estate(7), page_size=3)
    cred = StaticTokenCredential("tok-123")
    names = [s.name for s in _web(arm, cred).web_apps.list()]
    assert names == [s.name for s in arm.estate.sites]
    pages = arm.requests_to("/providers/Microsoft.Web/sites", "GET")
    assert len(pages) == 3
    assert "$skiptoken" not in pages[0].query and all("$skiptoken" in p.query for p in pages[1:])
    assert all(p.query["api-version"] == "2025-05-01" for p in pages)
    assert arm.tokens_seen == {"tok-123"}
    assert cred.scopes_requested[0] == ("https://management.azure.com/.default",)


def test_list_by_resource_group_get_and_identity(fake_arm: FakeArm) -> None:
    web = _web(fake_arm)
    by_rg = [s.name for s in web.web_apps.list_by_resource_group("rg-billing")]
    assert by_rg == [s.name for s in fake_arm.estate.sites if s.resource_group == "rg-billing"]
    fs = next(s for s in fake_arm.estate.sites if s.identity and s.identity.user_assigned)
    site = web.web_apps.get(fs.resource_group, fs.name)
    assert site.id == fs.id and site.kind == fs.kind and site.type == "Microsoft.Web/sites"
    assert site.identity is not None and fs.identity is not None
    assert site.identity.type == fs.identity.type
    uai_id = next(iter(fs.identity.user_assigned))
    assert site.identity.user_assigned_identities is not None
    assert site.identity.user_assigned_identities[uai_id].client_id == fs.identity.user_assigned[uai_id][1]
    assert site.key_vault_reference_identity == fs.key_vault_reference_identity
    with pytest.raises(ResourceNotFoundError) as ei:
        web.web_apps.get("rg-shop", "no-such-site")
    assert (
        ei.value.status_code == 404
        and ei.value.error is not None
        and ei.value.error.code == "ResourceNotFound"
    )


def test_slots_settings_and_connection_strings_round_trip(fake_arm: FakeArm) -> None:
    web = _web(fake_arm)
    fs = fake_arm.estate.sites[0]
    rg, name = fs.resource_group, fs.name
    slots = list(web.web_apps.list_slots(rg, name))
    assert sorted(str(s.name) for s in slots) == sorted(f"{name}/{k}" for k in fs.slots)
    assert all(s.type == "Microsoft.Web/sites/slots" for s in slots)
    assert web.web_apps.get_slot(rg, name, "staging").name == f"{name}/staging"

    assert web.web_apps.list_application_settings(rg, name).properties == fs.app_settings
    assert (
        web.web_apps.list_application_settings_slot(rg, name, "staging").properties
        == fs.slots["staging"].app_settings
    )
    cs = web.web_apps.list_connection_strings(rg, name).properties
    assert cs is not None
    assert {k: (v.value, v.type) for k, v in cs.items()} == fs.connection_strings
    cs_slot = web.web_apps.list_connection_strings_slot(rg, name, "staging").properties
    assert cs_slot is not None
    assert {k: (v.value, v.type) for k, v in cs_slot.items()} == fs.slots["staging"].connection_strings
    sticky = web.web_apps.list_slot_configuration_names(rg, name)
    assert sticky.app_setting_names == fs.sticky_app_settings
    assert sticky.connection_string_names == fs.sticky_connection_strings
    assert [r.method for r in fake_arm.requests_to("/config/appsettings/list")] == ["POST", "POST"]


def test_update_app_settings_put_replaces_and_is_recorded(fake_arm: FakeArm) -> None:
    from azure.mgmt.web.models import StringDictionary

    web = _web(fake_arm)
    fs = fake_arm.estate.sites[1]
    current = web.web_apps.list_application_settings(fs.resource_group, fs.name).properties
    assert current is not None
    new = {k: v for k, v in current.items() if k != "AzureWebJobsStorage"}
    new["AzureWebJobsStorage__accountName"] = "st001data"
    out = web.web_apps.update_application_settings(
        fs.resource_group, fs.name, StringDictionary(properties=new)
    )
    assert out.properties == new == fs.app_settings
    put = fake_arm.requests_to("/config/appsettings", "PUT")
    assert len(put) == 1 and put[0].body == {"properties": new}


def test_keyvault_list_by_subscription_rbac(fake_arm: FakeArm) -> None:
    kv = KeyVaultManagementClient(
        StaticTokenCredential(),
        SUB,
        base_url=fake_arm.base_url,
        connection_verify=fake_arm.ca_path,
        per_call_policies=[LoopbackOnlyPolicy()],
    )
    got = {
        v.name: (v.properties.enable_rbac_authorization, v.properties.vault_uri)
        for v in kv.vaults.list_by_subscription()
    }
    assert got == {v.name: (v.rbac, v.uri) for v in fake_arm.estate.vaults}


# ---- faults ----------------------------------------------------------------------------------------


def test_403_rule_raises_http_response_error(fake_arm_factory: Callable[..., FakeArm]) -> None:
    arm = fake_arm_factory(faults=Faults())
    rule = arm.faults.add("/config/appsettings/list", 403)
    fs = arm.estate.sites[0]
    web = _web(arm, retry_total=0)
    with pytest.raises(HttpResponseError) as ei:
        web.web_apps.list_application_settings(fs.resource_group, fs.name)
    assert (
        ei.value.status_code == 403
        and ei.value.error is not None
        and ei.value.error.code == "AuthorizationFailed"
    )
    assert rule.hits == 1
    # other paths unaffected
    assert web.web_apps.get(fs.resource_group, fs.name).name == fs.name


def test_429_with_retry_after_zero_is_retried(fake_arm: FakeArm) -> None:
    fs = fake_arm.estate.sites[2]
    fake_arm.faults.add("/config/connectionstrings/list", 429, times=1, retry_after=0, retry_after_ms=0)
    t0 = time.monotonic()
    cs = _web(fake_arm).web_apps.list_connection_strings(fs.resource_group, fs.name)
    assert time.monotonic() - t0 < 2
    assert cs.properties is not None and set(cs.properties) == set(fs.connection_strings)
    assert len(fake_arm.requests_to("/config/connectionstrings/list")) == 2  # 429, then success


def test_transient_statuses_and_times(fake_arm: FakeArm) -> None:
    fake_arm.faults.add("/slots", 503, times=2)
    fake_arm.faults.add("web-secretless-000/config/slotConfigNames", 500)  # always
    st, hdrs, body = _raw_get(fake_arm, f"{fake_arm.estate.sites[0].id}/slots")
    assert st == 503 and body["error"]["code"] == "ServiceUnavailable"
    assert _raw_get(fake_arm, f"{fake_arm.estate.sites[0].id}/slots")[0] == 503
    assert _raw_get(fake_arm, f"{fake_arm.estate.sites[0].id}/slots")[0] == 200
    for _ in range(2):
        assert _raw_get(fake_arm, f"{fake_arm.estate.sites[0].id}/config/slotConfigNames")[0] == 500


def test_unknown_path_and_missing_auth(fake_arm: FakeArm) -> None:
    st, _, body = _raw_get(fake_arm, "/subscriptions/x/providers/Microsoft.Nope/things")
    assert st == 404 and body["error"]["code"] == "NotFound"
    st, _, body = _raw_get(fake_arm, f"/subscriptions/{SUB}/providers/Microsoft.Web/sites", token=None)
    assert st == 401


def test_ratelimit_headers_count_down_and_can_throttle(fake_arm_factory: Callable[..., FakeArm]) -> None:
    arm = fake_arm_factory(faults=Faults(read_budget=3, throttle_when_exhausted=True))
    path = f"/subscriptions/{SUB}/providers/Microsoft.Web/sites"
    seen = []
    for _ in range(4):
        st, hdrs, _ = _raw_get(arm, path)
        seen.append((st, hdrs["x-ms-ratelimit-remaining-subscription-reads"]))
    assert seen == [(200, "2"), (200, "1"), (200, "0"), (429, "0")]
    arm.faults.read_budget = 100
    fs = arm.estate.sites[0]
    web = _web(arm)
    captured: list[str] = []
    web.web_apps.list_application_settings(
        fs.resource_group,
        fs.name,
        raw_response_hook=lambda r: captured.append(
            r.http_response.headers["x-ms-ratelimit-remaining-subscription-writes"]
        ),
    )
    assert captured == ["1199"]


def test_latency_injection_delays(fake_arm_factory: Callable[..., FakeArm]) -> None:
    arm = fake_arm_factory(faults=Faults(latency_s=0.25))
    fs = arm.estate.sites[0]
    web = _web(arm)
    web.web_apps.get(fs.resource_group, fs.name)  # warm up connection + token
    t0 = time.monotonic()
    web.web_apps.get(fs.resource_group, fs.name)
    web.web_apps.get(fs.resource_group, fs.name)
    assert time.monotonic() - t0 >= 0.5
    arm.faults.latency_s = 0
    t0 = time.monotonic()
    web.web_apps.get(fs.resource_group, fs.name)
    assert time.monotonic() - t0 < 0.25


def test_loopback_only_policy_blocks_other_hosts() -> None:
    web = WebSiteManagementClient(
        StaticTokenCredential(),
        SUB,
        base_url="https://management.azure.com",
        per_call_policies=[LoopbackOnlyPolicy()],
        retry_total=0,
    )
    with pytest.raises(RuntimeError, match="LoopbackOnlyPolicy blocked"):
        list(web.web_apps.list())


def test_fixture_ca_path_is_a_pem(arm_ca_path: str) -> None:
    with open(arm_ca_path) as f:
        assert f.read().startswith("-----BEGIN CERTIFICATE-----")


# ---- async at scale ------------------------------------------------------------------------------


def test_async_client_reuses_connections_at_concurrency_8(fake_arm_factory: Callable[..., FakeArm]) -> None:
    from azure.core.pipeline.transport import AioHttpTransport
    from azure.mgmt.web.aio import WebSiteManagementClient as AioWeb

    arm = fake_arm_factory(make_estate(20), faults=Faults(latency_s=0.005), page_size=7)
    sites = arm.estate.sites

    async def run() -> tuple[int, list[str | None]]:
        sem = asyncio.Semaphore(8)
        async with arm.aio_session(limit=100) as session, AsyncStaticTokenCredential() as cred:
            transport = AioHttpTransport(session=session, session_owner=False)
            async with AioWeb(
                cred,
                SUB,
                base_url=arm.base_url,
                transport=transport,
                per_call_policies=[LoopbackOnlyPolicy()],
            ) as web:
                listed = [s.name async for s in web.web_apps.list()]  # 3 pages

                async def one(i: int) -> int:
                    fs = sites[i % len(sites)]
                    async with sem:
                        if i % 3 == 0:
                            site = await web.web_apps.get(fs.resource_group, fs.name)
                            return 1 if site.name == fs.name else 0
                        if i % 3 == 1:
                            settings = await web.web_apps.list_application_settings(
                                fs.resource_group, fs.name
                            )
                            return 1 if settings.properties == fs.app_settings else 0
                        conns = await web.web_apps.list_connection_strings(fs.resource_group, fs.name)
                        props = conns.properties
                        return 1 if props is not None and set(props) == set(fs.connection_strings) else 0

                ok = sum(await asyncio.gather(*(one(i) for i in range(97))))
        return ok, listed

    before = arm.connections
    ok, listed = asyncio.run(run())
    assert listed == [s.name for s in sites]
    assert ok == 97
    assert len(arm.requests) == 100
    used = arm.connections - before
    assert 1 <= used <= 8 + 2, used


def test_patch_site_enables_system_identity(fake_arm: FakeArm) -> None:
    from azure.mgmt.web.models import ManagedServiceIdentity, SitePatchResource

    fs = next(s for s in fake_arm.estate.sites if s.identity is None)
    web = _web(fake_arm)
    out = web.web_apps.update(
        fs.resource_group, fs.name, SitePatchResource(identity=ManagedServiceIdentity(type="SystemAssigned"))
    )
    assert out.identity is not None
    assert out.identity.type == "SystemAssigned" and out.identity.principal_id
    assert fs.identity is not None and fs.identity.principal_id == out.identity.principal_id
    assert fake_arm.requests_to(fs.name, "PATCH")[0].body == {"identity": {"type": "SystemAssigned"}}


def test_role_assignments_create_get_list_delete(fake_arm: FakeArm) -> None:
    from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
    from azure.mgmt.authorization import AuthorizationManagementClient
    from azure.mgmt.authorization.v2022_04_01.models import RoleAssignmentCreateParameters

    sub = fake_arm._default_sub()
    auth = AuthorizationManagementClient(StaticTokenCredential(), sub, **fake_arm.client_kwargs())
    scope = f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct"
    role = f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe"
    name = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    params = RoleAssignmentCreateParameters(
        role_definition_id=role, principal_id="p-1", principal_type="ServicePrincipal"
    )
    created = auth.role_assignments.create(scope, name, params)
    assert created.scope == scope and created.principal_id == "p-1"
    with pytest.raises(ResourceExistsError):
        auth.role_assignments.create(scope, "4fa85f64-5717-4562-b3fc-2c963f66afa6", params)
    assert auth.role_assignments.get(scope, name).role_definition_id == role
    listed = list(auth.role_assignments.list_for_scope(scope, filter="principalId eq 'p-1'"))
    assert [r.name for r in listed] == [name]
    auth.role_assignments.delete(scope, name)
    with pytest.raises(ResourceNotFoundError):
        auth.role_assignments.get(scope, name)
    put = fake_arm.requests_to("/roleAssignments/", "PUT")[0]
    assert put.body["properties"]["principalType"] == "ServicePrincipal"


def test_swap_slot_exchanges_settings_but_not_sticky_ones_or_identities(fake_arm: FakeArm) -> None:
    from azure.mgmt.web.models import CsmSlotEntity

    fs = fake_arm.estate.sites[0]
    fs.app_settings = {"A": "prod-a", "STICKY": "prod-s", "PROD_ONLY": "1"}
    fs.connection_strings = {"Db": ("prod-db", "SQLAzure"), "Pinned": ("prod-pin", "Custom")}
    fs.sticky_app_settings, fs.sticky_connection_strings = ["STICKY"], ["Pinned"]
    fs.identity = FakeIdentity("SystemAssigned", "p-prod")
    fs.slots["staging"] = FakeSlot(
        {"A": "slot-a", "STICKY": "slot-s", "SLOT_ONLY": "1"},
        {"Db": ("slot-db", "SQLAzure")},
        FakeIdentity("SystemAssigned", "p-slot"),
    )
    web = _web(fake_arm)
    poller = web.web_apps.begin_swap_slot(
        fs.resource_group,
        fs.name,
        "staging",
        CsmSlotEntity(target_slot="production", preserve_vnet=True),
        polling_interval=0,
    )
    assert poller.result() is None and poller.status() == "Succeeded"
    slot = fs.slots["staging"]
    assert fs.app_settings == {"A": "slot-a", "STICKY": "prod-s", "SLOT_ONLY": "1"}
    assert slot.app_settings == {"A": "prod-a", "STICKY": "slot-s", "PROD_ONLY": "1"}
    assert fs.connection_strings == {"Db": ("slot-db", "SQLAzure"), "Pinned": ("prod-pin", "Custom")}
    assert slot.connection_strings == {"Db": ("prod-db", "SQLAzure")}
    assert (
        fs.identity.principal_id == "p-prod"
        and slot.identity is not None
        and slot.identity.principal_id == "p-slot"
    )
    post = fake_arm.requests_to("/slots/staging/slotsswap", "POST")
    assert len(post) == 1 and post[0].body == {"targetSlot": "production", "preserveVnet": True}
    assert fake_arm.requests_to("/operationresults/", "GET"), "the SDK polled the Location of the 202"


def test_resource_providers_and_generic_resources_through_the_sdk() -> None:
    from azure.mgmt.resource.resources import ResourceManagementClient
    from azure.mgmt.resource.resources.models import GenericResource

    from tests.fakearm import Estate

    estate = Estate()
    sb = estate.add_resource(
        SUB, "rg-msg", "Microsoft.ServiceBus/namespaces", "sb-orders", disableLocalAuth=False
    )
    with FakeArm(estate) as arm:
        rm = ResourceManagementClient(StaticTokenCredential(), SUB, **arm.client_kwargs())
        provider = rm.providers.get("Microsoft.ServiceBus")
        types = {t.resource_type: t.api_versions for t in provider.resource_types}
        assert sorted(types["namespaces"]) == ["2021-11-01", "2024-01-01", "2099-01-01-preview"]
        got = rm.resources.get_by_id(sb.id, "2024-01-01")
        assert got.properties == {"disableLocalAuth": False} and got.type == "Microsoft.ServiceBus/namespaces"
        rm.resources.begin_update_by_id(
            sb.id, "2024-01-01", GenericResource(properties={"disableLocalAuth": True})
        ).result()
        assert sb.properties == {"disableLocalAuth": True}
        assert sb.api_versions_seen == ["2024-01-01", "2024-01-01"]
        with pytest.raises(HttpResponseError) as err:  # an api-version the provider does not offer
            rm.resources.get_by_id(sb.id, "2015-01-01")
        assert err.value.status_code == 400
        with pytest.raises(ResourceNotFoundError):
            rm.resources.get_by_id(sb.id.replace("sb-orders", "nope"), "2024-01-01")
        with pytest.raises(ValueError, match="does not serve"):
            estate.add_resource(SUB, "rg", "Microsoft.Sql/servers", "x")
