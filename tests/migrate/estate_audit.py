"""The example estate's scan document, made once per test session for the report tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from migrate.cli import main

REPO = Path(__file__).resolve().parents[2]
ESTATE = REPO / "examples" / "contoso-estate"
AZ_EXPORT = REPO / "examples" / "az-export"
KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


def write_key(directory: Path) -> Path:
    path = directory / "fingerprint.key"
    path.write_text(KEY + "\n", encoding="ascii")
    return path


@cache
def _scan(args: tuple[str, ...], key_dir: str) -> str:
    key = write_key(Path(key_dir))
    result = CliRunner().invoke(
        main, ["scan", *args, "-f", "json", "--key-file", str(key)], catch_exceptions=False
    )
    assert result.exit_code == 1, result.stderr
    return result.stdout


def estate_document(key_dir: Path) -> dict[str, Any]:
    """The scan document of examples/contoso-estate."""
    doc: dict[str, Any] = json.loads(_scan((str(ESTATE),), str(key_dir)))
    return doc


def az_export_document(key_dir: Path) -> dict[str, Any]:
    """The scan document of examples/az-export (App Service settings, offline)."""
    doc: dict[str, Any] = json.loads(_scan(("--az-export", str(AZ_EXPORT)), str(key_dir)))
    return doc
