"""The report view model: a scan document (schema_version 1) read back into records.

Renderers and templates see `Report` and `Finding` records, never the raw JSON dicts.  The items
are rebuilt as `ConnectionStringAuditItem` records so a report shows exactly what the scan
recorded; nothing here ever held a secret value (the scan document has none).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanners.errors import ScanDocumentError, SecretlessError
from scanners.records import (
    ConnectionStringAuditItem,
    FileLocation,
    Location,
    SkippedItem,
    ValueClass,
    app_of,
)
from scanners.serialization import SCHEMA_VERSION, read_audit

ROOT_APPLICATION = "(repository root)"

# Most urgent first: the order of summary rows and of the value-class chart.
VALUE_CLASS_ORDER = (
    ValueClass.SECRET,
    ValueClass.REFERENCE,
    ValueClass.ADVISORY,
    ValueClass.LOCATOR,
    ValueClass.PLACEHOLDER,
    ValueClass.DEV_EMULATOR,
    ValueClass.PASSWORDLESS,
)


class ReportError(SecretlessError):
    """The input cannot be turned into a report (wrong kind of document, unknown version, ...)."""


class UnsupportedDocumentError(ReportError):
    """A valid secretless document that reports do not cover yet (a migration plan)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One audit item plus what a reader needs to place it."""

    item: ConnectionStringAuditItem
    application: str
    where: str

    @property
    def line(self) -> int | None:
        loc = self.item.location
        return loc.line if isinstance(loc, FileLocation) else None

    @property
    def path(self) -> str | None:
        loc = self.item.location
        return loc.path if isinstance(loc, FileLocation) else None


@dataclass(frozen=True, slots=True)
class Count:
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class Application:
    name: str
    findings: tuple[Finding, ...]

    @property
    def secrets(self) -> int:
        return sum(1 for f in self.findings if f.item.value_class is ValueClass.SECRET)


@dataclass(frozen=True, slots=True)
class Report:
    tool: str
    schema_version: int
    findings: tuple[Finding, ...]
    skipped: tuple[SkippedItem, ...]
    applications: tuple[Application, ...]
    by_service: tuple[Count, ...]
    by_value_class: tuple[Count, ...]
    by_application: tuple[Count, ...]
    files_scanned: int
    sites: int

    @property
    def secrets(self) -> int:
        return sum(1 for f in self.findings if f.item.value_class is ValueClass.SECRET)


def location_text(loc: Location) -> str:
    """`path:line` for files, `subscription/resource-group/site[/slot]:setting` for App Service."""
    if isinstance(loc, FileLocation):
        return f"{loc.path}:{loc.line}"
    base = f"{loc.subscription}/{loc.resource_group}/{loc.site}"
    if loc.slot:
        base += f"/{loc.slot}"
    return f"{base}:{loc.setting}" if loc.setting else base


def application_of(item: ConnectionStringAuditItem) -> str:
    """The app of `item` as the plan names it (`scanners.records.app_of`, so a report and a plan of
    the same scan count the same apps); the repository root reads as ROOT_APPLICATION."""
    app = app_of(item)
    return ROOT_APPLICATION if app == "." else app


def _counts(counter: Counter[str], order: tuple[str, ...] = ()) -> tuple[Count, ...]:
    rank = {label: i for i, label in enumerate(order)}
    keys = sorted(counter, key=lambda k: (rank.get(k, len(rank)), -counter[k], k))
    return tuple(Count(k, counter[k]) for k in keys)


def is_plan(document: Mapping[str, Any]) -> bool:
    if "apps" in document and "needs_review" in document:
        return True
    return document.get("kind") == "plan" or "plan" in document and "items" not in document


def load_report(document: Any) -> Report:
    """Build the view model from a parsed scan document; raises `ReportError` when it is not one."""
    if not isinstance(document, Mapping):
        raise ReportError("not a secretless document (expected a JSON object)")
    if is_plan(document):
        raise UnsupportedDocumentError(
            "not a scan document, and not a plan this version reads "
            "(make one with: secretless plan AUDIT.json -f json -o plan.json)"
        )
    if document.get("tool") != "secretless" or "items" not in document:
        raise ReportError("not a secretless scan document (no 'tool': 'secretless' and 'items')")
    try:
        audit = read_audit(document)
    except ScanDocumentError as exc:
        raise ReportError(f"malformed scan document: {exc}") from None
    items = sorted(audit.items, key=lambda i: i.sort_key())
    skipped = sorted(audit.skipped, key=lambda s: s.sort_key())
    findings = tuple(
        Finding(item=i, application=application_of(i), where=location_text(i.location)) for i in items
    )
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.application, []).append(f)
    applications = tuple(Application(name, tuple(fs)) for name, fs in sorted(groups.items()))
    return Report(
        tool="secretless",
        schema_version=SCHEMA_VERSION,
        findings=findings,
        skipped=tuple(skipped),
        applications=applications,
        by_service=_counts(Counter(str(f.item.service_type) for f in findings)),
        by_value_class=_counts(
            Counter(str(f.item.value_class) for f in findings), tuple(str(v) for v in VALUE_CLASS_ORDER)
        ),
        by_application=tuple(Count(a.name, len(a.findings)) for a in applications),
        files_scanned=audit.files_scanned,
        sites=len(audit.sites),
    )
