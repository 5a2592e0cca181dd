"""The fake ARM's hostile behaviours (`Faults.misbehave`) do what they say, and every one of them
ends: by its bytes, by `max_s`, or when the server closes."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.fakearm import DEFAULT_SUBSCRIPTION, SERVER_MESSAGE_CANARY, FakeArm, Faults, make_estate

SITES = f"/subscriptions/{DEFAULT_SUBSCRIPTION}/providers/Microsoft.Web/sites?api-version=2023-01-01"


def _get(arm: FakeArm, path: str, timeout: float = 10) -> tuple[int, bytes]:
    req = urllib.request.Request(arm.base_url + path, headers={"Authorization": "Bearer t"})  # noqa: S310 - 127.0.0.1
    try:
        with urllib.request.urlopen(req, context=arm.client_ssl_context(), timeout=timeout) as resp:  # noqa: S310
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_unknown_behaviour_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown behaviour"):
        Faults().misbehave("/x", "explode")


@pytest.mark.parametrize("behaviour", ["self-next-link", "cycle-next-link", "endless-next-link"])
def test_next_link_behaviours(fake_arm_factory: Any, behaviour: str) -> None:
    faults = Faults()
    faults.misbehave("/providers/Microsoft.Web/sites", behaviour, method="GET")
    arm = fake_arm_factory(make_estate(2), faults)
    status, body = _get(arm, SITES)
    first = json.loads(body)["nextLink"]
    assert status == 200 and first.startswith(arm.base_url)
    second = json.loads(_get(arm, first.removeprefix(arm.base_url))[1])["nextLink"]
    if behaviour == "self-next-link":
        assert first == arm.base_url + SITES and second == first
    elif behaviour == "cycle-next-link":
        third = json.loads(_get(arm, second.removeprefix(arm.base_url))[1])["nextLink"]
        assert second != first and third == first
    else:
        assert second != first


def test_error_code_that_is_not_a_string(fake_arm_factory: Any) -> None:
    faults = Faults()
    faults.misbehave("/providers/Microsoft.Web/sites", "error-code", code={"nested": 1}, status=502)
    status, body = _get(fake_arm_factory(make_estate(1), faults), SITES)
    error = json.loads(body)["error"]
    assert status == 502 and error["code"] == {"nested": 1} and SERVER_MESSAGE_CANARY in error["message"]


def test_huge_body_is_declared_and_streamed(fake_arm_factory: Any) -> None:
    faults = Faults()
    faults.misbehave("/providers/Microsoft.Web/sites", "huge-body", body_bytes=300 * 1024)
    status, body = _get(fake_arm_factory(make_estate(1), faults), SITES)
    assert (
        status == 200
        and len(body) >= 256 * 1024
        and json.loads(body)["properties"]["filler"].startswith("AAA")
    )


def test_a_hung_request_ends_when_the_server_closes() -> None:
    faults = Faults()
    faults.misbehave("/providers/Microsoft.Web/sites", "hang", max_s=600)
    arm = FakeArm(make_estate(1), faults=faults)
    outcome: list[BaseException | None] = []

    def ask() -> None:
        try:
            _get(arm, SITES, timeout=60)
            outcome.append(None)
        except Exception as exc:
            outcome.append(exc)

    client = threading.Thread(target=ask, daemon=True)
    client.start()
    client.join(0.5)
    assert client.is_alive()  # no answer yet
    closer = threading.Thread(target=arm.close, daemon=True)
    closer.start()
    closer.join(30)
    client.join(30)
    assert not closer.is_alive() and not client.is_alive()
    assert outcome and outcome[0] is not None  # the connection closed without an answer
