"""Azure lookups through Azure Resource Graph: one paged query for all subscriptions, components found
by their instrumentation key without a GET each, 429s retried, and ARM list calls when Resource Graph
says no (real async SDK clients against the fake ARM over HTTPS on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest

from migrate.plan.resolve.arm import ARM_LIST_CALLS, RESOURCE_GRAPH, index_from_arm, read_index, wanted_types
from migrate.plan.resolve.resource_graph import (
    ResourceGraphLister,
    ResourceGraphUnavailable,
    graph_query,
    quota_resets_after,
)
from scanners.fingerprint import Fingerprinter
from scanners.sign_in import ArmTarget
from tests.conftest import TEST_KEY
from tests.fakearm import AsyncStaticTokenCredential, Estate, FakeArm, Faults, LoopbackOnlyPolicy
from tests.scanners.test_app_service import fake_az  # noqa: F401 - the fixture

SUB_A = "00000000-0000-0000-0000-00000000a001"
SUB_B = "00000000-0000-0000-0000-00000000b002"
IKEY = "3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b"  # the planted instrumentation key (the canary)
ARM_SCOPE = "https://management.azure.com/.default"
GRAPH = "/providers/Microsoft.ResourceGraph/resources"
TYPES = (
    "Microsoft.Storage/storageAccounts",
    "Microsoft.Insights/components",
    "Microsoft.ServiceBus/namespaces",
)
HASH = Fingerprinter(TEST_KEY).fingerprint


def _estate() -> Estate:
    estate = Estate()
    estate.add_resource(SUB_A, "rg-data", "Microsoft.Storage/storageAccounts", "ordersstore")
    estate.add_resource(
        SUB_A, "rg-ops", "Microsoft.Insights/components", "ai-orders", InstrumentationKey=IKEY
    )
    estate.add_resource(SUB_B, "rg-bus", "Microsoft.ServiceBus/namespaces", "orders-bus")
    estate.add_resource(SUB_B, "rg-ai", "Microsoft.CognitiveServices/accounts", "not-asked-for")
    return estate


def _index(arm: FakeArm, subs: list[str], types: tuple[str, ...] | None = TYPES) -> Any:
    return asyncio.run(
        index_from_arm(
            AsyncStaticTokenCredential(),
            ArmTarget(arm.base_url, ARM_SCOPE),
            subs,
            hasher=HASH,
            policies=(LoopbackOnlyPolicy(),),
            types=types,
        )
    )


@pytest.fixture
def arm(fake_arm_factory: Callable[..., FakeArm], monkeypatch: pytest.MonkeyPatch) -> FakeArm:
    made = fake_arm_factory(_estate(), Faults())
    monkeypatch.setenv("SSL_CERT_FILE", made.ca_path)
    return made


def test_two_subscriptions_one_query_and_the_component_without_a_get(arm: FakeArm) -> None:
    index = _index(arm, [SUB_B, SUB_A])
    graph = arm.requests_to(GRAPH, "POST")
    assert len(graph) == 1 and len(arm.requests) == 1  # no ARM list, no GET per component
    assert sorted(graph[0].body["subscriptions"]) == [SUB_A, SUB_B]
    assert graph[0].query["api-version"] == "2021-03-01"
    assert index.lookup == RESOURCE_GRAPH
    store = index.find("Microsoft.Storage/storageAccounts", "ordersstore")
    bus = index.find("Microsoft.ServiceBus/namespaces", "orders-bus")
    assert [r.resource_group for r in store] == ["rg-data"] and [r.subscription for r in bus] == [SUB_B]
    assert index.find("Microsoft.CognitiveServices/accounts", "not-asked-for") == []  # only the types asked
    component = index.component_for_key(HASH(IKEY))
    assert component is not None and component.name == "ai-orders"
    assert arm.requests_to("/components/") == []
    assert index.component_for_key(HASH("00000000-1111-2222-3333-444444444444")) is None


async def _read(arm: FakeArm, lister: Callable[[Any], ResourceGraphLister]) -> Any:
    """`read_index` over a `ResourceGraphLister` built by `lister` around a real client."""
    from azure.mgmt.resourcegraph.aio import ResourceGraphClient

    from scanners.azure_arm import client_kwargs, open_http_session

    session = open_http_session(2)
    kw = client_kwargs(
        ArmTarget(arm.base_url, ARM_SCOPE), session, retry_total=0, policies=(LoopbackOnlyPolicy(),)
    )
    client = ResourceGraphClient(AsyncStaticTokenCredential(), **kw)
    try:
        return await read_index(lister(client), [SUB_A, SUB_B], HASH, RESOURCE_GRAPH)
    finally:
        await client.close()
        await session.close()


def test_paging_across_three_pages(arm: FakeArm) -> None:
    index = asyncio.run(_read(arm, lambda c: ResourceGraphLister(c, TYPES, page_size=1)))
    pages = arm.requests_to(GRAPH, "POST")
    assert len(pages) == 3 and all(p.body["options"]["$top"] == 1 for p in pages)
    assert "$skipToken" not in pages[0].body["options"]
    tokens = [p.body["options"]["$skipToken"] for p in pages[1:]]
    assert len(set(tokens)) == 2
    assert all(p.body["query"] == pages[0].body["query"] for p in pages)  # the same query on each page
    assert sorted(r.name for r in index.resources) == ["ai-orders", "orders-bus", "ordersstore"]
    assert index.component_for_key(HASH(IKEY)) is not None


def test_forbidden_falls_back_to_arm_list_calls_and_says_why(arm: FakeArm) -> None:
    arm.faults.add(GRAPH, 403, method="POST")
    index = _index(arm, [SUB_A, SUB_B])
    assert index.lookup == f"{ARM_LIST_CALLS} (Resource Graph answered 403)"
    assert len(arm.requests_to(GRAPH, "POST")) == 1
    assert len(arm.requests_to("/resources", "GET")) >= 2  # one list per subscription
    assert index.find("Microsoft.ServiceBus/namespaces", "orders-bus")
    component = index.component_for_key(HASH(IKEY))
    assert component is not None and arm.requests_to("/components/ai-orders", "GET")  # the GET path


@pytest.mark.parametrize("status", [400, 404])
def test_other_refusals_fall_back_too(arm: FakeArm, status: int) -> None:
    arm.faults.add(GRAPH, status, method="POST")
    index = _index(arm, [SUB_A])
    assert index.lookup == f"{ARM_LIST_CALLS} (Resource Graph answered {status})"
    assert index.find("Microsoft.Storage/storageAccounts", "ordersstore")


def test_a_wrong_query_is_refused_by_the_fake(arm: FakeArm) -> None:
    """The fake understands only the lookup query's shape: a drifted query gets 400, not an answer."""
    import json
    import urllib.error
    import urllib.request

    body = {"subscriptions": [SUB_A], "query": graph_query(TYPES).replace("order by id asc", "order by name")}
    req = urllib.request.Request(  # noqa: S310 - 127.0.0.1
        f"{arm.base_url}{GRAPH}?api-version=2021-03-01",
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, context=arm.client_ssl_context(), timeout=10)  # noqa: S310
    assert err.value.code == 400


