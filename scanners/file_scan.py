"""Scan one file: read it safely, prefilter, run the structured handlers and the line scanner,
classify, fingerprint and de-duplicate.  Runs inside worker processes, so it takes and returns
only plain data and records; secret values never leave this module."""

from __future__ import annotations

import codecs
import errno
import logging
import os
import stat
import time
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from scanners import line_scanner
from scanners.evidence import HostileInput, MalformedInput, OverTimeBudget, SourceFile, UnsupportedInput
from scanners.fingerprint import Fingerprinter
from scanners.handlers import handlers_for, underlying_path
from scanners.iac_symbols import with_iac_endpoints
from scanners.items import item_from_evidence
from scanners.prefilter import worth_reading
from scanners.records import (
    ConnectionStringAuditItem,
    FileLocation,
    ServiceType,
    SkippedItem,
    SkipReason,
    ValueClass,
)
from scanners.siblings import with_sibling_endpoints
from scanners.walker import is_generated_content

log = logging.getLogger(__name__)

DEFAULT_MAX_FILE_SIZE = 8 * 1024 * 1024
DEFAULT_TIME_BUDGET_S = 30.0


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: str
    items: tuple[ConnectionStringAuditItem, ...] = ()
    skipped: tuple[SkippedItem, ...] = ()
    bytes_read: int = 0
    parsed: bool = False


