"""Find the files to scan under a root: respects .gitignore, skips vendored and generated trees,
never follows symbolic links (so link loops cannot trap it), and reports all it leaves out."""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pathspec
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from scanners.records import SkippedItem, SkipReason

VENDORED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "bower_components",
        "jspm_packages",
        "bin",
        "obj",
        ".vs",
        ".idea",
        "packages",
        "vendor",
        ".venv",
        "venv",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".terraform",
        ".terragrunt-cache",
        ".gradle",
        "target",
        "dist",
        "site-packages",
        ".next",
        ".nuxt",
        "coverage",
        "TestResults",
        ".angular",
        ".parcel-cache",
        ".serverless",
        ".aws-sam",
    }
)
GENERATED_FILES = frozenset(
    {
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "pipfile.lock",
        "packages.lock.json",
        "composer.lock",
        "cargo.lock",
        "go.sum",
        "gemfile.lock",
    }
)
# A .NET compiler's XML documentation file (`<doc><assembly>...<members>`): IntelliSense text
# shipped next to a DLL, generated from the library's source, never configuration.  Told by its
# content, as its name is just the assembly's (`Microsoft.Azure.Documents.Client.xml`).
_XML_DOC_HEAD_RE = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*)?<doc>\s*<assembly>.*?</assembly>\s*<members>", re.S)
XML_DOC_HEAD = 4096


def is_generated_content(path: str, text: str) -> str | None:
    """Why a file is generated, judged by its content (the walker judges names); None if not."""
    if path.lower().endswith(".xml") and _XML_DOC_HEAD_RE.match(text[:XML_DOC_HEAD].lstrip("\ufeff")):
        return "compiler-generated XML documentation of an assembly"
    return None


GENERATED_SUFFIXES = (
    ".min.js",
    ".min.css",
    ".js.map",
    ".css.map",
    ".pyc",
    ".dll",
    ".exe",
    ".so",
    ".dylib",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".ico",
    ".pdf",
    ".zip",
    ".gz",
    ".tgz",
    ".woff",
    ".woff2",
    ".ttf",
    ".eot",
    ".snk",
    ".nupkg",
    ".jar",
)
PROJECT_MARKER_SUFFIXES = (".csproj", ".fsproj", ".vbproj")
PROJECT_MARKERS = frozenset(
    {
        "package.json",
        "pyproject.toml",
        "requirements.txt",
        "setup.py",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
        "host.json",
        "go.mod",
        "main.bicep",
        "main.tf",
    }
)


@dataclass(slots=True)
class WalkResult:
    files: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)  # bytes of each file, as the walk saw it
    skipped: list[SkippedItem] = field(default_factory=list)
    project_dirs: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class WalkOptions:
    respect_gitignore: bool = True
    skip_vendored: bool = True
    excludes: tuple[str, ...] = ()


log = logging.getLogger(__name__)

GIT_TIMEOUT_S = 30.0

# A `*` of a gitignore pattern becomes `[^/]*` in pathspec's regex.  Several of them in one path
# segment (`*a*a*a*a*b`) backtrack exponentially on a long name that does not match.  Every star
# but the last of a segment is made atomic and lazy, `(?>[^/]*?CHUNK)`: it commits to the leftmost
# place where the fixed-length chunk after it matches, which is always a valid choice (as
# CPython's fnmatch does since 3.9), and matching becomes polynomial.
_STAR = "[^/]*"
# One character of a chunk: an escape, a class (`?` is `[^/]`), or any character that is no regex
# syntax (letters of any script included).
_ATOM_RE = re.compile(r"\\.|\[\^/\]|\[(?:\\.|[^\]\\])+\]|[^()\[\]{}|*+?.^$\\/]")


def _bound_stars(regex: str) -> str:
    out: list[str] = []
    i, n = 0, len(regex)
    while i < n:
        if not regex.startswith(_STAR, i):
            out.append(regex[i])
            i += 1
            continue
        while regex.startswith(_STAR * 2, i):  # `**` inside a segment is one `*`
            i += len(_STAR)
        j = i + len(_STAR)
        chunk: list[str] = []
        while j < n and not regex.startswith(_STAR, j):
            m = _ATOM_RE.match(regex, j)
            if m is None:
                break
            atom = m.group(0)
            # A class that would match `/` (`[!a]` becomes `[^a]`) cannot in git (wildmatch with
            # WM_PATHNAME); saying so keeps the leftmost choice valid.
            chunk.append(f"(?!/){atom}" if re.fullmatch(atom, "/") else atom)
            j = m.end()
        if chunk and regex.startswith(_STAR, j):  # a star with another star after it in its segment
            out.append(f"(?>{_STAR[:-1]}*?{''.join(chunk)})")
        else:
            out.append(_STAR + "".join(chunk))
        i = j
    return "".join(out)


