"""Recall: connection places in files and shapes the scan used to pass over."""

from __future__ import annotations

import json

from scanners.records import ConnectionStringAuditItem, ServiceType, ValueClass
from tests.conftest import file_location, scan_text
from tests.planted import assert_planted_found

S = ServiceType
V = ValueClass
REAL = "Zq9vLw2XkP4rT7yB1nM6sD3fH8jC5gA0"


def _at(items: list[ConnectionStringAuditItem], line: int) -> list[ConnectionStringAuditItem]:
    return [i for i in items if file_location(i).line == line]


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Vector search\n", "key = 'not code'\n"]},
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "outputs": [],
            "source": [
                "%pip install azure-search-documents\n",
                "import os\n",
                "from azure.core.credentials import AzureKeyCredential\n",
                "search_key = os.getenv('AZURE_SEARCH_ADMIN_KEY')\n",
                "credential = AzureKeyCredential(search_key)\n",
            ],
        },
        {
            "cell_type": "code",
            "execution_count": 2,
            "metadata": {},
            "outputs": [],
            "source": [
                "from azure.storage.blob import BlobServiceClient\n",
                "blob = BlobServiceClient.from_connection_string(os.environ['BLOB_CONNECTION_STRING'])\n",
                f"cache = redis.from_url('rediss://:{REAL}@cache1.redis.cache.windows.net:6380')\n",
            ],
        },
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_notebook_code_cells_are_read_as_python_on_their_own_lines() -> None:
    text = json.dumps(NOTEBOOK, indent=1)
    items = scan_text("demo/search.ipynb", text, generic=True)
    assert_planted_found(items, text, REAL)
    key = _at(items, _line_of(text, "AzureKeyCredential(search_key)"))
    assert any(i.service_type is S.AI_SEARCH and i.detector.startswith("notebook:") for i in key)
    blob = _at(items, _line_of(text, "from_connection_string"))
    assert any(i.service_type is S.STORAGE and i.value_class is V.REFERENCE for i in blob)
    assert not _at(items, _line_of(text, "not code"))  # markdown cells are prose
    assert REAL not in json.dumps([i.to_json() for i in items])


def test_a_notebook_that_is_not_json_is_reported_not_fatal() -> None:
    items = scan_text(
        "broken.ipynb", '{"cells": [ {"cell_type": "code", "source": ["api_key = os.getenv(', True
    )
    assert isinstance(items, list)


GO = f"""package main

import (
\t"os"
\t"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
\t"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"
)

func main() {{
\tclientSecret := os.Getenv("AZURE_CLIENT_SECRET")
\tcred, _ := azcosmos.NewKeyCredential(cosmosKey)
\tkeys, _ := accountsClient.ListKeys(ctx, rg, name, nil)
\tprofile := &armcontainerservice.ManagedClusterServicePrincipalProfile{{
\t\tClientID: to.Ptr(appID),
\t\tSecret:   to.Ptr(clientSecret),
\t}}
\tprops := armsql.ServerProperties{{
\t\tAdministratorLogin:         to.Ptr("dbadmin"),
\t\tAdministratorLoginPassword: to.Ptr("{REAL}"),
\t}}
}}
"""


def test_go_consumers_and_admin_passwords() -> None:
    items = scan_text("cmd/main.go", GO, generic=True)
    assert_planted_found(items, GO, REAL)
    pw = _at(items, _line_of(GO, "AdministratorLoginPassword"))
    assert [i.service_type for i in pw if i.value_class is V.SECRET] == [S.SQL]
    assert any(i.service_type is S.COSMOS_DB for i in _at(items, _line_of(GO, "NewKeyCredential")))
    assert any(i.service_type is S.STORAGE for i in _at(items, _line_of(GO, "ListKeys")))
    assert any(i.service_type is S.ENTRA_ID for i in _at(items, _line_of(GO, "Secret:   to.Ptr")))
    assert any(i.setting_name == "AZURE_CLIENT_SECRET" for i in _at(items, _line_of(GO, "os.Getenv")))
    assert not any(i.value_class is V.SECRET for i in items if file_location(i).line != _line_of(GO, REAL))
    assert REAL not in json.dumps([i.to_json() for i in items])


