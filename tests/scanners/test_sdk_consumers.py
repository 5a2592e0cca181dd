"""Clients built from a key or a connection string are consumers of it, whatever the language:
the administration client of Service Bus, the `@azure/cosmos` client given a `key`, Lettuce with a
password, the Event Hubs processor built from a connection string."""

from __future__ import annotations

from scanners.records import ConnectionStringAuditItem, EvidenceRole, ServiceType, ValueClass
from tests.conftest import file_location, scan_text


def _consumers(
    items: list[ConnectionStringAuditItem], service: ServiceType
) -> dict[int, ConnectionStringAuditItem]:
    return {
        file_location(i).line: i
        for i in items
        if i.service_type is service and i.evidence_role is EvidenceRole.CODE_CONSUMER
    }


def test_service_bus_administration_client() -> None:
    text = """using Azure.Messaging.ServiceBus.Administration;
public class Topology {
    public async Task Create(string connectionString) {
        var admin = new ServiceBusAdministrationClient(connectionString);
        await admin.CreateQueueAsync("orders");
    }
}
"""
    found = _consumers(scan_text("src/Topology.cs", text), ServiceType.SERVICE_BUS)
    assert 4 in found and found[4].value_class is ValueClass.REFERENCE


def test_azure_cosmos_client_with_a_key() -> None:
    text = """const { CosmosClient } = require("@azure/cosmos");
const endpoint = process.env.COSMOS_ENDPOINT;
const key = process.env.COSMOS_KEY;
const client = new CosmosClient({ endpoint, key });
"""
    found = _consumers(scan_text("web/db.js", text), ServiceType.COSMOS_DB)
    assert 4 in found  # the client built with the key
    assert all(i.value_class is ValueClass.REFERENCE for i in found.values())


def test_event_processor_client_from_a_connection_string() -> None:
    text = """using Azure.Messaging.EventHubs;
var processor = new EventProcessorClient(checkpoints, "$Default", config["EventHubs:ConnectionString"], "telemetry");
"""
    found = _consumers(scan_text("src/Ingest.cs", text), ServiceType.EVENT_HUBS)
    assert 2 in found
