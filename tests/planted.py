"""Leak tests first prove the scan found what was planted, so they cannot pass on an empty scan.

`assert_planted_found(items, text, *values)` fails unless, for every planted value, an item
classed secret sits on a line of `text` that holds it.  Messages name lines, never the values.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanners.records import ConnectionStringAuditItem, FileLocation, ValueClass


def lines_holding(text: str, value: str) -> set[int]:
    """The 1-based numbers of the lines of `text` that contain `value`, and of the first line of
    each logical line they continue (after a trailing `\\` or PowerShell backtick)."""
    lines = text.splitlines()
    out: set[int] = set()
    for n, line in enumerate(lines, start=1):
        if value in line:
            out.add(n)
            while n > 1 and lines[n - 2].rstrip().endswith(("\\", "`")):
                n -= 1
            out.add(n)
    return out


def secret_lines(items: Iterable[ConnectionStringAuditItem], path: str | None = None) -> set[int]:
    """The lines (of `path`, or of any file) where an item classed secret was found."""
    return {
        i.location.line
        for i in items
        if i.value_class is ValueClass.SECRET
        and isinstance(i.location, FileLocation)
        and (path is None or i.location.path == path)
    }


def assert_planted_found(
    items: Iterable[ConnectionStringAuditItem], text: str, *values: str, path: str | None = None
) -> None:
    """Every planted value in `values` is found: an item classed secret on a line holding it."""
    assert values, "name at least one planted value"
    found = secret_lines(items, path)
    for n, value in enumerate(values):
        where = lines_holding(text, value)
        assert where, f"planted value #{n} is not in the scanned text"
        assert where & found, (
            f"planted value #{n} (line {sorted(where)}) not found; secrets found on {sorted(found)}"
        )
