"""The planner's service facts are pinned twice: against a fixture written by hand from the
reference, and that fixture against the reference file itself, so a typo cannot slip in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from migrate.plan import catalog as cat
from scanners.records import ServiceType
from scanners.service_catalog import ROLE_GUIDS
from tests.conftest import DATA

REFERENCE = DATA / "azure-services.md"
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "reference_facts.json"


@pytest.fixture(scope="module")
def facts() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def reference() -> str:
    if not REFERENCE.is_file():
        pytest.fail(f"reference facts not found at {REFERENCE}")
    return REFERENCE.read_text(encoding="utf-8")


# --- the fixture against the reference --------------------------------------------------------


def test_fixture_roles_appear_in_reference(facts: dict[str, Any], reference: str) -> None:
    lines = reference.splitlines()
    for role in facts["arm_roles"]:
        assert any(role["guid"] in ln and role["as_written"] in ln for ln in lines), role
    for role in facts["key_granting_roles"]:
        assert any(role["guid"] in ln and role["name"] in ln for ln in lines), role


@pytest.mark.parametrize("group", ["roles_without_guid", "data_plane_roles"])
def test_fixture_named_roles_appear_in_reference(group: str, facts: dict[str, Any], reference: str) -> None:
    for role in facts[group]:
        assert role["as_written"] in reference, role


@pytest.mark.parametrize("group", ["settings", "local_auth_properties", "statements"])
def test_fixture_strings_appear_in_reference(group: str, facts: dict[str, Any], reference: str) -> None:
    for text in facts[group]:
        assert text in reference, text


# --- the catalog against the fixture ----------------------------------------------------------


def test_every_service_type_has_a_catalog_entry() -> None:
    assert set(cat.CATALOG) == set(ServiceType)
    for service, entry in cat.CATALOG.items():
        assert entry.service is service
        assert entry.roles or entry.review_reason or service in (ServiceType.ENTRA_ID,), service


def test_every_catalog_role_is_pinned(facts: dict[str, Any]) -> None:
    arm = {(r["name"], r["guid"]) for r in facts["arm_roles"]}
    named = {r["name"] for r in (*facts["roles_without_guid"], *facts["data_plane_roles"])}
    for role in cat.roles_used():
        if role.guid is None:
            assert role.name in named, role
        else:
            assert (role.name, role.guid) in arm, role
            # the scanner's table, where it has the role (catalog.bindings adds SignalR Service Owner)
            assert ROLE_GUIDS.get(role.name, role.guid) == role.guid


def test_every_catalog_setting_is_pinned(facts: dict[str, Any]) -> None:
    for name in cat.setting_names_used():
        assert name in facts["settings"], name
    assert cat.AI_AUTH_SYSTEM in facts["settings"]
    assert cat.AI_AUTH_USER in facts["settings"]
    assert cat.CREDENTIAL_MANAGED_IDENTITY in facts["settings"]


def test_catalog_local_auth_properties_are_pinned(facts: dict[str, Any]) -> None:
    allowed = facts["local_auth_properties"]
    for entry in cat.CATALOG.values():
        if entry.local_auth is None:
            continue
        prop = entry.local_auth.property
        assert any(p in prop or p in entry.local_auth.command for p in allowed), (entry.service, prop)


def test_catalog_statements_use_reference_forms(facts: dict[str, Any], reference: str) -> None:
    statements = facts["statements"]
    assert "FROM EXTERNAL PROVIDER" in cat.SQL_CREATE_USER
    assert "pgaadauth_create_principal(" in cat.PG_CREATE_PRINCIPAL
    assert "CREATE AADUSER" in cat.MYSQL_CREATE_USER
    assert "SET aad_auth_validate_oids_in_tenant = OFF;" in cat.MYSQL_CREATE_USER
    assert cat.COSMOS_GRANT.startswith("az cosmosdb sql role assignment create")
    assert cat.REDIS_GRANT.startswith("az redis access-policy-assignment create")
    assert "--assignee-principal-type ServicePrincipal" in cat.ARM_GRANT
    assert all(s in reference for s in statements)
    # The SQL connection forms are the reference's, with its placeholders renamed.
    sql = cat.SQL_CONNECTION_SYSTEM.replace("<server>", "<srv>").replace("<database>", "<db>")
    assert sql in reference
    assert "User Id=<uami-client-id>" in cat.SQL_CONNECTION_USER


def test_identity_assign_never_passes_scope() -> None:
    # `identity assign --scope` grants Contributor (§0.4).
    for template in (cat.IDENTITY_ASSIGN_SYSTEM, cat.IDENTITY_ASSIGN_USER):
        assert "--scope" not in template and "--role" not in template


def test_catalog_never_hands_out_keys(facts: dict[str, Any]) -> None:
    banned_names = {r["name"] for r in facts["key_granting_roles"]}
    banned_guids = {r["guid"] for r in facts["key_granting_roles"]}
    assert {"Storage Account Contributor", "Contributor", "Owner"} <= banned_names
    assert banned_names <= set(cat.KEY_GRANTING_ROLES)
    for role in cat.roles_used():
        assert role.name not in banned_names, role
        assert role.guid not in banned_guids, role


def test_unverified_facts_are_marked() -> None:
    redis = cat.CATALOG[ServiceType.REDIS]
    assert all(r.unverified for dr in redis.roles for r in (*dr.read, *dr.write))
    assert redis.local_auth is not None and redis.local_auth.unverified
    wps = cat.CATALOG[ServiceType.WEB_PUBSUB]
    assert all(r.guid is None and r.unverified for dr in wps.roles for r in (*dr.read, *dr.write))
    assert cat.CATALOG[ServiceType.ENTRA_ID].unverified  # az ad app credential delete


def test_known_exceptions_are_stated() -> None:
    storage = cat.CATALOG[ServiceType.STORAGE].local_auth
    assert storage is not None and any(cat.CONTENT_SHARE_SETTING in e for e in storage.exceptions)
    cosmos = cat.CATALOG[ServiceType.COSMOS_DB].local_auth
    assert cosmos is not None and any("SQL" in e for e in cosmos.exceptions)
    openai = cat.CATALOG[ServiceType.OPENAI].local_auth
    assert openai is not None and any("Studio" in e for e in openai.exceptions)
