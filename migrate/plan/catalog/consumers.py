"""Consumers that cannot take an identity-based setting as they are, and values that are never
rewritten: facts the planner and the config and code patches ask before they change a setting.

A setting changes only when every code consumer of it reads the new form; a consumer that matches a
blocker here keeps its setting, and the plan and the emitted files say "review" with the reason.

Sources:
- `CloudStorageAccount` is the legacy storage SDK (WindowsAzure.Storage / Microsoft.Azure.Storage
  v11); Azure.Identity credentials plug into Azure.Storage.Blobs v12 [Learn "Migrate to the Azure
  Storage v12 client library for .NET"; reference §1.2].
- `AddAzureAppConfiguration(string)` takes a connection string; the identity form is
  `AddAzureAppConfiguration(options => options.Connect(new Uri(endpoint), credential))` [Learn "Use
  managed identities to access App Configuration"].
- `Authentication=Active Directory Default` / `Active Directory Managed Identity` are
  Microsoft.Data.SqlClient keywords; System.Data.SqlClient does not support them [Learn "Using
  Microsoft Entra authentication with SqlClient"; tests/data/azure-services.md, traps section].
- Emulator values (`UseDevelopmentStorage=true`) and tokenised values a release pipeline fills
  (`#{Name}#`, `__NAME__`, `$(Name)`, `${NAME}`) are not this plan's to rewrite: they are a
  different environment's value.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class BlockerScope(enum.StrEnum):
    LINE = "line"  # the consumer's own line (or the scan's preview of it)
    FILE = "file"  # the consumer's source file
    PROJECT = "project"  # the project file (.csproj) next to it


@dataclass(frozen=True, slots=True)
class ConsumerBlocker:
    name: str
    scope: BlockerScope
    pattern: re.Pattern[str]
    reason: str
    services: tuple[str, ...] = ()  # the service types it concerns; empty: every service


CONSUMER_BLOCKERS: tuple[ConsumerBlocker, ...] = (
    ConsumerBlocker(
        "legacy-storage-sdk",
        BlockerScope.LINE,
        re.compile(r"\bCloudStorageAccount\b"),
        "CloudStorageAccount is the legacy storage SDK (WindowsAzure.Storage / Microsoft.Azure.Storage), "
        "which has no Azure.Identity path: move this code to Azure.Storage.Blobs (BlobServiceClient with "
        "the endpoint and a TokenCredential) first; until then the connection string stays",
    ),
    ConsumerBlocker(
        "app-configuration-connection-string",
        BlockerScope.LINE,
        re.compile(r"\bAddAzureAppConfiguration\s*\("),
        "AddAzureAppConfiguration(string) takes a connection string: change the call to "
        "AddAzureAppConfiguration(options => options.Connect(new Uri(endpoint), credential)) first; "
        "until then the connection string stays",
    ),
    ConsumerBlocker(
        "system-data-sqlclient",
        BlockerScope.FILE,
        re.compile(r"^\s*using\s+System\.Data\.SqlClient\s*;", re.MULTILINE),
        "System.Data.SqlClient does not support Authentication=Active Directory Default: switch the "
        "package and the using directives to Microsoft.Data.SqlClient (same API) first; until then the "
        "connection string with its password stays",
        ("azure-sql",),
    ),
    ConsumerBlocker(
        "system-data-sqlclient",
        BlockerScope.PROJECT,
        re.compile(r"""<PackageReference\s+Include\s*=\s*["']System\.Data\.SqlClient["']""", re.IGNORECASE),
        "the project references System.Data.SqlClient, which does not support Authentication=Active "
        "Directory Default: switch the package to Microsoft.Data.SqlClient first; until then the "
        "connection string with its password stays",
        ("azure-sql",),
    ),
)

_UNTOUCHABLE = re.compile(
    r"(?i:UseDevelopmentStorage\s*=\s*true)|#\{[^}]*\}#?|\b__[A-Z][A-Z0-9_]*__\b|\$\([^)]+\)|\$\{[^}]+\}"
)


def untouchable_value(text: str) -> str | None:
    """Why a configuration line must never be rewritten (an emulator value or a token a release
    pipeline replaces), or None."""
    m = _UNTOUCHABLE.search(text)
    if m is None:
        return None
    if m.group(0).lower().startswith("usedevelopmentstorage"):
        return "a storage emulator value (UseDevelopmentStorage=true) for local development"
    return f"a token a release pipeline replaces ({m.group(0)[:40]})"


def blockers_of(text: str, scope: BlockerScope, service: str | None = None) -> list[ConsumerBlocker]:
    """The blockers whose pattern matches `text` at `scope` (for `service`, when given)."""
    return [
        b
        for b in CONSUMER_BLOCKERS
        if b.scope is scope
        and (not b.services or service is None or service in b.services)
        and b.pattern.search(text)
    ]
