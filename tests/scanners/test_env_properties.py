"""Flat key/value files: .env, .properties, .ini / .cfg."""

from __future__ import annotations

import json

from scanners.handlers.dotenv_files import parse_dotenv
from scanners.handlers.ini_files import parse_ini
from scanners.handlers.java_properties import parse_properties
from scanners.records import CredentialKind, EvidenceRole, ServiceType, ValueClass
from tests.conftest import find_item as _find
from tests.conftest import scan_text
from tests.planted import assert_planted_found

ENV_KEY = "Q2FuYXJ5RW52S2V5Q2FuYXJ5RW52S2V5Q2FuYXJ5RW52S2V5Q2FuYXJ5RW52S2V5Q2FuYXJ5RW52S2V5Q2FuYXJ5RW52Sw=="
ENTRA_SECRET = "nvX8Q~CanaryEnvSecretCanaryEnvSecretCan1"
REDIS_PW = "CanaryRedisPass123"
DB_PW = "CanaryDbPassw0rd#notacomment"
PROP_KEY = (
    "Q2FuYXJ5UHJvcEtleUNhbmFyeVByb3BLZXlDYW5hcnlQcm9wS2V5Q2FuYXJ5UHJvcEtleUNhbmFyeVByb3BLZXlDYW5hcnlQcm9wSw=="
)
SB_KEY = "Q2FuYXJ5Q29udGludWF0aW9uS2V5MTIzNDU2Nzg5MDE="

DOTENV = f"""# local development settings
export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey={ENV_KEY};EndpointSuffix=core.windows.net"
AZURE_CLIENT_SECRET={ENTRA_SECRET} # service principal
AZURE_OPENAI_API_KEY='<your-key>'
REDIS_PASSWORD: {REDIS_PW}
MULTI="first
second"
SERVICEBUS_CONNECTION=${{SB_CONN}}
"""

PROPERTIES = f"""# Spring Boot
spring.datasource.url=jdbc:postgresql://pg1.postgres.database.azure.com:5432/orders?sslmode=require
spring.datasource.username=app
spring.datasource.password={DB_PW}
spring.cloud.azure.storage.blob.account-key={PROP_KEY}
spring.cloud.azure.servicebus.connection-string=Endpoint=sb://ns2.servicebus.windows.net/;\\
    SharedAccessKeyName=RootManageSharedAccessKey;\\
    SharedAccessKey={SB_KEY}
spring.cloud.azure.credential.client-secret=${{AZURE_CLIENT_SECRET}}
spring.datasource.azure.passwordless-enabled=true
"""


def test_parse_dotenv_quotes_comments_multiline() -> None:
    entries = {k: (line, v) for line, k, v in parse_dotenv(DOTENV)}
    assert entries["AZURE_CLIENT_SECRET"] == (3, ENTRA_SECRET)
    assert entries["AZURE_OPENAI_API_KEY"][1] == "<your-key>"
    assert entries["REDIS_PASSWORD"][1] == REDIS_PW
    assert entries["MULTI"] == (6, "first\nsecond")
    assert entries["AZURE_STORAGE_CONNECTION_STRING"][1].startswith("DefaultEndpointsProtocol=https;")


def test_parse_properties_continuations_and_no_inline_comments() -> None:
    entries = {k: (line, v) for line, k, v in parse_properties(PROPERTIES)}
    assert entries["spring.datasource.password"] == (4, DB_PW)  # '#' is part of the value
    line, value = entries["spring.cloud.azure.servicebus.connection-string"]
    assert line == 6
    assert value.endswith(f"SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={SB_KEY}")
    assert parse_properties("a\\:b = c\\u0041 \\\\\n") == [(1, "a:b", "cA \\")]


def test_parse_ini_sections() -> None:
    text = "[database]\nhost = s\nsql_password = secret1 ; note\n[DEFAULT]\nx: 'y'\n"
    assert parse_ini(text) == [
        (2, "database.host", "s"),
        (3, "database.sql_password", "secret1"),
        (5, "x", "y"),
    ]


