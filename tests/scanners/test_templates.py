"""Template copies of config files (`*.template`, `*.sample`, ...) and Helm chart templates."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import pytest

from scanners.file_scan import scan_bytes
from scanners.fingerprint import Fingerprinter
from scanners.handlers import handlers_for, underlying_path
from scanners.handlers.helm_templates import mask_actions
from scanners.records import ConnectionStringAuditItem, ServiceType, SkipReason, ValueClass
from tests.conftest import TEST_KEY, file_location, find_item, scan_text
from tests.planted import assert_planted_found

COSMOS_KEY = (
    "Q2FuYXJ5VG1wbENvc21vc0tleUNhbmFyeVRtcGxDb3Ntb3NLZXlDYW5hcnlUbXBsQ29zbW9zS2V5Q2FuYXJ5VG1wbENvc21vcw=="
)
STORAGE_KEY = (
    "Q2FuYXJ5SGVsbVN0b3JhZ2VLZXlDYW5hcnlIZWxtU3RvcmFnZUtleUNhbmFyeUhlbG1TdG9yYWdlS2V5Q2FuYXJ5SGVsbVN0b3JhZw=="
)
VALUES_KEY = (
    "Q2FuYXJ5VmFsdWVzS2V5Q2FuYXJ5VmFsdWVzS2V5Q2FuYXJ5VmFsdWVzS2V5Q2FuYXJ5VmFsdWVzS2V5Q2FuYXJ5VmFsdWVzSw=="
)
SB_KEY = "Q2FuYXJ5VG1wbFNiS2V5Q2FuYXJ5VG1wbFNiS2V5MTI="

APPSETTINGS_TEMPLATE = f"""{{
  "Logging": {{ "LogLevel": {{ "Default": "Information" }} }},
  "CosmosDb": {{
    "Endpoint": "https://orders-db.documents.azure.com:443/",
    "Key": "{COSMOS_KEY}"
  }},
  "ServiceBusConnection": "#{{SERVICE_BUS_CONNECTION}}#"
}}
"""

CONFIG_YAML_TMPL = f"""servicebus:
  connection-string: Endpoint=sb://orders-ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={SB_KEY}
"""

HELM_SECRET = f"""apiVersion: v1
kind: Secret
metadata:
  name: {{{{ include "orders.fullname" . }}}}
  labels:
    {{{{- include "orders.labels" . | nindent 4 }}}}
type: Opaque
stringData:
  CosmosDbKey: {{{{ .Values.cosmos.key | quote }}}}
  StorageAccountKey: "{STORAGE_KEY}"
{{{{- if .Values.redis.enabled }}}}
  RedisPassword: {{{{ required "redis.password is required" .Values.redis.password }}}}
{{{{- end }}}}
"""

HELM_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-api
spec:
  template:
    spec:
      containers:
        - name: api
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          env:
            - name: ServiceBus__Connection
              value: {{ .Values.serviceBus.connection }}
            {{- range $k, $v := .Values.extraEnv }}
            - name: {{ $k }}
              value: {{ $v | quote }}
            {{- end }}
"""

VALUES_YAML = f"""image:
  repository: contoso.azurecr.io/orders
cosmos:
  key: {VALUES_KEY}
redis:
  enabled: true
  password: ""
"""


def _dump(items: list[ConnectionStringAuditItem]) -> str:
    return json.dumps([i.to_json() for i in items])


@pytest.mark.parametrize(
    ("name", "routed"),
    [
        ("appsettings.json.template", "appsettings.json"),
        ("local.settings.json.sample", "local.settings.json"),
        (".env.example", ".env"),
        ("config.yaml.tmpl", "config.yaml"),
        ("web.config.dist", "web.config"),
        ("settings.csv.tpl", "settings.csv"),
        ("_helpers.tpl", "_helpers"),
        ("appsettings.json", "appsettings.json"),
        (".template", ".template"),
    ],
)
def test_template_suffix_routes_to_the_underlying_format(name: str, routed: str) -> None:
    assert underlying_path(PurePosixPath("src") / name) == PurePosixPath("src") / routed


def test_json_template_is_read_as_json() -> None:
    assert [h.name for h in handlers_for(PurePosixPath("appsettings.json.template"))] == [
        "json-config",
        "arm-templates",
    ]
    path = "src/Api/appsettings.json.template"
    items = scan_text(path, APPSETTINGS_TEMPLATE)
    assert_planted_found(items, APPSETTINGS_TEMPLATE, COSMOS_KEY)
    item = find_item(items, 5, setting_name="CosmosDb:Key", value_class=ValueClass.SECRET)
    assert item.detector.startswith("json-config:")
    assert file_location(item).path == path  # the real path, not the routed one
    token = find_item(items, 7, setting_name="ServiceBusConnection")
    assert token.value_class is ValueClass.PLACEHOLDER
    assert COSMOS_KEY not in _dump(items)


