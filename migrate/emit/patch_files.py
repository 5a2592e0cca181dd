"""The two artifacts of a patch family (`<name>.patch` and `<name>.review.diff`) and the redaction of
secret-bearing lines in code review diffs; shared by `config_patch` and `code_patch`."""

from __future__ import annotations

from collections.abc import Callable

from migrate.emit.diffs import join
from migrate.emit.model import Artifact


def secret_lines(path: str, text: str) -> Callable[[int, str], str | None]:
    """Code review diffs: lines whose value the scanner classes as a secret are not shown."""
    from scanners.file_scan import secret_line_numbers

    flagged = secret_line_numbers(path, text)

    def redact(line_no: int, _line: str) -> str | None:
        return f"[line {line_no}: secret-bearing line, value not shown]" if line_no in flagged else None

    return redact


def patch_artifacts(name: str, patches: list[str], reviews: list[str]) -> tuple[Artifact, ...]:
    patch, review = join(patches), join(reviews)
    if not patch:  # every file was left for a person (see the notes): the diff still shows what to do
        return (
            (Artifact(f"{name}.review.diff", f"# No {name}.patch: make these changes by hand.\n" + review),)
            if review
            else ()
        )
    header = (
        f"# {name}.patch applies with `git apply` from the repository root (a text diff where no quoted\n"
        "# line holds a secret, else a git binary delta that quotes no old line). Read this diff;\n"
        "# apply the patch.\n"
    )
    return (Artifact(f"{name}.patch", patch), Artifact(f"{name}.review.diff", header + review))
