"""What file handlers produce: evidence, before it is classified and fingerprinted."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from operator import add
from pathlib import PurePosixPath
from typing import Protocol

from scanners.records import Confidence, CredentialKind, Endpoint, EvidenceRole, ServiceType, ValueClass


class MalformedInput(Exception):
    """A handler could not parse its file.  The message must never quote file content."""


class UnsupportedInput(MalformedInput):
    """A file of a handler's family whose shape it does not read (a data export, not settings)."""


class HostileInput(MalformedInput):
    """The file tries to attack its parser (XML entity bombs, external entities, alias bombs)."""


class OverTimeBudget(Exception):
    """A file's scan ran past its time budget.  The message says where, never what."""


@dataclass(slots=True)
class SourceFile:
    """One decoded text file.  `path` is relative to the scan root, POSIX style."""

    path: PurePosixPath
    text: str
    _line_starts: list[int] | None = field(default=None, repr=False)
    _lower: str | None = field(default=None, repr=False)
    _lower_bytes: bytes | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # never show content
        return f"SourceFile({str(self.path)!r}, {len(self.text)} chars)"

    @property
    def lower(self) -> str:
        """The text lower-cased, computed once."""
        if self._lower is None:
            self._lower = self.text.lower()
        return self._lower

    @property
    def lower_bytes(self) -> bytes:
        """`lower` as UTF-8, computed once (what the keyword search runs on)."""
        if self._lower_bytes is None:
            self._lower_bytes = self.lower.encode("utf-8", errors="replace")
        return self._lower_bytes

    @property
    def name_lower(self) -> str:
        return self.path.name.lower()

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset."""
        if self._line_starts is None:
            # Each line starts one past the end of the one before: summed in C, no Python loop.
            lengths = map(len, self.text.split("\n")[:-1])
            self._line_starts = [0, *accumulate(map(add, lengths, repeat(1)))]
        return bisect.bisect_right(self._line_starts, offset)

    def line_text(self, line: int) -> str:
        self.line_of(0)
        starts = self._line_starts or [0]
        start = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[start:end]


@dataclass(frozen=True, slots=True)
class Evidence:
    """A value to classify (`value` set) or a code consumer / IaC use (`value` None).

    For consumers, `service`, `kind`, `value_class` and `preview` say what was found; the preview
    is built by the handler from identifiers only, never from string literals.
    """

    line: int
    role: EvidenceRole
    name: str | None = None
    value: str | None = field(default=None, repr=False)
    service: ServiceType | None = None
    kind: CredentialKind | None = None
    value_class: ValueClass | None = None
    preview: str | None = None
    note: str | None = None
    confidence: Confidence = Confidence.MEDIUM
    method: str = ""
    # The endpoint of the client the value is passed to, when the code names it (a URL literal), and
    # where it comes from (`endpoint from the ...`, see `scanners.code_siblings`); never the key.
    endpoint: Endpoint | None = None
    endpoint_note: str | None = None


class FileHandler(Protocol):
    """A structured reader for one family of files."""

    name: str

    def matches(self, path: PurePosixPath) -> bool: ...

    def scan(self, source: SourceFile) -> Iterator[Evidence]: ...
