"""Keyed fingerprints: stable under one key, different under another, not a bare hash."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from scanners.errors import ConfigError
from scanners.fingerprint import ENV_VAR, Fingerprinter, load_key


def test_same_key_same_fingerprint() -> None:
    a = Fingerprinter(b"k" * 32)
    b = Fingerprinter(b"k" * 32)
    assert a.fingerprint("hunter2") == b.fingerprint("hunter2")


def test_other_key_other_fingerprint() -> None:
    assert Fingerprinter(b"k" * 32).fingerprint("hunter2") != Fingerprinter(b"j" * 32).fingerprint("hunter2")


def test_not_a_bare_sha_of_the_value() -> None:
    fp = Fingerprinter(b"k" * 32).fingerprint("hunter2")
    bare = hashlib.sha256(b"hunter2").hexdigest()
    assert bare[:32] not in fp
    assert hashlib.sha1(b"hunter2").hexdigest()[:32] not in fp  # noqa: S324 - checking it is NOT this


def test_repr_hides_key() -> None:
    assert "kkkk" not in repr(Fingerprinter(b"k" * 32))


def test_default_key_is_created_private_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    key1, origin = load_key()
    key2, _ = load_key()
    assert key1 == key2 and len(key1) == 32
    mode = stat.S_IMODE(os.stat(origin).st_mode)
    assert mode == 0o600


def test_env_key_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "ab" * 32)
    key, origin = load_key()
    assert key == bytes.fromhex("ab" * 32)
    assert origin == f"${ENV_VAR}"


def test_explicit_file(tmp_path: Path) -> None:
    f = tmp_path / "k"
    f.write_text("cd" * 32)
    assert load_key(f)[0] == bytes.fromhex("cd" * 32)


@pytest.mark.parametrize("bad", ["zz-CANARY-not-hex-zz", "abcd"])
def test_bad_key_is_a_clear_error(tmp_path: Path, bad: str) -> None:
    f = tmp_path / "k"
    f.write_text(bad)
    with pytest.raises(ConfigError) as exc:
        load_key(f)
    assert bad not in str(exc.value)
