"""Helm (Go template) actions in YAML: `{{ .Values.cosmos.key | quote }}`, `{{- if ... }}`.

A chart's `templates/*.yaml` is not YAML until Helm renders it.  To read it as YAML anyway (a file
in a `templates/` folder, or any YAML with actions that does not parse), each action is masked
with text of the same length, so lines and columns stay right:

- an action alone on its line(s) (`{{- if .Values.redis.enabled }}`, `{{- end }}`,
  `{{- include "app.labels" . | nindent 4 }}`) becomes spaces;
- an action inside a line (`key: {{ .Values.x }}`, `image: "{{ .Values.repo }}:{{ .Values.tag }}"`)
  becomes a run of one private-use character, a plain scalar that no rule reads as a secret.

`${{ ... }}` (GitHub Actions and Azure Pipelines expressions) is left as it is.  `restore` puts
the actions back into what the YAML walk found, so a value that was
`{{ .Values.cosmos.key }}` is classified as what it is (a reference to the chart's values), and a
literal key beside it is still a secret.  The search for actions is linear: an unclosed `{{`
ends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from scanners.evidence import Evidence

_MASKS = ("\ue000", "\ue001")  # alternate, so adjacent actions stay two runs
_RUN_RE = re.compile("\ue000+|\ue001+")
_NOT_NEWLINE_RE = re.compile(r"[^\n]")
_ACTION_START_RE = re.compile(r"(?<!\$)\{\{")


@dataclass(frozen=True, slots=True)
class Action:
    line: int  # 1-based line the action starts on
    text: str
    mask: str


@dataclass(frozen=True, slots=True)
class Masked:
    text: str
    inline: tuple[Action, ...]  # the actions masked inside a line, in order

    def restore(self, ev: Evidence) -> Evidence:
        """`ev` with the masked actions put back into its value, name and preview."""
        if not any(t is not None and _has_mask(t) for t in (ev.value, ev.name, ev.preview)):
            return ev
        return replace(
            ev,
            value=self._restore_text(ev.value, ev.line),
            name=self._restore_text(ev.name, ev.line),
            preview=self._restore_text(ev.preview, ev.line),
        )

    def _restore_text(self, text: str | None, line: int) -> str | None:
        if text is None or not _has_mask(text):
            return text
        candidates = [a for a in self.inline if a.line >= line]

        def put_back(m: re.Match[str]) -> str:
            run = m.group(0)
            for i, action in enumerate(candidates):
                if action.mask == run[0] and len(action.text) == len(run):
                    del candidates[: i + 1]
                    return action.text
            return "{{ }}"

        return _RUN_RE.sub(put_back, text)


def _has_mask(text: str) -> bool:
    return _MASKS[0] in text or _MASKS[1] in text


def has_actions(text: str) -> bool:
    """Whether `text` holds a Go template action (not a `${{ ... }}` pipeline expression)."""
    return "}}" in text and bool(_ACTION_START_RE.search(text))


def is_chart_template(path: PurePosixPath) -> bool:
    """A file of a chart's `templates/` folder: masked before it is parsed, since an unquoted
    `key: {{ .Values.x }}` parses as YAML, but as nested mappings rather than a value."""
    return "templates" in (p.lower() for p in path.parts[:-1])


def mask_actions(text: str) -> Masked:
    """`text` with every `{{ ... }}` action masked (same length, same line breaks)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0:
            break  # an unclosed action: the rest is left as it is
        pos = end + 2
        if start and text[start - 1] == "$":
            continue  # `${{ ... }}`: a GitHub Actions or Azure Pipelines expression, valid YAML text
        spans.append((start, pos))
    if not spans:
        return Masked(text, ())
    pieces: list[str] = []
    prev = 0
    for i, (start, end) in enumerate(spans):
        pieces.append(text[prev:start])
        pieces.append(_NOT_NEWLINE_RE.sub(_MASKS[i % 2], text[start:end]))
        prev = end
    pieces.append(text[prev:])
    masked = "".join(pieces)
    # A line that holds nothing but actions (`{{- if ... }}`, `{{- end }}`) becomes blank.
    lines = masked.split("\n")
    for n, line in enumerate(lines):
        if _has_mask(line) and not _RUN_RE.sub("", line).strip():
            lines[n] = " " * len(line)
    masked = "\n".join(lines)
    inline: list[Action] = []
    line_no, counted = 1, 0
    for i, (start, end) in enumerate(spans):
        line_no += text.count("\n", counted, start)
        counted = start
        if _has_mask(masked[start:end]):
            inline.append(Action(line_no, text[start:end], _MASKS[i % 2]))
    return Masked(masked, tuple(inline))
