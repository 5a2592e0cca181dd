"""One scan job: a repository, a live estate, or both, merged into one `ScanResult`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from scanners.code_siblings import with_estate_endpoints
from scanners.consistency import one_class_per_value, test_fakes
from scanners.fingerprint import Fingerprinter
from scanners.records import ScanResult, SkipReason
from scanners.repository import ProgressCallback, RepositoryScanOptions, scan_repository

# Skip reasons that mean part of a live estate was not read (a deleted site is not a gap).
INCOMPLETE_REASONS = frozenset(
    {
        SkipReason.ACCESS_DENIED,
        SkipReason.THROTTLED,
        SkipReason.SERVICE_ERROR,
        SkipReason.ERROR,
        SkipReason.TIMEOUT,
        SkipReason.PAGING_LOOP,
        SkipReason.RESPONSE_TOO_LARGE,
    }
)
# Skip reasons of what was not (fully) read although it may hold secrets: the summary line counts
# them, so they cannot pass unnoticed with exit code 0.
MAY_HOLD_SECRETS_REASONS = frozenset({SkipReason.BINARY_WITH_KEYWORDS, SkipReason.TIMEOUT})


@dataclass(frozen=True, slots=True)
class EstateRequest:
    credential: Any
    credential_name: str
    target: Any  # azure_arm.ArmTarget
    options: Any  # app_service.EstateScanOptions


def run_scan(
    path: str | None,
    key: bytes,
    repo_options: RepositoryScanOptions,
    estate: EstateRequest | None = None,
    progress: ProgressCallback | None = None,
    az_exports: tuple[str, ...] = (),
) -> ScanResult:
    parts: list[ScanResult] = []
    if path is not None:
        parts.append(scan_repository(path, key, repo_options, progress))
    if az_exports:
        parts.append(scan_az_exports(az_exports, key))
    if estate is not None:
        from scanners.app_service import scan_estate

        res = scan_estate(estate.credential, estate.target, estate.options, Fingerprinter(key))
        parts.append(
            ScanResult(
                items=tuple(res.items),
                skipped=tuple(res.skipped),
                sites=tuple(res.sites),
                credential=estate.credential_name,
                stats={"arm_requests": res.requests, "throttle_pauses": res.throttle_pauses},
            )
        )
    merged = merge(parts)
    items = one_class_per_value(test_fakes(merged.items))
    # a repository and the estate in one scan: code that reads its endpoint from a setting of the app
    return replace(merged, items=tuple(with_estate_endpoints(items, merged.app_links)))


def scan_az_exports(paths: tuple[str, ...], key: bytes) -> ScanResult:
    """Items from Azure CLI JSON exports, exactly as a live scan would give them."""
    from scanners.az_exports import read_exports
    from scanners.estate_findings import items_for_site

    fp = Fingerprinter(key)
    items, skipped, sites = [], [], []
    for path in paths:
        snapshots, skips = read_exports(path)
        skipped.extend(skips)
        for snap in snapshots:
            items.extend(items_for_site(snap, {}, fp))
            sites.append(snap.inventory())
    return ScanResult(
        items=tuple(sorted(items, key=lambda i: i.sort_key())),
        skipped=tuple(sorted(skipped, key=lambda s: s.sort_key())),
        sites=tuple(sorted(sites, key=lambda s: s.sort_key())),
    )


def merge(parts: list[ScanResult]) -> ScanResult:
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return ScanResult(items=(), skipped=())
    items = sorted((i for p in parts for i in p.items), key=lambda i: i.sort_key())
    skipped = sorted((s for p in parts for s in p.skipped), key=lambda s: s.sort_key())
    sites = sorted((s for p in parts for s in p.sites), key=lambda s: s.sort_key())
    stats: dict[str, int] = {}
    for p in parts:
        stats.update(p.stats)
    return ScanResult(
        items=tuple(items),
        skipped=tuple(skipped),
        sites=tuple(sites),
        files_scanned=sum(p.files_scanned for p in parts),
        bytes_scanned=sum(p.bytes_scanned for p in parts),
        root=next((p.root for p in parts if p.root), ""),
        credential=next((p.credential for p in parts if p.credential), None),
        stats=stats,
        app_links=tuple(sorted({a for p in parts for a in p.app_links}, key=lambda a: a.sort_key())),
    )


def may_hold_secrets(result: ScanResult) -> int:
    """How many skipped records may hide secrets: binary content with Azure keywords, a file whose
    scan ran out of time, an app whose settings did not arrive in time."""
    return sum(1 for s in result.skipped if s.reason in MAY_HOLD_SECRETS_REASONS)


def is_incomplete(result: ScanResult) -> bool:
    """True when part of a live estate could not be read."""
    return any(s.reason in INCOMPLETE_REASONS and not s.partial for s in result.skipped)
