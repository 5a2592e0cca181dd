"""The scanned repository's files, for the planner: read-only, confined to the repository, bounded.

`plan --repo DIR` hands this reader to the grants, so that read or write access comes from the calls
the consuming code makes (`migrate.plan.code_access`).  Files are read with the scanner's own safe
reader (`scanners.file_scan.read_file`): no link is followed, no FIFO waited on, nothing over the
size bound read; a path that leaves the repository, or a file that cannot be read, tells nothing.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path, PurePosixPath

from migrate.plan.code_access import SourceReader
from scanners.file_scan import DEFAULT_MAX_FILE_SIZE, read_file


def repository_reader(root: Path, max_size: int = DEFAULT_MAX_FILE_SIZE) -> SourceReader:
    """`path -> text` for repository-relative POSIX paths under `root` (None when not readable)."""
    base = os.path.realpath(root)

    @cache
    def read(rel: str) -> str | None:
        path = PurePosixPath(rel)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            return None
        if os.path.commonpath([base, os.path.realpath(os.path.join(base, *path.parts))]) != base:
            return None  # a linked folder that leads out of the repository
        data, _skipped = read_file(base, str(path), max_size)
        if data is None:
            return None
        return data.decode("utf-8", errors="replace")

    return read
