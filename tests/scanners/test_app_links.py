"""Repository to App Service: azd, IaC app blocks, CI deploy steps and publish profiles say which app
a project is; IaC, compose and test settings move to the project they belong to."""

from __future__ import annotations

from pathlib import Path

from scanners import deploy_targets as dt
from scanners.app_links import WRITES_FOR_NOTE, link_apps, writes_for_app
from scanners.records import (
    Confidence,
    ConnectionStringAuditItem,
    CredentialKind,
    Endpoint,
    EvidenceRole,
    FileLocation,
    ManagedIdentitySupport,
    ServiceType,
    ValueClass,
)


def _item(path: str, line: int, setting: str, role: EvidenceRole) -> ConnectionStringAuditItem:
    return ConnectionStringAuditItem(
        location=FileLocation(path, line),
        service_type=ServiceType.STORAGE,
        can_use_managed_identity=ManagedIdentitySupport.YES,
        recommended_replacement="",
        credential_kind=CredentialKind.ACCOUNT_KEY,
        value_class=ValueClass.SECRET,
        evidence_role=role,
        endpoint=Endpoint(),
        redacted_preview="***",
        detector="test:item",
        confidence=Confidence.HIGH,
        fingerprint="hs1:00",
        setting_name=setting,
        unit=f"{path.rsplit('/', 1)[0]}::{setting.lower()}",
    )


def _write(root: Path, files: dict[str, str]) -> list[str]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return sorted(files)


BICEP = """\
resource api 'Microsoft.Web/sites@2023-01-01' = {
  name: 'contoso-api'
  tags: { 'azd-service-name': 'api' }
  properties: {
    siteConfig: {
      appSettings: [
        { name: 'STORAGE', value: 'x' }
      ]
    }
  }
}

resource orphan 'Microsoft.Web/sites@2023-01-01' = {
  name: 'contoso-orphan'
  properties: {
    siteConfig: {
      appSettings: [
        { name: 'STORAGE', value: 'x' }
      ]
    }
  }
}
"""


def test_links_and_moves(tmp_path: Path) -> None:
    files = _write(
        tmp_path,
        {
            "azure.yaml": "name: x\nservices:\n  api:\n    project: ./src/Api\n    host: appservice\n",
            "infra/main.bicep": BICEP,
            "infra/tf/main.tf": (
                'resource "azurerm_windows_web_app" "w" {\n  name = "contoso-jobs"\n'
                '  resource_group_name = "rg-jobs"\n  app_settings = {\n    "STORAGE" = "x"\n  }\n}\n'
            ),
            ".github/workflows/cd.yml": (
                "jobs:\n  d:\n    steps:\n      - uses: azure/functions-action@v1\n"
                "        with:\n          app-name: contoso-jobs\n          package: src/Jobs\n"
            ),
            "docker-compose.yml": "services:\n  api:\n    build: ./src/Api\n    environment:\n      STORAGE: x\n",
            "tests/Api.Tests/appsettings.json": "{}",
            "src/Web/Properties/PublishProfiles/web.pubxml": (
                "<Project><PropertyGroup><ResourceId>/subscriptions/s1/resourceGroups/rg-web/providers/"
                "Microsoft.Web/sites/contoso-web</ResourceId></PropertyGroup></Project>"
            ),
        },
    )
    projects = {"src/Api", "src/Jobs", "src/Web", "tests/Api.Tests", "infra", "infra/tf"}
    items = [
        _item("infra/main.bicep", 7, "STORAGE", EvidenceRole.IAC_ASSIGNMENT),
        _item("infra/main.bicep", 18, "STORAGE", EvidenceRole.IAC_ASSIGNMENT),
        _item("infra/tf/main.tf", 5, "STORAGE", EvidenceRole.IAC_ASSIGNMENT),
        _item("docker-compose.yml", 5, "STORAGE", EvidenceRole.CONFIG_VALUE),
        _item("tests/Api.Tests/appsettings.json", 1, "STORAGE", EvidenceRole.CONFIG_VALUE),
    ]
    out, links = link_apps(str(tmp_path), items, files, projects)
    units = [i.unit for i in out]
    assert units == [
        "src/Api::storage",  # azd-service-name api -> azure.yaml -> src/Api
        "infra::storage",  # no project is tied to contoso-orphan: it stays with the IaC, and says so
        "src/Jobs::storage",  # the Terraform app's name is the one the CI step deploys src/Jobs to
        "src/Api::storage",  # the compose service builds src/Api
        "src/Api::storage",  # a test project's settings belong to the project it tests
    ]
    assert writes_for_app(out[0]) and writes_for_app(out[2]) and not writes_for_app(out[1])
    assert any("contoso-orphan" in n and "no project" in n for n in out[1].notes)
    assert any(n.startswith(WRITES_FOR_NOTE + "contoso-api") for n in out[0].notes)
    pairs = {(a.project, a.site, a.resource_group) for a in links}
    assert pairs == {
        ("src/Api", "contoso-api", None),
        ("src/Jobs", "contoso-jobs", None),
        ("src/Web", "contoso-web", "rg-web"),
    }