WORKFLOW = f"""name: ci
on: push
env:
  AZURE_CREDENTIALS: ${{{{ secrets.AZURE_CREDENTIALS }}}}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/login-action@v3
        with:
          registry: ghcr.io
          username: ${{{{ github.actor }}}}
          password: ${{{{ github.token }}}}
      - uses: azure/docker-login@v1
        with:
          login-server: contoso.azurecr.io
          username: contoso
          password: {REAL}
      - run: |
          azd auth login --client-id "$CID" --client-secret "$(echo "$AZURE_CREDENTIALS" | jq -r .clientSecret)"
          az aks create -g rg -n aks1 --service-principal "$CID" --client-secret "$SP_SECRET"
          kubectl create secret docker-registry regcred --docker-server=contoso.azurecr.io --docker-password="$ACR_PASSWORD"
"""


def test_ci_logins_and_azure_credentials() -> None:
    items = scan_text(".github/workflows/ci.yml", WORKFLOW, generic=True)
    assert_planted_found(items, WORKFLOW, REAL)

    def kinds(needle: str) -> set[tuple[ServiceType, ValueClass]]:
        return {(i.service_type, i.value_class) for i in _at(items, _line_of(WORKFLOW, needle))}

    assert (S.ENTRA_ID, V.REFERENCE) in kinds("AZURE_CREDENTIALS: ")
    assert (S.CONTAINER_REGISTRY, V.REFERENCE) in kinds("github.token")
    assert (S.CONTAINER_REGISTRY, V.SECRET) in kinds(REAL)
    assert (S.ENTRA_ID, V.REFERENCE) in kinds("azd auth login")
    assert (S.ENTRA_ID, V.REFERENCE) in kinds("az aks create")
    assert (S.CONTAINER_REGISTRY, V.REFERENCE) in kinds("kubectl create secret")


def test_empty_key_slots_are_placeholders() -> None:
    env = "AZURE_SEARCH_ADMIN_KEY=\nAZURE_SPEECH_SERVICE_KEY=\nLOG_LEVEL=\n"
    items = scan_text("code/.env-sample", env)
    assert {(i.setting_name, i.value_class) for i in items} == {
        ("AZURE_SEARCH_ADMIN_KEY", V.PLACEHOLDER),
        ("AZURE_SPEECH_SERVICE_KEY", V.PLACEHOLDER),
    }
    config = (
        '<configuration>\n<connectionStrings>\n<add name="Azure:SignalR:ConnectionString" connectionString="" />\n'
        '</connectionStrings>\n<appSettings>\n<add key="ClientSecret" value="" />\n<add key="Theme" value="" />\n'
        "</appSettings>\n</configuration>\n"
    )
    xml = scan_text("Web.config", config)
    assert {(i.setting_name, i.value_class) for i in xml} == {
        ("ConnectionStrings:Azure:SignalR:ConnectionString", V.PLACEHOLDER),
        ("ClientSecret", V.PLACEHOLDER),
    }
    k8s = 'spec:\n  containers:\n  - env:\n    - name: AZURE_OPENAI_API_KEY\n      value: ""\n'
    assert [(i.setting_name, i.value_class) for i in scan_text("deploy/ai.yaml", k8s)] == [
        ("AZURE_OPENAI_API_KEY", V.PLACEHOLDER)
    ]


def test_compose_local_container_passwords_are_dev_emulator() -> None:
    text = (
        "services:\n  mongodb:\n    image: mongo\n"
        '    command: ["--username", "app", "--password", "Lk3pass9x"]\n'
        "  queue:\n    environment:\n"
        '      - "RABBITMQ_DEFAULT_PASS=Lk3pass9x"\n'
        "      - ORDER_QUEUE_PASSWORD=Lk3pass9x\n"
        "      - ORDER_QUEUE_USERNAME=app\n"
    )
    items = scan_text("docker-compose.yml", text, generic=True)
    assert {file_location(i).line: i.value_class for i in items} == {
        4: V.DEV_EMULATOR,
        7: V.DEV_EMULATOR,
        8: V.DEV_EMULATOR,
    }


