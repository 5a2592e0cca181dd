"""Settings kept as rows of a delimited file: `CosmosDbKey|<key>`, `Name,Value,Description` in
`*.csv`, `*.tsv` and `*.psv`.

Read with the standard `csv` module.  The delimiter is sniffed among `,` `|` `;` and tab: the
one under which the most sampled rows read as a setting (2 or 3 columns, the first an
identifier-like name such as `CosmosDbKey`, `ConnectionStrings:Orders` or
`spring.datasource.password`).  A file is read as settings only when nearly every sampled row
does; anything else (a data export) is reported as unsupported and left to the line scanner.
Cost stays bounded on large files: only the first `MAX_CHARS` characters, `MAX_ROWS` rows and
`MAX_LINES` lines are read.  Each row becomes the entry `name = value` (the second column, or the column a header
names `value`) and goes through the same evaluation as `.env` and `.ini` entries
(`setting_evidence.entry_evidence`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from scanners.evidence import Evidence, SourceFile, UnsupportedInput
from scanners.handlers.setting_evidence import Entry, datasource_service, entry_evidence
from scanners.keywords import DELIMITED_SUFFIXES

MAX_CHARS = 256 * 1024
MAX_ROWS = 2000
MAX_LINES = 20_000  # blank and comment lines included
SAMPLE_CHARS = 16 * 1024
SAMPLE_ROWS = 50
SETTINGS_SHARE = 0.9  # of the sampled rows that must read as settings
DELIMITERS = ("|", "\t", ",", ";")  # ties go to the earlier one

# A setting name: letters, digits and the separators of hierarchical names; no spaces.
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.:\-/\[\]$]{0,199}")
_HEADER_NAMES = frozenset({"name", "key", "setting", "settingname", "variable", "parameter", "property"})


class CsvSettingsHandler:
    name = "csv-settings"

    def matches(self, path: PurePosixPath) -> bool:
        return path.name.lower().endswith(DELIMITED_SUFFIXES)

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        entries = settings_entries(source.text, _default_delimiter(source.name_lower))
        db = datasource_service(entries)
        out = [ev for line, key, value in entries if (ev := entry_evidence(line, key, value, db)) is not None]
        return iter(out)


def settings_entries(text: str, preferred: str | None = None) -> list[Entry]:
    """The `(line, name, value)` rows of a settings-shaped delimited file; raises
    `UnsupportedInput` (naming no content) when the file is not settings-shaped."""
    head = _cut(text, MAX_CHARS)
    sample = _cut(head, SAMPLE_CHARS)
    candidates = (preferred, *(d for d in DELIMITERS if d != preferred)) if preferred else DELIMITERS
    best: tuple[float, str] | None = None
    for delimiter in candidates:
        share = _settings_share(_rows(sample, delimiter, SAMPLE_ROWS))
        if best is None or share > best[0]:
            best = (share, delimiter)
    if best is None or best[0] < SETTINGS_SHARE:
        raise UnsupportedInput("not name/value settings rows (2-3 columns, a setting name first)")
    rows = _rows(head, best[1], MAX_ROWS)
    value_at = 1
    if rows and _is_header(rows[0][1]):
        header = [c.strip().lower() for c in rows[0][1]]
        value_at = header.index("value") if "value" in header[1:] else 1
        rows = rows[1:]
    return [
        (line, cells[0].strip(), cells[value_at].strip())
        for line, cells in rows
        if len(cells) > value_at and _NAME_RE.fullmatch(cells[0].strip())
    ]


def _cut(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, ending at a line break when it is cut."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    return head[: head.rfind("\n") + 1] or head


def _default_delimiter(name: str) -> str | None:
    return "\t" if name.endswith(".tsv") else "|" if name.endswith(".psv") else None


def _rows(text: str, delimiter: str, limit: int) -> list[tuple[int, list[str]]]:
    """Up to `limit` non-blank rows with the line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    out: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if cells and any(c.strip() for c in cells) and not cells[0].lstrip().startswith("#"):
                out.append((start, cells))
                if len(out) >= limit:
                    break
            start = reader.line_num + 1
            if start > MAX_LINES:
                break
    except csv.Error:
        pass  # a broken row ends the sample: what came before is still read
    return out


def _settings_share(rows: list[tuple[int, list[str]]]) -> float:
    data = rows[1:] if rows and _is_header(rows[0][1]) else rows
    if not data:
        return 0.0
    good = sum(1 for _, cells in data if 2 <= len(cells) <= 3 and _NAME_RE.fullmatch(cells[0].strip()))
    return good / len(data)


def _is_header(cells: list[str]) -> bool:
    return (
        2 <= len(cells) <= 3
        and cells[0].strip().lower().replace(" ", "") in _HEADER_NAMES
        and any(c.strip().lower() == "value" for c in cells[1:])
    )
