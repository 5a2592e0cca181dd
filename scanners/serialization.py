"""The versioned JSON form of a scan (`schema_version` 1) and its summary."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from scanners.records import ScanResult, ValueClass

SCHEMA_VERSION = 1


def summary(result: ScanResult) -> dict[str, Any]:
    items = result.items
    return {
        "files_scanned": result.files_scanned,
        "bytes_scanned": result.bytes_scanned,
        "items": len(items),
        "secrets": sum(1 for i in items if i.value_class is ValueClass.SECRET),
        "skipped": len(result.skipped),
        "by_value_class": dict(sorted(Counter(str(i.value_class) for i in items).items())),
        "by_service": dict(sorted(Counter(str(i.service_type) for i in items).items())),
        "by_evidence_role": dict(sorted(Counter(str(i.evidence_role) for i in items).items())),
        "units": len({i.unit for i in items if i.unit}),
        "sites": len(result.sites),
    }


def to_document(result: ScanResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": "secretless",
        "items": [i.to_json() for i in result.items],
        "skipped": [s.to_json() for s in result.skipped],
        "sites": [s.to_json() for s in result.sites],
        "credential": result.credential,
        "summary": summary(result),
    }


def dumps(result: ScanResult) -> str:
    return json.dumps(to_document(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
