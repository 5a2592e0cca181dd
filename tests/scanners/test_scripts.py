"""Script handler: az CLI secrets, key-fetching commands, env assignments, continuations."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable

from scanners.key_wiring import is_key_wiring
from scanners.records import ConnectionStringAuditItem, ServiceType
from tests.conftest import file_location, scan_text
from tests.planted import assert_planted_found

SP_CANARY = "abc8Q~CanaryShellSecret0123456789abcdefgh"
EXPORT_CANARY = "xyz8Q~CanaryExportSecret0123456789abcdef"
KEY_CANARY = base64.b64encode(b"canary-script-storage-key".ljust(64, b"!")).decode()
PG_CANARY = "Canary-Sh-Pg-Pass-3312!"

DEPLOY_SH = f"""\
#!/usr/bin/env bash
set -euo pipefail

az login --service-principal \\
  -u 11111111-2222-3333-4444-555555555555 \\
  -p "{SP_CANARY}" \\
  --tenant contoso.onmicrosoft.com

az login --service-principal -u "$CLIENT_ID" --password "$SP_SECRET" --tenant "$TENANT_ID"

STORAGE_KEY=$(az storage account keys list -g rg-canary -n stcanary \\
  --query "[0].value" -o tsv)
az storage blob upload --account-name stcanary --account-key "{KEY_CANARY}" -f app.zip -c deploy -n app.zip
az storage blob upload --account-name stcanary --account-key "$STORAGE_KEY" -f app.zip -c deploy -n app.zip

# az cosmosdb keys list -n old-db -g rg-canary
COSMOS_CONN=$(az cosmosdb keys list -n db -g rg-canary --type connection-strings -o tsv)
export AZURE_CLIENT_SECRET={EXPORT_CANARY}
az postgres flexible-server create -n pg-canary --admin-user pgadmin --admin-password '{PG_CANARY}'
"""


def _line_of(text: str, needle: str) -> int:
    for n, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(needle)


def _scripts(items: Iterable[ConnectionStringAuditItem]) -> list[ConnectionStringAuditItem]:
    return [i for i in items if i.detector.startswith("scripts:")]


def test_service_principal_literal_secret_on_continued_line() -> None:
    items = _scripts(scan_text("deploy/deploy.sh", DEPLOY_SH))
    sp = [
        i
        for i in items
        if str(i.credential_kind) == "client-secret"
        and str(i.value_class) == "secret"
        and "login" in (i.setting_name or "")
    ]
    assert len(sp) == 1
    assert str(sp[0].service_type) == "entra-id"
    assert str(sp[0].evidence_role) == "ci-script"
    assert file_location(sp[0]).line == _line_of(DEPLOY_SH, "az login --service-principal \\")


def test_variable_secret_is_reference() -> None:
    items = _scripts(scan_text("deploy/deploy.sh", DEPLOY_SH))
    ref = [i for i in items if i.setting_name == "SP_SECRET"]
    assert len(ref) == 1
    assert str(ref[0].value_class) == "reference"
    assert str(ref[0].service_type) == "entra-id"
    assert file_location(ref[0]).line == _line_of(DEPLOY_SH, '--password "$SP_SECRET"')
    key_ref = [i for i in items if i.setting_name == "STORAGE_KEY" and str(i.value_class) == "reference"]
    assert key_ref and str(key_ref[0].service_type) == "storage"


def test_key_fetch_commands() -> None:
    items = _scripts(scan_text("deploy/deploy.sh", DEPLOY_SH))
    fetch = {i.setting_name: i for i in items if i.detector == "scripts:key-fetch"}
    assert set(fetch) == {"STORAGE_KEY", "COSMOS_CONN"}  # the commented-out command is skipped
    assert str(fetch["STORAGE_KEY"].service_type) == "storage"
    assert file_location(fetch["STORAGE_KEY"]).line == _line_of(DEPLOY_SH, "STORAGE_KEY=$(")
    assert fetch["STORAGE_KEY"].redacted_preview == "STORAGE_KEY = $(az storage account keys list)"
    assert str(fetch["COSMOS_CONN"].service_type) == "cosmos-db"
    # fetched at run time: key wiring (`reference`), the script holds no key
    assert all(str(i.value_class) == "reference" and is_key_wiring(i) for i in fetch.values())


def test_literal_values_are_secrets() -> None:
    items = _scripts(scan_text("deploy/deploy.sh", DEPLOY_SH))
    key = [i for i in items if i.setting_name == "account-key" and str(i.value_class) == "secret"]
    assert key and str(key[0].service_type) == "storage"
    exp = [i for i in items if i.setting_name == "AZURE_CLIENT_SECRET"]
    assert exp and str(exp[0].value_class) == "secret"
    assert file_location(exp[0]).line == _line_of(DEPLOY_SH, "export AZURE_CLIENT_SECRET")
    pg = [i for i in items if str(i.service_type) == "postgresql" and str(i.value_class) == "secret"]
    assert pg


def test_canaries_never_leak() -> None:
    items = scan_text("deploy/deploy.sh", DEPLOY_SH, generic=True)
    assert_planted_found(items, DEPLOY_SH, SP_CANARY, EXPORT_CANARY, KEY_CANARY, PG_CANARY)
    dumped = json.dumps([i.to_json() for i in items])
    for canary in (SP_CANARY, EXPORT_CANARY, KEY_CANARY, PG_CANARY, KEY_CANARY[3:30]):
        assert canary not in dumped


def test_powershell_env_secure_string_and_backtick_continuation() -> None:
    ps_canary = "Canary-Ps-Pass-7712!"
    env_canary = "def8Q~CanaryPsSecret01234567890abcdefghi"
    text = f"""\
