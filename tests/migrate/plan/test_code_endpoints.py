"""Clients built in code from an endpoint and a key (`tests/fixtures/repos/code-endpoints`): the plan
puts each key's unit on the resource the endpoint names, with a role and a scope, instead of
needs-review `no-endpoint`."""

from __future__ import annotations

from migrate.plan.records import ReviewReason
from tests.migrate.fixture_repos import planned

NAME = "code-endpoints"


def test_units_land_on_the_resource_the_code_names() -> None:
    p = planned(NAME)
    units = {u.unit: (app, u) for app in p.apps for u in app.units}
    for unit, resource, role in (
        # the endpoint read from a setting whose value is in appsettings.json / .env of the same project
        ("src/Catalog::chat_apikey", "catalog-chat", "Cognitive Services OpenAI User"),
        ("src/Catalog::products_searchkey", "catalog-products", "Search Index Data"),
        ("src/indexer::azure_openai_api_key", "indexer-oai", "Cognitive Services OpenAI User"),
        ("src/indexer::index_cosmos_key", "indexer-docs", "Cosmos DB Built-in Data"),
        # a URL literal in the code
        ("src/Catalog::notices_topic_key", "catalog-notices", "EventGrid Data Sender"),
        ("src/indexer::index_search_key", "indexer-search", "Search Index Data"),
    ):
        assert unit in units, unit
        app, u = units[unit]
        assert u.resource == resource, unit
        grants = [g for g in app.grants if g.unit == unit]
        assert grants and all(g.scope for g in grants), unit
        assert any(g.role.startswith(role) for g in grants), (unit, [g.role for g in grants])
        assert resource in " ".join(g.scope for g in grants), unit
    assert not [r for r in p.needs_review if r.reason is ReviewReason.NO_ENDPOINT]
