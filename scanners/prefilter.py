"""The cheap test every file takes before any parsing: one compiled byte regex.

Most files in a repository hold no Azure keyword at all; they are read once and dropped.
"""

from __future__ import annotations

import re

from scanners.line_scanner import ANCHOR_RE

_CONSUMER_KEYWORDS = (
    r"fromconnectionstring|from_connection_string|connectionstring|clientsecretcredential|"
    r"listkeys|listconnectionstrings|primary_|secondary_|serviceclient|busclient|cosmosclient|"
    r"sqlconnection|getenvironmentvariable|getconnectionstring|keycredential|instrumentation|"
    r"eventhub|servicebus|storageaccount|administrator_login|admin_password|admin_enabled|"
    r"docker_registry|az\s+login|--account-key|--sas-token|--connection-string|securestring|"
    r"@secure|secretkeyref|azure/login|credentials|connection_string"
)

PREFILTER_RE = re.compile(
    (ANCHOR_RE.pattern + "|" + _CONSUMER_KEYWORDS).encode("ascii"), re.IGNORECASE
)


def worth_reading(data: bytes) -> bool:
    return PREFILTER_RE.search(data) is not None
