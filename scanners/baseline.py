"""Baselines: accept today's findings so CI fails only on new ones.

A finding's identity is its item `Id`: a keyed hash of path (or app setting), setting name,
detector and value fingerprint, with no line number, so edits above a finding keep it accepted
while a changed secret value makes it new.  The file holds no secret and no unkeyed hash: only
keyed ids and fingerprints, which match only under the same fingerprint key
(`SECRETLESS_FINGERPRINT_KEY` in CI, `--key-file` locally).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanners.errors import ConfigError
from scanners.records import AppServiceLocation, ConnectionStringAuditItem, FileLocation

BASELINE_VERSION = 1


class BaselineError(ConfigError):
    """The baseline file cannot be read or is not a secretless baseline."""


@dataclass(frozen=True, slots=True, order=True)
class BaselineEntry:
    location: str
    id: str
    fingerprint: str
    service: str
    detector: str

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "fingerprint": self.fingerprint,
            "location": self.location,
            "service": self.service,
            "detector": self.detector,
        }


@dataclass(frozen=True, slots=True)
class Baseline:
    entries: tuple[BaselineEntry, ...]

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(e.id for e in self.entries)


def _where(item: ConnectionStringAuditItem) -> str:
    """Where the finding lives, without a line number (lines move; the Id does not)."""
    loc = item.location
    if isinstance(loc, FileLocation):
        return loc.path
    assert isinstance(loc, AppServiceLocation)  # noqa: S101 - Location is a closed union
    site = f"{loc.subscription}/{loc.resource_group}/{loc.site}" + (f"/{loc.slot}" if loc.slot else "")
    return f"{site}:{loc.setting}"


def from_items(items: Iterable[ConnectionStringAuditItem]) -> Baseline:
    entries = {
        BaselineEntry(
            location=_where(i),
            id=i.item_id,
            fingerprint=i.fingerprint,
            service=str(i.service_type),
            detector=i.detector,
        )
        for i in items
    }
    return Baseline(tuple(sorted(entries)))


def dumps(baseline: Baseline) -> str:
    doc = {
        "schema_version": BASELINE_VERSION,
        "tool": "secretless",
        "entries": [e.to_json() for e in baseline.entries],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def loads(text: str, source: str = "baseline") -> Baseline:
    try:
        doc: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"{source}: not JSON (line {exc.lineno}): regenerate it with --update-baseline"
        ) from None
    if (
        not isinstance(doc, dict)
        or doc.get("tool") != "secretless"
        or not isinstance(doc.get("entries"), list)
    ):
        raise BaselineError(f"{source}: not a secretless baseline")
    if doc.get("schema_version") != BASELINE_VERSION:
        raise BaselineError(
            f"{source}: unsupported baseline schema_version {doc.get('schema_version')!r} "
            f"(this secretless reads {BASELINE_VERSION})"
        )
    try:
        entries = tuple(
            sorted(
                BaselineEntry(
                    location=str(e["location"]),
                    id=str(e["id"]),
                    fingerprint=str(e["fingerprint"]),
                    service=str(e.get("service", "")),
                    detector=str(e.get("detector", "")),
                )
                for e in doc["entries"]
            )
        )
    except (KeyError, TypeError) as exc:
        raise BaselineError(f"{source}: malformed entry ({type(exc).__name__}: {exc})") from None
    return Baseline(entries)


def load(path: Path) -> Baseline:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such baseline; create it with --update-baseline") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read the baseline ({type(exc).__name__})") from None
    return loads(text, str(path))


def save(baseline: Baseline, path: Path) -> None:
    path.write_text(dumps(baseline), encoding="utf-8")


def new_items(
    items: Iterable[ConnectionStringAuditItem], baseline: Baseline
) -> tuple[ConnectionStringAuditItem, ...]:
    """The items whose identity the baseline does not hold, in their original order."""
    accepted = baseline.ids
    return tuple(i for i in items if i.item_id not in accepted)
