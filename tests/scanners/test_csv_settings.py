"""Settings kept as rows of a delimited file (`.csv`, `.tsv`, `.psv`)."""

from __future__ import annotations

import json
import time

import pytest

from scanners.evidence import UnsupportedInput
from scanners.handlers.csv_settings import MAX_CHARS, settings_entries
from scanners.prefilter import worth_reading
from scanners.records import ConnectionStringAuditItem, ServiceType, SkipReason, ValueClass
from tests.conftest import TEST_KEY, find_item, scan_text
from tests.planted import assert_planted_found

COSMOS_KEY = (
    "Q2FuYXJ5Q3N2Q29zbW9zS2V5Q2FuYXJ5Q3N2Q29zbW9zS2V5Q2FuYXJ5Q3N2Q29zbW9zS2V5Q2FuYXJ5Q3N2Q29zbWFhQQ=="
)
SQL_PW = "Canary-Csv-Pa55-8812"
STORAGE_KEY = (
    "Q2FuYXJ5Q3N2U3RvcmFnZUtleUNhbmFyeUNzdlN0b3JhZ2VLZXlDYW5hcnlDc3ZTdG9yYWdlS2V5Q2FuYXJ5Q3N2U3RvcmFnZQ=="
)

PIPES = f"""Name|Value
CosmosDbEndpoint|https://orders-db.documents.azure.com:443/
CosmosDbKey|{COSMOS_KEY}
CosmosDbDatabase|orders
"""

COMMAS = f"""Setting,Value,Description
ConnectionStrings:Orders,"Server=tcp:orders.database.windows.net,1433;Database=orders;User ID=app;Password={SQL_PW};",orders database
StorageConnection,DefaultEndpointsProtocol=https;AccountName=acct7;AccountKey={STORAGE_KEY};EndpointSuffix=core.windows.net,blobs
ApiKeyPlaceholder,<your-key>,fill in
"""


def _dump(items: list[ConnectionStringAuditItem]) -> str:
    return json.dumps([i.to_json() for i in items])


def test_pipe_separated_cosmos_key() -> None:
    items = scan_text("deploy/settings.csv", PIPES)
    assert_planted_found(items, PIPES, COSMOS_KEY)
    item = find_item(items, 3, setting_name="CosmosDbKey", value_class=ValueClass.SECRET)
    assert item.service_type is ServiceType.COSMOS_DB
    assert item.detector.startswith("csv-settings:")
    assert COSMOS_KEY not in _dump(items)


def test_comma_separated_with_header_quotes_and_description() -> None:
    items = scan_text("config/app-settings.csv", COMMAS)
    assert_planted_found(items, COMMAS, SQL_PW, STORAGE_KEY)
    assert find_item(items, 2, value_class=ValueClass.SECRET).service_type is ServiceType.SQL
    assert find_item(items, 3, value_class=ValueClass.SECRET).service_type is ServiceType.STORAGE
    out = _dump(items)
    assert SQL_PW not in out and STORAGE_KEY not in out


@pytest.mark.parametrize(("path", "delimiter"), [("s.tsv", "\t"), ("s.psv", "|"), ("s.csv", ";")])
def test_delimiters(path: str, delimiter: str) -> None:
    text = f"CosmosDbKey{delimiter}{COSMOS_KEY}\nCosmosDbName{delimiter}orders\n"
    items = scan_text(path, text)
    assert_planted_found(items, text, COSMOS_KEY)


def test_data_export_is_reported_unsupported_and_still_line_scanned() -> None:
    rows = ["id,customer,notes,account_key,created"]
    rows += [f"{n},Contoso {n},renewal due,false,2024-01-{n % 28 + 1:02d}" for n in range(200)]
    text = "\n".join(rows) + "\n"
    with pytest.raises(UnsupportedInput):
        settings_entries(text)
    from scanners.file_scan import scan_bytes
    from scanners.fingerprint import Fingerprinter

    outcome = scan_bytes("exports/customers.csv", text.encode(), Fingerprinter(TEST_KEY))
    assert [s.reason for s in outcome.skipped] == [SkipReason.UNSUPPORTED]
    assert outcome.skipped[0].partial
    assert "csv-settings" in outcome.skipped[0].detail


def test_large_file_stays_cheap() -> None:
    row = "Contoso Ltd,12 Main Street,Springfield,secret shopper programme,2024\n"
    text = row * (4 * MAX_CHARS // len(row))
    started = time.monotonic()
    with pytest.raises(UnsupportedInput):
        settings_entries(text)
    assert time.monotonic() - started < 1.0
    # A settings file past the cap is read up to it.
    big = "".join(f"Name{n}|value{n}\n" for n in range(5000)) + f"CosmosDbKey|{COSMOS_KEY}\n"
    entries = settings_entries(big)
    assert entries and all(name != "CosmosDbKey" for _, name, _ in entries)


def test_prefilter_lets_delimited_files_through_only_with_keywords() -> None:
    assert worth_reading(PIPES.encode(), "deploy/settings.csv")
    assert not worth_reading(b"Name|Value\nRegion|westeurope\nTier|S1\n", "deploy/settings.csv")
    # The delimited-file words are not searched in other files.
    assert not worth_reading(b"for key, value in pairs:\n    print(key)\n", "app.py")
    assert worth_reading(b"for key, value in pairs:\n", "pairs.csv")
