"""PowerShell that spreads a secret it holds: an application password handed to a new app
registration (`New-AzureADApplication -PasswordCredentials $key`), a secret written into a
settings dictionary (`@{ "ClientSecret" = $appKey }`, then saved to `appsettings.json`), and a
variable holding such a secret printed to the console (`Write-Host $settings`, or a bare
`$settings` line, which PowerShell writes to the output).

The cmdlets that create a secret (`Add-MgApplicationPassword`, `New-AzADAppCredential` ...) are
key-fetch commands of `scripts.py`; this module follows what the script does with the result.
Sources: learn.microsoft.com/powershell/module/azuread/new-azureadapplication (`-PasswordCredentials`),
learn.microsoft.com/powershell/module/microsoft.graph.applications/add-mgapplicationpassword
(`SecretText` of the result).  Previews hold cmdlet, flag and variable names only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from scanners import setting_names
from scanners.evidence import Evidence, SourceFile
from scanners.handlers import key_headers
from scanners.handlers.script_arguments import ROLE
from scanners.records import Confidence, CredentialKind, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass

# The credential kinds a settings entry can carry that are secrets (not ids, not locators).
_SECRET_KINDS = frozenset(
    {
        K.ACCOUNT_KEY,
        K.SAS,
        K.SHARED_ACCESS_KEY,
        K.PASSWORD,
        K.CLIENT_SECRET,
        K.API_KEY,
        K.ACCESS_KEY,
        K.ADMIN_PASSWORD,
        K.CONNECTION_STRING,
        K.GENERIC_SECRET,
    }
)
# Cmdlets whose result is a new application or service-principal secret (Microsoft Graph, Az, AzureAD).
APP_CREDENTIAL_CMDLETS = (
    r"Add-MgApplicationPassword|Add-MgServicePrincipalPassword|New-AzADAppCredential|New-AzADSpCredential|"
    r"New-AzureADApplicationPasswordCredential|New-AzureADMSApplicationPassword|"
    r"New-AzureADServicePrincipalPasswordCredential"
)
_APP_WITH_PASSWORD_RE = re.compile(
    r"\b(New-AzureADApplication|Set-AzureADApplication|New-AzADApplication|Update-AzADApplication|"
    r"New-AzureADServicePrincipal|New-AzADServicePrincipal|New-MgApplication|Update-MgApplication)\b"
    r"[^\n]*?(?:^|\s)(-PasswordCredentials?)\s+(\$\w+|@)",
    re.I,
)
_HASHTABLE_RE = re.compile(r"@\{([^{}]{0,4000})\}")
_PAIR_RE = re.compile(r"""["']?([A-Za-z_][\w:.\-]*)["']?[ \t]*=[ \t]*\$(?:env:)?([A-Za-z_]\w*)((?:\.\w+)*)""")
_ASSIGNED_RE = re.compile(r"\$([A-Za-z_]\w*)[ \t]*=[ \t]*$")
_FROM_SECRET_RE = re.compile(
    r"\$([A-Za-z_]\w*)[ \t]*=[ \t]*(?:\(?[ \t]*(?:" + APP_CREDENTIAL_CMDLETS + r")\b|\$\w+\.SecretText\b)",
    re.I,
)
_PRINT_WORDS = (
    r"Write-Host|Write-Output|Write-Verbose|Write-Information|Out-Host|echo|Format-Table|Format-List"
)


def spread(source: SourceFile, text: str, commented: Callable[[int], bool]) -> Iterator[Evidence]:
    """Evidence for the PowerShell `text` (continuations blanked) of `source`."""
    low = source.lower
    if not any(w in low for w in ("passwordcredential", "@{", "secrettext")):
        return
    for m in _APP_WITH_PASSWORD_RE.finditer(text):
        if commented(m.start()):
            continue
        yield Evidence(
            line=source.line_of(m.start(2)),
            role=ROLE,
            service=S.ENTRA_ID,
            kind=K.CLIENT_SECRET,
            value_class=V.REFERENCE,
            preview=f"{m.group(1)} {m.group(2)} {m.group(3)}",
            note="registers an application with a password credential (a client secret)",
            confidence=Confidence.HIGH,
            method="app-password",
        )
    holders: dict[str, tuple[ServiceType, CredentialKind]] = {}
    holders_at: set[int] = set()  # where each secret-holding assignment starts
    for m in _FROM_SECRET_RE.finditer(text):
        if not commented(m.start()):
            holders.setdefault(m.group(1).lower(), (S.ENTRA_ID, K.CLIENT_SECRET))
            holders_at.add(m.start())
    for m in _HASHTABLE_RE.finditer(text):
        if commented(m.start()):
            continue
        secret_entry: tuple[ServiceType, CredentialKind] | None = None
        for pair in _PAIR_RE.finditer(m.group(1)):
            if key_headers.header(pair.group(1)) is not None:
                continue  # a request header table (`@{'api-key' = $key}`): script_http's
            rule = setting_names.rule_for(pair.group(1))
            if rule is None or rule.kind not in _SECRET_KINDS:
                continue
            secret_entry = secret_entry or (rule.service, rule.kind)
            yield Evidence(
                line=source.line_of(m.start(1) + pair.start()),
                role=ROLE,
                name=pair.group(1),
                service=rule.service,
                kind=rule.kind,
                value_class=V.REFERENCE,
                preview=f"@{{ {pair.group(1)} = ${pair.group(2)}{pair.group(3)} }}",
                note="puts a secret into a settings dictionary (written to a config file or sent on)",
                confidence=Confidence.MEDIUM,
                method="settings-write",
            )
        if secret_entry:
            line_start = text.rfind("\n", 0, m.start()) + 1
            assigned = _ASSIGNED_RE.search(text, line_start, m.start())
            if assigned:
                holders.setdefault(assigned.group(1).lower(), secret_entry)
                holders_at.add(assigned.start())
    if holders:
        yield from _printed(source, text, holders, holders_at, commented)


def _printed(
    source: SourceFile,
    text: str,
    holders: dict[str, tuple[ServiceType, CredentialKind]],
    holders_at: set[int],
    commented: Callable[[int], bool],
) -> Iterator[Evidence]:
    names = "|".join(re.escape(h) for h in sorted(holders))
    pattern = re.compile(
        rf"^[ \t]*(?:(?:{_PRINT_WORDS})\b[^\n|;]*?)?\$({names})\b(?:\.\w+)*[ \t]*(?:\|[ \t]*(?:{_PRINT_WORDS}))?[ \t]*;?[ \t]*$",
        re.I | re.M,
    )
    assignments = sorted(
        (m.start(), m.group(1).lower()) for m in re.finditer(rf"\$({names})[ \t]*=(?!=)", text, re.I)
    )
    for m in pattern.finditer(text):
        if commented(m.start()):
            continue
        name = m.group(1).lower()
        before = [pos for pos, assigned in assignments if assigned == name and pos < m.start()]
        if before and before[-1] not in holders_at:
            continue  # the variable was given another (secret-free) value since
        service, kind = holders[name]
        yield Evidence(
            line=source.line_of(m.start(1)),
            role=ROLE,
            name=m.group(1),
            service=service,
            kind=kind,
            value_class=V.REFERENCE,
            preview=f"prints ${m.group(1)}",
            note="prints a secret to the console or the CI log",
            method="prints-secret",
        )
