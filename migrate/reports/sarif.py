"""SARIF 2.1.0 for GitHub code scanning and Azure DevOps.

One rule per finding type (service + credential kind, e.g. `secretless/storage/account-key`)
whose help says how to migrate.  Levels: `secret` -> error, `reference` -> warning,
`advisory` and `locator` -> note.  Placeholders, emulator values and passwordless connections are
not emitted: there is nothing to fix, and code scanning would show them as open alerts forever.
File findings carry a physical location (`%SRCROOT%`-relative URI, 1-based line); App Service
settings carry a logical location.  `partialFingerprints` hold the item Id (keyed, no line number)
so an alert survives edits above it.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import quote

from migrate import __version__
from migrate.reports.model import Finding, Report
from scanners.records import AppServiceLocation, FileLocation, ValueClass

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"

LEVELS: dict[ValueClass, str] = {
    ValueClass.SECRET: "error",
    ValueClass.REFERENCE: "warning",
    ValueClass.ADVISORY: "note",
    ValueClass.LOCATOR: "note",
}
# Severity for GitHub's security tab (0.0-10.0).
SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "note": "2.0"}


def rule_id(f: Finding) -> str:
    return f"secretless/{f.item.service_type}/{f.item.credential_kind}"


def _rule_name(f: Finding) -> str:
    parts = f"{f.item.service_type}-{f.item.credential_kind}".split("-")
    return "".join(p.capitalize() for p in parts if p)


def _rule(rid: str, findings: list[Finding]) -> dict[str, Any]:
    first = findings[0].item
    replacement = Counter(f.item.recommended_replacement for f in findings).most_common(1)[0][0]
    kind = str(first.credential_kind).replace("-", " ")
    service = str(first.service_type)
    short = f"{service}: {kind} instead of a managed identity"
    mi = str(first.can_use_managed_identity)
    level = min((LEVELS[f.item.value_class] for f in findings), key=("error", "warning", "note").index)
    text = (
        f"A {kind} for {service} was found. Managed identity support: {mi}.\n\n"
        f"How to migrate: {replacement}\n\n"
        "Then remove the secret from the configuration and rotate it: it stays valid (and in "
        "the repository history) until rotated."
    )
    markdown = (
        f"A **{kind}** for **{service}** was found (managed identity support: `{mi}`).\n\n"
        f"**How to migrate:** {replacement}\n\n"
        "Then remove the secret from the configuration and **rotate it**: it stays valid "
        "(and in the repository history) until rotated."
    )
    return {
        "id": rid,
        "name": _rule_name(findings[0]),
        "shortDescription": {"text": short},
        "fullDescription": {"text": f"{short}. {replacement}"},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": level},
        "properties": {
            "tags": ["security", "secrets", "managed-identity", service],
            "precision": "high",
            "security-severity": SECURITY_SEVERITY[level],
        },
    }


def _location(f: Finding) -> dict[str, Any]:
    loc = f.item.location
    if isinstance(loc, FileLocation):
        region: dict[str, Any] = {"startLine": max(1, loc.line)}
        if loc.column:
            region["startColumn"] = loc.column
        return {
            "physicalLocation": {
                "artifactLocation": {"uri": quote(loc.path, safe="/"), "uriBaseId": SRCROOT},
                "region": region,
            }
        }
    assert isinstance(loc, AppServiceLocation)  # noqa: S101 - Location is a closed union
    site = f"{loc.site}/slots/{loc.slot}" if loc.slot else loc.site
    return {
        "logicalLocations": [
            {
                "name": loc.setting or loc.site,
                "fullyQualifiedName": f.where,
                "kind": "resource",
                "decoratedName": f"/subscriptions/{loc.subscription}/resourceGroups/{loc.resource_group}"
                f"/providers/Microsoft.Web/sites/{site}",
            }
        ]
    }


def _message(f: Finding) -> str:
    i = f.item
    setting = f" in setting {i.setting_name}" if i.setting_name else ""
    return (
        f"{i.value_class} {str(i.credential_kind).replace('-', ' ')} for {i.service_type}{setting} "
        f"({i.evidence_role}). {i.recommended_replacement}"
    )


class SarifRenderer:
    def render(self, report: Report) -> str:
        findings = [f for f in report.findings if f.item.value_class in LEVELS]
        by_rule: dict[str, list[Finding]] = {}
        for f in findings:
            by_rule.setdefault(rule_id(f), []).append(f)
        rule_ids = sorted(by_rule)
        index = {rid: n for n, rid in enumerate(rule_ids)}
        results = [
            {
                "ruleId": rule_id(f),
                "ruleIndex": index[rule_id(f)],
                "level": LEVELS[f.item.value_class],
                "message": {"text": _message(f)},
                "locations": [_location(f)],
                "partialFingerprints": {
                    "secretlessItemId/v1": f.item.item_id,
                    "secretlessValue/v1": f.item.fingerprint,
                },
                "properties": {
                    "valueClass": str(f.item.value_class),
                    "evidenceRole": str(f.item.evidence_role),
                    "detector": f.item.detector,
                    "confidence": str(f.item.confidence),
                    "canUseManagedIdentity": str(f.item.can_use_managed_identity),
                    "application": f.application,
                },
            }
            for f in findings
        ]
        doc = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "secretless",
                            "version": __version__,
                            "semanticVersion": __version__,
                            "rules": [_rule(rid, by_rule[rid]) for rid in rule_ids],
                        }
                    },
                    "automationDetails": {"id": "secretless/"},
                    "columnKind": "unicodeCodePoints",
                    "results": results,
                }
            ],
        }
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