def test_readers() -> None:
    pipeline = (
        "steps:\n  - task: AzureWebApp@1\n    inputs:\n      appName: contoso-reports\n      package: src/Reports\n"
        "  - task: AzureFunctionApp@1\n    inputs:\n      appName: $(appName)\n"
    )
    deployments = dt.ci_deployments("azure-pipelines.yml", pipeline)
    assert [(d.site, d.package) for d in deployments] == [("contoso-reports", "src/Reports")]
    assert dt.ci_deployments("x.yml", "a: [") == []
    sites = dt.bicep_sites(
        "m.bicep", "resource w 'Microsoft.Web/sites@2023-01-01' = {\n  name: '${prefix}-web'\n}\n"
    )
    assert [(s.name, s.literal) for s in sites] == [("'${prefix}-web'", False)]
    assert dt.azd_services("services:\n  web:\n    project: src\\Web\n") == {"web": "src/Web"}
    profile = "<SiteUrlToLaunchAfterPublish>https://contoso-x.azurewebsites.net</SiteUrlToLaunchAfterPublish>"
    d = dt.pubxml_deployment("src/X/Properties/PublishProfiles/p.pubxml", profile)
    assert d is not None and (d.site, d.package) == ("contoso-x", "src/X")


def test_bad_input_gives_nothing_and_stops_nothing(tmp_path: Path) -> None:
    deep = "a:" + " [" * 5000 + "\n"
    files = _write(
        tmp_path,
        {
            "azure.yaml": deep,
            ".github/workflows/x.yml": deep,
            "docker-compose.yml": "services: [",
            "infra/main.bicep": "resource w 'Microsoft.Web/sites@2023-01-01' = {\n  name: 'x'\n",  # never closed
        },
    )
    item = _item("infra/main.bicep", 2, "S", EvidenceRole.IAC_ASSIGNMENT)
    out, links = link_apps(str(tmp_path), [item], files, {"infra"})
    assert links == [] and [i.unit for i in out] == ["infra::s"]


def test_arm_template_sites() -> None:
    template = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "variables": {"siteName": "contoso-arm-reports"},
  "resources": [
    {
      "type": "Microsoft.Web/sites",
      "name": "[variables('siteName')]"
    },
    {
      "type": "Microsoft.Web/sites",
      "apiVersion": "2023-01-01",
      "name": "contoso-arm-web",
      "tags": {"azd-service-name": "web"},
      "properties": {"siteConfig": {"appSettings": [{"name": "S", "value": "x"}]}}
    }
  ]
}
"""
    sites = dt.arm_sites("infra/azuredeploy.json", template)
    assert [(s.name, s.literal, s.azd_service, s.start, s.end) for s in sites] == [
        ("contoso-arm-reports", True, None, 5, 8),
        ("contoso-arm-web", True, "web", 9, 15),
    ]


def test_an_app_named_as_a_project_folder(tmp_path: Path) -> None:
    bicep = (
        "resource f 'Microsoft.Web/sites@2023-01-01' = {\n  name: 'contoso-orders'\n  properties: {\n"
        "    siteConfig: {\n      appSettings: [\n        { name: 'S', value: 'x' }\n      ]\n    }\n  }\n}\n"
    )
    files = _write(tmp_path, {"infra/main.bicep": bicep})
    item = _item("infra/main.bicep", 6, "S", EvidenceRole.IAC_ASSIGNMENT)
    projects = {"src/Contoso.Orders", "src/Contoso.Web", "infra"}
    out, links = link_apps(str(tmp_path), [item], files, projects)
    assert [(a.project, a.site) for a in links] == [("src/Contoso.Orders", "contoso-orders")]
    assert "project folder's name" in links[0].source
    assert out[0].unit == "src/Contoso.Orders::s"
    # two folders with that name: nothing is guessed
    _out, none = link_apps(str(tmp_path), [item], files, {"src/Contoso.Orders", "old/contoso-orders"})
    assert none == []
