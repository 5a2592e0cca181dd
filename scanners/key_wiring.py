"""Key wiring: infrastructure as code and scripts that copy a resource's key at deploy or run time.

Bicep and ARM `listKeys()` (and `listConnectionStrings()`, `listAccountSas()`, ...), Terraform
`*_connection_string` / `primary_access_key` attributes, `az ... keys list` in a script: none of them
writes a key in the repository, so their value class is `reference` (they point at a key the
resource keeps), never `secret` (a credential value written here).  The connection they make is still
key-based: the planner plans them, removes them and counts them as key consumers before local auth
goes off exactly as it does a secret value (`is_key_wiring`).

The one place that names the detector methods which wire a key.
"""

from __future__ import annotations

from scanners.records import ConnectionStringAuditItem, ValueClass

KEY_WIRING_METHODS = frozenset({"list-keys", "attribute-reference", "key-fetch"})
"""The detector methods (`<handler>:<method>`) of key wiring, across the IaC, script and Go handlers."""

KEY_WIRING_CLASS = ValueClass.REFERENCE
"""The value class every key-wiring item carries."""


def is_key_wiring(item: ConnectionStringAuditItem) -> bool:
    """True for an item that copies a resource's key at deploy or run time (see the module text)."""
    _, _, method = item.detector.partition(":")
    return item.value_class is KEY_WIRING_CLASS and method in KEY_WIRING_METHODS
