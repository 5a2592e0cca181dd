"""CSV report for spreadsheets: the design's four columns first, formula injection defused."""

from __future__ import annotations

import csv
import io

from migrate.reports.model import Finding, Report

COLUMNS = (
    "Location",
    "ServiceType",
    "CanUseManagedIdentity",
    "RecommendedReplacement",
    "ValueClass",
    "CredentialKind",
    "EvidenceRole",
    "SettingName",
    "Endpoint",
    "RedactedPreview",
    "Detector",
    "Confidence",
    "Fingerprint",
    "Id",
)

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets, also
# after leading white space or line breaks (which some of them drop).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: str) -> str:
    return (
        "'" + value
        if value.lstrip(" \t\r\n").startswith(_FORMULA_START) or value.startswith(_FORMULA_START)
        else value
    )


def _row(f: Finding) -> list[str]:
    i = f.item
    endpoint = ";".join(f"{k}={v}" for k, v in i.endpoint.to_json().items())
    cells = [
        f.where,
        str(i.service_type),
        str(i.can_use_managed_identity),
        i.recommended_replacement,
        str(i.value_class),
        str(i.credential_kind),
        str(i.evidence_role),
        i.setting_name or "",
        endpoint,
        i.redacted_preview,
        i.detector,
        str(i.confidence),
        i.fingerprint,
        i.item_id,
    ]
    return [safe_cell(c) for c in cells]


class CsvRenderer:
    def render(self, report: Report) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for f in report.findings:
            writer.writerow(_row(f))
        return buf.getvalue()
