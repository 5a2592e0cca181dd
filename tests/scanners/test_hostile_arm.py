"""A hostile or broken ARM (issue 14, item 9): endless or looping `nextLink`s, a body trickled
byte by byte, a huge body, a request that never gets an answer, an error whose `code` is not a
string.  Each becomes a `skipped` record, the rest of the estate is scanned, and no server message
reaches the output.

Scans run in a thread joined with a generous limit, so a hang fails the test instead of stalling
the suite; the tests measure no speed."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migrate.cli import main
from scanners.app_service import EstateResult, EstateScanOptions, scan_estate
from scanners.fingerprint import Fingerprinter
from scanners.records import AppServiceLocation, SkipReason, ValueClass
from scanners.sign_in import ArmTarget
from tests.conftest import TEST_KEY
from tests.fakearm import (
    SERVER_MESSAGE_CANARY,
    AsyncStaticTokenCredential,
    FakeArm,
    Faults,
    LoopbackOnlyPolicy,
    make_estate,
)

SUB = "00000000-0000-0000-0000-000000000001"
SITES = f"/subscriptions/{SUB}/providers/Microsoft.Web/sites"  # the subscription's list of sites, not slots
LIMIT_S = 90  # far above what any case needs; only a hang reaches it


def _bounded(scan: Callable[[], EstateResult]) -> EstateResult:
    box: list[EstateResult | BaseException] = []

    def run() -> None:
        try:
            box.append(scan())
        except BaseException as exc:
            box.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(LIMIT_S)
    assert not worker.is_alive(), f"the estate scan did not finish within {LIMIT_S} s"
    [out] = box
    if isinstance(out, BaseException):
        raise out
    return out


def _scan(arm: FakeArm, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> EstateResult:
    monkeypatch.setenv("SSL_CERT_FILE", arm.ca_path)
    options = EstateScanOptions(
        subscriptions=(SUB,), extra_policies=(LoopbackOnlyPolicy(),), retry_total=0, **kw
    )
    target = ArmTarget(arm.base_url, "https://management.azure.com/.default")
    return _bounded(
        lambda: scan_estate(AsyncStaticTokenCredential(), target, options, Fingerprinter(TEST_KEY))
    )


def _secret_sites(result: EstateResult) -> set[str]:
    return {
        i.location.site
        for i in result.items
        if isinstance(i.location, AppServiceLocation) and i.value_class is ValueClass.SECRET
    }


def _reasons(result: EstateResult) -> dict[str, SkipReason]:
    return {s.target.rsplit("/", 1)[-1]: s.reason for s in result.skipped}


@pytest.mark.parametrize("behaviour", ["self-next-link", "cycle-next-link"])
def test_a_next_link_that_repeats_ends_the_listing(
    fake_arm_factory: Any, monkeypatch: pytest.MonkeyPatch, behaviour: str
) -> None:
    estate = make_estate(4, with_slots=False)
    faults = Faults()
    faults.misbehave(SITES, behaviour, method="GET")
    arm = fake_arm_factory(estate, faults, page_size=50)
    result = _scan(arm, monkeypatch)
    assert [(s.target, s.reason) for s in result.skipped] == [(SUB, SkipReason.PAGING_LOOP)]
    planted = {
        s.name
        for s in estate.sites
        if any(
            "CANARY" in v for v in [*s.app_settings.values(), *(c for c, _ in s.connection_strings.values())]
        )
    }
    assert planted and _secret_sites(result) == planted
    assert len(result.sites) == len(estate.sites)  # each site once, though the pages repeated
    assert len(arm.requests_to(SITES, "GET")) <= 3


def test_an_endless_chain_of_pages_is_cut(fake_arm_factory: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    faults = Faults()
    faults.misbehave(SITES, "endless-next-link", method="GET")
    arm = fake_arm_factory(make_estate(2, with_slots=False), faults)
    result = _scan(arm, monkeypatch, max_pages=5)
    assert [(s.target, s.reason) for s in result.skipped] == [(SUB, SkipReason.PAGING_LOOP)]
    assert len(arm.requests_to(SITES, "GET")) == 5
    assert len(result.sites) == 2


@pytest.mark.parametrize("behaviour", ["trickle", "hang"])
def test_a_slow_or_hung_request_is_skipped_and_the_rest_is_scanned(
    fake_arm_factory: Any, monkeypatch: pytest.MonkeyPatch, behaviour: str
) -> None:
    estate = make_estate(3, with_slots=False)
    victim = estate.sites[0].name
    faults = Faults()
    faults.misbehave(f"/sites/{victim}/config/appsettings/list", behaviour)
    result = _scan(fake_arm_factory(estate, faults), monkeypatch, request_timeout_s=1.0)
    assert _reasons(result) == {victim: SkipReason.TIMEOUT}
    assert {s.site for s in result.sites} == {s.name for s in estate.sites[1:]}


@pytest.mark.parametrize("chunked", [False, True])
def test_a_huge_body_is_not_read_whole(
    fake_arm_factory: Any, monkeypatch: pytest.MonkeyPatch, chunked: bool
) -> None:
    estate = make_estate(3, with_slots=False)
    victim = estate.sites[1].name
    faults = Faults()
    faults.misbehave(f"/sites/{victim}/config/connectionstrings/list", "huge-body", chunked=chunked)
    result = _scan(fake_arm_factory(estate, faults), monkeypatch, max_response_bytes=1024 * 1024)
    assert _reasons(result) == {victim: SkipReason.RESPONSE_TOO_LARGE}
    assert {s.site for s in result.sites} == {s.name for s in estate.sites} - {victim}


@pytest.mark.parametrize("code", [42, {"nested": "x"}, ["a", "b"], None, "Bad code\nwith\x1b[2J escapes"])
def test_an_error_code_that_is_not_a_string_is_a_skipped_record(
    fake_arm_factory: Any, monkeypatch: pytest.MonkeyPatch, code: Any
) -> None:
    estate = make_estate(3, with_slots=False)
    victim = estate.sites[2].name
    faults = Faults()
    faults.misbehave(f"/sites/{victim}/config/appsettings/list", "error-code", code=code, status=500)
    result = _scan(fake_arm_factory(estate, faults), monkeypatch)
    assert _reasons(result) == {victim: SkipReason.SERVICE_ERROR}
    assert {s.site for s in result.sites} == {s.name for s in estate.sites} - {victim}
    shown = json.dumps([s.to_json() for s in result.skipped])
    assert SERVER_MESSAGE_CANARY not in shown and "\x1b" not in shown


@pytest.fixture
def fake_az(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An `az` on PATH that prints a token, so the CLI's default credential signs in."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "az"
    script.write_text(
        '#!/bin/sh\necho \'{"accessToken": "fake-cli-token", "expiresOn": "2099-01-01 00:00:00.000000", '
        '"expires_on": 4070908800, "subscription": "x", "tenant": "t", "tokenType": "Bearer"}\'\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")


@pytest.mark.usefixtures("fake_az")
def test_cli_hostile_arm_exits_4_and_prints_no_server_message(fake_arm_factory: Any, tmp_path: Path) -> None:
    estate = make_estate(3, with_slots=False)
    faults = Faults()
    faults.misbehave(f"/sites/{estate.sites[0].name}/config/appsettings/list", "error-code", code={"x": 1})
    faults.misbehave(SITES, "self-next-link", method="GET")
    arm = fake_arm_factory(estate, faults)
    res = CliRunner().invoke(
        main,
        [
            "-vv",
            "scan",
            "--subscription",
            SUB,
            "--arm-endpoint",
            arm.base_url,
            "-f",
            "json",
            "--key-file",
            str(tmp_path / "k"),
        ],
        env={"SSL_CERT_FILE": arm.ca_path},
        catch_exceptions=False,
    )
    assert res.exit_code == 4, res.stderr
    doc = json.loads(res.stdout)
    assert {s["reason"] for s in doc["skipped"]} == {"service-error", "paging-loop"}
    assert any(i["ValueClass"] == "secret" for i in doc["items"])  # the other sites were scanned
    assert SERVER_MESSAGE_CANARY not in res.stdout + res.stderr
    assert "Traceback" not in res.stderr


def test_a_trickled_page_of_a_listing_is_bounded_too(
    fake_arm_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    faults = Faults()
    faults.misbehave(SITES, "trickle", method="GET")
    result = _scan(
        fake_arm_factory(make_estate(2, with_slots=False), faults), monkeypatch, request_timeout_s=1.0
    )
    assert [(s.target, s.reason) for s in result.skipped] == [(SUB, SkipReason.TIMEOUT)]
    assert result.items == []


def test_an_untrusted_certificate_is_named_as_such(
    fake_arm_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14, item 15: a server whose CA the client does not trust (a TLS-inspecting proxy, a
    private CA) is named as that, with what to do, not as "no usable response"."""
    arm = fake_arm_factory(make_estate(2, with_slots=False))
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)  # the system's CAs: they do not know the fake ARM's CA
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    options = EstateScanOptions(subscriptions=(SUB,), extra_policies=(LoopbackOnlyPolicy(),), retry_total=0)
    target = ArmTarget(arm.base_url, "https://management.azure.com/.default")
    result = _bounded(
        lambda: scan_estate(AsyncStaticTokenCredential(), target, options, Fingerprinter(TEST_KEY))
    )
    assert result.skipped, "the scan read an estate it cannot trust"
    assert {s.reason for s in result.skipped} == {SkipReason.UNTRUSTED_CERTIFICATE}
    assert all("SSL_CERT_FILE" in s.detail for s in result.skipped)
