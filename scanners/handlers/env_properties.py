"""Flat key/value files: `.env` (and `.env.*`, `*.env`, `.envrc`), Java `*.properties` (Spring
`application*.properties`) and `*.ini` / `*.cfg`.

Each file is read into entries `(line, key, value)` by the parser of its format, following that
format's quoting (`dotenv_files`, `java_properties`, `ini_files`); each entry then becomes
evidence named by its key, classified by the framework, with Spring's special keys applied
(`setting_evidence`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from scanners.evidence import Evidence, SourceFile
from scanners.handlers.dotenv_files import parse_dotenv
from scanners.handlers.ini_files import parse_ini
from scanners.handlers.java_properties import parse_properties
from scanners.handlers.setting_evidence import datasource_service, entry_evidence


class EnvPropertiesHandler:
    name = "env-properties"

    def matches(self, path: PurePosixPath) -> bool:
        name = path.name.lower()
        return (
            name in (".env", ".envrc")
            or name.startswith(".env.")
            or name.endswith((".env", ".properties", ".ini", ".cfg"))
        )

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        name = source.name_lower
        if name.endswith(".properties"):
            entries = parse_properties(source.text)
        elif name.endswith((".ini", ".cfg")):
            entries = parse_ini(source.text)
        else:
            entries = parse_dotenv(source.text)
        db = datasource_service(entries)
        out = [ev for line, key, value in entries if (ev := entry_evidence(line, key, value, db)) is not None]
        return iter(out)
