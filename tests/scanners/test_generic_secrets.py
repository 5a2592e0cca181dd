"""detect-secrets as the safety net for secrets no Azure rule explains."""

from __future__ import annotations

import json

from scanners.records import ServiceType, ValueClass
from tests.conftest import file_location, scan_text


def test_generic_secrets_found_and_redacted() -> None:
    text = (
        'SMTP_HOST = "smtp.example.org"\n'
        'smtp_password = "CANARYsmtpPw123xyz"\n'
        'aws_access_key_id = "AKIAZ3MCANARYQ7WXY2T"\n'
        "plain = 1\n"
    )
    items = scan_text("app/mail.py", text, generic=True)
    generic = [i for i in items if i.detector.startswith("detect-secrets:")]
    lines = {file_location(i).line for i in generic}
    assert {2, 3} <= lines
    assert all(i.service_type is ServiceType.GENERIC and i.value_class is ValueClass.SECRET for i in generic)
    assert "CANARY" not in json.dumps([i.to_json() for i in items])


def test_generic_does_not_repeat_azure_findings() -> None:
    text = 'AZURE_CLIENT_SECRET="abc8Q~CANARYdefghijklmnopqrstuvwxyz01234"\n'
    items = scan_text("deploy.env", text, generic=True)
    assert len(items) == 1
    assert items[0].service_type is ServiceType.ENTRA_ID


def test_placeholders_are_not_generic_secrets() -> None:
    items = scan_text(
        "app/settings.py", 'password = "<your-password>"\napi_token = "${TOKEN}"\n', generic=True
    )
    assert items == []


def test_detect_secrets_never_verifies_over_the_network() -> None:
    from detect_secrets.settings import get_settings

    from scanners import generic_secrets

    generic_secrets._configure()
    assert (
        "detect_secrets.filters.common.is_ignored_due_to_verification_policies" not in get_settings().filters
    )