def test_clients_fed_by_constants_are_consumers() -> None:
    cs = (
        "class Program {\n"
        '    const string ServiceBusConnectionString = "<your_connection_string>";\n'
        "    static async Task Main() {\n"
        "        await using var client = new ServiceBusClient(ServiceBusConnectionString);\n"
        "    }\n}\n"
    )
    items = scan_text("Sender/Program.cs", cs)
    ctor = _at(items, 4)
    assert ctor and ctor[0].service_type is S.SERVICE_BUS and ctor[0].value_class is V.PLACEHOLDER
    java = (
        "class Sample {\n"
        '    static final String SB_CONN = "SB_SAMPLES_CONNECTIONSTRING";\n'
        "    void run() { String env = System.getenv(SB_CONN); }\n}\n"
    )
    lookups = [i for i in scan_text("src/Sample.java", java) if file_location(i).line == 3]
    assert [(i.setting_name, i.service_type) for i in lookups] == [
        ("SB_SAMPLES_CONNECTIONSTRING", S.SERVICE_BUS)
    ]
    py = (
        "import azure.cosmos.cosmos_client as cosmos_client\n"
        "MASTER_KEY = cfg.settings['master_key']\n"
        "client = cosmos_client.CosmosClient(HOST, {'masterKey': MASTER_KEY})\n"
    )
    cosmos = _at(scan_text("samples/Program.py", py), 3)
    assert cosmos and cosmos[0].service_type is S.COSMOS_DB and cosmos[0].value_class is V.REFERENCE


def test_script_lines_that_use_secrets_without_holding_them() -> None:
    text = (
        "#!/bin/bash\n"
        "echo STORAGE_ACCOUNT_KEY=$STORAGE_ACCOUNT_KEY\n"
        'aikey=`az resource show -g $rg -n ai1 --resource-type "Microsoft.Insights/components" '
        "--query properties.InstrumentationKey -o tsv`\n"
        "az webapp config connection-string set -g $rg -n web1 -t SQLAzure \\\n"
        '    --settings ORDERS="$ORDERS_CONN"\n'
        'az webapp config appsettings set -g $rg -n web1 --settings APPINSIGHTS_INSTRUMENTATIONKEY="$aikey"\n'
        'cx=`echo $out | jq ".properties.outputs.sendConnectionString.value"`\n'
    )
    items = scan_text("deploy/azure-deploy.sh", text)
    found = {(file_location(i).line, i.service_type, i.value_class) for i in items}
    assert (2, S.STORAGE, V.REFERENCE) in found
    assert (3, S.APPLICATION_INSIGHTS, V.LOCATOR) in found
    assert (5, S.SQL, V.REFERENCE) in found
    assert (6, S.APPLICATION_INSIGHTS, V.LOCATOR) in found
    assert (7, S.GENERIC, V.REFERENCE) in found
    assert not any(i.value_class is V.SECRET for i in items)


def test_key_slots_master_keys_and_printed_keys() -> None:
    cs = 'class P {\n    private const string AuthorizationKey = "";\n    private const string Theme = "";\n}\n'
    slots = scan_text("Upload/Program.cs", cs)
    assert [(file_location(i).line, i.value_class) for i in slots] == [(2, V.PLACEHOLDER)]
    env = "COHERE_API_KEY=your-cohere-api-key\n"
    assert [i.value_class for i in scan_text("code/.env-sample", env)] == [V.PLACEHOLDER]
    py = "settings = {\n    'host': 'https://localhost:443',\n    'master_key': '[YOUR KEY]',\n}\n"
    cosmos = scan_text("samples/config.py", py)
    assert [(file_location(i).line, i.service_type, i.value_class) for i in cosmos] == [
        (3, S.COSMOS_DB, V.PLACEHOLDER)
    ]
    go = (
        "package main\n\nfunc main() {\n\tkeys, _ := domainsClient.ListSharedAccessKeys(ctx, rg, name, nil)\n"
        '\tlog.Println("keys:", *keys.Key1, *keys.Key2)\n}\n'
    )
    printed = [i for i in scan_text("domain/main.go", go) if file_location(i).line == 5]
    assert printed and printed[0].notes == ("a secret written to the console or the log",)


def test_javascript_application_insights_and_signalr_bindings() -> None:
    ts = (
        "import { ApplicationInsights } from '@microsoft/applicationinsights-web';\n"
        "const ai = new ApplicationInsights({\n"
        "    config: {\n"
        "        connectionString: config.observability.connectionString,\n"
        "    },\n"
        "});\n"
        "applicationInsights\n"
        "    .setup(config.connectionString)\n"
        "    .start();\n"
    )
    items = scan_text("src/telemetry.ts", ts)
    lines = {file_location(i).line for i in items if i.service_type is S.APPLICATION_INSIGHTS}
    assert 4 in lines and lines & {7, 8}  # the options' key; the set-up call (spread over two lines)
    js = "app.http('negotiate', {\n  extraInputs: [input.generic({ connectionStringSetting: 'AzureSignalRConnectionString' })],\n});\n"
    assert [(file_location(i).line, i.service_type) for i in scan_text("src/negotiate.js", js)] == [
        (2, S.SIGNALR)
    ]