_BOMS = (  # UTF-32 first: the UTF-32-LE mark begins with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
HEAD = 8192
_BOM_STARTS = tuple(bom for bom, _ in _BOMS)
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v\x1b")


def _decode(data: bytes) -> tuple[str, str | None] | None:
    """Text and, when it was not UTF-8, the encoding used instead; None for binary content.

    Decided by content: a byte-order mark names the encoding (UTF-8, UTF-16, UTF-32); UTF-16
    without one shows as NULs in every other byte; a stray NUL in otherwise valid UTF-8 text does
    not make it binary (it used to hide the file, secrets and all)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace"), None if codec == "utf-8" else codec
    head = data[:HEAD]
    if b"\x00" in head:
        utf16 = _utf16_without_bom(head)
        if utf16 is not None:
            return data.decode(utf16, errors="replace"), utf16
        if not _mostly_text(head):
            return None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _plain_bytes(data: bytes) -> bool:
    """Text that `_decode` would read as UTF-8 or cp1252, byte for byte: keywords can be searched
    in the bytes themselves.  (A byte-order mark or NULs mean UTF-16/32 or binary.)"""
    return not data.startswith(_BOM_STARTS) and b"\x00" not in data[:HEAD]


def _utf16_without_bom(head: bytes) -> str | None:
    even, odd = head[0::2], head[1::2]
    if len(odd) < 8:
        return None
    if odd.count(0) >= 0.4 * len(odd) and even.count(0) <= 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.4 * len(even) and odd.count(0) <= 0.05 * len(odd):
        return "utf-16-be"
    return None


def _mostly_text(head: bytes) -> bool:
    """A few NULs and control bytes in what otherwise decodes as UTF-8."""
    controls = sum(1 for b in head if b < 0x20 and b not in _TEXT_CONTROLS)
    if controls > max(2, len(head) // 100):
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the head is fine
    except UnicodeDecodeError:
        return False
    return True


def read_file(root: str, rel: str, max_size: int) -> tuple[bytes | None, SkippedItem | None]:
    """The bytes of a regular file, never more than `max_size`.  Opened without following a link
    and without blocking, then checked to be a regular file: a file swapped for a FIFO or a link
    after the walk saw it is refused, not waited on."""
    full = os.path.join(root, rel)
    try:
        fd = os.open(full, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                return None, SkippedItem(rel, SkipReason.UNREADABLE, "not a regular file")
            if st.st_size > max_size:
                return None, SkippedItem(
                    rel,
                    SkipReason.TOO_LARGE,
                    f"{st.st_size} bytes is over the {max_size}-byte limit (raise it with --max-file-size)",
                )
            data = fh.read(max_size + 1)
    except PermissionError:
        return None, SkippedItem(rel, SkipReason.UNREADABLE, "permission denied")
    except OSError as exc:
        reason = SkipReason.SYMLINK if exc.errno == errno.ELOOP else SkipReason.UNREADABLE
        return None, SkippedItem(rel, reason, exc.strerror or type(exc).__name__)
    if len(data) > max_size:
        return None, SkippedItem(rel, SkipReason.TOO_LARGE, f"grew past the {max_size}-byte limit while read")
    return data, None


def scan_bytes(
    rel: str,
    data: bytes,
    fp: Fingerprinter,
    *,
    generic: bool = True,
    time_budget_s: float | None = DEFAULT_TIME_BUDGET_S,
) -> FileOutcome:
    """Findings of one file.  Past `time_budget_s` seconds the scan of the file stops and says so
    (a `timeout` record, partial); every pattern is linear, so this is a safety net."""
    deadline = None if time_budget_s is None else time.monotonic() + time_budget_s
    routed = str(underlying_path(PurePosixPath(rel)))
    if _plain_bytes(data) and not worth_reading(data, routed):
        return FileOutcome(rel, bytes_read=len(data))  # UTF-8 or cp1252 without a keyword: not decoded
    decoded = _decode(data)
    if decoded is None:
        if worth_reading(data, routed):
            return FileOutcome(
                rel,
                skipped=(
                    SkippedItem(
                        rel,
                        SkipReason.BINARY_WITH_KEYWORDS,
                        "binary content holding Azure keywords: may hold secrets; not scanned, check it by hand",
                    ),
                ),
                bytes_read=len(data),
            )
        return FileOutcome(
            rel, skipped=(SkippedItem(rel, SkipReason.BINARY, "binary content"),), bytes_read=len(data)
        )
    text, encoding = decoded
    if not worth_reading(
        data if encoding in (None, "cp1252") else text.encode("utf-8", errors="replace"), routed
    ):
        return FileOutcome(rel, bytes_read=len(data))
    generated = is_generated_content(routed, text)
    if generated is not None:
        return FileOutcome(
            rel, skipped=(SkippedItem(rel, SkipReason.VENDORED, generated),), bytes_read=len(data)
        )
    skipped: list[SkippedItem] = []
    if encoding == "cp1252":
        skipped.append(
            SkippedItem(rel, SkipReason.NOT_UTF8, "not valid UTF-8: scanned as cp1252", partial=True)
        )
    source = SourceFile(PurePosixPath(rel), text)
    found: list[ConnectionStringAuditItem] = []
    try:
        _scan_text(source, fp, generic, deadline, found, skipped)
    except OverTimeBudget as exc:
        skipped.append(
            SkippedItem(
                rel,
                SkipReason.TIMEOUT,
                f"scan stopped after the {time_budget_s:g}-second budget per file ({exc}); what was found before "
                "is reported, the rest of the file was not read",
                partial=True,
            )
        )
    found = with_iac_endpoints(rel, text, with_sibling_endpoints(rel, text, found))
    return FileOutcome(
        rel, items=tuple(_with_ids(found, fp)), skipped=tuple(skipped), bytes_read=len(data), parsed=True
    )


def _check(deadline: float | None, where: str) -> None:
    if deadline is not None and time.monotonic() >= deadline:
        raise OverTimeBudget(where)


def _scan_text(
    source: SourceFile,
    fp: Fingerprinter,
    generic: bool,
    deadline: float | None,
    found: list[ConnectionStringAuditItem],
    skipped: list[SkippedItem],
) -> None:
    """The handlers, the line scanner and the generic detector, adding to `found` and `skipped` as
    they go (so what was found before a time-out is kept)."""
    rel = str(source.path)
    structured: list[ConnectionStringAuditItem] = []
    # A template copy (`appsettings.json.template`) is read by the handlers of the file it stands
    # for; items keep the real path.
    routed = underlying_path(source.path)
    as_read = source if routed == source.path else SourceFile(routed, source.text)
    for handler in handlers_for(source.path):
        _check(deadline, f"before the {handler.name} handler")
        try:
            for ev in handler.scan(as_read):
                item = item_from_evidence(ev, rel, handler.name, fp)
                if item is not None:
                    structured.append(item)
        except UnsupportedInput as exc:
            skipped.append(
                SkippedItem(
                    rel,
                    SkipReason.UNSUPPORTED,
                    f"{handler.name}: {exc}; scanned line by line instead",
                    partial=True,
                )
            )
        except HostileInput as exc:
            skipped.append(
                SkippedItem(
                    rel,
                    SkipReason.HOSTILE_XML,
                    f"{handler.name}: {exc}; not parsed, scanned line by line instead",
                    partial=True,
                )
            )
        except MalformedInput as exc:
            skipped.append(
                SkippedItem(
                    rel,
                    SkipReason.MALFORMED,
                    f"{handler.name}: {exc}; scanned line by line instead",
                    partial=True,
                )
            )
        except RecursionError:
            skipped.append(
                SkippedItem(
                    rel,
                    SkipReason.MALFORMED,
                    f"{handler.name}: nesting too deep; scanned line by line instead",
                    partial=True,
                )
            )
    structured = _drop_shadowed(structured)
    seen = {(i.fingerprint, _line(i)) for i in structured}
    seen_values = {i.fingerprint for i in structured}
    # A structured handler that understood a line speaks for it: the line scanner adds nothing
    # there about the same service (it would only re-read the same text less precisely).
    understood = {(_line(i), i.service_type) for i in structured}
    found.extend(structured)
    for ev in line_scanner.scan_lines(source, deadline=deadline):
        item = item_from_evidence(ev, rel, "line", fp)
        if item is None:
            continue
        key = (item.fingerprint, _line(item))
        if key in seen or item.fingerprint in seen_values or (_line(item), item.service_type) in understood:
            continue
        seen.add(key)
        found.append(item)
    if generic:
        from scanners import generic_secrets

        _check(deadline, "before the generic detector")
        explained = {_line(i) for i in found}
        found.extend(generic_secrets.scan(source, fp, explained))


def _drop_shadowed(items: list[ConnectionStringAuditItem]) -> list[ConnectionStringAuditItem]:
    """On one line, a placeholder beside a real finding of the same service (an IaC string that
    interpolates `listKeys()`), or a generic finding beside a recognised one of the same class
    for the same setting, adds nothing."""
    real = {(_line(i), i.service_type) for i in items if i.value_class is not ValueClass.PLACEHOLDER}
    known = {
        (_line(i), i.value_class, i.setting_name) for i in items if i.service_type is not ServiceType.GENERIC
    }
    return [
        i
        for i in items
        if not (i.value_class is ValueClass.PLACEHOLDER and (_line(i), i.service_type) in real)
        and not (i.service_type is ServiceType.GENERIC and (_line(i), i.value_class, i.setting_name) in known)
    ]


def _line(item: ConnectionStringAuditItem) -> int:
    loc = item.location
    return loc.line if isinstance(loc, FileLocation) else 0


def _with_ids(items: list[ConnectionStringAuditItem], fp: Fingerprinter) -> list[ConnectionStringAuditItem]:
    out: list[ConnectionStringAuditItem] = []
    used: dict[str, int] = {}
    for item in sorted(items, key=lambda i: i.sort_key()):
        path = getattr(item.location, "path", "")
        base = fp.item_id(path, item.setting_name or "", item.detector.split(":")[0], item.fingerprint)
        n = used.get(base, 0) + 1
        used[base] = n
        out.append(replace(item, item_id=base if n == 1 else f"{base}-{n}"))
    return out


def scan_file(
    root: str,
    rel: str,
    key: bytes,
    max_size: int = DEFAULT_MAX_FILE_SIZE,
    generic: bool = True,
    time_budget_s: float | None = DEFAULT_TIME_BUDGET_S,
) -> FileOutcome:
    """Worker entry point: never raises for bad input; reports it as skipped instead."""
    data, skipped = read_file(root, rel, max_size)
    if data is None:
        return FileOutcome(rel, skipped=(skipped,) if skipped else ())
    try:
        return scan_bytes(rel, data, Fingerprinter(key), generic=generic, time_budget_s=time_budget_s)
    except Exception as exc:
        log.debug("unexpected error scanning %s: %s", rel, type(exc).__name__)
        return FileOutcome(
            rel,
            skipped=(
                SkippedItem(
                    rel, SkipReason.ERROR, f"internal error ({type(exc).__name__}); file not scanned"
                ),
            ),
            bytes_read=len(data),
        )


def secret_line_numbers(rel: str, text: str) -> frozenset[int]:
    """The line numbers of `text` (the file `rel`) that hold a value the scan classes as a secret: for
    callers that must not show those lines (the emitters' review diffs).  Ids are keyed with a
    throw-away key: only the line numbers leave this function."""
    import secrets

    outcome = scan_bytes(rel, text.encode("utf-8"), Fingerprinter(secrets.token_bytes(32)), generic=True)
    return frozenset(
        i.location.line
        for i in outcome.items
        if isinstance(i.location, FileLocation) and i.value_class is ValueClass.SECRET
    )
