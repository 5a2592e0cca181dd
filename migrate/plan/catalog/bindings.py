"""What each Azure Functions trigger and binding needs from an identity-based connection: the roles
that binding's Microsoft Learn page names, per binding kind (trigger, input, output), as data.

Each row cites its page.  The pages render includes of `MicrosoftDocs/azure-docs`
(`includes/functions-<service>-permissions.md`, "Grant permission to the identity"); where a page
names a role and an alternative that is broader (Service Bus and Event Hubs triggers: "Data Receiver,
Data Owner"), the narrower one is taken.  A binding whose kind the scan cannot tell (the in-process
`[Blob(...)]` attribute is input or output by its `FileAccess`, which the scan does not show) has no
row: the planner then falls back to what the code shows, or assumes write and says so.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from migrate.plan.catalog.entries import Facet, Role, arm_role
from scanners.records import ServiceType

S = ServiceType


class BindingKind(enum.StrEnum):
    TRIGGER = "trigger"
    INPUT = "input"
    OUTPUT = "output"


@dataclass(frozen=True, slots=True)
class BindingRoles:
    """The roles one kind of binding of one extension needs on its connection's target."""

    family: str  # blob, queue, table, service-bus, event-hubs, cosmos-db, signalr, event-grid
    kind: BindingKind
    roles: tuple[tuple[Facet, Role], ...]
    writes: bool  # whether the binding changes data (the grant's access)
    source: str
    note: str | None = None


_LEARN = "https://learn.microsoft.com/azure/azure-functions/"
_BLOB = _LEARN + "functions-bindings-storage-blob (includes/functions-blob-permissions.md)"
_QUEUE = _LEARN + "functions-bindings-storage-queue (includes/functions-queue-permissions.md)"
_TABLE = _LEARN + "functions-bindings-storage-table (includes/functions-table-permissions.md)"
_SB = _LEARN + "functions-bindings-service-bus (includes/functions-service-bus-permissions.md)"
_EH = _LEARN + "functions-bindings-event-hubs (includes/functions-event-hubs-permissions.md)"
_COSMOS = _LEARN + "functions-bindings-cosmosdb-v2 (includes/functions-cosmos-permissions.md)"
# functions-reference.md, "Grant permission to the identity", tab "Azure SignalR extension": "We recommend
# you to use the built-in role SignalR Service Owner"; the SignalR bindings page says the same for
# identity-based connections (extension 1.7.0 or later).
_SIGNALR = _LEARN + "functions-reference#grant-permission-to-the-identity (Azure SignalR extension)"
_EVENT_GRID = _LEARN + "functions-bindings-event-grid-output (identity-based connections)"

# Not in scanners.service_catalog.ROLE_GUIDS; GUID from tests/data/azure-services.md (built-in roles
# table) and Microsoft's built-in roles page, pinned by tests/migrate/plan/test_least_privilege.py.
SIGNALR_SERVICE_OWNER = Role("SignalR Service Owner", "7e4f1700-ea5a-4f59-8f37-079cfe29dce3")

BINDING_ROLES: tuple[BindingRoles, ...] = (
    BindingRoles(
        "blob",
        BindingKind.TRIGGER,
        (
            (Facet.BLOB, arm_role("Storage Blob Data Owner")),
            (Facet.QUEUE, arm_role("Storage Queue Data Contributor")),
        ),
        True,
        _BLOB,
        "the blob trigger writes poison blobs to a queue of the same account; the host storage "
        "(AzureWebJobsStorage) needs more when it serves the trigger",
    ),
    BindingRoles(
        "blob", BindingKind.INPUT, ((Facet.BLOB, arm_role("Storage Blob Data Reader")),), False, _BLOB
    ),
    BindingRoles(
        "blob", BindingKind.OUTPUT, ((Facet.BLOB, arm_role("Storage Blob Data Owner")),), True, _BLOB
    ),
    BindingRoles(
        "queue",
        BindingKind.TRIGGER,
        (
            (Facet.QUEUE, arm_role("Storage Queue Data Reader")),
            (Facet.QUEUE, arm_role("Storage Queue Data Message Processor")),
        ),
        False,
        _QUEUE,
    ),
    BindingRoles(
        "queue",
        BindingKind.OUTPUT,
        ((Facet.QUEUE, arm_role("Storage Queue Data Contributor")),),
        True,
        _QUEUE,
        "the page names Storage Queue Data Contributor first (Message Sender as the alternative)",
    ),
    BindingRoles(
        "table", BindingKind.INPUT, ((Facet.TABLE, arm_role("Storage Table Data Reader")),), False, _TABLE
    ),
    BindingRoles(
        "table",
        BindingKind.OUTPUT,
        ((Facet.TABLE, arm_role("Storage Table Data Contributor")),),
        True,
        _TABLE,
    ),
    BindingRoles(
        "service-bus",
        BindingKind.TRIGGER,
        ((Facet.DEFAULT, arm_role("Azure Service Bus Data Receiver")),),
        False,
        _SB,
        "a topic trigger needs the role with scope over the topic subscription, not only the topic",
    ),
    BindingRoles(
        "service-bus",
        BindingKind.OUTPUT,
        ((Facet.DEFAULT, arm_role("Azure Service Bus Data Sender")),),
        True,
        _SB,
    ),
    BindingRoles(
        "event-hubs",
        BindingKind.TRIGGER,
        ((Facet.DEFAULT, arm_role("Azure Event Hubs Data Receiver")),),
        False,
        _EH,
        "checkpoints go to the host storage (AzureWebJobsStorage)",
    ),
    BindingRoles(
        "event-hubs",
        BindingKind.OUTPUT,
        ((Facet.DEFAULT, arm_role("Azure Event Hubs Data Sender")),),
        True,
        _EH,
    ),
    BindingRoles(
        "cosmos-db",
        BindingKind.TRIGGER,
        ((Facet.DEFAULT, arm_role("Cosmos DB Built-in Data Contributor")),),
        True,
        _COSMOS,
        "the trigger writes its leases container",
    ),
    BindingRoles(
        "cosmos-db",
        BindingKind.INPUT,
        ((Facet.DEFAULT, arm_role("Cosmos DB Built-in Data Reader")),),
        False,
        _COSMOS,
    ),
    BindingRoles(
        "cosmos-db",
        BindingKind.OUTPUT,
        ((Facet.DEFAULT, arm_role("Cosmos DB Built-in Data Contributor")),),
        True,
        _COSMOS,
    ),
    *(
        BindingRoles("signalr", kind, ((Facet.DEFAULT, SIGNALR_SERVICE_OWNER),), True, _SIGNALR)
        for kind in BindingKind
    ),
    BindingRoles(
        "event-grid",
        BindingKind.OUTPUT,
        ((Facet.DEFAULT, arm_role("EventGrid Data Sender")),),
        True,
        _EVENT_GRID,
    ),
)

