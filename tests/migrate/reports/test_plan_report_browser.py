"""The plan and progress reports in a real headless browser (Debian's chromium), served from
127.0.0.1: the pages render their sections, ask for nothing but themselves, and run no script.
Screenshots are left in `artifacts/` (the README's `docs/plan-report.png` is one of them)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from migrate.reports.documents import render_document
from tests.migrate.estate_audit import REPO
from tests.migrate.test_report_html_browser import ARTIFACTS, _chromium, _OneFileServer, _run_chromium

SCREENSHOT = REPO / "docs" / "plan-report.png"


@contextmanager
def _serve(html: str) -> Iterator[tuple[str, _OneFileServer]]:
    server = _OneFileServer(html.encode("utf-8"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/report.html", server
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("which", ["estate", "repo"])
def test_plan_report_renders_in_headless_chromium(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    binary = _chromium()
    if binary is None:  # .ci/run installs chromium; skip only on a developer machine without it
        pytest.skip("chromium is not installed (apt-get install chromium)")
    plan: Path = request.getfixturevalue(f"{which}_plan")
    html = render_document(json.loads(plan.read_text(encoding="utf-8")), "html", plan)
    with _serve(html) as (url, server):
        dom = _run_chromium(binary, tmp_path / "profile-dom", "--dump-dom", url)
        assert dom.returncode == 0, dom.stderr[-2000:]
        assert "Uncaught" not in dom.stderr and "<script" not in dom.stdout
        for section in ('id="summary"', 'id="blocked"', 'id="apps"', 'id="needs-review"'):
            assert section in dom.stdout, section
        for heading in ("Identity", "Grants", "Data-plane steps", "Removals", "Stages in order", "Risks"):
            assert f"<h4>{heading}</h4>" in dom.stdout, heading
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"plan-report-{which}.png"
        shot.unlink(missing_ok=True)
        run = _run_chromium(
            binary, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1200,1500", url
        )
        assert run.returncode == 0, run.stderr[-2000:]
        assert shot.stat().st_size > 10_000
        assert server.requests == ["/report.html", "/report.html"], server.requests


def test_progress_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    binary = _chromium()
    if binary is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "tool": "secretless",
                "app": "sub/rg/<b>web</b>",
                "principals": {},
                "steps": {"identity/production": {"status": "done"}, "grant/x/1": {"status": "failed"}},
            }
        ),
        encoding="utf-8",
    )
    html = render_document(json.loads(state.read_text()), "html", state)
    with _serve(html) as (url, server):
        dom = _run_chromium(binary, tmp_path / "profile", "--dump-dom", url)
        assert dom.returncode == 0, dom.stderr[-2000:]
        assert 'id="stages"' in dom.stdout and "&lt;b&gt;web&lt;/b&gt;" in dom.stdout
        assert '<span class="st failed">failed</span>' in dom.stdout
        assert server.requests == ["/report.html"]


def test_the_readme_screenshot_is_small_and_shown() -> None:
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 10_000 < SCREENSHOT.stat().st_size < 300_000
    assert "docs/plan-report.png" in (REPO / "README.md").read_text(encoding="utf-8")
