"""How long hostile repository input takes to scan (issue 14: no input may stall a run).

    python bench/hostile.py [--scale N]
    python bench/hostile.py --fuzz 19000      # the ten slowest lines of long runs, every file family

Each case is a small tree written to a temp dir and scanned in-process (one worker, no generic
detector); the table gives the seconds per case.  The goal is "within seconds" for every case;
nothing here fails on a timing.  `--scale` multiplies the hostile part (lines, name length) to
check that cost grows linearly, not faster.
"""

from __future__ import annotations

import argparse
import codecs
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from scanners.repository import RepositoryScanOptions, scan_repository

KEY = bytes(32)
PLANTED_LINE = "AZURE_CLIENT_SECRET=abc8Q~CANARYdefghijklmnopqrstuvwxyz01234\n"


def _gitignore_stars(root: Path, scale: int) -> None:
    (root / ".gitignore").write_text("*a" * 13 + "*b\n")
    (root / ("a" * min(250, 60 * scale) + ".env")).write_text(PLANTED_LINE)


def _space_runs(root: Path, scale: int) -> None:
    line = f"AccountKey=x{' ' * 19_000}y\n"
    for name in (".env", "a.ini", "a.properties", "a.yml", "a.cs"):
        (root / name).write_text(line * (20 * scale) + PLANTED_LINE)


def _escaped_quotes(root: Path, scale: int) -> None:
    (root / "run.ps1").write_text(('password: "' + '\\"' * 9_000 + "\n") * (20 * scale) + PLANTED_LINE)


def _dotted_chain(root: Path, scale: int) -> None:
    (root / "Program.cs").write_text(("var key = " + "a." * 9_000 + "\n") * (20 * scale) + PLANTED_LINE)


def _utf16(root: Path, scale: int) -> None:
    text = (
        "<!-- filler -->\r\n" * 1000 * scale + '<configuration><appSettings><add key="AZURE_CLIENT_SECRET" '
        'value="abc8Q~CANARYdefghijklmnopqrstuvwxyz01234" /></appSettings></configuration>\r\n'
    )
    (root / "web.config").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))


CASES: dict[str, Callable[[Path, int], None]] = {
    "gitignore *a*a*...*b vs a long name": _gitignore_stars,
    "20k-space lines (.env .ini .properties .yml .cs)": _space_runs,
    'lines of \\" in a script': _escaped_quotes,
    "a.a.a.... chains in C#": _dotted_chain,
    "UTF-16 web.config": _utf16,
}


FUZZ_FILES = (
    ".env",
    "a.properties",
    "a.yml",
    "a.ini",
    "a.txt",
    "appsettings.json",
    "a.cs",
    "a.py",
    "a.js",
    "a.java",
    "a.sh",
    "a.ps1",
    "Dockerfile",
    "a.tf",
    "a.bicep",
    "web.config",
    "azure-pipelines.yml",
    "a.toml",
)
FUZZ_RUNS = (
    " ",
    "\t",
    '"',
    "'",
    "=",
    ":",
    "a",
    "\\",
    "/",
    "#",
    ";",
    "{",
    "[",
    "(",
    ",",
    "@",
    ".",
    "-",
    "$",
    "%",
    "<",
    "a=",
    "k:",
    '"a":',
    "password=",
    "AccountKey=",
    "https://",
    "x8Q~",
    "a.",
    "a ",
    '\\"',
    "$(",
    "${",
    "'a',",
    "new ",
    "a(",
    '="',
    "<a ",
    "key=",
    "a;",
)


def fuzz(length: int) -> None:
    """The slowest single lines: a run of one syntax character (or short sequence) of `length`
    characters, around a keyword, in every file family."""
    from scanners.file_scan import scan_bytes
    from scanners.fingerprint import Fingerprinter

    fp = Fingerprinter(KEY)
    timings: list[tuple[float, str, str]] = []
    for name in FUZZ_FILES:
        for run in FUZZ_RUNS:
            filler = run * (length // len(run))
            for line in (f"AccountKey=x{filler}y", f'password: "{filler}', f"{filler} AccountKey=abc"):
                start = time.perf_counter()
                scan_bytes(name, (line + "\n").encode(), fp, generic=True, time_budget_s=None)
                timings.append((time.perf_counter() - start, name, line[:16]))
    print("| seconds | file | line starts |")
    print("| --- | --- | --- |")
    for took, name, head in sorted(timings, reverse=True)[:10]:
        print(f"| {took:.3f} | {name} | {head!r} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument(
        "--fuzz",
        type=int,
        metavar="CHARS",
        default=0,
        help="instead: time one-line files of CHARS-long runs of syntax characters, every family",
    )
    args = parser.parse_args()
    if args.fuzz:
        fuzz(args.fuzz)
        return
    print("| case | seconds | secrets found |")
    print("| --- | --- | --- |")
    for name, make in CASES.items():
        with tempfile.TemporaryDirectory(prefix="secretless-hostile-") as tmp:
            root = Path(tmp)
            make(root, args.scale)
            start = time.perf_counter()
            res = scan_repository(str(root), KEY, RepositoryScanOptions(jobs=1, generic=False))
            took = time.perf_counter() - start
            found = sum(1 for i in res.items if i.value_class == "secret")
            print(f"| {name} | {took:.2f} | {found} |")


if __name__ == "__main__":
    main()
