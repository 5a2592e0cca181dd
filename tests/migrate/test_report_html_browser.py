"""The HTML report in a real headless browser (Debian's chromium).

The page is served from 127.0.0.1 by a one-file HTTP server in a thread; the test checks that the
page renders its summary, that the browser asked for nothing but the page itself (no CDN, font,
image or favicon request), and that the console shows no script errors.  A screenshot is left in
`artifacts/report.png` for CI artifacts and for people to look at.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migrate.reports import RENDERERS, load_report
from tests.migrate.estate_audit import REPO, estate_document

ARTIFACTS = REPO / "artifacts"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _chromium() -> str | None:
    """The chromium binary; in CI (where .ci/run installs it) a missing browser is a failure."""
    found = _find_chromium()
    if found is None and os.environ.get("CI"):
        pytest.fail("chromium is missing in CI: .ci/run should have installed it")
    return found


def _find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


class _OneFileServer(http.server.ThreadingHTTPServer):
    def __init__(self, page: bytes) -> None:
        self.page = page
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _OneFileServer

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        if self.path != "/report.html":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.server.page)))
        self.end_headers()
        self.wfile.write(self.server.page)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, _OneFileServer, str]]:
    doc = estate_document(tmp_path)
    html = RENDERERS["html"].render(load_report(doc))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report.html").write_text(html, encoding="utf-8")
    server = _OneFileServer(html.encode("utf-8"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/report.html", server, html
    finally:
        server.shutdown()
        server.server_close()


def _run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile.mkdir()
    return subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_report_renders_in_headless_chromium(served: tuple[str, _OneFileServer, str], tmp_path: Path) -> None:
    binary = _chromium()
    if binary is None:  # .ci/run installs chromium; skip only on a developer machine without it
        pytest.skip("chromium is not installed (apt-get install chromium)")
    url, server, html = served

    dom = _run_chromium(binary, tmp_path / "profile-dom", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Uncaught" not in dom.stderr
    assert 'id="summary"' in dom.stdout
    assert "Findings by value class" in dom.stdout and "Findings by app" in dom.stdout
    assert "<svg" in dom.stdout and "<script" not in dom.stdout
    assert "src/Contoso.Web" in dom.stdout

    screenshot = ARTIFACTS / "report.png"
    screenshot.unlink(missing_ok=True)
    shot = _run_chromium(
        binary, tmp_path / "profile-shot", f"--screenshot={screenshot}", "--window-size=1280,2000", url
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert "Uncaught" not in shot.stderr
    assert screenshot.stat().st_size > 10_000

    # Each browser run asked for the page and nothing else.
    assert server.requests == ["/report.html", "/report.html"], server.requests
    assert json.dumps(server.requests).count("favicon") == 0


def test_injected_markup_does_not_become_an_element(tmp_path: Path) -> None:
    binary = _chromium()
    if binary is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    doc = estate_document(tmp_path)
    doc["items"][0]["Location"]["path"] = "src/<script>alert(1)</script>/appsettings.json"
    doc["items"][0]["SettingName"] = "<script>alert(1)</script>"
    page = tmp_path / "hostile.html"
    page.write_text(RENDERERS["html"].render(load_report(doc)), encoding="utf-8")
    dom = _run_chromium(binary, tmp_path / "profile", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<script" not in dom.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom.stdout
