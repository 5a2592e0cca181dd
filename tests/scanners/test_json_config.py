"""json-config handler and the tolerant JSON tokenizer."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

import pytest

from scanners.evidence import MalformedInput
from scanners.file_scan import scan_bytes
from scanners.fingerprint import Fingerprinter
from scanners.json_tokens import JObj, JStr, iter_strings, parse
from scanners.records import ConnectionStringAuditItem, EvidenceRole, ServiceType, SkipReason, ValueClass
from tests.conftest import TEST_KEY, file_location, scan_text
from tests.planted import assert_planted_found

# Made-up key of the right shape (86 chars + "=="): the canary that must never be printed.
CANARY_KEY = "Qw3rTy7UiOp1AsDfGh2JkLzXcVbNm4QwErTyUiOp5AsDfGhJkL6ZxCvBnMqWeRtY8uIoPaSdFgHjKlZx9CvBnMa=="
CANARY_KEY_2 = "Zx9CvBnMqWeRtY8uIoPaSdFgHjKlZx1CvBnMaQw3rTy7UiOp2AsDfGh4JkLzXcVbNm5QwErTyUiOp6AsDfGhJkL=="
CANARY_SB = "Mn4bV6cX8zL1kJ3hG5fD7sA9pO2iU4yT6rE8wQ0aB1c="


def _dump(items: Iterable[ConnectionStringAuditItem]) -> str:
    return json.dumps([i.to_json() for i in items])


def _by_name(items: Iterable[ConnectionStringAuditItem], name: str) -> list[ConnectionStringAuditItem]:
    return [i for i in items if i.setting_name == name]


APPSETTINGS = (
    """{
  // Connection strings for the API
  "ConnectionStrings": {
    "Storage": "DefaultEndpointsProtocol=https;AccountName=ordersdata;AccountKey=@K1@;EndpointSuffix=core.windows.net",
    /* block comment */
    "Orders": "Server=tcp:orders-sql.database.windows.net,1433;Initial Catalog=orders;Authentication=Active Directory Default;",
  },
  // "LegacyStorage": "DefaultEndpointsProtocol=https;AccountName=legacydata;AccountKey=@K2@",
  'Logging': { 'LogLevel': { 'Default': 'Information', }, },
  "Bus": { "Hosts": ["Endpoint=sb://orders-bus.servicebus.windows.net/;SharedAccessKeyName=Send;SharedAccessKey=@SB@"] },
}
""".replace("@K1@", CANARY_KEY)
    .replace("@K2@", CANARY_KEY_2)
    .replace("@SB@", CANARY_SB)
)


def test_appsettings_with_comments_and_trailing_commas() -> None:
    items = scan_text("src/Api/appsettings.json", APPSETTINGS)
    storage = _by_name(items, "ConnectionStrings:Storage")
    assert len(storage) == 1
    assert storage[0].service_type is ServiceType.STORAGE
    assert storage[0].value_class is ValueClass.SECRET
    assert storage[0].evidence_role is EvidenceRole.CONFIG_VALUE
    assert file_location(storage[0]).line == 4
    assert storage[0].detector.startswith("json-config")
    orders = _by_name(items, "ConnectionStrings:Orders")
    assert orders and orders[0].value_class is ValueClass.PASSWORDLESS
    assert orders[0].service_type is ServiceType.SQL
    bus = _by_name(items, "Bus:Hosts:0")
    assert bus and bus[0].service_type is ServiceType.SERVICE_BUS and file_location(bus[0]).line == 10


def test_commented_out_key_is_still_found() -> None:
    items = scan_text("src/Api/appsettings.json", APPSETTINGS)
    line8 = [i for i in items if file_location(i).line == 8]
    assert line8, "a commented-out key is still a leaked key"
    assert line8[0].service_type is ServiceType.STORAGE
    assert line8[0].value_class is ValueClass.SECRET


def test_canaries_never_in_output() -> None:
    items = scan_text("src/Api/appsettings.json", APPSETTINGS)
    assert_planted_found(items, APPSETTINGS, CANARY_KEY, CANARY_KEY_2, CANARY_SB)
    out = _dump(items)
    for canary in (CANARY_KEY, CANARY_KEY_2, CANARY_SB, CANARY_KEY[:20], CANARY_SB[:16]):
        assert canary not in out


def test_local_settings_values_prefix_dropped() -> None:
    text = """{
  "IsEncrypted": false,
  "Values": {
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "FUNCTIONS_WORKER_RUNTIME": "dotnet-isolated",
    "OrdersQueue": "DefaultEndpointsProtocol=https;AccountName=queuesacct;AccountKey=@K1@",
    "Bus__fullyQualifiedNamespace": "orders-bus.servicebus.windows.net"
  },
  "ConnectionStrings": { "Db": "Server=tcp:x.database.windows.net;Database=d;User ID=u;Password=@PW@;" }
}""".replace("@K1@", CANARY_KEY).replace("@PW@", "Pa55-Canary-Word-9")
    items = scan_text("func/local.settings.json", text)
    web = _by_name(items, "AzureWebJobsStorage")
    assert web and web[0].value_class is ValueClass.DEV_EMULATOR and file_location(web[0]).line == 4
    queue = _by_name(items, "OrdersQueue")
    assert (
        queue and queue[0].value_class is ValueClass.SECRET and queue[0].service_type is ServiceType.STORAGE
    )
    ident = _by_name(items, "Bus__fullyQualifiedNamespace")
    assert ident and ident[0].value_class is ValueClass.PASSWORDLESS
    assert ident[0].service_type is ServiceType.SERVICE_BUS
    db = _by_name(items, "ConnectionStrings:Db")
    assert db and db[0].service_type is ServiceType.SQL and db[0].value_class is ValueClass.SECRET
    assert not [i for i in items if (i.setting_name or "").startswith("Values:")]
    out = _dump(items)
    assert CANARY_KEY not in out and "Pa55-Canary-Word-9" not in out


def test_values_prefix_kept_outside_local_settings() -> None:
    text = '{"Values": {"AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=a1;AccountKey=@K1@"}}'.replace(
        "@K1@", CANARY_KEY
    )
    items = scan_text("config/other.json", text)
    assert _by_name(items, "Values:AzureWebJobsStorage")


def test_malformed_json_falls_back_to_lines_and_is_skipped() -> None:
    text = """{
  "ConnectionStrings": {
    "Storage": "DefaultEndpointsProtocol=https;AccountName=brokenacct;AccountKey=@K1@"
    "Missing": "comma above"
}""".replace("@K1@", CANARY_KEY)
    outcome = scan_bytes("src/appsettings.json", text.encode(), Fingerprinter(TEST_KEY))
    assert any(s.reason is SkipReason.MALFORMED and "json-config" in s.detail for s in outcome.skipped)
    assert all(CANARY_KEY[:12] not in s.detail for s in outcome.skipped)
    found = [i for i in outcome.items if file_location(i).line == 3]
    assert found and found[0].service_type is ServiceType.STORAGE
    assert found[0].value_class is ValueClass.SECRET
    assert CANARY_KEY not in _dump(outcome.items)


def test_deep_nesting_is_rejected_quickly() -> None:
    text = '{"AccountKey":\n' * 50000 + '"x"' + "}" * 50000
    start = time.monotonic()
    with pytest.raises(MalformedInput):
        parse(text)
    assert time.monotonic() - start < 1
    outcome = scan_bytes("deep.json", text.encode(), Fingerprinter(TEST_KEY), generic=False)
    assert any(s.reason is SkipReason.MALFORMED for s in outcome.skipped)


def test_tokenizer_paths_offsets_and_escapes() -> None:
    text = '{"a": {"b": ["x", {"c": "line\\nbreak \\u0041"}]}, \'d\': \'it\\\'s\', "n": 1, "t": true}'
    tree = parse(text)
    assert isinstance(tree, JObj)
    found = {":".join(p): s.value for p, s in iter_strings(tree)}
    assert found == {"a:b:0": "x", "a:b:1:c": "line\nbreak A", "d": "it's"}
    first = next(iter_strings(tree))[1]
    assert isinstance(first, JStr) and text[first.offset] == '"'


@pytest.mark.parametrize(
    "bad",
    [
        '{"a": }',
        '{"a" "b"}',
        "[1, 2",
        '{"a": "b"}}',
        '{"a": 1} {"b": 2}',
        '{"a": /* never closed',
        '{"a": "unterminated\n"}',
    ],
)
def test_tokenizer_rejects_broken_input(bad: str) -> None:
    with pytest.raises(MalformedInput):
        parse(bad)


def test_empty_and_comment_only_documents() -> None:
    assert parse("") is None
    assert parse("// nothing here\n") is None


def test_large_file_is_fast() -> None:
    entries = ",\n".join(
        f'"key{i}": {{"name": "value {i}", "n": {i}, "list": ["a", "b"]}}' for i in range(20000)
    )
    text = "{\n" + entries + "\n}"
    start = time.monotonic()
    tree = parse(text)
    count = sum(1 for _ in iter_strings(tree))
    assert count == 60000
    assert time.monotonic() - start < 5


def test_app_service_name_value_list() -> None:
    text = """[
  { "name": "DOCKER_REGISTRY_SERVER_URL", "value": "https://ordersacr.azurecr.io", "slotSetting": false },
  { "name": "DOCKER_REGISTRY_SERVER_PASSWORD", "value": "@PW@", "slotSetting": false },
  { "name": "SQL_PASSWORD", "value": "@Microsoft.KeyVault(SecretUri=https://orders-kv.vault.azure.net/secrets/sql/)", "slotSetting": true },
  { "name": "Reports", "type": "SQLAzure", "value": "Server=tcp:r.database.windows.net;Database=r;User ID=u;Password=@PW@;" }
]""".replace("@PW@", "Acr-Canary-Pa55-0x7788")
    items = scan_text("infra/appsettings.prod.json", text)
    acr = _by_name(items, "DOCKER_REGISTRY_SERVER_PASSWORD")
    assert acr and acr[0].service_type is ServiceType.CONTAINER_REGISTRY
    assert acr[0].value_class is ValueClass.SECRET and file_location(acr[0]).line == 3
    kv = _by_name(items, "SQL_PASSWORD")
    assert kv and kv[0].value_class is ValueClass.REFERENCE and file_location(kv[0]).line == 4
    reports = _by_name(items, "ConnectionStrings:Reports")
    assert reports and reports[0].service_type is ServiceType.SQL and file_location(reports[0]).line == 5
    assert "Acr-Canary-Pa55-0x7788" not in _dump(items)
