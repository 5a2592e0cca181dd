"""Find the files to scan under a root: respects .gitignore, skips vendored and generated trees,
never follows symbolic links (so link loops cannot trap it), and reports all it leaves out."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field

import pathspec

from scanners.records import SkippedItem, SkipReason

VENDORED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", "bower_components", "jspm_packages", "bin", "obj",
        ".vs", ".idea", "packages", "vendor", ".venv", "venv", "__pycache__", ".mypy_cache",
        ".pytest_cache", ".ruff_cache", ".tox", ".nox", ".terraform", ".terragrunt-cache",
        ".gradle", "target", "dist", "site-packages", ".next", ".nuxt", "coverage", "TestResults",
        ".angular", ".parcel-cache", ".serverless", ".aws-sam",
    }
)
GENERATED_FILES = frozenset(
    {"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "pipfile.lock",
     "packages.lock.json", "composer.lock", "cargo.lock", "go.sum", "gemfile.lock"}
)
GENERATED_SUFFIXES = (".min.js", ".min.css", ".js.map", ".css.map", ".pyc", ".dll", ".exe",
                      ".so", ".dylib", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".pdf", ".zip",
                      ".gz", ".tgz", ".woff", ".woff2", ".ttf", ".eot", ".snk", ".nupkg", ".jar")
PROJECT_MARKER_SUFFIXES = (".csproj", ".fsproj", ".vbproj")
PROJECT_MARKERS = frozenset(
    {"package.json", "pyproject.toml", "requirements.txt", "setup.py", "pom.xml", "build.gradle",
     "build.gradle.kts", "host.json", "go.mod", "main.bicep", "main.tf"}
)


@dataclass(slots=True)
class WalkResult:
    files: list[str] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)
    project_dirs: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class WalkOptions:
    respect_gitignore: bool = True
    skip_vendored: bool = True
    excludes: tuple[str, ...] = ()


def _read_ignore(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read().splitlines()
    except OSError:
        return []


class _IgnoreStack:
    """Nested .gitignore files, each applying below its own directory."""

    def __init__(self) -> None:
        self._specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []

    def push(self, rel_dir: str, lines: list[str]) -> None:
        lines = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
        if lines:
            self._specs.append((rel_dir, pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignored(self, rel: str, is_dir: bool) -> bool:
        verdict = False
        for base, spec in self._specs:
            if base and not (rel == base or rel.startswith(base + "/")):
                continue
            sub = rel[len(base) + 1:] if base else rel
            if is_dir:
                sub += "/"
            res = spec.check_file(sub)
            if res.include is not None:
                verdict = bool(res.include)
        return verdict


def walk(root: str, options: WalkOptions = WalkOptions()) -> WalkResult:
    result = WalkResult()
    if os.path.isfile(root):
        result.files.append(os.path.basename(root))
        return result
    ignores = _IgnoreStack()
    excludes = pathspec.GitIgnoreSpec.from_lines(options.excludes) if options.excludes else None
    if options.respect_gitignore:
        ignores.push("", _read_ignore(os.path.join(root, ".git", "info", "exclude")))
    for rel in _walk_dir(root, "", ignores, excludes, options, result):
        result.files.append(rel)
    return result


def _walk_dir(root: str, rel_dir: str, ignores: _IgnoreStack, excludes: pathspec.GitIgnoreSpec | None,
              options: WalkOptions, result: WalkResult) -> Iterator[str]:
    full_dir = os.path.join(root, rel_dir) if rel_dir else root
    try:
        with os.scandir(full_dir) as it:
            entries = sorted(it, key=lambda e: e.name)
    except PermissionError:
        result.skipped.append(SkippedItem(rel_dir or ".", SkipReason.UNREADABLE, "directory: permission denied"))
        return
    except OSError as exc:
        result.skipped.append(SkippedItem(rel_dir or ".", SkipReason.UNREADABLE,
                                          f"directory: {exc.strerror or type(exc).__name__}"))
        return
    if options.respect_gitignore and any(e.name == ".gitignore" for e in entries):
        ignores.push(rel_dir, _read_ignore(os.path.join(full_dir, ".gitignore")))
    names = {e.name.lower() for e in entries}
    if names & PROJECT_MARKERS or any(n.endswith(PROJECT_MARKER_SUFFIXES) for n in names):
        result.project_dirs.add(rel_dir)
    for entry in entries:
        rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            result.skipped.append(SkippedItem(rel, SkipReason.UNREADABLE, exc.strerror or "stat failed"))
            continue
        if stat.S_ISLNK(st.st_mode):
            result.skipped.append(SkippedItem(rel, SkipReason.SYMLINK, "symbolic link not followed"))
            continue
        is_dir = stat.S_ISDIR(st.st_mode)
        if excludes is not None and excludes.match_file(rel + ("/" if is_dir else "")):
            result.skipped.append(SkippedItem(rel, SkipReason.IGNORED, "matches --exclude"))
            continue
        if options.respect_gitignore and ignores.ignored(rel, is_dir):
            result.skipped.append(SkippedItem(rel, SkipReason.IGNORED, "matches .gitignore"))
            continue
        if is_dir:
            if options.skip_vendored and entry.name in VENDORED_DIRS:
                result.skipped.append(SkippedItem(rel, SkipReason.VENDORED, "vendored or generated directory"))
                continue
            yield from _walk_dir(root, rel, ignores, excludes, options, result)
        elif stat.S_ISREG(st.st_mode):
            low = entry.name.lower()
            if options.skip_vendored and (low in GENERATED_FILES or low.endswith(GENERATED_SUFFIXES)):
                result.skipped.append(SkippedItem(rel, SkipReason.VENDORED, "generated or binary file type"))
                continue
            yield rel
        else:
            result.skipped.append(SkippedItem(rel, SkipReason.UNREADABLE, "not a regular file"))
