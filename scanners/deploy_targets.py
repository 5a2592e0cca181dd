"""Where a repository says its projects are deployed: the readers behind `scanners.app_links`.

- azd: `azure.yaml` names each service's project folder; Bicep tags the app it deploys with
  `'azd-service-name': '<service>'`.
- IaC: the `Microsoft.Web/sites` resources of Bicep (with `Microsoft.Web/sites/config` children by
  `parent:`) and ARM templates, and the `azurerm_*_web_app` / `azurerm_*_function_app` blocks of Terraform, with their
  name and the lines they span (the app settings they write lie inside).
- CI: GitHub Actions `azure/webapps-deploy` / `azure/functions-action` (`app-name`, `package`),
  Azure Pipelines `AzureWebApp@1` / `AzureFunctionApp@1` / `AzureRmWebAppDeployment@4` (`appName`
  or `WebAppName`, `package`).
- Visual Studio publish profiles: `Properties/PublishProfiles/*.pubxml` (`ResourceId`, site URL).

Every reader takes the file's text and returns records; a file that does not parse gives nothing.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

_BICEP_SITE_RE = re.compile(
    r"^\s*resource\s+(\w+)\s+'Microsoft\.Web/sites(/slots|/config)?@[^']*'\s*(?:existing\s*)?=\s*(?:if\s*\(.*\)\s*)?\{",
    re.M,
)
_BICEP_NAME_RE = re.compile(r"^\s*name:\s*(.+?)\s*$", re.M)
_BICEP_PARENT_RE = re.compile(r"^\s*parent:\s*(\w+)\s*$", re.M)
_AZD_TAG_RE = re.compile(r"""['"]?azd-service-name['"]?\s*:\s*['"]([^'"]+)['"]""")
_TF_SITE_RE = re.compile(
    r'^\s*resource\s+"(azurerm_(?:linux_|windows_)?(?:web|function)_app(?:_slot)?|azurerm_app_service)"\s+"(\w+)"\s*\{',
    re.M,
)
_TF_NAME_RE = re.compile(r"^\s*name\s*=\s*(.+?)\s*$", re.M)
_TF_RG_RE = re.compile(r'^\s*resource_group_name\s*=\s*"([^"$]+)"\s*$', re.M)
_PUBXML_ID_RE = re.compile(
    r"<ResourceId>\s*/subscriptions/([^/<]+)/resourceGroups/([^/<]+)/providers/Microsoft\.Web/sites/([^/<\s]+)",
    re.I,
)
_PUBXML_URL_RE = re.compile(
    r"<SiteUrlToLaunchAfterPublish>\s*https?://([A-Za-z0-9-]+)\.azurewebsites\.net", re.I
)
_GH_ACTIONS = ("azure/webapps-deploy", "azure/functions-action")
_PIPELINE_TASKS = (
    "azurewebapp@",
    "azurefunctionapp@",
    "azurermwebappdeployment@",
    "azurefunctionappcontainer@",
)


@dataclass(frozen=True, slots=True)
class SiteBlock:
    """An App Service app a template deploys: its name (a literal, or the expression as written), the
    azd service it is tagged with, and the lines (1-based, inclusive) its definition spans."""

    path: str
    symbol: str
    name: str
    literal: bool
    azd_service: str | None
    start: int
    end: int
    resource_group: str | None = None


@dataclass(frozen=True, slots=True)
class Deployment:
    """A CI step or publish profile that deploys `package` (a path, or the project folder) to `site`."""

    site: str
    package: str | None
    source: str
    resource_group: str | None = None
    subscription: str | None = None


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _block_end(text: str, open_brace: int) -> int:
    """The offset of the brace closing the one at `open_brace` (strings skipped); the text's end
    when it never closes."""
    depth = 0
    quote: str | None = None
    i = open_brace
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(text)


def _literal(expr: str) -> tuple[str, bool]:
    e = expr.strip().rstrip(",")
    if len(e) >= 2 and e[0] == e[-1] and e[0] in "'\"" and "${" not in e:
        return e[1:-1], True
    return e, False


def bicep_sites(path: str, text: str) -> list[SiteBlock]:
    blocks: dict[str, SiteBlock] = {}
    children: list[tuple[str, str, int, int]] = []
    for m in _BICEP_SITE_RE.finditer(text):
        brace = m.end() - 1
        end = _block_end(text, brace)
        body = text[brace:end]
        start, stop = _line_of(text, m.start()), _line_of(text, end)
        owner = _BICEP_PARENT_RE.search(body)
        if m.group(2) == "/config" and owner:
            children.append((m.group(1), owner.group(1), start, stop))
            continue
        # The resource's own name is its first `name:` at the first level of the body.
        first = next((n for n in _BICEP_NAME_RE.finditer(body) if _depth(body, n.start()) == 1), None)
        name, literal = _literal(first.group(1)) if first else (m.group(1), False)
        tag = _AZD_TAG_RE.search(body)
        blocks[m.group(1)] = SiteBlock(
            path, m.group(1), name, literal, tag.group(1) if tag else None, start, stop
        )
    out = list(blocks.values())
    for symbol, parent, start, stop in children:
        site = blocks.get(parent)
        if site is not None:
            out.append(SiteBlock(path, symbol, site.name, site.literal, site.azd_service, start, stop))
    return out


def _depth(body: str, offset: int) -> int:
    return body.count("{", 0, offset) - body.count("}", 0, offset)


def terraform_sites(path: str, text: str) -> list[SiteBlock]:
    out: list[SiteBlock] = []
    for m in _TF_SITE_RE.finditer(text):
        brace = m.end() - 1
        end = _block_end(text, brace)
        body = text[brace:end]
        first = next((n for n in _TF_NAME_RE.finditer(body) if _depth(body, n.start()) == 1), None)
        name, literal = _literal(first.group(1)) if first else (f"{m.group(1)}.{m.group(2)}", False)
        rg = _TF_RG_RE.search(body)
        tag = _AZD_TAG_RE.search(body)
        out.append(
            SiteBlock(
                path,
                f"{m.group(1)}.{m.group(2)}",
                name,
                literal,
                tag.group(1) if tag else None,
                _line_of(text, m.start()),
                _line_of(text, end),
                rg.group(1) if rg else None,
            )
        )
    return out


_ARM_SITE_RE = re.compile(r'"type"\s*:\s*"Microsoft\.Web/sites(?:/slots)?"', re.I)
_ARM_NAME_RE = re.compile(r'"name"\s*:\s*"([^"]*)"')


def _object_start(text: str, offset: int) -> int:
    """The offset of the `{` that opens the JSON object holding `offset` (strings skipped roughly)."""
    depth = 0
    for i in range(offset, -1, -1):
        c = text[i]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth == 0:
                return i
            depth -= 1
    return 0


_ARM_REF_RE = re.compile(r"\[(variables|parameters)\('([^']+)'\)\]")


def _arm_values(text: str) -> dict[str, dict[str, str]]:
    """The template's literal variables and parameter defaults, by kind and name."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(doc, dict):
        return {}
    out: dict[str, dict[str, str]] = {"variables": {}, "parameters": {}}
    variables, parameters = doc.get("variables"), doc.get("parameters")
    if isinstance(variables, dict):
        out["variables"] = {
            k: v for k, v in variables.items() if isinstance(v, str) and not v.startswith("[")
        }
    if isinstance(parameters, dict):
        for k, v in parameters.items():
            d = v.get("defaultValue") if isinstance(v, dict) else None
            if isinstance(d, str) and not d.startswith("["):
                out["parameters"][k] = d
    return out


def arm_sites(path: str, text: str) -> list[SiteBlock]:
    """The `Microsoft.Web/sites` resources of an ARM template (JSON), with the lines they span."""
    out: list[SiteBlock] = []
    values = _arm_values(text)
    for m in _ARM_SITE_RE.finditer(text):
        start = _object_start(text, m.start())
        end = _block_end(text, start)
        body = text[start:end]
        first = next((n for n in _ARM_NAME_RE.finditer(body) if _depth(body, n.start()) == 1), None)
        name = first.group(1) if first else "expression"
        ref = _ARM_REF_RE.fullmatch(name)
        if ref and ref.group(2) in values.get(ref.group(1), {}):
            name = values[ref.group(1)][ref.group(2)]
        literal = first is not None and not name.startswith("[")
        tag = _AZD_TAG_RE.search(body)
        out.append(
            SiteBlock(
                path,
                name,
                name,
                literal,
                tag.group(1) if tag else None,
                _line_of(text, start),
                _line_of(text, end),
            )
        )
    return out


def azd_services(text: str) -> dict[str, str]:
    """`azure.yaml`: service name -> project folder (relative to the file, normalised)."""
    try:
        doc = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError):
        return {}
    services = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(services, dict):
        return {}
    out: dict[str, str] = {}
    for name, svc in services.items():
        if isinstance(svc, dict) and isinstance(svc.get("project"), str):
            out[str(name)] = posixpath.normpath(svc["project"].replace("\\", "/"))
    return out


def _steps(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "uses" in node or "task" in node:
            yield node
        for v in node.values():
            yield from _steps(v)
    elif isinstance(node, list):
        for v in node:
            yield from _steps(v)


def ci_deployments(path: str, text: str) -> list[Deployment]:
    try:
        steps = [s for d in yaml.safe_load_all(text) for s in _steps(d)]
    except (yaml.YAMLError, RecursionError, ValueError):
        return []
    out: list[Deployment] = []
    for step in steps:
        uses = str(step.get("uses") or "").lower()
        task = str(step.get("task") or "").lower()
        if uses.startswith(_GH_ACTIONS):
            args = step.get("with")
            keys: tuple[str, ...] = ("app-name",)
            how = uses.split("@", 1)[0]
        elif task.startswith(_PIPELINE_TASKS):
            args = step.get("inputs")
            keys = ("appName", "WebAppName", "appname", "webAppName")
            how = task
        else:
            continue
        if not isinstance(args, dict):
            continue
        site = next((str(args[k]) for k in keys if isinstance(args.get(k), str)), None)
        if not site or any(t in site for t in ("${{", "$(", "$[")):
            continue  # a variable: the site is not in the file
        package = args.get("package")
        group = args.get("resourceGroupName") or args.get("ResourceGroupName")
        out.append(
            Deployment(
                site,
                str(package) if isinstance(package, str) else None,
                f"{path} ({how})",
                str(group) if isinstance(group, str) and "$" not in group else None,
            )
        )
    return out


def pubxml_deployment(path: str, text: str) -> Deployment | None:
    """A publish profile under `<project>/Properties/PublishProfiles/` deploys that project."""
    project = posixpath.dirname(posixpath.dirname(posixpath.dirname(path)))
    m = _PUBXML_ID_RE.search(text)
    if m:
        return Deployment(m.group(3), project or ".", f"{path} (publish profile)", m.group(2), m.group(1))
    u = _PUBXML_URL_RE.search(text)
    if u:
        return Deployment(u.group(1), project or ".", f"{path} (publish profile)")
    return None
