"""`code.patch`: the plan's code changes as a syntax-aware rewrite, plus `suggestions.md`.

Python goes through libcst (`migrate.emit.python_rewrite`), C# through a literal-aware constructor
rewrite (`migrate.emit.csharp_rewrite`) with one generated credential factory per project and the
`Azure.Identity` package reference.  JavaScript/TypeScript, Java and every call site without a
safe rewrite become entries of `suggestions.md` instead of a diff that might not build.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from migrate.emit import csharp_rewrite, python_rewrite
from migrate.emit.diffs import review_diff
from migrate.emit.model import AppContext, Artifact, EmitOutput, Note
from migrate.emit.patch_files import patch_artifacts, secret_lines
from migrate.emit.patch_safety import safe_patch
from migrate.emit.templating import render
from migrate.plan.catalog import SIDE_BY_SIDE_SUFFIX
from migrate.plan.records import CodeChange, IdentityKind, SettingAction

NO_CHANGE_PREFIXES = ("no code change", "none in code")
AZURE_IDENTITY = "Azure.Identity"


@dataclass(frozen=True, slots=True)
class Suggestion:
    location: str
    evidence: str
    detector: str
    change: str
    reason: str | None


def _location(change: CodeChange) -> tuple[str, int | None]:
    path, _, line = change.location.rpartition(":")
    return (path, int(line)) if line.isdigit() else (change.location, None)


def _find_up(repo: Path, rel_dir: PurePosixPath, pattern: str) -> PurePosixPath | None:
    """The nearest file matching `pattern` in rel_dir or its parents (inside the repository)."""
    d = rel_dir
    while True:
        hits = sorted((repo / d).glob(pattern)) if (repo / d).is_dir() else []
        if hits:
            return d / hits[0].name
        if d == PurePosixPath(".") or str(d) in ("", "."):
            return None
        d = d.parent


def new_file_diff(path: str, text: str) -> str:
    lines = text.splitlines(keepends=True)
    return f"diff --git a/{path} b/{path}\nnew file mode 100644\n" + "".join(
        difflib.unified_diff([], lines, "/dev/null", f"b/{path}")
    )


class _Files:
    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.old: dict[str, str] = {}
        self.new: dict[str, str] = {}

    def read(self, path: str) -> str | None:
        if path in self.new:
            return self.new[path]
        try:
            text = (self.repo / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        self.old[path] = text
        return text

    def write(self, path: str, text: str) -> None:
        self.new[path] = text


@dataclass
class CodeRewrites:
    """What `code.patch` does for one app: changed and new files, the call sites it rewrites
    (`path:line`, as the plan's code changes name them) and the ones left for a person."""

    files: _Files
    new_files: dict[str, str]
    suggestions: list[Suggestion]
    notes: list[Note]
    rewritten: set[str]


def side_by_side_names(ctx: AppContext) -> dict[str, dict[str, str]]:
    """Per unit: old setting -> the identity-based setting the plan adds beside it in a file."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for s in ctx.app.settings:
        if (
            s.action is SettingAction.ADD
            and s.where not in ("app-setting", "connection-string")
            and s.setting.endswith(SIDE_BY_SIDE_SUFFIX)
        ):
            out[s.unit][s.setting.removesuffix(SIDE_BY_SIDE_SUFFIX)] = s.setting
    return out


def build_rewrites(ctx: AppContext, repo: Path) -> CodeRewrites:
    """The rewrites of the plan's code changes in `repo` (pure: nothing is written)."""
    changes = [c for c in ctx.app.code_changes if not c.change.startswith(NO_CHANGE_PREFIXES)]
    files = _Files(repo)
    result = CodeRewrites(files, {}, [], [], set())
    suggestions, notes, new_files = result.suggestions, result.notes, result.new_files
    by_file: dict[str, list[CodeChange]] = defaultdict(list)
    for c in changes:
        by_file[_location(c)[0]].append(c)
    user_assigned = ctx.app.identity.kind is IdentityKind.USER_ASSIGNED
    unit_names = side_by_side_names(ctx)
    for path in sorted(by_file):
        items = sorted(by_file[path], key=lambda c: c.location)
        names: dict[str, str] = {}
        for c in items:
            names.update(unit_names.get(c.unit, {}))
        suffix = PurePosixPath(path).suffix.lower()
        source = files.read(path)
        done: tuple[int, ...] = ()
        reasons: dict[int, str] = {}
        if source is None:
            suggestions += [
                Suggestion(c.location, c.evidence, c.detector, c.change, "file not found in --repo")
                for c in items
            ]
            continue
        if suffix == ".py":
            lines = [
                ln
                for c in items
                if c.detector in ("python-code:from-connection-string", "python-code:ctor")
                for ln in [_location(c)[1]]
                if ln
            ]
            try:
                py = python_rewrite.rewrite(
                    source, lines, "AZURE_CLIENT_ID" if user_assigned else None, names
                )
            except python_rewrite.UnparsableSource as exc:
                suggestions += [
                    Suggestion(c.location, c.evidence, c.detector, c.change, str(exc)) for c in items
                ]
                notes.append(Note(ctx.app.app, f"{path}: {exc}; its calls are in suggestions.md"))
                continue
            done = py.rewritten
            reasons = dict(py.skipped)
            if done:
                files.write(path, py.text)
                req = _find_up(files.repo, PurePosixPath(path).parent, "requirements.txt")
                if req is not None:
                    text = files.read(str(req))
                    if text is not None:
                        files.write(str(req), python_rewrite.add_requirement(text))
                else:
                    notes.append(
                        Note(ctx.app.app, f"{path}: add azure-identity to the project's dependencies")
                    )
        elif suffix == ".cs":
            done, reasons = _rewrite_csharp(ctx, files, new_files, notes, path, source, items, names)
        for c in items:
            line = _location(c)[1]
            if line in done:
                result.rewritten.add(c.location)
                continue
            reason = reasons.get(line or -1) or (
                "JavaScript/TypeScript/Java: no syntax-aware rewrite yet"
                if suffix in (".js", ".ts", ".mjs", ".cjs", ".java")
                else "no safe automatic rewrite for this call"
            )
            suggestions.append(Suggestion(c.location, c.evidence, c.detector, c.change, reason))
    return result


def _rewrite_csharp(
    ctx: AppContext,
    files: _Files,
    new_files: dict[str, str],
    notes: list[Note],
    path: str,
    source: str,
    items: list[CodeChange],
    names: dict[str, str],
) -> tuple[tuple[int, ...], dict[int, str]]:
    csproj = _find_up(files.repo, PurePosixPath(path).parent, "*.csproj")
    project_dir = csproj.parent if csproj else PurePosixPath(path).parent
    proj_text = files.read(str(csproj)) if csproj else None
    namespace = csharp_rewrite.project_namespace(proj_text or "", project_dir.name or "App")
    cred = f"global::{namespace}.AzureCredentialFactory.Shared"
    lines = [ln for c in items for ln in [_location(c)[1]] if ln and c.detector == "csharp:ctor"]
    cs = csharp_rewrite.rewrite(source, lines, cred, names)
    done = cs.rewritten
    reasons = dict(cs.skipped)
    if not done:
        return done, reasons
    lookups = [
        ln
        for c in items
        for ln in [_location(c)[1]]
        if ln and c.detector == "csharp:lookup" and "Secret" in c.evidence
    ]
    text = csharp_rewrite.drop_unused_secret_lookups(cs.text, lookups)
    done = done + tuple(ln for ln in lookups if text.count("\n") < cs.text.count("\n"))
    files.write(path, text)
    factory = (
        f"{project_dir}/AzureCredentialFactory.cs" if str(project_dir) != "." else "AzureCredentialFactory.cs"
    )
    user_assigned = ctx.app.identity.kind is IdentityKind.USER_ASSIGNED
    if not (files.repo / factory).exists():
        new_files[factory] = render(
            "code/AzureCredentialFactory.cs.j2",
            namespace=namespace,
            user_assigned=user_assigned,
            identity_name=ctx.app.identity.name,
        )
    if csproj and proj_text is not None and not csharp_rewrite.package_version(proj_text, AZURE_IDENTITY):
        version = CodePatchEmitter.identity_version(files.repo)
        if version:
            files.write(str(csproj), csharp_rewrite.add_package_reference(proj_text, AZURE_IDENTITY, version))
        else:
            notes.append(
                Note(
                    ctx.app.app,
                    f"TODO {csproj}: add a PackageReference to {AZURE_IDENTITY} "
                    "(no version known in this repository: none invented)",
                )
            )
    return done, reasons


class CodePatchEmitter:
    """`code.patch` + `code.review.diff` (applied rewrites) and `suggestions.md` (the rest)."""

    def emit(self, ctx: AppContext) -> EmitOutput:
        changes = [c for c in ctx.app.code_changes if not c.change.startswith(NO_CHANGE_PREFIXES)]
        if not changes:
            return EmitOutput(())
        if ctx.repo is None:
            return EmitOutput((), (Note(ctx.app.app, "code.patch not written: run emit with --repo"),))
        result = build_rewrites(ctx, Path(ctx.repo))
        files, notes = result.files, result.notes
        patches, reviews = [], []
        for path in sorted(files.new):
            old, new = files.old[path], files.new[path]
            decision = safe_patch(path, old, new, text_allowed=True)
            patches.append(decision.patch)
            if decision.review:
                reviews.append(review_diff(path, old, new, secret_lines(path, old)))
            if decision.note:
                notes.append(Note(ctx.app.app, decision.note))
        for path in sorted(result.new_files):
            patches.append(new_file_diff(path, result.new_files[path]))
            reviews.append(new_file_diff(path, result.new_files[path]))
        artifacts = list(patch_artifacts("code", patches, reviews))
        if result.suggestions:
            artifacts.append(
                Artifact(
                    "suggestions.md",
                    render("code/suggestions.md.j2", app=ctx.app.app, suggestions=result.suggestions),
                )
            )
        return EmitOutput(tuple(artifacts), tuple(notes))

    @staticmethod
    def identity_version(repo: Path) -> str | None:
        """An Azure.Identity version this repository already uses (another project, central props)."""
        for candidate in sorted(repo.rglob("*.csproj")) + sorted(repo.rglob("Directory.Packages.props")):
            try:
                version = csharp_rewrite.package_version(
                    candidate.read_text(encoding="utf-8"), AZURE_IDENTITY
                )
            except (OSError, UnicodeDecodeError):
                continue
            if version:
                return version
        return None
