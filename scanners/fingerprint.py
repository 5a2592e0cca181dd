"""Keyed fingerprints.

A bare SHA-256 of a short password can be reversed by brute force, so fingerprints are
HMAC-SHA256 under a 256-bit key.  The key lives beside the baseline/config (a file, or the
`SECRETLESS_FINGERPRINT_KEY` environment variable in CI), never in any report.  The same key
gives the same fingerprints, which is what makes baselines stable across runs and machines.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from scanners.errors import ConfigError

ENV_VAR = "SECRETLESS_FINGERPRINT_KEY"
KEY_BYTES = 32


def default_key_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "secretless" / "fingerprint.key"


def _decode(text: str, origin: str) -> bytes:
    raw = text.strip()
    try:
        key = bytes.fromhex(raw)
    except ValueError as exc:
        raise ConfigError(f"fingerprint key in {origin} is not hex") from exc
    if len(key) < 16:
        raise ConfigError(f"fingerprint key in {origin} is shorter than 128 bits")
    return key


def load_key(path: Path | None = None, *, create: bool = True) -> tuple[bytes, str]:
    """The fingerprint key and where it came from: explicit file, environment, or default file.

    The default file is created (mode 0600) with a fresh random key on first use.
    """
    if path is not None:
        if not path.exists():
            if not create:
                raise ConfigError(f"fingerprint key file {path} does not exist")
            _write_new_key(path)
        return _decode(path.read_text(encoding="ascii", errors="replace"), str(path)), str(path)
    env = os.environ.get(ENV_VAR)
    if env:
        return _decode(env, f"${ENV_VAR}"), f"${ENV_VAR}"
    default = default_key_path()
    if not default.exists():
        if not create:
            raise ConfigError(f"no fingerprint key: set {ENV_VAR} or create {default}")
        _write_new_key(default)
    return _decode(default.read_text(encoding="ascii", errors="replace"), str(default)), str(default)


def _write_new_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(KEY_BYTES) + "\n")


class Fingerprinter:
    """HMAC-SHA256 under the project key; `fingerprint()` for values, `item_id()` for places."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "Fingerprinter(<key hidden>)"

    def _mac(self, *parts: str) -> str:
        msg = "\x1f".join(parts).encode("utf-8", "surrogatepass")
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()

    def fingerprint(self, material: str) -> str:
        return "hs1:" + self._mac("value", material)[:32]

    def item_id(self, *parts: str) -> str:
        return self._mac("item", *parts)[:16]