$env:AZURE_CLIENT_SECRET = "{env_canary}"
$adminPassword = ConvertTo-SecureString "{ps_canary}" -AsPlainText -Force
$keys = Get-AzStorageAccountKey -ResourceGroupName rg-canary `
  -Name stcanary
az login --service-principal `
  -u $env:CLIENT_ID `
  -p $env:SP_SECRET `
  --tenant contoso
"""
    items = scan_text("deploy/deploy.ps1", text, generic=True)
    mine = _scripts(items)
    env = [i for i in mine if i.setting_name == "AZURE_CLIENT_SECRET"]
    assert env and str(env[0].value_class) == "secret" and file_location(env[0]).line == 1
    ss = [i for i in mine if i.setting_name == "adminPassword" and str(i.value_class) == "secret"]
    assert ss and file_location(ss[0]).line == 2
    fetch = [i for i in mine if i.detector == "scripts:key-fetch"]
    assert fetch and fetch[0].setting_name == "keys" and file_location(fetch[0]).line == 3
    ref = [i for i in mine if i.setting_name == "SP_SECRET"]
    assert ref and str(ref[0].value_class) == "reference" and file_location(ref[0]).line == 5
    dumped = json.dumps([i.to_json() for i in items])
    assert ps_canary not in dumped and env_canary not in dumped


def test_dockerfile_and_matching() -> None:
    text = """\
FROM mcr.microsoft.com/azure-cli
ENV AZURE_CLIENT_SECRET ghi8Q~CanaryDockerSecret0123456789abcdef
RUN az acr login --name acrcanary --username acrcanary --password $ACR_PASSWORD
"""
    items = _scripts(scan_text("Dockerfile", text))
    env = [i for i in items if i.setting_name == "AZURE_CLIENT_SECRET"]
    assert env and str(env[0].value_class) == "secret" and file_location(env[0]).line == 2
    acr = [i for i in items if i.setting_name == "ACR_PASSWORD"]
    assert acr and str(acr[0].service_type) == "container-registry"
    assert str(acr[0].value_class) == "reference"
    assert "ghi8Q~CanaryDockerSecret0123456789abcdef" not in json.dumps([i.to_json() for i in items])
    assert not _scripts(scan_text("docs/readme.md", text))


KEY_FETCH_TARGETS = """\
K1=$(az storage account keys list --account-name shopimages -g rg --query "[0].value" -o tsv)
K2=$(az storage account keys list -n shoplogs --query "[0].value" -o tsv)
SAS=$(az storage blob generate-sas --name report.csv --account-name shopreports --expiry 2030-01-01)
K3=$(az cosmosdb keys list --name shop-cosmos -g rg --query primaryMasterKey -o tsv)
K4=$(az servicebus namespace authorization-rule keys list --namespace-name shop-bus -n send -g rg)
K5=$(az storage account keys list --account-name $ACCOUNT --query "[0].value" -o tsv)
$k6 = (Get-AzStorageAccountKey -ResourceGroupName rg -Name shoparchive)[0].Value
"""


def test_key_fetch_names_its_resource_from_literal_flags() -> None:
    fetch = [i for i in scan_text("scripts/keys.sh", KEY_FETCH_TARGETS) if i.detector == "scripts:key-fetch"]
    by_line = {file_location(i).line: i.endpoint for i in fetch}
    assert len(by_line) == 7, by_line  # every fetch was found
    assert by_line[1].account == "shopimages"
    assert by_line[2].account == "shoplogs"  # `-n` names the account for `storage account keys`
    assert by_line[3].account == "shopreports"  # not the blob named by `--name`
    assert by_line[4].account == "shop-cosmos"
    assert by_line[5].namespace == "shop-bus"  # not the rule named by `-n`
    assert by_line[6].is_empty()  # a variable: unknown, never guessed
    assert by_line[7].account == "shoparchive"


REGISTRY_PASSWORD = "Zr9vQ2mX7kLp4TsW8yHn3BcD6fGj1Ka5"
DOCKER_LOGINS = f"""\
docker login contosoacr.azurecr.io -u contosoacr -p {REGISTRY_PASSWORD}
docker login contosoacr.azurecr.io -u contosoacr -p "$ACR_PASSWORD"
"""


def test_docker_login_with_a_password() -> None:
    items = scan_text("scripts/push.sh", DOCKER_LOGINS)
    assert_planted_found(items, DOCKER_LOGINS, REGISTRY_PASSWORD)
    by_line = {file_location(i).line: i for i in items if i.service_type is ServiceType.CONTAINER_REGISTRY}
    assert str(by_line[1].value_class) == "secret"
    assert str(by_line[2].value_class) == "reference"  # the variable is the consumer's, not a value
    assert all(REGISTRY_PASSWORD not in i.redacted_preview for i in items)
