"""The README's `--execute --yes` session comes from `python -m tests.fakearm.demo`: it must keep working."""

from __future__ import annotations

import pytest

from tests.fakearm.demo import main_demo


def test_demo_session_completes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main_demo() == 0
    out = capsys.readouterr().out
    assert "action=health-check" in out and "HTTP 200" in out
    assert "migrate: completed: all 17 steps done or recorded" in out
    # the session acted on each setting that held a planted CANARY value, so their absence means something:
    # the identity-based settings went beside them, then the old ones were deleted (with the service
    # principal's id and tenant)
    for planted in (
        "Storage__serviceUri=",
        "'Orders_Identity=",
        "--setting-names AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_TENANT_ID Storage",
        "connection-string delete -g rg-orders -n web-orders --setting-names Orders",
    ):
        assert planted in out
    assert "CANARY" not in out
