"""The human view of a scan for the terminal: one table of findings and a short summary."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from scanners.records import FileLocation, ScanResult, ValueClass
from scanners.serialization import summary

MAX_SKIPPED_SHOWN = 25

_CLASS_STYLE = {
    ValueClass.SECRET: "bold red",
    ValueClass.REFERENCE: "yellow",
    ValueClass.PLACEHOLDER: "dim",
    ValueClass.DEV_EMULATOR: "cyan",
    ValueClass.PASSWORDLESS: "green",
    ValueClass.LOCATOR: "blue",
    ValueClass.ADVISORY: "magenta",
}


def render(result: ScanResult, console: Console, show_all: bool = True) -> None:
    table = Table(title="secretless scan", show_lines=False, expand=False)
    for col in ("Location", "Service", "Class", "Credential", "Setting", "MI", "Preview"):
        table.add_column(col, overflow="fold")
    for item in result.items:
        if not show_all and item.value_class is not ValueClass.SECRET:
            continue
        loc = item.location
        where = f"{loc.path}:{loc.line}" if isinstance(loc, FileLocation) else (
            f"{loc.site}{'/' + loc.slot if loc.slot else ''}:{loc.setting}"
        )
        table.add_row(
            Text(where),
            Text(str(item.service_type)),
            Text(str(item.value_class), style=_CLASS_STYLE[item.value_class]),
            Text(str(item.credential_kind)),
            Text(item.setting_name or ""),
            Text(str(item.can_use_managed_identity)),
            Text(item.redacted_preview),
        )
    s = summary(result)
    classes = ", ".join(f"{k}: {v}" for k, v in s["by_value_class"].items()) or "none"
    footer = Text(
        f"{s['items']} items ({classes}) in {s['files_scanned']} files; "
        f"{s['skipped']} skipped; {s['units']} migration units"
    )
    console.print(Group(table, footer))
    if result.skipped:
        console.print(Text("Skipped:", style="bold"))
        for sk in result.skipped[:MAX_SKIPPED_SHOWN]:
            console.print(Text(f"  {sk.target}: {sk.reason} ({sk.detail})"))
        more = len(result.skipped) - MAX_SKIPPED_SHOWN
        if more > 0:
            console.print(Text(f"  ... and {more} more (all are listed in -f json output)"))
