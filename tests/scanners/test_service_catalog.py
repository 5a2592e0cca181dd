"""Service facts are pinned to the verified reference, not remembered."""

from __future__ import annotations

import pytest

from scanners.records import ServiceType
from scanners.service_catalog import ROLE_GUIDS, SERVICES, service_for_host
from tests.conftest import DATA

REFERENCE = DATA / "azure-services.md"


@pytest.fixture(scope="module")
def reference_lines() -> list[str]:
    if not REFERENCE.is_file():
        pytest.fail(f"reference facts not found at {REFERENCE}")
    return REFERENCE.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(("role", "guid"), sorted(ROLE_GUIDS.items()))
def test_role_guid_pairs_match_reference(role: str, guid: str, reference_lines: list[str]) -> None:
    # The reference table sometimes abbreviates a role in its service's row ("Data Sender `guid`").
    last = role.split()[-1]
    assert any(guid in line and (role in line or last in line) for line in reference_lines), f"{role} {guid}"


def test_every_service_has_facts() -> None:
    assert set(SERVICES) == set(ServiceType)


def test_role_guids_are_unique() -> None:
    assert len(set(ROLE_GUIDS.values())) == len(ROLE_GUIDS)


@pytest.mark.parametrize(
    ("host", "service"),
    [
        ("contoso.blob.core.windows.net", ServiceType.STORAGE),
        ("ns.servicebus.windows.net", ServiceType.SERVICE_BUS),
        ("acct.documents.azure.com", ServiceType.COSMOS_DB),
        ("acct.mongo.cosmos.azure.com", ServiceType.COSMOS_MONGO),
        ("srv.database.windows.net", ServiceType.SQL),
        ("srv.postgres.database.azure.com", ServiceType.POSTGRESQL),
        ("srv.mysql.database.azure.com", ServiceType.MYSQL),
        ("cache.redis.cache.windows.net", ServiceType.REDIS),
        ("store.azconfig.io", ServiceType.APP_CONFIGURATION),
        ("x.openai.azure.com", ServiceType.OPENAI),
        ("x.search.windows.net", ServiceType.AI_SEARCH),
        ("reg.azurecr.io", ServiceType.CONTAINER_REGISTRY),
        ("example.org", None),
    ],
)
def test_service_for_host(host: str, service: ServiceType | None) -> None:
    assert service_for_host(host) is service
