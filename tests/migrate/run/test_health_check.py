"""`--health-url`: the verify stage's gate also GETs the URL (a local server on 127.0.0.1 here)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.run.health import health_check, shown
from migrate.run.runner import RunOptions
from tests.fakearm import AsyncStaticTokenCredential
from tests.migrate.run.test_migrate_runner import _estate, _run


class _Health:
    """A tiny HTTP server: answers each GET with the next status of `statuses` (the last one repeats)."""

    def __init__(self, statuses: list[int], location: str | None = None) -> None:
        self.statuses = statuses
        self.location = location
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.paths.append(self.path)
                status = outer.statuses.pop(0) if len(outer.statuses) > 1 else outer.statuses[0]
                if self.path.startswith("/moved"):
                    status = 302
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", outer.location or "/health")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Health:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _opts(url: str) -> RunOptions:
    return RunOptions(execute=True, yes=True, continue_manual=True, health_url=url)


@pytest.fixture
def health() -> Iterator[_Health]:
    with _Health([200, 503]) as h:
        yield h


def test_health_check_statuses_and_redirects() -> None:
    with _Health([200, 503]) as h:
        assert asyncio.run(health_check(h.url + "/health")).ok
        bad = asyncio.run(health_check(h.url + "/health"))
        assert not bad.ok and bad.detail == "HTTP 503"
    with _Health([200]) as h:
        same = asyncio.run(health_check(h.url + "/moved"))
        assert same.ok and h.paths == ["/moved", "/health"]
    with _Health([200], location="http://127.0.0.2:9/elsewhere") as h:
        off = asyncio.run(health_check(h.url + "/moved"))
        assert not off.ok and "another host" in off.detail and h.paths == ["/moved"]
    with _Health([200]) as h:
        url = h.url
    down = asyncio.run(health_check(url + "/health", timeout_s=2))
    assert not down.ok and down.detail.startswith("unreachable")
    assert shown("https://x.example/api?code=SECRET") == "https://x.example/api?<query hidden>"


def test_a_healthy_slot_lets_the_run_finish(
    plan_path: Path,
    fake_arm_factory: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    health: _Health,
) -> None:
    health.statuses[:] = [200]
    arm = fake_arm_factory(_estate())
    out = _run(arm, plan_path, tmp_path / "s.json", monkeypatch, _opts(health.url + "/h"))
    assert out.status == "completed", out.message
    assert health.paths == ["/h"]
    assert "AZURE_CLIENT_SECRET" not in arm.estate.sites[0].app_settings


def test_an_unhealthy_slot_stops_the_run_before_any_removal(
    plan_path: Path,
    fake_arm_factory: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    health: _Health,
) -> None:
    health.statuses[:] = [503]
    arm = fake_arm_factory(_estate())
    state = tmp_path / "s.json"
    url = health.url + "/health?code=SECRET"
    out = _run(arm, plan_path, state, monkeypatch, _opts(url))
    assert out.status == "failed" and out.step == "verify/gates"
    assert (
        f"{health.url}/health?<query hidden> answered HTTP 503" in out.message and "SECRET" not in out.message
    )
    assert "AZURE_CLIENT_SECRET" in arm.estate.sites[0].app_settings, "nothing removed"
    assert json.loads(state.read_text())["steps"]["verify/gates"]["status"] == "failed"
    assert "SECRET" not in state.read_text()

    # the app is healthy again: the rerun passes the gate and goes on to the removal
    health.statuses[:] = [200]
    out = _run(arm, plan_path, state, monkeypatch, _opts(url))
    assert out.status == "completed", out.message
    assert "AZURE_CLIENT_SECRET" not in arm.estate.sites[0].app_settings


def test_cli_health_url(
    plan_path: Path,
    fake_arm_factory: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    health: _Health,
) -> None:
    arm = fake_arm_factory(_estate())
    monkeypatch.setenv("SSL_CERT_FILE", arm.ca_path)
    monkeypatch.setattr(
        "scanners.azure_arm.build_credential", lambda name, client_id=None: AsyncStaticTokenCredential()
    )
    health.statuses[:] = [503]
    args = [
        "migrate",
        str(plan_path),
        "--app",
        "web-orders",
        "--execute",
        "--yes",
        "--continue-manual",
        "--state",
        str(tmp_path / "s.json"),
        "--arm-endpoint",
        arm.base_url,
        "--set",
        "target-resource-group=rg-data",
        "--set",
        "application-insights component=ai-orders",
        "--health-url",
        health.url + "/health",
    ]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 3, r.output
    assert f"health check GET {health.url}/health answered HTTP 503" in r.stderr
    assert "action=health-check" in r.stderr
    r = CliRunner().invoke(main, [*args[:-1], "ftp://nope"])
    assert r.exit_code == 2 and "http(s) URL" in r.stderr


def test_the_health_gate_waits_for_propagation_within_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """New role assignments take minutes: 403 until they do, then 200; a slot that never gets well
    fails once the bound is reached."""
    from migrate.run.health import health_until

    monkeypatch.setattr("migrate.run.health.WAIT_S", 5.0)
    monkeypatch.setattr("migrate.run.health.INTERVAL_S", 0.05)
    heard: list[str] = []
    with _Health([403, 403, 200]) as h:
        ok = asyncio.run(health_until(h.url + "/health", heard.append))
    assert ok.ok and ok.detail == "HTTP 200" and heard == ["HTTP 403", "HTTP 403"]
    monkeypatch.setattr("migrate.run.health.WAIT_S", 0.3)
    with _Health([503]) as h:
        bad = asyncio.run(health_until(h.url + "/health"))
        assert len(h.paths) >= 2, "it asked again before giving up"
    assert not bad.ok and bad.detail.startswith("HTTP 503 for ")