def test_dotenv_items() -> None:
    items = scan_text(".env", DOTENV)
    assert_planted_found(items, DOTENV, ENV_KEY, ENTRA_SECRET, REDIS_PW)
    assert ENV_KEY not in json.dumps([i.to_json() for i in items])
    for canary in (ENTRA_SECRET, REDIS_PW):
        assert canary not in json.dumps([i.to_json() for i in items])
    storage = _find(items, 2, detector="env-properties:conn-string:storage")
    assert storage.setting_name == "AZURE_STORAGE_CONNECTION_STRING"
    assert storage.value_class is ValueClass.SECRET
    assert storage.evidence_role is EvidenceRole.CONFIG_VALUE
    sp = _find(items, 3, setting_name="AZURE_CLIENT_SECRET")
    assert sp.service_type is ServiceType.ENTRA_ID and sp.value_class is ValueClass.SECRET
    assert _find(items, 4, service_type=ServiceType.OPENAI).value_class is ValueClass.PLACEHOLDER
    assert _find(items, 5, service_type=ServiceType.REDIS).setting_name == "REDIS_PASSWORD"
    assert _find(items, 8, service_type=ServiceType.SERVICE_BUS).value_class is ValueClass.PLACEHOLDER


def test_env_file_variants_match() -> None:
    for path in (".env.production", "deploy/prod.env", "config/.env.local"):
        items = scan_text(path, f"AZURE_CLIENT_SECRET={ENTRA_SECRET}\n")
        assert any(i.detector.startswith("env-properties") for i in items), path


def test_spring_properties_items() -> None:
    items = scan_text("src/main/resources/application.properties", PROPERTIES)
    assert_planted_found(items, PROPERTIES, DB_PW, PROP_KEY)
    assert (
        _find(items, 6, service_type=ServiceType.SERVICE_BUS).value_class is ValueClass.SECRET
    )  # SB_KEY, continued
    dumped = json.dumps([i.to_json() for i in items])
    for canary in (DB_PW, PROP_KEY, SB_KEY):
        assert canary not in dumped
    pw = _find(items, 4, setting_name="spring.datasource.password")
    assert pw.service_type is ServiceType.POSTGRESQL  # from spring.datasource.url
    assert pw.credential_kind is CredentialKind.PASSWORD
    assert pw.value_class is ValueClass.SECRET
    key = _find(items, 5, detector="env-properties:setting-name")
    assert key.service_type is ServiceType.STORAGE and key.value_class is ValueClass.SECRET
    sb = _find(items, 6, service_type=ServiceType.SERVICE_BUS)
    assert sb.setting_name == "spring.cloud.azure.servicebus.connection-string"
    assert sb.endpoint.namespace == "ns2"
    ref = _find(items, 9, service_type=ServiceType.ENTRA_ID)
    assert ref.value_class is ValueClass.PLACEHOLDER
    mi = _find(items, 10)
    assert mi.value_class is ValueClass.PASSWORDLESS and mi.service_type is ServiceType.POSTGRESQL


def test_ini_item() -> None:
    items = scan_text(
        "config/app.ini",
        '[storage]\nconnection_string = "DefaultEndpointsProtocol=https;AccountName=a2;AccountKey=<your-key>"\n',
    )
    item = _find(items, 2, detector="env-properties:conn-string:storage")
    assert item.setting_name == "storage.connection_string"
    assert item.value_class is ValueClass.PLACEHOLDER


def test_unterminated_quote_does_not_swallow_following_lines() -> None:
    text = 'A=1\nBROKEN=\'no end\nC=3\nB="two\\nescaped"\nD=4\n'
    entries = {k: (line, v) for line, k, v in parse_dotenv(text)}
    assert entries["A"] == (1, "1")
    assert entries["BROKEN"][0] == 2
    assert entries["C"] == (3, "3")
    assert entries["B"] == (4, "two\nescaped")
    assert entries["D"] == (5, "4")
