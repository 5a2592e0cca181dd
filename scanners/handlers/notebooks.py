"""Jupyter notebooks (`.ipynb`): the code cells, read as the Python they are.

A notebook is JSON; its code cells hold Python (with IPython `%magic` and `!shell` lines).  The
cells are parsed out of the JSON, joined into one Python text (magics blanked, so every line keeps
its place), and read by the Python handler and by the line scanner (as it reads a `.py` file);
each finding is then put back on the line of the notebook file that holds its source line (line 1
for a notebook saved on one line).  The line scanner also reads the notebook's raw JSON lines as it
reads every file, but there a cell's quotes are escaped (`\\"Masterkey\\" : \\"...\\"`), which hides
the names its keywords look for, and a notebook saved on one line is one very long line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any

from scanners import line_scanner
from scanners.evidence import Evidence, MalformedInput, SourceFile
from scanners.handlers.consumer_calls import ConsumerCallHandler
from scanners.handlers.map_pairs import with_colon_pairs
from scanners.handlers.python_code import PythonCodeHandler

MAX_CELLS = 5000


def code_cells(text: str) -> list[list[str]]:
    """The source lines of each code cell (nbformat 4, and nbformat 3 `worksheets`)."""
    try:
        doc: Any = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise MalformedInput(f"not valid notebook JSON ({type(exc).__name__})") from None
    if not isinstance(doc, dict):
        raise MalformedInput("not a notebook (the top level is not an object)")
    cells: Any = doc.get("cells")
    if cells is None:  # nbformat 3
        sheets = doc.get("worksheets")
        cells = [c for w in sheets if isinstance(w, dict) for c in w.get("cells") or []] if sheets else []
    if not isinstance(cells, list):
        raise MalformedInput("not a notebook (cells is not a list)")
    out: list[list[str]] = []
    for cell in cells[:MAX_CELLS]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src: Any = cell.get("source", cell.get("input", []))
        if isinstance(src, str):
            out.append(src.splitlines(keepends=True))
        elif isinstance(src, list):
            out.append([s for s in src if isinstance(s, str)])
    return out


def _python_line(line: str) -> str:
    """A cell line as plain Python: IPython magics and shell escapes become comments."""
    stripped = line.lstrip()
    if stripped.startswith(("%", "!")):
        return "#" + line.rstrip("\n")
    return line.rstrip("\n")


class NotebookHandler:
    name = "notebook"

    def matches(self, path: PurePosixPath) -> bool:
        return path.suffix.lower() == ".ipynb"

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        raw = source.text
        python: list[str] = []
        file_lines: list[int] = []  # the notebook line of each Python line
        ranges: list[tuple[int, int]] = []  # each cell's Python lines
        cursor = 0
        for cell in code_cells(raw):
            first = len(python)
            for piece in cell:
                pos = _locate(raw, cursor, piece)
                cursor = pos if pos >= 0 else cursor
                for sub in piece.splitlines() or [""]:
                    python.append(_python_line(sub))
                    file_lines.append(source.line_of(cursor))
            python.append("")  # a cell ends on a line of its own
            file_lines.append(file_lines[-1] if file_lines else 1)
            ranges.append((first, len(python)))
        if not ranges:
            return
        handler = PythonCodeHandler()
        code = _as_python(source.path, python)
        try:
            found = list(handler.scan(code))
        except MalformedInput:
            found = list(_cell_by_cell(handler, source.path, python, ranges))
        found.extend(ConsumerCallHandler().scan(code))  # text rules: no parse needed
        found.extend(_cell_values(code, found))
        for ev in found:
            yield replace(ev, line=file_lines[ev.line - 1] if 0 < ev.line <= len(file_lines) else 1)


def _as_python(path: PurePosixPath, lines: list[str]) -> SourceFile:
    return SourceFile(path.with_suffix(".py"), "\n".join(lines) + "\n")


def _cell_values(code: SourceFile, found: list[Evidence]) -> Iterator[Evidence]:
    """The line scanner's values in the cells' Python (keyword-gated, linear per line), except the
    values the Python handler already reported on the same line."""
    known: set[tuple[int, str | None]] = {(ev.line, ev.value) for ev in found if ev.value is not None}
    code = SourceFile(code.path, with_colon_pairs(code.text))  # Scala cells: `"name" -> "value"`
    for ev in line_scanner.scan_lines(code, handler="notebook"):
        if (ev.line, ev.value) not in known:
            known.add((ev.line, ev.value))
            yield ev


def _cell_by_cell(
    handler: PythonCodeHandler, path: PurePosixPath, python: list[str], ranges: list[tuple[int, int]]
) -> Iterator[Evidence]:
    """When the cells do not parse as one text (one cell with a syntax error), each cell on its
    own, the lines of the others blanked so that line numbers stay."""
    for first, stop in ranges:
        lines = ["" if not first <= i < stop else text for i, text in enumerate(python)]
        try:
            yield from handler.scan(_as_python(path, lines))
        except MalformedInput:
            continue


def _locate(raw: str, cursor: int, piece: str) -> int:
    """Where the JSON string holding `piece` starts in the notebook's text, from `cursor` on."""
    for encoded in (json.dumps(piece, ensure_ascii=False), json.dumps(piece)):
        pos = raw.find(encoded, cursor)
        if pos >= 0:
            return pos
    return -1