def test_yaml_and_local_settings_templates() -> None:
    items = scan_text("config/config.yaml.tmpl", CONFIG_YAML_TMPL)
    assert_planted_found(items, CONFIG_YAML_TMPL, SB_KEY)
    assert find_item(items, 2, value_class=ValueClass.SECRET).detector.startswith("yaml-files:")
    local = (
        '{"IsEncrypted": false, "Values": {"AzureWebJobsStorage": '
        f'"DefaultEndpointsProtocol=https;AccountName=fn1;AccountKey={COSMOS_KEY}"}}}}\n'
    )
    items = scan_text("fn/local.settings.json.template", local)
    assert_planted_found(items, local, COSMOS_KEY)
    assert find_item(items, 1, value_class=ValueClass.SECRET).setting_name == "AzureWebJobsStorage"
    assert COSMOS_KEY not in _dump(items) and SB_KEY not in _dump(items)


def test_mask_keeps_lines_and_columns() -> None:
    masked = mask_actions(HELM_SECRET)
    assert len(masked.text) == len(HELM_SECRET)
    assert [len(line) for line in masked.text.split("\n")] == [len(line) for line in HELM_SECRET.split("\n")]
    assert "{{" not in masked.text
    assert masked.text.split("\n")[10].strip() == ""  # `{{- if ... }}` alone on its line: blank
    assert STORAGE_KEY in masked.text  # literals are untouched
    assert mask_actions("a: {{ unclosed\nb: c\n").text == "a: {{ unclosed\nb: c\n"


def test_helm_template_values_are_references_and_literals_secrets() -> None:
    path = "charts/orders/templates/secret.yaml"
    outcome = scan_bytes(path, HELM_SECRET.encode(), Fingerprinter(TEST_KEY), generic=True)
    items = list(outcome.items)
    assert not [s for s in outcome.skipped if s.reason is SkipReason.MALFORMED]  # it was parsed
    assert_planted_found(items, HELM_SECRET, STORAGE_KEY)
    literal = find_item(items, 10, setting_name="StorageAccountKey", value_class=ValueClass.SECRET)
    assert literal.detector.startswith("yaml-files:")
    assert literal.service_type is ServiceType.STORAGE
    cosmos = find_item(items, 9, setting_name="CosmosDbKey")
    assert cosmos.value_class is ValueClass.REFERENCE
    assert cosmos.detector.startswith("yaml-files:")
    redis = find_item(items, 12, setting_name="RedisPassword")
    assert redis.value_class is ValueClass.REFERENCE
    assert not [i for i in items if i.value_class is ValueClass.SECRET and _line(i) != 10]
    assert STORAGE_KEY not in _dump(items)


def test_helm_deployment_env_reference() -> None:
    items = scan_text("charts/orders/templates/deployment.yaml", HELM_DEPLOYMENT)
    conn = find_item(items, 13, setting_name="ServiceBus__Connection")
    assert conn.value_class is ValueClass.REFERENCE
    assert conn.detector.startswith("yaml-files:")
    assert not [i for i in items if i.value_class is ValueClass.SECRET]


def test_values_yaml_key_is_still_a_secret() -> None:
    items = scan_text("charts/orders/values.yaml", VALUES_YAML)
    assert_planted_found(items, VALUES_YAML, VALUES_KEY)
    item = find_item(items, 4, value_class=ValueClass.SECRET)
    assert item.service_type is ServiceType.COSMOS_DB
    assert item.detector.startswith("yaml-files:")
    assert VALUES_KEY not in _dump(items)


def _line(item: ConnectionStringAuditItem) -> int:
    return getattr(item.location, "line", 0)


def test_pipeline_expressions_are_not_masked() -> None:
    pipeline = (
        "parameters:\n  - name: sqlPassword\n    type: string\nsteps:\n"
        "  - script: echo deploying\n    env:\n      SQL_PASSWORD: ${{ parameters.sqlPassword }}\n"
    )
    assert mask_actions(pipeline).text == pipeline
    items = scan_text("pipelines/templates/deploy.yml", pipeline)
    item = find_item(items, 7, setting_name="SQL_PASSWORD")
    assert item.detector.startswith("yaml-files:")
    # read exactly as the same pipeline outside a `templates/` folder
    elsewhere = scan_text("pipelines/deploy.yml", pipeline)
    assert [(i.value_class, i.detector, i.setting_name) for i in items] == [
        (i.value_class, i.detector, i.setting_name) for i in elsewhere
    ]
