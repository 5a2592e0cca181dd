"""HTTP request headers, authorization schemes and query parameters that carry an Azure key.

One table of facts, read by the code call table (`consumer_calls`), the script handler
(`script_http`) and the Go handler, so a header means the same service in every language.
A header whose service depends on the host it is sent to (`api-key`) has `service` None and is
resolved with `service_for_host` on the request's URL.

Sources:
* `Ocp-Apim-Subscription-Key`: learn.microsoft.com/azure/ai-services/authentication
  ("authenticate with a resource key for a specific service or a multi-service resource key").
* `Training-Key` / `Prediction-Key`: Custom Vision REST APIs,
  learn.microsoft.com/azure/ai-services/custom-vision-service/use-prediction-api.
* `aeg-sas-key` (header or query parameter), `aeg-sas-token`, `Authorization: SharedAccessSignature`:
  learn.microsoft.com/azure/event-grid/security-authenticate-publishing-clients.
* `api-key`: Azure OpenAI REST (learn.microsoft.com/azure/ai-services/openai/reference) and Azure AI
  Search REST (learn.microsoft.com/azure/search/search-security-api-keys).
* `Authorization: EndpointKey <key>`: QnA Maker runtime `generateAnswer` (the endpoint key of
  `QnAMakerEndpointKeys`, learn.microsoft.com/azure/ai-services/qnamaker/quickstarts/get-answer-from-knowledge-base-using-url-tool).
* `subscription-key` query parameter: Azure AI services / LUIS prediction URLs (same page as the
  header: the key can be sent as a query string).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanners.records import CredentialKind, ServiceType
from scanners.service_catalog import service_for_host

S = ServiceType
K = CredentialKind


@dataclass(frozen=True, slots=True)
class KeyHeader:
    """A header (or `Authorization` scheme, or query parameter) whose value is a key."""

    name: str
    service: ServiceType | None  # None: the service of the host the request goes to
    kind: CredentialKind


KEY_HEADERS: tuple[KeyHeader, ...] = (
    KeyHeader("Ocp-Apim-Subscription-Key", S.COGNITIVE_SERVICES, K.API_KEY),
    KeyHeader("Training-Key", S.COGNITIVE_SERVICES, K.API_KEY),
    KeyHeader("Prediction-Key", S.COGNITIVE_SERVICES, K.API_KEY),
    KeyHeader("aeg-sas-key", S.EVENT_GRID, K.ACCESS_KEY),
    KeyHeader("aeg-sas-token", S.EVENT_GRID, K.SAS),
    KeyHeader("api-key", None, K.API_KEY),
)
"""Request headers whose value is the key itself."""

AUTHORIZATION_SCHEMES: tuple[KeyHeader, ...] = (
    KeyHeader("EndpointKey", S.COGNITIVE_SERVICES, K.API_KEY),
    KeyHeader("SharedAccessSignature", None, K.SAS),
)
"""`Authorization: <scheme> <value>` schemes whose value is a key or a SAS signed with one."""

KEY_QUERY_PARAMETERS: tuple[KeyHeader, ...] = (
    KeyHeader("subscription-key", S.COGNITIVE_SERVICES, K.API_KEY),
    KeyHeader("aeg-sas-key", S.EVENT_GRID, K.ACCESS_KEY),
)
"""URL query parameters whose value is a key."""

KEY_RESPONSE_FIELDS: tuple[KeyHeader, ...] = (
    KeyHeader("primaryEndpointKey", S.COGNITIVE_SERVICES, K.API_KEY),
    KeyHeader("secondaryEndpointKey", S.COGNITIVE_SERVICES, K.API_KEY),
)
"""Fields of REST responses that hold a key (QnA Maker `GET /endpointkeys`,
learn.microsoft.com/rest/api/qnamaker/endpoint-keys/get-keys): read by code, or pasted into a
script's comments as sample output."""

_BY_NAME = {h.name.lower(): h for h in KEY_HEADERS}
_SCHEMES = {h.name.lower(): h for h in AUTHORIZATION_SCHEMES}
_PARAMETERS = {h.name.lower(): h for h in KEY_QUERY_PARAMETERS}
_FIELDS = {h.name.lower(): h for h in KEY_RESPONSE_FIELDS}
_HOST_RE = re.compile(r"https?://([A-Za-z0-9.\-]+)")


def response_field(name: str) -> KeyHeader | None:
    return _FIELDS.get(name.lower())


def header(name: str) -> KeyHeader | None:
    """The key header called `name` (case-insensitive, as HTTP header names are)."""
    return _BY_NAME.get(name.lower())


def scheme(name: str) -> KeyHeader | None:
    """The `Authorization` scheme called `name`."""
    return _SCHEMES.get(name.lower())


def query_parameter(name: str) -> KeyHeader | None:
    return _PARAMETERS.get(name.lower())


def header_names_pattern() -> str:
    """A regular expression (no groups) matching any key header name, case-insensitively."""
    return "(?i:" + "|".join(re.escape(h.name) for h in KEY_HEADERS) + ")"


def service_of(entry: KeyHeader, context: str) -> ServiceType:
    """The service `entry` authenticates to: its own, else that of the last Azure host named in
    `context` (the request around it), else generic."""
    if entry.service is not None:
        return entry.service
    found: ServiceType | None = None
    for m in _HOST_RE.finditer(context):
        found = service_for_host(m.group(1)) or found
    if found is None and entry.kind is K.SAS and "servicebus" in context.lower():
        found = S.SERVICE_BUS
    return found or S.GENERIC
