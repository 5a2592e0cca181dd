"""Every entry of the handler registry claims its files and finds something in a tiny sample."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from scanners.evidence import FileHandler, SourceFile
from scanners.handlers import all_handlers, handlers_for, registry

STORAGE = "DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=" + "k" * 86 + "==;"
SQL = "Server=tcp:orders.database.windows.net,1433;Database=orders;User ID=app;Password=Canary-Pa55-4471;"

# Handler name -> (a file it claims, a sample in which it must find something).
SAMPLES: dict[str, tuple[str, str]] = {
    "json-config": ("appsettings.json", f'{{"ConnectionStrings": {{"Orders": "{SQL}"}}}}'),
    "arm-templates": (
        "azuredeploy.json",
        '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",'
        ' "resources": [{"type": "Microsoft.Web/sites", "name": "app", "properties": {"siteConfig":'
        ' {"appSettings": [{"name": "STORAGE", "value": "[listKeys(resourceId(\'Microsoft.Storage/'
        "storageAccounts', 'sa'), '2023-01-01').keys[0].value]\"}]}}}]}",
    ),
    "xml-config": (
        "web.config",
        f'<configuration><connectionStrings><add name="Orders" connectionString="{SQL}"/>'
        "</connectionStrings></configuration>",
    ),
    "csharp": (
        "Program.cs",
        'var c = new BlobServiceClient(Environment.GetEnvironmentVariable("STORAGE"));\n',
    ),
    "python-code": (
        "app.py",
        'import os\nc = BlobServiceClient.from_connection_string(os.environ["STORAGE"])\n',
    ),
    "javascript": ("index.ts", "const c = BlobServiceClient.fromConnectionString(process.env.STORAGE);\n"),
    "java": ("App.java", 'String conn = System.getenv("STORAGE");\n'),
    "go-code": ("main.go", 'conn := os.Getenv("AZURE_STORAGE_CONNECTION_STRING")\n'),
    "consumer-calls": ("Startup.cs", "app.MapAzureSignalR(GetType().FullName);\n"),
    "env-properties": (".env", f"AZURE_STORAGE_CONNECTION_STRING={STORAGE}\n"),
    "csv-settings": ("settings.csv", f"Name|Value\nAZURE_STORAGE_CONNECTION_STRING|{STORAGE}\n"),
    "yaml-files": (
        "docker-compose.yml",
        f'services:\n  app:\n    environment:\n      STORAGE: "{STORAGE}"\n',
    ),
    "bicep": (
        "main.bicep",
        "resource sa 'Microsoft.Storage/storageAccounts@2023-01-01' existing = {\n"
        "  name: 'sa'\n}\noutput key string = sa.listKeys().keys[0].value\n",
    ),
    "terraform": ("main.tf", 'output "key" {\n  value = azurerm_storage_account.sa.primary_access_key\n}\n'),
    "scripts": ("deploy.sh", f'export AZURE_STORAGE_CONNECTION_STRING="{STORAGE}"\n'),
    "notebook": (
        "demo.ipynb",
        '{"cells": [{"cell_type": "code", "source": ["import os\\n", '
        '"c = BlobServiceClient.from_connection_string(os.environ[\\"STORAGE\\"])\\n"]}], "nbformat": 4}',
    ),
    "html-pages": (
        "demo.html",
        '<pre><span class="n">conn</span> = <span class="s2">&quot;' + SQL + "&quot;</span></pre>\n",
    ),
}


def test_names_are_unique_and_every_handler_has_a_sample() -> None:
    names = [h.name for h in registry()]
    assert len(names) == len(set(names)) == len(all_handlers())
    assert set(names) == set(SAMPLES)


def test_order_is_the_reading_order() -> None:
    assert [h.name for h in registry()] == [
        "json-config",
        "arm-templates",
        "xml-config",
        "csharp",
        "python-code",
        "javascript",
        "java",
        "go-code",
        "consumer-calls",
        "env-properties",
        "csv-settings",
        "yaml-files",
        "bicep",
        "terraform",
        "scripts",
        "notebook",
        "html-pages",
    ]


@pytest.mark.parametrize("handler", registry(), ids=lambda h: h.name)
def test_handler_claims_its_files_and_finds_something(handler: FileHandler) -> None:
    h = handler
    file_name, text = SAMPLES[h.name]
    path = PurePosixPath("src") / file_name
    assert h.matches(path)
    assert h in handlers_for(path)
    assert not h.matches(PurePosixPath("src/picture.png"))
    found = list(h.scan(SourceFile(path, text)))
    assert found, f"{h.name} found nothing in its sample"
    assert all(ev.line >= 1 for ev in found)
