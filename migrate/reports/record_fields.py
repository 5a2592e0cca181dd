"""Records shown generically: any dataclass field a template does not name gets shown anyway.

The plan's records grow (new fields with defaults); a report must not silently drop what it does
not know.  `extras(record)` gives the fields a template does not show itself (`SHOWN`) whose value
differs from the field's default, as (name, text) pairs; `all_fields(record)` gives every field.
Reasons come first: any field whose name ends in `reason` or `why` is what a reviewer reads.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from migrate.plan.records import (
    AppPlan,
    CodeChange,
    DoneItem,
    Grant,
    IdentityDecision,
    LocalAuthChange,
    Plan,
    Principal,
    Removal,
    ReviewItem,
    Risk,
    SettingChange,
    Stage,
    UnitPlan,
)


@dataclass(frozen=True, slots=True)
class Detail:
    """One field of a record, as text for a reader."""

    name: str
    text: str

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")


# The fields each template shows in its own columns; everything else is an extra.
SHOWN: Mapping[type, frozenset[str]] = {
    Plan: frozenset({"apps", "needs_review", "already_passwordless", "schema_version", "tool"}),
    AppPlan: frozenset(
        {
            "app",
            "kind",
            "slots",
            "identity",
            "units",
            "grants",
            "settings",
            "code_changes",
            "removals",
            "local_auth",
            "risks",
            "stages",
        }
    ),
    IdentityDecision: frozenset(
        {
            "kind",
            "name",
            "existing",
            "rule",
            "assumptions",
            "client_id_required",
            "client_id_selection",
            "principals",
        }
    ),
    Principal: frozenset({"name", "slot", "object_id"}),
    UnitPlan: frozenset(
        {
            "unit",
            "service",
            "resource",
            "endpoint",
            "facets",
            "access",
            "basis",
            "access_evidence",
            "notes",
            "item_ids",
        }
    ),
    Grant: frozenset(
        {
            "unit",
            "principal",
            "slot",
            "authorization",
            "role",
            "role_guid",
            "scope",
            "narrower_scope",
            "access",
            "basis",
            "reason",
            "statement",
            "unverified",
        }
    ),
    SettingChange: frozenset(
        {"unit", "where", "slot", "setting", "action", "value_template", "sticky", "stage", "reason"}
    ),
    CodeChange: frozenset({"unit", "location", "detector", "change", "evidence"}),
    Removal: frozenset({"unit", "what", "where", "stage", "why", "command"}),
    LocalAuthChange: frozenset(
        {
            "service",
            "resource",
            "property",
            "command",
            "blocked_reason",
            "exceptions",
            "rotation",
            "shared_with",
            "remaining_consumers",
            "unverified",
        }
    ),
    Risk: frozenset({"code", "text", "unit", "unverified"}),
    Stage: frozenset({"name", "order", "steps", "gate"}),
    # item ids are for tools (the JSON report has them), not for readers
    ReviewItem: frozenset(
        {"app", "unit", "service", "reason", "detail", "action_needed", "locations", "item_ids", "resolution"}
    ),
    DoneItem: frozenset({"app", "unit", "service", "detail", "locations", "item_ids"}),
}


def text_of(value: Any) -> str:
    """A field value as one line of text: enums by value, lists joined, records as `name: value`."""
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        return "; ".join(t for t in (text_of(v) for v in value) if t)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={text_of(v)}" for k, v in sorted(value.items()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return ", ".join(f"{d.label}: {d.text}" for d in all_fields(value) if d.text)
    return str(value)


def _shown(record: Any) -> frozenset[str]:
    for cls in type(record).__mro__:
        if cls in SHOWN:
            return SHOWN[cls]
    return frozenset()


def _is_default(f: dataclasses.Field[Any], value: Any) -> bool:
    if f.default is not dataclasses.MISSING:
        return bool(value == f.default)
    if f.default_factory is not dataclasses.MISSING:
        return bool(value == f.default_factory())
    return value in (None, (), [], {}, "")


def _reason_first(name: str) -> int:
    """Sort key: reasons first, otherwise the record's own field order (the sort is stable)."""
    return 0 if name.endswith(("reason", "reasons", "why")) else 1


def all_fields(record: Any) -> tuple[Detail, ...]:
    """Every field of a record, reasons first."""
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        return ()
    names = sorted((f.name for f in dataclasses.fields(record)), key=_reason_first)  # stable
    return tuple(Detail(n, text_of(getattr(record, n))) for n in names)


def extras(record: Any) -> tuple[Detail, ...]:
    """The fields of `record` no template column shows, unless they hold their default."""
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        return ()
    shown = _shown(record)
    out = [
        Detail(f.name, text_of(getattr(record, f.name)))
        for f in dataclasses.fields(record)
        if f.name not in shown and not _is_default(f, getattr(record, f.name))
    ]
    out.sort(key=lambda d: _reason_first(d.name))
    return tuple(d for d in out if d.text)


def extra_collections(record: Any) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """Fields of `record` (a plan or an app) that no template shows and that hold a list of records
    or values: each becomes a section of its own (prerequisites, decisions, ...)."""
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        return ()
    shown = _shown(record)
    out = []
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if f.name in shown or not isinstance(value, tuple | list) or not value:
            continue
        out.append((f.name.replace("_", " "), tuple(value)))
    return tuple(out)


def scalar_extras(record: Any) -> tuple[Detail, ...]:
    """`extras(record)` without the lists that `extra_collections` shows as sections."""
    return tuple(d for d in extras(record) if not isinstance(getattr(record, d.name), tuple | list))


@dataclass(frozen=True, slots=True)
class GenericTable:
    """Records of one kind as a table: every field that holds something in some row."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def table_of(records: tuple[Any, ...]) -> GenericTable:
    """`records` (dataclasses, or plain values in one column) as a `GenericTable`."""
    if not records:
        return GenericTable((), ())
    if not all(dataclasses.is_dataclass(r) and not isinstance(r, type) for r in records):
        return GenericTable(("value",), tuple((text_of(r),) for r in records))
    details = [all_fields(r) for r in records]
    names: list[str] = []
    for row in details:
        names += [d.name for d in row if d.text and d.name not in names]
    order = [d.name for d in details[0]]
    names.sort(key=lambda n: (_reason_first(n), order.index(n) if n in order else len(order)))
    rows = tuple(tuple(next((d.text for d in row if d.name == n), "") for n in names) for row in details)
    return GenericTable(tuple(n.replace("_", " ") for n in names), rows)
