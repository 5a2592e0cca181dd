"""Scan a directory tree (or one file): walk, fan the files out to worker processes, link the
results into migration units, and return one `ScanResult`."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from scanners.app_links import link_apps
from scanners.code_siblings import with_code_endpoints
from scanners.errors import ScanError
from scanners.file_scan import DEFAULT_MAX_FILE_SIZE, DEFAULT_TIME_BUDGET_S, FileOutcome, scan_file
from scanners.linking import link
from scanners.records import ConnectionStringAuditItem, ScanResult
from scanners.walker import WalkOptions, walk

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
BATCH = 48
TASKS_PER_WORKER = 8
MIN_TASK_BYTES = 256 * 1024
IN_PROCESS_LIMIT = 64


@dataclass(frozen=True, slots=True)
class RepositoryScanOptions:
    walk: WalkOptions = WalkOptions()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    jobs: int = 0  # 0: one worker per core
    generic: bool = True
    time_budget_s: float | None = DEFAULT_TIME_BUDGET_S  # per file; past it the file is skipped (partial)


def _scan_batch(args: tuple[str, list[str], bytes, int, bool, float | None]) -> list[FileOutcome]:
    root, rels, key, max_size, generic, budget = args
    return [scan_file(root, rel, key, max_size, generic, budget) for rel in rels]


def _outcomes(
    root: str, files: list[str], sizes: dict[str, int], key: bytes, options: RepositoryScanOptions
) -> Iterator[FileOutcome]:
    jobs = options.jobs or os.cpu_count() or 1
    if jobs <= 1 or len(files) <= IN_PROCESS_LIMIT:
        for rel in files:
            yield scan_file(root, rel, key, options.max_file_size, options.generic, options.time_budget_s)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        tasks = [
            pool.submit(
                _scan_batch, (root, b, key, options.max_file_size, options.generic, options.time_budget_s)
            )
            for b in _batches(files, sizes, jobs)
        ]
        for done in as_completed(tasks):
            yield from done.result()


def _batches(files: list[str], sizes: dict[str, int], jobs: int) -> list[list[str]]:
    """Files in tasks for the pool, largest files first (the long tasks start early and the short
    ones fill the gaps), about TASKS_PER_WORKER tasks per worker and at most BATCH files a task.
    Sizes are the walk's (no second stat); the order of results does not matter: items and
    skipped records are sorted at the end."""
    sized = sorted(((sizes.get(rel, 0), rel) for rel in files), reverse=True)
    per_task = max(sum(size for size, _ in sized) // (jobs * TASKS_PER_WORKER), MIN_TASK_BYTES)
    batches: list[list[str]] = []
    batch: list[str] = []
    weight = 0
    for size, rel in sized:
        batch.append(rel)
        weight += size
        if weight >= per_task or len(batch) >= BATCH:
            batches.append(batch)
            batch, weight = [], 0
    if batch:
        batches.append(batch)
    return batches


def scan_repository(
    path: str,
    key: bytes,
    options: RepositoryScanOptions = RepositoryScanOptions(),
    progress: ProgressCallback | None = None,
) -> ScanResult:
    if not os.path.exists(path):
        raise ScanError(f"{path}: no such file or directory")
    if not os.path.isdir(path) and not os.path.isfile(path):
        raise ScanError(f"{path}: not a directory or regular file")
    root = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    walked = walk(path, options.walk)
    items: list[ConnectionStringAuditItem] = []
    skipped = list(walked.skipped)
    files_done = 0
    bytes_read = 0
    for outcome in _outcomes(root, walked.files, walked.sizes, key, options):
        files_done += 1
        bytes_read += outcome.bytes_read
        items.extend(outcome.items)
        skipped.extend(outcome.skipped)
        if progress is not None:
            progress(files_done, bytes_read)
    # a client the code builds from an endpoint setting: the value of that setting in the project's config
    items = with_code_endpoints(items, root, walked.files, walked.sizes, walked.project_dirs)
    linked, app_links = link_apps(root, link(items, walked.project_dirs), walked.files, walked.project_dirs)
    return ScanResult(
        items=tuple(sorted(linked, key=lambda i: i.sort_key())),
        skipped=tuple(sorted(skipped, key=lambda s: s.sort_key())),
        files_scanned=files_done,
        bytes_scanned=bytes_read,
        root=path,
        app_links=tuple(app_links),
    )
