"""The endpoint a client needs, derived from a connection string written as a literal in code.

A call such as `new BlobServiceClient("...;AccountKey=...")` must not keep its literal when it is
rewritten: the literal goes and only the non-secret parts of the parsed connection string (account
name and endpoint suffix, namespace host, account endpoint) make the new argument.  None when no
endpoint can be derived: the call then goes to suggestions.md.
"""

from __future__ import annotations

import re

from scanners.classifier import classify
from scanners.connection_strings import parse_connection
from scanners.records import ServiceType

# Client -> (service, storage sub-service or None, form): "url" `https://host`, "host" a bare host.
CLIENTS: dict[str, tuple[ServiceType, str | None, str]] = {
    "BlobServiceClient": (ServiceType.STORAGE, "blob", "url"),
    "QueueServiceClient": (ServiceType.STORAGE, "queue", "url"),
    "TableServiceClient": (ServiceType.STORAGE, "table", "url"),
    "DataLakeServiceClient": (ServiceType.STORAGE, "dfs", "url"),
    "ServiceBusClient": (ServiceType.SERVICE_BUS, None, "host"),
    "EventHubProducerClient": (ServiceType.EVENT_HUBS, None, "host"),
    "EventHubConsumerClient": (ServiceType.EVENT_HUBS, None, "host"),
    "EventProcessorClient": (ServiceType.EVENT_HUBS, None, "host"),
    "CosmosClient": (ServiceType.COSMOS_DB, None, "url"),
    "ConfigurationClient": (ServiceType.APP_CONFIGURATION, None, "url"),
    "AzureAppConfigurationClient": (ServiceType.APP_CONFIGURATION, None, "url"),
}
_HOST_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)+")
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def looks_like_connection(text: str) -> bool:
    """Whether a literal's content may be (part of) a connection string or a credential."""
    return "=" in text or "://" in text or "@" in text


def _host(value: str) -> str | None:
    host = value.lower().strip().rstrip(".")
    return host if _HOST_RE.fullmatch(host) else None


def endpoint_for(client: str, literal: str) -> str | None:
    """`https://account.blob.core.windows.net`, `ns.servicebus.windows.net`, ... or None."""
    facts = CLIENTS.get(client)
    found = classify(literal)
    if facts is None or found is None or found.service_type is not facts[0]:
        return None
    service, sub, form = facts
    host: str | None
    if service is ServiceType.STORAGE:
        parsed = parse_connection(literal.strip())
        pairs = {k.lower(): v for k, v in parsed.pairs} if parsed else {}
        account = (pairs.get("accountname") or "").strip().lower()
        suffix = _host(pairs.get("endpointsuffix") or "core.windows.net")
        explicit = (
            parse_connection(pairs.get(f"{sub}endpoint", "").strip()) if pairs.get(f"{sub}endpoint") else None
        )
        if explicit is not None and explicit.host:
            host = _host(explicit.host)
        elif _NAME_RE.fullmatch(account) and suffix:
            host = _host(f"{account}.{sub}.{suffix}")
        else:
            host = None
    else:
        host = _host(found.endpoint.host or "")
    if host is None:
        return None
    return f"https://{host}" if form == "url" else host
