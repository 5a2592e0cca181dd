"""Offline estate input for teams without direct access: the JSON that the Azure CLI prints.

Put each app's output in files that share a stem, in one directory:

    <stem>.appsettings.json          az webapp config appsettings list -g RG -n APP [--slot S]
    <stem>.connectionstrings.json    az webapp config connection-string list -g RG -n APP [--slot S]
    <stem>.show.json                 az webapp show -g RG -n APP [--slot S]   (optional)

The `show` output names the subscription, resource group, app, slot and identity; without it the
stem is taken as the app name.  `az functionapp ...` output has the same shapes.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections import defaultdict
from pathlib import Path
from typing import Any

from scanners.estate_records import SiteIdentity, SiteSnapshot
from scanners.records import SkippedItem, SkipReason

KINDS = ("appsettings", "connectionstrings", "show")
MAX_EXPORT_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64  # az output nests 4 deep; anything far deeper is refused before it is parsed


def _load(path: Path) -> tuple[Any, SkippedItem | None]:
    """The JSON of one export file, under the same rules as repository files: regular files only
    (a FIFO would block the read for ever), no symbolic links, a size cap and a nesting cap."""
    data, skip = _read_regular(path)
    if data is None:
        return None, skip
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, SkippedItem(str(path), SkipReason.NOT_UTF8, "export file is not UTF-8; not read")
    if _depth(text) > MAX_DEPTH:
        return None, SkippedItem(
            str(path), SkipReason.MALFORMED, f"JSON nested deeper than {MAX_DEPTH} levels"
        )
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, SkippedItem(str(path), SkipReason.MALFORMED, f"not JSON (line {exc.lineno})")
    except (RecursionError, ValueError) as exc:
        return None, SkippedItem(str(path), SkipReason.MALFORMED, f"not usable JSON ({type(exc).__name__})")


def _read_regular(path: Path) -> tuple[bytes | None, SkippedItem | None]:
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        reason = SkipReason.SYMLINK if exc.errno == errno.ELOOP else SkipReason.UNREADABLE
        return None, SkippedItem(str(path), reason, exc.strerror or type(exc).__name__)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, SkippedItem(str(path), SkipReason.UNREADABLE, "not a regular file")
        if st.st_size > MAX_EXPORT_BYTES:
            return None, SkippedItem(str(path), SkipReason.TOO_LARGE, "export file over 64 MiB")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_EXPORT_BYTES + 1)
    except OSError as exc:
        return None, SkippedItem(str(path), SkipReason.UNREADABLE, exc.strerror or type(exc).__name__)
    finally:
        os.close(fd)
    if len(data) > MAX_EXPORT_BYTES:
        return None, SkippedItem(str(path), SkipReason.TOO_LARGE, "export file grew past 64 MiB while read")
    return data, None


def _depth(text: str) -> int:
    """The deepest nesting of `[` and `{` outside strings, in one pass."""
    deepest = depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _where(show: dict[str, Any], stem: str) -> tuple[str, str, str, str | None]:
    parts = str(show.get("id") or "").strip("/").split("/")
    low = [p.lower() for p in parts]

    def after(key: str) -> str | None:
        return parts[low.index(key) + 1] if key in low and low.index(key) + 1 < len(parts) else None

    sub = after("subscriptions") or "offline"
    rg = after("resourcegroups") or str(show.get("resourceGroup") or "offline")
    site = after("sites") or stem
    slot = after("slots")
    return sub, rg, site, slot


def _settings(raw: Any) -> tuple[tuple[tuple[str, str], ...], frozenset[str]]:
    rows = raw if isinstance(raw, list) else []
    pairs = tuple(
        sorted((str(r.get("name")), str(r.get("value") or "")) for r in rows if isinstance(r, dict))
    )
    sticky = frozenset(str(r.get("name")) for r in rows if isinstance(r, dict) and r.get("slotSetting"))
    return pairs, sticky


def _connections(raw: Any) -> tuple[tuple[tuple[str, str, str], ...], frozenset[str]]:
    rows = raw if isinstance(raw, list) else []
    out = []
    for r in rows:
        if not isinstance(r, dict):
            continue
        value = r.get("value")
        ctype = r.get("type")
        if isinstance(value, dict):  # older az: {"value": {"value": ..., "type": ...}}
            ctype = ctype or value.get("type")
            value = value.get("value")
        out.append((str(r.get("name")), str(value or ""), str(ctype or "Custom")))
    sticky = frozenset(str(r.get("name")) for r in rows if isinstance(r, dict) and r.get("slotSetting"))
    return tuple(sorted(out)), sticky


def read_exports(path: str) -> tuple[list[SiteSnapshot], list[SkippedItem]]:
    root = Path(path)
    try:
        files = sorted(p for p in root.iterdir() if p.suffix == ".json") if root.is_dir() else [root]
    except OSError as exc:
        return [], [
            SkippedItem(str(root), SkipReason.UNREADABLE, f"directory: {exc.strerror or type(exc).__name__}")
        ]
    groups: dict[str, dict[str, Path]] = defaultdict(dict)
    skipped: list[SkippedItem] = []
    for f in files:
        name = f.name[: -len(".json")]
        stem, _, kind = name.rpartition(".")
        if kind not in KINDS or not stem:
            skipped.append(
                SkippedItem(
                    str(f),
                    SkipReason.UNSUPPORTED,
                    "not named <app>.appsettings.json / .connectionstrings.json / .show.json",
                )
            )
            continue
        groups[stem][kind] = f
    snapshots = []
    for stem, kinds in sorted(groups.items()):
        loaded: dict[str, Any] = {}
        for kind, f in kinds.items():
            data, skip = _load(f)
            if skip:
                skipped.append(skip)
            else:
                loaded[kind] = data
        if "appsettings" not in loaded and "connectionstrings" not in loaded:
            continue
        try:
            snapshots.append(_snapshot(stem, loaded))
        except Exception as exc:
            skipped.append(
                SkippedItem(
                    str(root / stem),
                    SkipReason.MALFORMED,
                    f"unexpected shape ({type(exc).__name__}); app not read",
                )
            )
    return snapshots, skipped


def _snapshot(stem: str, loaded: dict[str, Any]) -> SiteSnapshot:
    raw_show = loaded.get("show")
    show: dict[str, Any] = raw_show if isinstance(raw_show, dict) else {}
    sub, rg, site, slot = _where(show, stem)
    app, sticky_app = _settings(loaded.get("appsettings"))
    conns, sticky_conn = _connections(loaded.get("connectionstrings"))
    raw_props = show.get("properties")
    props: dict[str, Any] = raw_props if isinstance(raw_props, dict) else show
    kv_identity = props.get("keyVaultReferenceIdentity")
    return SiteSnapshot(
        subscription=sub,
        resource_group=rg,
        site=site,
        slot=slot,
        kind=str(show.get("kind") or "app"),
        identity=SiteIdentity.from_arm(show.get("identity")),
        key_vault_reference_identity=kv_identity if isinstance(kv_identity, str) else None,
        app_settings=app,
        connection_strings=conns,
        sticky_app_settings=sticky_app,
        sticky_connection_strings=sticky_conn,
    )


def is_export_dir(path: str) -> bool:
    return os.path.isdir(path) or path.endswith(".json")
