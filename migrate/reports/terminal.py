"""The human view of a scan for the terminal: a table of findings, or one card per finding when
the table cannot fit the width without breaking paths.

Only the findings: the one-line summary is the CLI's, printed once on stderr.
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scanners.records import ConnectionStringAuditItem, FileLocation, ScanResult, ValueClass

MAX_SKIPPED_SHOWN = 25
# Columns that fold (previews and setting names are long unbroken words): a path never folds
# while the table fits; these give way first.
PREVIEW_WIDTH = 40
SETTING_WIDTH = 32

_CLASS_STYLE = {
    ValueClass.SECRET: "bold red",
    ValueClass.REFERENCE: "yellow",
    ValueClass.PLACEHOLDER: "dim",
    ValueClass.DEV_EMULATOR: "cyan",
    ValueClass.PASSWORDLESS: "green",
    ValueClass.LOCATOR: "blue",
    ValueClass.ADVISORY: "magenta",
}


# C0 and C1 controls, DEL, and the bidirectional overrides: text from the input (file and setting
# names, skip details) that could move the cursor, clear the screen, set a title or a hyperlink, or
# reorder what is shown.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, keep_newlines: bool = False) -> str:
    """`text` with every control character shown as an escape (`\\x1b`), never sent raw."""

    def escape(m: re.Match[str]) -> str:
        ch = m.group(0)
        if keep_newlines and ch == "\n":
            return ch
        return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"

    return _CONTROL_RE.sub(escape, text)


def where(item: ConnectionStringAuditItem) -> str:
    loc = item.location
    if isinstance(loc, FileLocation):
        return f"{loc.path}:{loc.line}"
    return f"{loc.site}{'/' + loc.slot if loc.slot else ''}:{loc.setting}"


_HEADERS = ("Location", "Service", "Class", "Credential", "Setting", "MI", "Preview")
_FOLDING = {"Setting": SETTING_WIDTH, "Preview": PREVIEW_WIDTH}  # column -> widest it gets
FOLDED_MIN = 16  # the narrowest a folding column gets before the table gives way to cards


def _cells(item: ConnectionStringAuditItem) -> tuple[Text, ...]:
    return (
        Text(printable(where(item))),
        Text(str(item.service_type)),
        Text(str(item.value_class), style=_CLASS_STYLE[item.value_class]),
        Text(str(item.credential_kind)),
        Text(printable(item.setting_name or "")),
        Text(str(item.can_use_managed_identity)),
        Text(printable(item.redacted_preview)),
    )


def _table(items: list[ConnectionStringAuditItem], width: int) -> Table | None:
    """The findings as a table, or None when it cannot fit `width` without breaking a path or a word
    of the service, class or credential columns."""
    rows = [_cells(i) for i in items]
    mins: list[int] = []
    for n, header in enumerate(_HEADERS):
        words = [header, *(w for row in rows for w in row[n].plain.split())]
        if n == 0:
            words += [row[0].plain for row in rows]  # a location never wraps
        longest = max(len(w) for w in words)
        mins.append(min(longest, FOLDED_MIN) if header in _FOLDING else longest)
    if sum(mins) + 3 * len(mins) + 1 > width:  # cells are padded by one space each side, plus borders
        return None
    table = Table(title="secretless scan", expand=False)
    for header, min_width in zip(_HEADERS, mins, strict=True):
        table.add_column(
            header,
            min_width=min_width,
            max_width=_FOLDING.get(header),
            no_wrap=header == "Location",
            overflow="fold",
        )
    for row in rows:
        table.add_row(*row)
    return table


def _card(item: ConnectionStringAuditItem, console: Console) -> list[Text]:
    """One finding in a narrow terminal: the location on a line of its own, the rest indented below."""
    details = Text()
    details.append(str(item.value_class), style=_CLASS_STYLE[item.value_class])
    details.append(f" {item.service_type}, {item.credential_kind}")
    if item.setting_name:
        details.append(f"; setting {printable(item.setting_name)}")
    details.append(f"; managed identity: {item.can_use_managed_identity}")
    preview = Text(f"preview: {printable(item.redacted_preview)}")
    lines = [Text(printable(where(item)))]
    for part in (details, preview):
        for line in part.wrap(console, max(console.width - 2, 8), overflow="fold"):
            line.rstrip()
            lines.append(Text("  ") + line)
    return lines


def nothing_found(result: ScanResult, hidden: int) -> str:
    scanned = [f"{result.files_scanned} files"]
    if result.sites:
        scanned.append(f"{len(result.sites)} apps and slots")
    line = f"secretless scan: no findings in {' and '.join(scanned)}"
    if hidden:
        line = f"secretless scan: no secrets in {' and '.join(scanned)} ({hidden} other findings hidden by --secrets-only)"
    return line


def render(result: ScanResult, console: Console, show_all: bool = True) -> None:
    items = [i for i in result.items if show_all or i.value_class is ValueClass.SECRET]
    if not items:
        console.print(Text(nothing_found(result, len(result.items))))
    else:
        table = _table(items, console.width)
        if table is not None:
            console.print(table)
        else:
            console.print(Text("secretless scan", style="bold"))
            for item in items:
                for line in _card(item, console):
                    console.print(line, overflow="fold")
    if result.skipped:
        console.print(Text("Skipped:", style="bold"))
        for sk in result.skipped[:MAX_SKIPPED_SHOWN]:
            console.print(Text(printable(f"  {sk.target}: {sk.reason} ({sk.detail})")))
        more = len(result.skipped) - MAX_SKIPPED_SHOWN
        if more > 0:
            console.print(Text(f"  ... and {more} more (all are listed in -f json output)"))