_BY_KEY = {(b.family, b.kind): b for b in BINDING_ROLES}

# C# attribute names (isolated and in-process) -> (family, kind); an attribute whose kind depends on
# arguments the scan does not show (`[Blob]`, `[Table]`) is not listed.
_CSHARP: dict[str, tuple[str, BindingKind]] = {
    "BlobTrigger": ("blob", BindingKind.TRIGGER),
    "BlobInput": ("blob", BindingKind.INPUT),
    "BlobOutput": ("blob", BindingKind.OUTPUT),
    "QueueTrigger": ("queue", BindingKind.TRIGGER),
    "QueueOutput": ("queue", BindingKind.OUTPUT),
    "Queue": ("queue", BindingKind.OUTPUT),
    "TableInput": ("table", BindingKind.INPUT),
    "TableOutput": ("table", BindingKind.OUTPUT),
    "ServiceBusTrigger": ("service-bus", BindingKind.TRIGGER),
    "ServiceBusOutput": ("service-bus", BindingKind.OUTPUT),
    "ServiceBus": ("service-bus", BindingKind.OUTPUT),
    "EventHubTrigger": ("event-hubs", BindingKind.TRIGGER),
    "EventHubOutput": ("event-hubs", BindingKind.OUTPUT),
    "EventHub": ("event-hubs", BindingKind.OUTPUT),
    "CosmosDBTrigger": ("cosmos-db", BindingKind.TRIGGER),
    "CosmosDBInput": ("cosmos-db", BindingKind.INPUT),
    "CosmosDBOutput": ("cosmos-db", BindingKind.OUTPUT),
    "CosmosDB": ("cosmos-db", BindingKind.INPUT),
    "SignalRTrigger": ("signalr", BindingKind.TRIGGER),
    "SignalRConnectionInfoInput": ("signalr", BindingKind.INPUT),
    "SignalRConnectionInfo": ("signalr", BindingKind.INPUT),
    "SignalROutput": ("signalr", BindingKind.OUTPUT),
    "SignalR": ("signalr", BindingKind.OUTPUT),
    "EventGridOutput": ("event-grid", BindingKind.OUTPUT),
}
# Python v2 decorator prefixes (`@app.<prefix>_trigger|input|output`) -> family.
_PYTHON: dict[str, str] = {
    "blob": "blob",
    "queue": "queue",
    "table": "table",
    "service_bus_queue": "service-bus",
    "service_bus_topic": "service-bus",
    "service_bus": "service-bus",
    "event_hub_message": "event-hubs",
    "event_hub": "event-hubs",
    "cosmos_db": "cosmos-db",
    "generic": "",
}
_CSHARP_RE = re.compile(r"^\[\s*(\w+)\s*\(")
_PYTHON_RE = re.compile(r"^@\w+\.(\w+?)_(trigger|input|output)\s*\(")


def binding_roles(preview: str) -> BindingRoles | None:
    """The roles the binding shown by a scan preview (`[BlobTrigger(Connection = "X")]`,
    `@app.queue_trigger(connection="X")`) needs; None when it is no binding or its kind is unknown."""
    m = _CSHARP_RE.match(preview.strip())
    if m and m.group(1) in _CSHARP:
        return _BY_KEY.get(_CSHARP[m.group(1)])
    p = _PYTHON_RE.match(preview.strip())
    if p and _PYTHON.get(p.group(1)):
        return _BY_KEY.get((_PYTHON[p.group(1)], BindingKind(p.group(2))))
    return None


def is_binding(preview: str) -> bool:
    """Whether a scan preview shows a Functions binding (known kind or not)."""
    s = preview.strip()
    m = _CSHARP_RE.match(s)
    return bool((m and (m.group(1) in _CSHARP or m.group(1) in ("Blob", "Table"))) or _PYTHON_RE.match(s))


def binding_services() -> dict[str, ServiceType]:
    """The service of each binding family (for tests and the view)."""
    return {
        "blob": S.STORAGE,
        "queue": S.STORAGE,
        "table": S.STORAGE,
        "service-bus": S.SERVICE_BUS,
        "event-hubs": S.EVENT_HUBS,
        "cosmos-db": S.COSMOS_DB,
        "signalr": S.SIGNALR,
        "event-grid": S.EVENT_GRID,
    }
