"""YAML handler: config files, Kubernetes, docker-compose, CI pipelines, hostile input."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterable

from scanners.file_scan import scan_bytes
from scanners.fingerprint import Fingerprinter
from scanners.records import (
    ConnectionStringAuditItem,
    CredentialKind,
    EvidenceRole,
    ServiceType,
    SkipReason,
    ValueClass,
)
from tests.conftest import TEST_KEY, scan_text
from tests.conftest import find_item as _find
from tests.planted import assert_planted_found

K8S_STORAGE_KEY = base64.b64encode(b"CanaryK8sStorageKey!" * 4).decode()[:86] + "=="
K8S_CONN = f"DefaultEndpointsProtocol=https;AccountName=k8sacct;AccountKey={K8S_STORAGE_KEY};EndpointSuffix=core.windows.net"
ENTRA_SECRET = "ymlX8Q~CanaryYamlSecretCanaryYamlSecretC12"[0:3] + "8Q~CanaryYamlSecretCanaryYamlSecretC1"
REDIS_PW = "CanaryRedisInK8s1"
OPENAI_KEY = "feedfacefeedfacefeedfacefeedface"
SPRING_PW = "CanarySpringYamlPw"


def _dump(items: Iterable[ConnectionStringAuditItem]) -> str:
    return json.dumps([i.to_json() for i in items])


def test_kubernetes_secret_data_is_decoded() -> None:
    encoded = base64.b64encode(K8S_CONN.encode()).decode()
    text = f"""apiVersion: v1
kind: Secret
metadata:
  name: app-secrets
type: Opaque
data:
  AZURE_STORAGE_CONNECTION_STRING: {encoded}
stringData:
  AZURE_CLIENT_SECRET: "{ENTRA_SECRET}"
---
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: web
          env:
            - name: REDIS_PASSWORD
              value: "{REDIS_PW}"
            - name: SERVICEBUS_CONNECTION
              valueFrom:
                secretKeyRef: {{name: app-secrets, key: sb}}
"""
    items = scan_text("deploy/secret.yaml", text)
    assert_planted_found(items, text, encoded, ENTRA_SECRET, REDIS_PW)
    dumped = _dump(items)
    for canary in (K8S_STORAGE_KEY, encoded[:40], ENTRA_SECRET, REDIS_PW):
        assert canary not in dumped
    storage = _find(items, 7, detector="yaml-files:conn-string:storage")
    assert storage.setting_name == "AZURE_STORAGE_CONNECTION_STRING"
    assert storage.value_class is ValueClass.SECRET
    assert storage.endpoint.account == "k8sacct"
    assert "Kubernetes Secret data" in storage.notes
    sp = _find(items, 9, setting_name="AZURE_CLIENT_SECRET")
    assert sp.service_type is ServiceType.ENTRA_ID and sp.value_class is ValueClass.SECRET
    redis = _find(items, 20, detector="yaml-files:setting-name")
    assert redis.setting_name == "REDIS_PASSWORD" and redis.service_type is ServiceType.REDIS
    ref = _find(items, 21, detector="yaml-files:k8s-secret-ref")
    assert ref.service_type is ServiceType.SERVICE_BUS and ref.value_class is ValueClass.REFERENCE


def test_docker_compose_environment_list_and_mapping() -> None:
    text = f"""services:
  web:
    environment:
      - AZURE_OPENAI_API_KEY={OPENAI_KEY}
      - COSMOS_CONNECTION=AccountEndpoint=https://localhost:8081/;AccountKey=C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==
  worker:
    environment:
      SERVICEBUS_CONNECTION: "Endpoint=sb://ns3.servicebus.windows.net/;SharedAccessKeyName=x;SharedAccessKey=${{SB_KEY}}"
"""
    items = scan_text("docker-compose.yml", text)
    ai = _find(items, 4, detector="yaml-files:setting-name")
    assert ai.setting_name == "AZURE_OPENAI_API_KEY" and ai.value_class is ValueClass.SECRET
    assert OPENAI_KEY not in _dump(items)
    cosmos = _find(items, 5, service_type=ServiceType.COSMOS_DB)
    assert cosmos.value_class is ValueClass.DEV_EMULATOR and cosmos.setting_name == "COSMOS_CONNECTION"
    sb = _find(items, 8, service_type=ServiceType.SERVICE_BUS)
    assert sb.setting_name == "SERVICEBUS_CONNECTION" and sb.value_class is ValueClass.PLACEHOLDER


def test_github_actions_login_and_secret_references() -> None:
    text = """on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    env:
      AZURE_CLIENT_SECRET: ${{ secrets.AZURE_CLIENT_SECRET }}
    steps:
      - uses: azure/login@v2
        with:
          creds: ${{ secrets.AZURE_CREDENTIALS }}
      - uses: azure/login@v2
        with:
          client-id: ${{ vars.AZURE_CLIENT_ID }}
          tenant-id: ${{ vars.AZURE_TENANT_ID }}
          subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}
