"""One value, one class, across a scan.

Each value is classified where it is found, with what that place says about it.  A published
emulator key can therefore come out `dev-emulator` in a connection string and `secret` on a line
where only detect-secrets saw it.  After a scan, every item whose fingerprint (the keyed hash of
the value) was also found as a non-secret for a reason that belongs to the value itself (a
development emulator's published key) takes that class, so the inventory never says two things
about one value.

A key far shorter than any real key of its kind (under half of the 44 base64 characters of a
Service Bus key, or of the 88 of a storage or Cosmos DB key) in a test file is that test's fake:
`placeholder`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from scanners.pair_classifier import SHORT_KEY_NOTE
from scanners.records import ConnectionStringAuditItem, FileLocation, ValueClass
from scanners.test_paths import is_test_path

# Classes that follow from the value itself, whatever its place: they win over `secret`.
VALUE_OWN_CLASSES = (ValueClass.DEV_EMULATOR,)


def one_class_per_value(items: Sequence[ConnectionStringAuditItem]) -> list[ConnectionStringAuditItem]:
    """`items` with every `secret` whose value is known elsewhere in the scan as a development
    emulator's key re-classed to match."""
    owned: dict[str, ConnectionStringAuditItem] = {}
    for item in items:
        if item.value_class in VALUE_OWN_CLASSES and item.fingerprint:
            owned.setdefault(item.fingerprint, item)
    if not owned:
        return list(items)
    out: list[ConnectionStringAuditItem] = []
    for item in items:
        known = owned.get(item.fingerprint) if item.value_class is ValueClass.SECRET else None
        if known is None:
            out.append(item)
            continue
        out.append(
            replace(
                item,
                value_class=known.value_class,
                notes=(*item.notes, f"the same value is {known.value_class} elsewhere in this scan"),
            )
        )
    return out


def test_fakes(items: Sequence[ConnectionStringAuditItem]) -> list[ConnectionStringAuditItem]:
    """`items` with every `secret` of a test file whose length rules out a real key of its kind
    (`SharedAccessKey=testkey=`) re-classed `placeholder`: a stand-in that marks the slot.  A
    near-length fake key of a load test stays a key: its runner uses it as one."""
    out: list[ConnectionStringAuditItem] = []
    for item in items:
        if (
            item.value_class is ValueClass.SECRET
            and SHORT_KEY_NOTE in item.notes
            and isinstance(item.location, FileLocation)
            and is_test_path(item.location.path)
        ):
            item = replace(
                item, value_class=ValueClass.PLACEHOLDER, notes=(*item.notes, "a test file's fake key")
            )
        out.append(item)
    return out
