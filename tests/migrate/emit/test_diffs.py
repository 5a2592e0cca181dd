"""The git binary delta writer: `git apply` reproduces the new text exactly, and the patch carries
only the inserted (new) bytes, never a line of the old file."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from migrate.emit.code_patch import CodePatchEmitter
from migrate.emit.diffs import binary_patch, review_diff, text_patch
from migrate.emit.model import context
from migrate.plan.records import CodeChange
from tests.migrate.emit.factories import app, plan
from tests.migrate.emit.gitpatch import git, inserted_bytes


def _cases() -> list[tuple[str, str]]:
    rng = random.Random(7)  # noqa: S311 - reproducible test cases, not cryptography
    cases = [
        ("a\nSECRET=x1\nc\n", "a\nURL=https://e\nc\n"),
        ("no newline", "no newline\n"),
        ("x\n" * 40000 + "SECRET=y\n", "x\n" * 40000 + "URL=z\n"),
        ("", "new\n"),
        ("k\n" * 3, "L" * 300 + "\n" + "k\n" * 3),
    ]
    for _ in range(20):
        old = [f"line{rng.randint(0, 30)}\n" for _ in range(rng.randint(1, 40))]
        new = list(old)
        for _ in range(rng.randint(1, 5)):
            op = rng.choice("ids")
            i = rng.randrange(len(new) + 1)
            if op == "i":
                new.insert(i, f"new{rng.randint(0, 99)}\n")
            elif new and i < len(new):
                if op == "d":
                    del new[i]
                else:
                    new[i] = f"sub{rng.randint(0, 99)}\n"
        text_old, text_new = "".join(old), "".join(new)
        if rng.random() < 0.3:
            text_old, text_new = text_old.rstrip("\n"), text_new.rstrip("\n")
        cases.append((text_old, text_new))
    return [c for c in cases if c[0] != c[1]]


@pytest.mark.parametrize(("old", "new"), _cases())
def test_binary_patch_applies_exactly(old: str, new: str, tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "f.txt").write_text(old, encoding="utf-8", newline="")
    for args in (
        ("init", "-q"),
        ("add", "-A"),
        ("-c", "user.email=t@x.invalid", "-c", "user.name=t", "commit", "-qm", "f"),
    ):
        assert git(repo, *args).returncode == 0
    patch = binary_patch("f.txt", old.encode(), new.encode())
    (tmp_path / "p").write_text(patch, encoding="utf-8")
    result = git(repo, "apply", str(tmp_path / "p"))
    assert result.returncode == 0, result.stderr
    assert (repo / "f.txt").read_bytes() == new.encode()
    assert b"SECRET" not in b"".join(inserted_bytes(patch))


@pytest.mark.parametrize(("old", "new"), [c for c in _cases() if c[0]][:12])
def test_text_patch_applies_exactly_without_a_preimage_id(old: str, new: str, tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "f.txt").write_text(old, encoding="utf-8", newline="")
    patch = text_patch("f.txt", old, new)
    assert "\nindex " not in patch and patch.startswith("diff --git a/f.txt b/f.txt\n--- a/f.txt\n")
    (tmp_path / "p").write_text(patch, encoding="utf-8", newline="")
    result = git(repo, "apply", str(tmp_path / "p"))  # outside a git work tree too
    assert result.returncode == 0, result.stderr
    assert (repo / "f.txt").read_bytes() == new.encode()


def test_a_changed_preimage_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "f.txt").write_text("a\nb\n", encoding="utf-8")
    assert git(repo, "init", "-q").returncode == 0
    (tmp_path / "p").write_text(binary_patch("f.txt", b"a\nc\n", b"a\nd\n"), encoding="utf-8")
    assert git(repo, "apply", "--check", str(tmp_path / "p")).returncode != 0


def test_review_diff_masks_what_it_is_told() -> None:
    out = review_diff(
        "f", "a\nSECRET=1\n", "a\nURL=2\n", lambda n, line: "MASKED" if "SECRET" in line else None
    )
    assert out.splitlines()[-2:] == ["-MASKED", "+URL=2"]


def test_javascript_and_java_call_sites_become_suggestions(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web/app.js").write_text("const c = BlobServiceClient.fromConnectionString(process.env.X);\n")
    (tmp_path / "web/App.java").write_text("class A {}\n")
    changes = (
        CodeChange(
            "u",
            "web/app.js:1",
            "javascript:call",
            "use the endpoint and a TokenCredential",
            "BlobServiceClient.fromConnectionString(process.env.X)",
        ),
        CodeChange("u", "web/App.java:1", "java:call", "use the endpoint", "connectionString(...)"),
    )
    the_app = app(app="web", kind="repository-project", slots=(), code_changes=changes)
    out = CodePatchEmitter().emit(context(plan(the_app), the_app, tmp_path))
    files = {a.path: a.text for a in out.artifacts}
    assert set(files) == {"suggestions.md"}
    assert (
        "web/app.js:1" in files["suggestions.md"] and "JavaScript/TypeScript/Java" in files["suggestions.md"]
    )


def test_review_diff_sends_every_removed_line_through_redact() -> None:
    old = "keep\n-- dashes\nsecret1\nkeep\nsecret2"
    new = "keep\nkeep\nnew"
    seen: list[tuple[int, str]] = []

    def redact(n: int, line: str) -> str:
        seen.append((n, line.rstrip("\n")))
        return f"X{n}"

    out = review_diff("f", old, new, redact)
    assert seen == [(2, "-- dashes"), (3, "secret1"), (5, "secret2")]
    assert "secret" not in out and "dashes" not in out