"""
    items = scan_text(".github/workflows/deploy.yml", text)
    env = _find(items, 6, setting_name="AZURE_CLIENT_SECRET")
    assert env.value_class is ValueClass.REFERENCE and env.evidence_role is EvidenceRole.CI_SCRIPT
    login = _find(items, 10, detector="yaml-files:azure-login")
    assert login.service_type is ServiceType.ENTRA_ID
    assert login.credential_kind is CredentialKind.CLIENT_SECRET
    assert login.value_class is ValueClass.REFERENCE
    assert any("OpenID Connect" in n for n in login.notes)
    oidc = _find(items, 11, detector="yaml-files:azure-login")
    assert oidc.value_class is ValueClass.PASSWORDLESS


def test_azure_login_with_literal_creds_json() -> None:
    creds = json.dumps(
        {
            "clientId": "11111111-2222-3333-4444-555555555555",
            "clientSecret": ENTRA_SECRET,
            "tenantId": "66666666-7777-8888-9999-000000000000",
        }
    )
    text = f"steps:\n  - uses: azure/login@v1\n    with:\n      creds: '{creds}'\n"
    items = scan_text(".github/workflows/ci.yml", text)
    secret = _find(items, 4, value_class=ValueClass.SECRET)
    assert secret.service_type is ServiceType.ENTRA_ID
    assert ENTRA_SECRET not in _dump(items)


def test_azure_pipelines_variables() -> None:
    text = f"""variables:
  - name: REDIS_PASSWORD
    value: {REDIS_PW}
  - group: shared
steps:
  - script: echo hi
"""
    items = scan_text("azure-pipelines.yml", text)
    item = _find(items, 3, detector="yaml-files:setting-name")
    assert item.setting_name == "REDIS_PASSWORD" and item.value_class is ValueClass.SECRET
    assert item.evidence_role is EvidenceRole.CI_SCRIPT
    assert REDIS_PW not in _dump(items)


def test_spring_application_yaml_paths() -> None:
    text = f"""spring:
  datasource:
    url: jdbc:sqlserver://s1.database.windows.net:1433;database=orders
    password: {SPRING_PW}
  cloud:
    azure:
      cosmos:
        key: ${{COSMOS_KEY}}
"""
    items = scan_text("src/main/resources/application.yml", text)
    pw = _find(items, 4, setting_name="spring.datasource.password")
    assert pw.service_type is ServiceType.SQL and pw.value_class is ValueClass.SECRET
    assert SPRING_PW not in _dump(items)
    key = _find(items, 8, setting_name="spring.cloud.azure.cosmos.key")
    assert key.service_type is ServiceType.COSMOS_DB and key.value_class is ValueClass.PLACEHOLDER


def test_alias_bomb_is_cheap() -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for name in "bcdefghi":
        bomb += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        prev = name
    bomb += (
        f"storage_connection: DefaultEndpointsProtocol=https;AccountName=b1;AccountKey={K8S_STORAGE_KEY}\n"
    )
    start = time.monotonic()
    items = scan_text("bomb.yaml", bomb)
    assert time.monotonic() - start < 2
    item = _find(items, 10, detector="yaml-files:conn-string:storage")
    assert item.setting_name == "storage_connection"


def test_malformed_yaml_is_skipped_and_line_scanned() -> None:
    text = f"key: {{{{ .Values.x }}}}\nitems: [\n  password: x\nAZURE_CLIENT_SECRET: {ENTRA_SECRET}\n"
    outcome = scan_bytes("chart/templates/x.yaml", text.encode(), Fingerprinter(TEST_KEY))
    assert any(s.reason is SkipReason.MALFORMED and s.partial for s in outcome.skipped)
    assert all(ENTRA_SECRET not in s.detail for s in outcome.skipped)
    assert any(i.service_type is ServiceType.ENTRA_ID for i in outcome.items)


def test_ci_run_step_is_read_as_a_script() -> None:
    text = """jobs:
  legacy:
    steps:
      - name: Sign in
        run: |
          echo start
          az login --service-principal -u ${{ vars.AZURE_CLIENT_ID }} -p ${{ secrets.AZURE_CLIENT_SECRET }} --tenant t
"""
    items = scan_text(".github/workflows/legacy.yml", text)
    item = _find(items, 7, detector="yaml-files:cli-argument")
    assert item.service_type is ServiceType.ENTRA_ID
    assert item.value_class is ValueClass.REFERENCE
    assert item.setting_name == "AZURE_CLIENT_SECRET"
    assert item.evidence_role is EvidenceRole.CI_SCRIPT
