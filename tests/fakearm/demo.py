"""A real `secretless migrate --execute --yes` session against the bundled fake ARM (for the README).

    python -m tests.fakearm.demo

Builds the fake estate of `examples/az-export` (the runner tests' estate), scans and plans it, then
runs the migration of web-orders through the real SDK over HTTPS on 127.0.0.1 and prints the
session.  Nothing leaves the machine: the fake ARM and the health endpoint listen on loopback only.
"""

from __future__ import annotations

import os
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest import mock

from click.testing import CliRunner

from migrate.cli import main
from tests.fakearm import AsyncStaticTokenCredential, FakeArm
from tests.migrate.run.test_migrate_runner import EXPORT, _estate


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


def _show(args: list[str], result: Any) -> None:
    print("$ secretless " + " ".join(a if " " not in a else repr(a) for a in args))
    print(result.output, end="")


def main_demo() -> int:
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp, FakeArm(_estate()) as arm:
        health = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
        threading.Thread(target=health.serve_forever, daemon=True).start()
        d = Path(tmp)
        scan = [
            "scan",
            "--az-export",
            str(EXPORT),
            "-f",
            "json",
            "-o",
            str(d / "ae.json"),
            "--key-file",
            str(d / "k"),
        ]
        runner.invoke(main, scan)
        runner.invoke(main, ["plan", str(d / "ae.json"), "-f", "json", "-o", str(d / "ae-plan.json")])
        args = [
            "migrate",
            "ae-plan.json",
            "--app",
            "web-orders",
            "--execute",
            "--yes",
            "--continue-manual",
            "--arm-endpoint",
            arm.base_url,
            "--set",
            "target-resource-group=rg-data",
            "--set",
            "application-insights component=ai-orders",
            "--health-url",
            f"http://127.0.0.1:{health.server_address[1]}/healthz",
        ]
        with (
            mock.patch(
                "scanners.azure_arm.build_credential",
                lambda name, client_id=None: AsyncStaticTokenCredential(),
            ),
            mock.patch.dict(os.environ, {"SSL_CERT_FILE": arm.ca_path}),
        ):
            cwd = os.getcwd()
            os.chdir(d)
            try:
                result = runner.invoke(main, args)
            finally:
                os.chdir(cwd)
        _show(args, result)
        health.shutdown()
        health.server_close()
        return int(result.exit_code)


if __name__ == "__main__":
    raise SystemExit(main_demo())