def test_429_without_retry_after_is_retried_after_the_quota_resets(arm: FakeArm) -> None:
    rule = arm.faults.add(
        GRAPH, 429, times=1, method="POST", headers=(("x-ms-user-quota-resets-after", "00:00:01"),)
    )
    started = time.monotonic()
    index = _index(arm, [SUB_A, SUB_B])
    assert rule.hits == 1 and len(arm.requests_to(GRAPH, "POST")) == 2  # azure-core alone would not retry
    assert time.monotonic() - started >= 1.0  # waited for the quota to reset
    assert index.lookup == RESOURCE_GRAPH and index.component_for_key(HASH(IKEY)) is not None


def test_throttling_is_bounded(arm: FakeArm) -> None:
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    arm.faults.add(GRAPH, 429, method="POST")
    with pytest.raises(ResourceGraphUnavailable, match="still throttled after 4 tries"):
        asyncio.run(_read(arm, lambda c: ResourceGraphLister(c, TYPES, sleep=no_wait)))
    assert waits == [1.0, 2.0, 4.0] and len(arm.requests_to(GRAPH, "POST")) == 4


def test_subscriptions_are_sent_in_batches() -> None:
    class Recorder:
        def __init__(self) -> None:
            self.batches: list[list[str]] = []

        async def resources(self, request: Any) -> Any:
            self.batches.append(list(request.subscriptions))
            return type("Answer", (), {"data": [], "skip_token": None})()

    rec = Recorder()
    subs = [f"00000000-0000-0000-0000-{i:012d}" for i in range(5)]
    asyncio.run(ResourceGraphLister(rec, TYPES, batch_size=2).read(subs, HASH))
    assert [len(b) for b in rec.batches] == [2, 2, 1] and sorted(sum(rec.batches, [])) == subs
    rec.batches.clear()
    asyncio.run(ResourceGraphLister(rec, ()).read(subs, HASH))
    assert rec.batches == []  # no type wanted: nothing asked


