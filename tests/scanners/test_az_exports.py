"""Offline estate input: Azure CLI JSON output gives the same items as a live scan."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from click.testing import CliRunner

from migrate.cli import main
from scanners.records import AppServiceLocation, ValueClass
from scanners.scan_job import scan_az_exports
from tests.conftest import TEST_KEY, app_service_location

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "az-export"


def test_example_export() -> None:
    result = scan_az_exports((str(EXAMPLE),), TEST_KEY)
    by = {
        (i.location.setting, i.value_class)
        for i in result.items
        if isinstance(i.location, AppServiceLocation)
    }
    assert ("Storage", ValueClass.SECRET) in by
    assert ("Orders", ValueClass.SECRET) in by
    assert ("AZURE_CLIENT_SECRET", ValueClass.SECRET) in by
    assert ("APPLICATIONINSIGHTS_CONNECTION_STRING", ValueClass.LOCATOR) in by
    storage = next(i for i in result.items if app_service_location(i).setting == "Storage")
    assert app_service_location(storage).slot_setting
    assert app_service_location(storage).resource_group == "rg-orders"
    assert result.sites[0].site == "web-orders" and not result.sites[0].identity.has_any
    detectors = {i.detector for i in result.items}
    assert "app-service:no-managed-identity" in detectors
    assert "CANARY" not in json.dumps([i.to_json() for i in result.items])


def test_older_connection_string_shape_and_slot(tmp_path: Path) -> None:
    (tmp_path / "api-stg.connectionstrings.json").write_text(
        json.dumps(
            [
                {
                    "name": "Cache",
                    "slotSetting": False,
                    "value": {
                        "type": "RedisCache",
                        "value": "contoso.redis.cache.windows.net:6380,password=CANARYredis=,ssl=True",
                    },
                },
            ]
        )
    )
    (tmp_path / "api-stg.show.json").write_text(
        json.dumps(
            {
                "id": "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Web/sites/api/slots/staging",
                "kind": "app",
                "identity": {"type": "SystemAssigned", "principalId": "p"},
            }
        )
    )
    result = scan_az_exports((str(tmp_path),), TEST_KEY)
    item = result.items[0]
    where = app_service_location(item)
    assert (where.site, where.slot, where.setting) == ("api", "staging", "Cache")
    assert item.service_type.value == "redis" and item.value_class is ValueClass.SECRET


def test_bad_export_files_are_skipped(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE / "web-orders.appsettings.json", tmp_path / "ok.appsettings.json")
    (tmp_path / "broken.appsettings.json").write_text("[{ not json")
    (tmp_path / "notes.json").write_text("{}")
    result = scan_az_exports((str(tmp_path),), TEST_KEY)
    reasons = {Path(s.target).name: str(s.reason) for s in result.skipped}
    assert reasons == {"broken.appsettings.json": "malformed", "notes.json": "unsupported"}
    assert any(app_service_location(i).site == "ok" for i in result.items)


def test_cli_az_export(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        main, ["scan", "--az-export", str(EXAMPLE), "-f", "json", "--key-file", str(tmp_path / "k")]
    )
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["sites"][0]["site"] == "web-orders"
    secrets = {i["Location"]["setting"] for i in doc["items"] if i["ValueClass"] == "secret"}
    assert secrets == {"Storage", "Orders", "AZURE_CLIENT_SECRET"}  # every planted CANARY value, found
    assert "CANARY" not in res.stdout + res.stderr


# ----------------------------------------------------------------------------- hostile exports (issue 14, item 10)


def test_hostile_export_files_are_skipped_and_the_rest_is_read(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE / "web-orders.appsettings.json", tmp_path / "ok.appsettings.json")
    (tmp_path / "deep.appsettings.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "odd.appsettings.json").write_text(
        json.dumps(
            [
                {
                    "name": "Storage",
                    "value": (
                        "DefaultEndpointsProtocol=https;AccountName=oddacct;AccountKey=CANARYodd0123456789abcdefghij=="
                    ),
                }
            ]
        )
    )
    (tmp_path / "odd.show.json").write_text(
        json.dumps(
            {
                "id": "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Web/sites/odd",
                "kind": "app",
                "identity": {
                    "type": "UserAssigned",
                    "userAssignedIdentities": ["/subscriptions/s1/uai-1", 7],
                },
            }
        )
    )
    os.mkfifo(tmp_path / "x.appsettings.json")  # nobody writes to it: reading it would hang
    result = scan_az_exports((str(tmp_path),), TEST_KEY)
    reasons = {Path(s.target).name: str(s.reason) for s in result.skipped}
    assert reasons == {"deep.appsettings.json": "malformed", "x.appsettings.json": "unreadable"}
    sites = {app_service_location(i).site for i in result.items if i.value_class is ValueClass.SECRET}
    assert sites == {"ok", "odd"}
    odd = next(s for s in result.sites if s.site == "odd")
    assert [u.resource_id for u in odd.identity.user_assigned] == ["/subscriptions/s1/uai-1"]
    assert "CANARY" not in json.dumps([s.to_json() for s in result.skipped])


def test_a_fifo_given_as_the_export_path_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.appsettings.json")
    result = scan_az_exports((str(tmp_path / "x.appsettings.json"),), TEST_KEY)
    assert [str(s.reason) for s in result.skipped] == ["unreadable"]
