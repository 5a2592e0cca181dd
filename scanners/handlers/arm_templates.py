"""(being written)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from scanners.evidence import Evidence, SourceFile
from scanners.handlers import register


class _Handler:
    name = "arm_templates".replace("_", "-")

    def matches(self, path: PurePosixPath) -> bool:
        return False

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        return iter(())


register(_Handler())