def test_query_shape_and_types() -> None:
    scopes = [
        "/subscriptions/<target-subscription>/resourceGroups/<target-resource-group>/providers/"
        "Microsoft.Insights/components/<application-insights component>",
        f"/subscriptions/{SUB_A}/resourceGroups/<target-resource-group>/providers/Microsoft.Storage/"
        "storageAccounts/ordersstore/blobServices/default",
        f"/subscriptions/{SUB_A}/resourceGroups/rg/providers/Microsoft.Web/sites/known",  # nothing to find
    ]
    assert wanted_types(scopes) == ("microsoft.insights/components", "microsoft.storage/storageaccounts")
    query = graph_query(["Microsoft.Storage/storageAccounts", "x'); drop"])
    assert "in~ ('microsoft.storage/storageaccounts')" in query and "drop" not in query
    assert quota_resets_after({"x-ms-user-quota-resets-after": "00:01:02.5"}) == 62.5
    assert quota_resets_after({"x-ms-user-quota-resets-after": "soon"}) is None


def test_the_instrumentation_key_never_reaches_a_log(arm: FakeArm, caplog: pytest.LogCaptureFixture) -> None:
    arm.faults.add(
        GRAPH, 429, times=1, method="POST", headers=(("x-ms-user-quota-resets-after", "00:00:00"),)
    )
    with caplog.at_level(logging.DEBUG):
        index = _index(arm, [SUB_A])
        arm.faults.rules.clear()
        arm.faults.add(GRAPH, 403, method="POST")
        fallback = _index(arm, [SUB_A])
    assert index.component_for_key(HASH(IKEY)) is not None  # the key was read and matched ...
    assert fallback.component_for_key(HASH(IKEY)) is not None
    assert any(r.query for r in arm.requests_to(GRAPH)) and caplog.records  # ... and something was logged
    seen = caplog.text + repr(index) + repr(fallback) + index.lookup + fallback.lookup
    assert IKEY not in seen and IKEY.upper() not in seen  # ... but never shown


def test_unreachable_is_named_by_type_only() -> None:
    class Broken:
        async def resources(self, request: Any) -> Any:
            raise ConnectionError("refused by SERVER-SIDE-TEXT")

    with pytest.raises(ResourceGraphUnavailable) as err:
        asyncio.run(ResourceGraphLister(Broken(), TYPES).read([SUB_A], HASH))
    assert err.value.reason == "Resource Graph gave no answer (ConnectionError)"


@pytest.mark.usefixtures("fake_az")
@pytest.mark.parametrize("refuse", [False, True])
def test_plan_cli_says_which_lookup_and_never_shows_the_key(
    fake_arm_factory: Callable[..., FakeArm],
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    refuse: bool,
) -> None:
    import json

    from click.testing import CliRunner

    from migrate.cli import main
    from tests.migrate.plan import test_estate_links as links

    arm = fake_arm_factory(links._estate())
    monkeypatch.setenv("SSL_CERT_FILE", arm.ca_path)
    document = links._document(arm)
    assert any(links.IKEY in str(s.app_settings) for s in arm.estate.sites)  # the planted key
    audit, key = tmp_path / "audit.json", tmp_path / "key"
    audit.write_text(json.dumps(document), encoding="utf-8")
    key.write_text(TEST_KEY.hex() + "\n", encoding="ascii")
    if refuse:
        arm.faults.add(GRAPH, 403, method="POST")
    arm.clear_requests()
    args = ["plan", str(audit), "-f", "json", "--subscription", links.SUB, "--arm-endpoint", arm.base_url]
    with caplog.at_level(logging.DEBUG):
        r = CliRunner().invoke(
            main,
            [*args, "--credential", "azure-cli", "--key-file", str(key)],
            env={"SSL_CERT_FILE": arm.ca_path, "NO_PROXY": "127.0.0.1,localhost"},
        )
    assert r.exit_code == 0, r.output
    component = "resourceGroups/rg-ops/providers/Microsoft.Insights/components/ai-multi"
    assert component in r.stdout  # found by its instrumentation key ...
    if refuse:
        assert "filled from ARM (via ARM list calls (Resource Graph answered 403))" in r.stderr
        assert arm.requests_to("/components/ai-multi", "GET")
    else:
        assert "filled from ARM (via Azure Resource Graph)" in r.stderr
        assert len(arm.requests_to(GRAPH, "POST")) == 1 and not arm.requests_to("/resources", "GET")
        assert not arm.requests_to("/components/", "GET")
    for text in (r.stdout, r.stderr, caplog.text):  # ... and shown nowhere
        assert links.IKEY not in text and links.IKEY.upper() not in text
