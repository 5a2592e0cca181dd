"""One value, one class, across a scan.

Each value is classified where it is found, with what that place says about it.  A published
emulator key can therefore come out `dev-emulator` in a connection string and `secret` on a line
where only detect-secrets saw it.  After a scan, every item whose fingerprint (the keyed hash of
the value) was also found as a non-secret for a reason that belongs to the value itself (a
development emulator's published key) takes that class, so the inventory never says two things
about one value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from scanners.records import ConnectionStringAuditItem, ValueClass

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
