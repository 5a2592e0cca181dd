"""Precision and recall of `secretless scan` on the labelled corpus of real public repositories.

    python bench/accuracy.py [--mirrors /work/.mirror] [--json FILE] [--repo OWNER/NAME ...]

Ground truth: bench/corpus/labels/<owner>__<name>.json, one file per repository, each label a
secret-based connection place (path, line, file family, service, kind, whether the value on that
line is a real secret).  No label holds a secret value or a hash of one.

For each repository the script extracts the labelled commit of its mirror
(<mirrors>/<owner>+<name>/repo, a bare git directory as the `fetch` snapshots are) into a temp dir,
runs `secretless scan DIR -f json`, and matches items to labels:

* an item matches a label when it has the same path and its line is within ±1 of the label's line
  (LINE_TOLERANCE): detectors report a multi-line value, a YAML key or an ARM property on the line of
  its key or of its value, and both are the same place;
* recall of a family = labels of that family matched by at least one item / labels of that family;
* precision of `secret` = items whose value class is `secret` and that match a label with
  `real_secret: true` / all items whose value class is `secret`.  Real secrets are labelled
  exhaustively, so an unmatched `secret` item is a false positive.  An item counts in the family of
  the label it matches, else in the family its path suggests (family_of).
* items / on no label: every item in scope, and those on no labelled place (any value class).  Recall
  counts any item on a place, so a detector that reported every line would reach 1.00: this column
  keeps that honest.  Not every item on no label is wrong (labels cover secret-based connection
  places; an item may be a sound finding the labelling left out), but a rise there is noise.

Missing mirrors (or a mirror without the labelled commit) are reported and skipped.  Blobs the
snapshot lacks (files of 4 MiB and more) are skipped while extracting.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict, cast

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
LABELS = CORPUS / "labels"
LINE_TOLERANCE = 1
FAMILIES = ("config", "code", "iac", "script", "ci", "notebook", "other")
KINDS = ("secret-value", "placeholder", "consumer", "iac-wiring")


class Label(TypedDict):
    repo: str
    commit: str
    path: str
    line: int
    family: str
    service: str
    kind: str
    real_secret: bool
    note: str


class Item(TypedDict):
    path: str
    line: int
    value_class: str
    service: str
    detector: str


@dataclass
class Tally:
    labelled: int = 0
    found: int = 0
    called_secret: int = 0
    true_secret: int = 0
    real_secrets: int = 0
    real_found_as_secret: int = 0
    reported: int = 0  # items of any value class (in scope)
    unlabelled: int = 0  # of those, items on no labelled place: what a reader would call noise

    def add(self, other: Tally) -> None:
        self.labelled += other.labelled
        self.found += other.found
        self.called_secret += other.called_secret
        self.true_secret += other.true_secret
        self.real_secrets += other.real_secrets
        self.real_found_as_secret += other.real_found_as_secret
        self.reported += other.reported
        self.unlabelled += other.unlabelled

    def recall(self) -> float | None:
        return self.found / self.labelled if self.labelled else None

    def precision(self) -> float | None:
        return self.true_secret / self.called_secret if self.called_secret else None


@dataclass
class RepoResult:
    repo: str
    commit: str
    families: dict[str, Tally] = field(default_factory=dict)
    missed: list[Label] = field(default_factory=list)
    false_secrets: list[Item] = field(default_factory=list)
    unlabelled: list[Item] = field(default_factory=list)
    seconds: float = 0.0


def family_of(path: str) -> str:
    """The file family a path suggests (used for items that match no label)."""
    p = path.lower()
    name = p.rsplit("/", 1)[-1]
    if (
        p.startswith(".github/workflows/")
        or name in {"azure-pipelines.yml", "azure-pipelines.yaml", ".gitlab-ci.yml", "jenkinsfile"}
        or "/pipelines/" in f"/{p}"
        or p.startswith(".azure-pipelines/")
        or p.startswith(".pipelines/")
    ):
        return "ci"
    if name.endswith(".ipynb"):
        return "notebook"
    if (
        name.endswith((".bicep", ".bicepparam", ".tf", ".tfvars", ".hcl"))
        or name.endswith(".parameters.json")
        or "/templates/" in f"/{p}"
        and name.endswith((".yaml", ".yml"))
        or name in {"azuredeploy.json", "main.json", "template.json"}
        or "/manifests/" in f"/{p}"
        or "/charts/" in f"/{p}"
        or "/helm/" in f"/{p}"
        or "/kubernetes/" in f"/{p}"
        or "/k8s/" in f"/{p}"
    ):
        return "iac"
    if name.endswith((".sh", ".ps1", ".psm1", ".azcli", ".bash", ".cmd", ".bat", ".zsh")):
        return "script"
    if name.endswith(
        (
            ".cs",
            ".java",
            ".py",
            ".js",
            ".ts",
            ".tsx",
            ".jsx",
            ".go",
            ".rs",
            ".kt",
            ".scala",
            ".rb",
            ".php",
            ".cpp",
            ".c",
            ".h",
            ".vue",
            ".mjs",
            ".cjs",
            ".razor",
            ".cshtml",
            ".fs",
        )
    ):
        return "code"
    if (
        name.endswith(
            (
                ".json",
                ".yaml",
                ".yml",
                ".properties",
                ".xml",
                ".config",
                ".env",
                ".ini",
                ".toml",
                ".cfg",
                ".conf",
                ".settings",
            )
        )
        or name.startswith(".env")
        or "dockerfile" in name
        or name.endswith(".env.sample")
        or name.endswith(".env.example")
    ):
        return "config"
    return "other"


def in_scope(path: str, scope: Sequence[str]) -> bool:
    """Whether PATH lies in the labelled part of a repository (every path when SCOPE is empty)."""
    return not scope or any(path == s or (s.endswith("/") and path.startswith(s)) for s in scope)


def load_labels(only: Sequence[str]) -> list[tuple[str, str, list[str], list[Label]]]:
    out: list[tuple[str, str, list[str], list[Label]]] = []
    for f in sorted(LABELS.glob("*.json")):
        doc = cast(dict[str, Any], json.loads(f.read_text()))
        repo, commit = str(doc["repo"]), str(doc["commit"])
        if only and repo not in only:
            continue
        labels = cast(list[Label], doc["labels"])
        scope = [str(s) for s in doc.get("scope", [])]
        for lab in labels:
            if lab["family"] not in FAMILIES or lab["kind"] not in KINDS:
                raise SystemExit(f"{f.name}: bad family/kind in {lab['path']}:{lab['line']}")
            if not in_scope(lab["path"], scope):
                raise SystemExit(f"{f.name}: label outside the scope: {lab['path']}:{lab['line']}")
        out.append((repo, commit, scope, labels))
    return out


def mirror_dir(mirrors: Path, repo: str) -> Path | None:
    base = mirrors / repo.replace("/", "+")
    for cand in (base / "repo", base, base / ".git"):
        if (cand / "HEAD").is_file() and (cand / "objects").is_dir():
            return cand
    return None


def _git(gitdir: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603
        ["git", f"--git-dir={gitdir}", *args],  # noqa: S607
        input=stdin,
        capture_output=True,
        check=False,
    )


def extract(gitdir: Path, commit: str, into: Path) -> tuple[int, int]:
    """Write the tree of COMMIT under INTO; returns (files written, blobs missing from the snapshot).

    `git archive COMMIT | tar -x` is the plain way, but a snapshot lacks its largest blobs and
    archive then stops; this streams every blob through `git cat-file --batch` and skips the missing.
    """
    tree = _git(gitdir, "ls-tree", "-r", "-z", "--full-tree", commit)
    if tree.returncode != 0:
        raise LookupError(tree.stderr.decode(errors="replace").strip())
    entries: list[tuple[str, str]] = []
    for rec in tree.stdout.split(b"\0"):
        if not rec:
            continue
        meta, _, path = rec.partition(b"\t")
        mode, kind, oid = meta.decode().split()
        if kind != "blob" or mode == "120000":
            continue
        entries.append((oid, path.decode(errors="surrogateescape")))
    proc = subprocess.Popen(  # noqa: S603
        ["git", f"--git-dir={gitdir}", "cat-file", "--batch"],  # noqa: S607
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None  # noqa: S101
    written = missing = 0
    out = proc.stdout
    # feed and read in chunks so neither pipe fills up
    chunk = 200
    for start in range(0, len(entries), chunk):
        part = entries[start : start + chunk]
        proc.stdin.write("".join(f"{oid}\n" for oid, _ in part).encode())
        proc.stdin.flush()
        for _oid, rel in part:
            header = out.readline().decode().split()
            if len(header) < 3 or header[1] == "missing":
                missing += 1
                continue
            data = out.read(int(header[2]))
            out.read(1)
            dest = into / rel
            if ".." in Path(rel).parts:
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            written += 1
    proc.stdin.close()
    proc.wait()
    return written, missing


def secretless_exe() -> list[str]:
    env = os.environ.get("SECRETLESS")
    if env:
        return [env]
    sibling = Path(sys.executable).with_name("secretless")
    if sibling.exists():
        return [str(sibling)]
    found = shutil.which("secretless")
    if found:
        return [found]
    return [sys.executable, "-m", "migrate.cli"]


def scan(tree: Path, key_file: Path, out: Path) -> list[Item]:
    cmd = [
        *secretless_exe(),
        "scan",
        str(tree),
        "-f",
        "json",
        "-o",
        str(out),
        "--key-file",
        str(key_file),
        "--no-progress",
        # Every file of an extracted commit is tracked: a checkout's scan asks `git ls-files` and
        # reads tracked files that .gitignore names (local.settings.json); the extracted tree has
        # no .git to ask, so the rules must not hide them here.
        "--no-gitignore",
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
    if res.returncode not in (0, 1) or not out.exists():
        raise RuntimeError(f"secretless scan failed ({res.returncode}): {res.stderr.strip()[-500:]}")
    doc = cast(dict[str, Any], json.loads(out.read_text()))
    items: list[Item] = []
    for raw in cast(list[dict[str, Any]], doc.get("items", [])):
        loc = cast(dict[str, Any], raw.get("Location") or {})
        if loc.get("kind") != "file" or not loc.get("path"):
            continue
        items.append(
            Item(
                path=str(loc["path"]),
                line=int(loc.get("line") or 0),
                value_class=str(raw.get("ValueClass", "")),
                service=str(raw.get("ServiceType", "")),
                detector=str(raw.get("Detector", "")),
            )
        )
    return items


def _near(a: int, b: int) -> bool:
    return abs(a - b) <= LINE_TOLERANCE


def score(
    repo: str, commit: str, labels: list[Label], items: Iterable[Item], scope: Sequence[str] = ()
) -> RepoResult:
    by_path: dict[str, list[Label]] = {}
    for lab in labels:
        by_path.setdefault(lab["path"], []).append(lab)
    result = RepoResult(repo=repo, commit=commit)
    fam = result.families
    for f in FAMILIES:
        fam[f] = Tally()
    hit: set[int] = set()
    real_as_secret: set[int] = set()
    for item in items:
        if not in_scope(item["path"], scope):
            continue
        near = [lab for lab in by_path.get(item["path"], []) if _near(lab["line"], item["line"])]
        for lab in near:
            hit.add(id(lab))
        family = near[0]["family"] if near else family_of(item["path"])
        fam[family].reported += 1
        if not near:
            fam[family].unlabelled += 1
            result.unlabelled.append(item)
        if item["value_class"] != "secret":
            continue
        fam[family].called_secret += 1
        real = [lab for lab in near if lab["real_secret"]]
        if real:
            fam[family].true_secret += 1
            real_as_secret.update(id(lab) for lab in real)
        else:
            result.false_secrets.append(item)
    for lab in labels:
        t = fam[lab["family"]]
        t.labelled += 1
        if id(lab) in hit:
            t.found += 1
        else:
            result.missed.append(lab)
        if lab["real_secret"]:
            t.real_secrets += 1
            if id(lab) in real_as_secret:
                t.real_found_as_secret += 1
    return result


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def table(totals: dict[str, Tally]) -> str:
    rows = [
        "| family | labelled places | found | recall | called `secret` | true secrets | precision "
        "| real secrets | called `secret` | items | on no label |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    grand = Tally()
    for f in FAMILIES:
        t = totals[f]
        grand.add(t)
        if not t.labelled and not t.called_secret:
            continue
        rows.append(
            f"| {f} | {t.labelled} | {t.found} | {_fmt(t.recall())} | {t.called_secret} | "
            f"{t.true_secret} | {_fmt(t.precision())} | {t.real_secrets} | {t.real_found_as_secret} | "
            f"{t.reported} | {t.unlabelled} |"
        )
    rows.append(
        f"| **total** | {grand.labelled} | {grand.found} | **{_fmt(grand.recall())}** | "
        f"{grand.called_secret} | {grand.true_secret} | **{_fmt(grand.precision())}** | "
        f"{grand.real_secrets} | {grand.real_found_as_secret} | {grand.reported} | {grand.unlabelled} |"
    )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument(
        "--mirrors",
        type=Path,
        default=Path(os.environ.get("SECRETLESS_MIRRORS", "/work/.mirror")),
        help="folder of fetched mirrors, <owner>+<name>/repo (default: /work/.mirror)",
    )
    ap.add_argument("--repo", action="append", default=[], help="only this owner/name (repeatable)")
    ap.add_argument("--json", type=Path, help="also write the per-repository and total figures here")
    ap.add_argument("--details", action="store_true", help="list every missed label and false `secret`")
    args = ap.parse_args(argv)

    corpus = load_labels(args.repo)
    totals = {f: Tally() for f in FAMILIES}
    results: list[RepoResult] = []
    skipped: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="secretless-accuracy-") as tmpname:
        tmp = Path(tmpname)
        key = tmp / "fingerprint.key"
        key.write_text("00" * 32)
        for repo, commit, scope, labels in corpus:
            gitdir = mirror_dir(args.mirrors, repo)
            if gitdir is None:
                skipped.append((repo, f"no mirror under {args.mirrors}"))
                print(f"skip {repo}: no mirror under {args.mirrors}", file=sys.stderr)
                continue
            tree = tmp / repo.replace("/", "+")
            tree.mkdir()
            try:
                _written, missing = extract(gitdir, commit, tree)
            except LookupError as exc:
                skipped.append((repo, f"commit {commit[:12]} not in mirror: {exc}"))
                print(f"skip {repo}: commit {commit[:12]} not in mirror", file=sys.stderr)
                shutil.rmtree(tree, ignore_errors=True)
                continue
            t0 = time.perf_counter()
            items = scan(tree, key, tmp / "out.json")
            res = score(repo, commit, labels, items, scope)
            res.seconds = time.perf_counter() - t0
            results.append(res)
            for f in FAMILIES:
                totals[f].add(res.families[f])
            lab_n = sum(t.labelled for t in res.families.values())
            found_n = sum(t.found for t in res.families.values())
            sec_n = sum(t.called_secret for t in res.families.values())
            true_n = sum(t.true_secret for t in res.families.values())
            print(
                f"{repo}@{commit[:12]}: {found_n}/{lab_n} places found, {true_n}/{sec_n} `secret` true"
                f"{f', {missing} blobs missing from the snapshot' if missing else ''} ({res.seconds:.1f}s)",
                file=sys.stderr,
            )
            if args.details:
                for lab in res.missed:
                    print(
                        f"  miss {lab['family']:8} {lab['kind']:12} {lab['service']:14} {lab['path']}:{lab['line']}"
                        f"  {lab['note']}",
                        file=sys.stderr,
                    )
                for it in res.false_secrets:
                    print(
                        f"  fp   {it['service']:14} {it['detector']:24} {it['path']}:{it['line']}",
                        file=sys.stderr,
                    )
            shutil.rmtree(tree, ignore_errors=True)

    print(f"{len(results)} repositories scanned, {len(skipped)} skipped")
    print(table(totals))
    if args.json:
        doc: dict[str, Any] = {
            "line_tolerance": LINE_TOLERANCE,
            "skipped": [{"repo": r, "reason": why} for r, why in skipped],
            "totals": {f: vars(t) for f, t in totals.items()},
            "repos": [
                {
                    "repo": r.repo,
                    "commit": r.commit,
                    "seconds": round(r.seconds, 1),
                    "families": {f: vars(t) for f, t in r.families.items() if t.labelled or t.called_secret},
                    "missed": [
                        {k: lab[k] for k in ("path", "line", "family", "service", "kind")} for lab in r.missed
                    ],
                    "false_secrets": list(r.false_secrets),
                    "unlabelled": list(r.unlabelled),
                }
                for r in results
            ],
        }
        args.json.write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
