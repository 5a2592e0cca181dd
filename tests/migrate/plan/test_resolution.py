"""Resolution on a multi-service repository: endpoints beside keys, IaC symbols and the app each
project is deployed to bring (nearly) every secret into a planned unit with a role and a scope."""

from __future__ import annotations

from typing import Any

from migrate.emit import emit_plan
from migrate.plan.planner import plan
from migrate.plan.records import Plan, ReviewReason
from scanners.key_wiring import KEY_WIRING_METHODS
from tests.migrate.fixture_repos import scan_document

NAME = "multi-service"


def _plan() -> tuple[dict[str, dict[str, Any]], Plan]:
    document = scan_document(NAME)
    items = {str(i["Id"]): i for i in document["items"]}
    return items, plan(document)


def _granted(p: Plan) -> dict[str, tuple[str, str]]:
    """item id -> (role, scope) of the first grant of the planned unit that holds it."""
    out: dict[str, tuple[str, str]] = {}
    for app in p.apps:
        for u in app.units:
            g = next((g for g in app.grants if g.unit == u.unit), None)
            if g is not None and g.role and g.scope:
                for iid in u.item_ids:
                    out.setdefault(iid, (g.role, g.scope))
    return out


def test_secrets_reach_a_planned_unit_with_a_role_and_a_scope() -> None:
    items, p = _plan()
    # the keys in the repository (`secret`) and the keys IaC and scripts copy (key wiring)
    secrets = {
        iid
        for iid, i in items.items()
        if i["ValueClass"] == "secret"
        or (i["ValueClass"] == "reference" and i["Detector"].partition(":")[2] in KEY_WIRING_METHODS)
    }
    assert len(secrets) >= 20  # the fixture's planted keys were found
    granted = _granted(p)
    planned = secrets & set(granted)
    reviewed = {iid: r for r in p.needs_review for iid in r.item_ids}
    rest = secrets - planned
    # every secret not planned is listed with a reason and the input that would resolve it
    for iid in rest:
        assert iid in reviewed, items[iid]["Location"]
        assert reviewed[iid].reason and reviewed[iid].resolution
    # the Kubernetes manifest's keys too: planned for their workload (Workload ID), with a role and a scope
    k8s = {iid for iid in secrets if str(items[iid]["Location"]["path"]).startswith("k8s/")}
    assert len(k8s) == 2 and k8s <= planned
    assert not any(r.reason is ReviewReason.KUBERNETES for r in p.needs_review)
    assert len(planned) / len(secrets) >= 0.95, sorted(rest)


def test_what_was_resolved_and_from_where() -> None:
    items, p = _plan()
    units = {u.unit: (app.app, u) for app in p.apps for u in app.units}
    # siblings: OpenAI, AI Search, Event Grid and Container Registry keys beside their endpoints
    for unit, resource in (
        ("src/Api::azure_openai_api_key", "contoso-multi-openai"),
        ("src/Api::openai_apikey", "contoso-multi-openai"),
        ("src/Api::search_apikey", "contoso-multi-search"),
        ("src/Api::eventgrid_topic_key", "contoso-multi-topic"),
        ("src/Api::registry_password", "contosomultiacr"),
        ("src/Worker::cosmos_key", "contoso-multi-cosmos"),
    ):
        assert units[unit][1].resource == resource, unit
    assert any("sibling setting OpenAI:Endpoint" in n for n in units["src/Api::openai_apikey"][1].notes)
    # IaC: Bicep params/vars/existing and Terraform blocks, written for the app azd / CI ties them to
    assert units["src/Api::storage_connection"][1].resource == "contosomultistore"
    assert units["src/Api::bus_connection"][1].resource == "contoso-multi-bus"
    assert units["src/Api::search_key"][1].resource == "contoso-multi-search"
    assert units["src/Reports::storage_connection"][1].resource == "contosomultitf"
    assert units["src/Reports::bus_connection"][1].resource == "contoso-multi-tfbus"
    # a name IaC writes as an expression: the role and the scope pattern, the name left to fill in
    hubs = units["src/Api::hubs_connection"][1]
    assert hubs.resource == "<name of Microsoft.EventHub/namespaces ${prefix}-hubs>"
    grants = [g for a in p.apps for g in a.grants if g.unit == hubs.unit]
    assert grants and all(g.role.startswith("Azure Event Hubs Data") for g in grants)
    assert all("/providers/Microsoft.EventHub/namespaces/<name of " in g.scope for g in grants)
    # the app names come from azd tags, the publish profile and the pipeline
    names = {a.app: [x.name for x in a.identity.principals] for a in p.apps}
    assert names == {
        "src/Api": ["contoso-multi-api"],
        "src/Reports": ["contoso-multi-tfapi"],
        "src/Worker": ["contoso-multi-worker"],
        "k8s/deployment.yaml": ["id-k8s-deployment"],  # the workload (no repository read: the manifest path)
    }
    # a test project's and a compose service's settings belong to the project they run
    assert "tests/Api.Tests/appsettings.Test.json:4" in units["src/Api::openai_apikey"][1].locations
    assert "docker-compose.yml:6" in units["src/Api::azure_search_admin_key"][1].locations


def test_needs_review_reaches_the_emit_readme() -> None:
    _items, p = _plan()
    assert p.needs_review
    readme = emit_plan(p, None).files["README.md"].text
    assert "## Needs review" in readme
    for r in p.needs_review:
        assert f"`{r.unit}`" in readme and r.resolution.split(":")[0] in readme
