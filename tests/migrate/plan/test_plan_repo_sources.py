"""`secretless plan --repo`: access derived from the consuming code of a real scanned repository,
and a reader that never leaves the repository."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from migrate.cli import main
from migrate.plan.repository_sources import repository_reader

ACCOUNT_KEY = "Zm9y" * 21 + "Zm8="  # a made-up, well-formed account key
SETTINGS = {
    "ConnectionStrings": {
        "Reports": f"DefaultEndpointsProtocol=https;AccountName=contosoreports;AccountKey={ACCOUNT_KEY};"
        "EndpointSuffix=core.windows.net"
    }
}
READER = """using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;

public sealed class ReportStore
{
    private readonly BlobContainerClient _reports;

    public ReportStore(IConfiguration config)
    {
        _reports = new BlobServiceClient(config.GetConnectionString("Reports")).GetBlobContainerClient("reports");
    }

    public async Task<BinaryData> ReadAsync(string name) => (await _reports.GetBlobClient(name).DownloadContentAsync()).Value.Content;
}
"""


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    app = repo / "src" / "Reports"
    app.mkdir(parents=True)
    (app / "appsettings.json").write_text(json.dumps(SETTINGS, indent=2), encoding="utf-8")
    (app / "ReportStore.cs").write_text(READER, encoding="utf-8")
    (app / "Reports.csproj").write_text('<Project Sdk="Microsoft.NET.Sdk.Web"></Project>\n', encoding="utf-8")
    return repo


def _storage_roles(tmp_path: Path, *extra: str) -> set[tuple[str, str, str]]:
    repo = _repo(tmp_path)
    runner = CliRunner()
    scan = runner.invoke(
        main,
        ["scan", str(repo), "-f", "json", "-o", str(tmp_path / "a.json"), "--key-file", str(tmp_path / "k")],
    )
    assert scan.exit_code == 1, scan.output  # the planted key was found
    out = tmp_path / "plan.json"
    res = runner.invoke(main, ["plan", str(tmp_path / "a.json"), "-o", str(out), *extra])
    assert res.exit_code == 0, res.output
    grants = [g for app in json.loads(out.read_text())["apps"] for g in app["grants"]]
    roles = {(g["role"], g["access"], g["basis"]) for g in grants if g["role"].startswith("Storage")}
    assert roles, grants
    return roles


def test_without_the_repository_write_is_assumed(tmp_path: Path) -> None:
    assert _storage_roles(tmp_path) == {("Storage Blob Data Contributor", "write", "assumed")}


def test_with_the_repository_a_read_only_consumer_gets_the_reader_role(tmp_path: Path) -> None:
    roles = _storage_roles(tmp_path, "--repo", str(tmp_path / "repo"))
    assert roles == {("Storage Blob Data Reader", "read", "inferred")}


def test_the_reader_stays_inside_the_repository(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (tmp_path / "outside.cs").write_text("outside", encoding="utf-8")
    os.symlink(tmp_path, repo / "escape")
    read = repository_reader(repo)
    assert read("src/Reports/ReportStore.cs") == READER
    for rel in ("../outside.cs", "/etc/passwd", "escape/outside.cs", "src/Reports/missing.cs", ""):
        assert read(rel) is None, rel