class _BoundedPattern(GitIgnoreSpecPattern):
    """pathspec's gitignore pattern, with stars that cannot backtrack exponentially."""

    @classmethod
    def pattern_to_regex(cls, pattern: str) -> tuple[str | None, bool | None]:  # type: ignore[override]
        regex, include = super().pattern_to_regex(pattern)
        return (_bound_stars(regex) if isinstance(regex, str) else regex), include


def bounded_gitignore_spec(lines: Iterable[str]) -> pathspec.GitIgnoreSpec:
    """A `GitIgnoreSpec` whose matching cost is polynomial in the path, whatever the patterns."""
    return pathspec.GitIgnoreSpec.from_lines(lines, _BoundedPattern, backend="simple")


def tracked_files(root: str) -> frozenset[str] | None:
    """Paths (relative to `root`, POSIX) that git tracks under `root`, or None when `root` is not in
    a git work tree or git cannot answer (missing, refused, too slow).  Runs git without a shell,
    with a time limit, and with the repository's fsmonitor hook disabled (a hostile work tree
    could name a command there)."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        proc = subprocess.run(  # noqa: S603 - fixed argv, no shell; git found on PATH like any tool
            [git, "-c", "core.fsmonitor=false", "-c", "core.quotePath=false", "ls-files", "-z", "--cached"],
            cwd=root,
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"},
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.info(
            "git ls-files gave no answer (%s): tracked files ignored by .gitignore are not scanned",
            type(exc).__name__,
        )
        return None
    if proc.returncode != 0:  # not a work tree, or git refused it (e.g. owned by another user)
        log.info(
            "git ls-files exited with %d: tracked files ignored by .gitignore are not scanned",
            proc.returncode,
        )
        return None
    return frozenset(p.decode("utf-8", errors="surrogateescape") for p in proc.stdout.split(b"\0") if p)


def _ancestors(paths: frozenset[str]) -> frozenset[str]:
    dirs: set[str] = set()
    for p in paths:
        parts = p.split("/")[:-1]
        for k in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:k]))
    return frozenset(dirs)


def _read_ignore(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read().splitlines()
    except OSError:
        return []


class _IgnoreStack:
    """Nested .gitignore files, each applying below its own directory."""

    def __init__(self, tracked: frozenset[str] = frozenset()) -> None:
        self._specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
        self._tracked = tracked
        self._tracked_dirs = _ancestors(tracked)

    def push(self, rel_dir: str, lines: list[str]) -> None:
        lines = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
        if lines:
            self._specs.append((rel_dir, bounded_gitignore_spec(lines)))

    def ignored(self, rel: str, is_dir: bool) -> bool:
        """Ignored by a .gitignore and not tracked by git (tracked files are always scanned)."""
        if rel in (self._tracked_dirs if is_dir else self._tracked):
            return False
        verdict = False
        for base, spec in self._specs:
            if base and not (rel == base or rel.startswith(base + "/")):
                continue
            sub = rel[len(base) + 1 :] if base else rel
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
    tracked = tracked_files(root) if options.respect_gitignore else None
    ignores = _IgnoreStack(tracked or frozenset())
    excludes = bounded_gitignore_spec(options.excludes) if options.excludes else None
    if options.respect_gitignore:
        ignores.push("", _read_ignore(os.path.join(root, ".git", "info", "exclude")))
    for rel in _walk_dir(root, "", ignores, excludes, options, result):
        result.files.append(rel)
    return result


def _walk_dir(
    root: str,
    rel_dir: str,
    ignores: _IgnoreStack,
    excludes: pathspec.GitIgnoreSpec | None,
    options: WalkOptions,
    result: WalkResult,
) -> Iterator[str]:
    full_dir = os.path.join(root, rel_dir) if rel_dir else root
    try:
        with os.scandir(full_dir) as it:
            entries = sorted(it, key=lambda e: e.name)
    except PermissionError:
        result.skipped.append(
            SkippedItem(rel_dir or ".", SkipReason.UNREADABLE, "directory: permission denied")
        )
        return
    except OSError as exc:
        result.skipped.append(
            SkippedItem(
                rel_dir or ".", SkipReason.UNREADABLE, f"directory: {exc.strerror or type(exc).__name__}"
            )
        )
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
                result.skipped.append(
                    SkippedItem(rel, SkipReason.VENDORED, "vendored or generated directory")
                )
                continue
            yield from _walk_dir(root, rel, ignores, excludes, options, result)
        elif stat.S_ISREG(st.st_mode):
            low = entry.name.lower()
            if options.skip_vendored and (low in GENERATED_FILES or low.endswith(GENERATED_SUFFIXES)):
                result.skipped.append(SkippedItem(rel, SkipReason.VENDORED, "generated or binary file type"))
                continue
            result.sizes[rel] = st.st_size
            yield rel
        else:
            result.skipped.append(SkippedItem(rel, SkipReason.UNREADABLE, "not a regular file"))
