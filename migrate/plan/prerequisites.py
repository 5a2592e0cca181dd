"""Prerequisites: what each target needs before the grants of the next stage can work, in the order
they must run (a step of the planner between grants and stages).

- Azure SQL: a Microsoft Entra admin (it creates the contained user).
- PostgreSQL flexible server: Microsoft Entra authentication enabled, then an Entra admin (who runs
  `pgaadauth_create_principal` in the `postgres` database).
- MySQL flexible server: a user-assigned identity of the server, then an Entra admin.
- Azure Cache for Redis: Microsoft Entra authentication enabled before any access policy assignment.
- Key Vault references of the app: the identity reads the vault (Key Vault Secrets User on an RBAC
  vault, a `get` secret policy on an access-policy vault) and, for a user-assigned identity, the site's
  `keyVaultReferenceIdentity` points at it, after the access is in place.

The facts (commands, checks, sources) are `migrate.plan.catalog.prerequisites`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from migrate.plan.catalog.prerequisites import BY_SERVICE, FACTS, PrerequisiteKind
from migrate.plan.records import IdentityDecision, IdentityKind, Prerequisite
from migrate.plan.units import App, Unit, is_kv_ref
from scanners.records import ConnectionStringAuditItem

_VAULT_NOTE = re.compile(r"^vault (?P<name>\S+) (?P<rest>.*)$")


def _make(
    kind: PrerequisiteKind,
    target: str,
    principal: str | None = None,
    slot: str | None = None,
    principal_id: str | None = None,
) -> Prerequisite:
    fact = FACTS[kind]
    fields = {
        "server": target,
        "vault": target,
        "principal": principal or "",
        "principal_id": principal_id or "",
    }
    return Prerequisite(
        str(kind),
        target,
        fact.title.format(**fields),
        fact.command.format(**fields) if fact.command else None,
        fact.check.format(**fields) if fact.check else None,
        fact.why.format(**fields),
        fact.source,
        principal,
        slot,
    )


def _vaults(items: Iterable[ConnectionStringAuditItem]) -> dict[str, bool | None]:
    """The vaults the app's Key Vault references name: True (Azure RBAC), False (access policies) or
    None (the scan could not read the vault)."""
    out: dict[str, bool | None] = {}
    for i in items:
        if not is_kv_ref(i):
            continue
        for n in i.notes:
            m = _VAULT_NOTE.match(n)
            if not m or m.group("name") == "(unknown)":
                continue
            name = m.group("name")
            rbac = True if "uses Azure RBAC" in n else False if "uses access policies" in n else None
            if out.get(name) is None:
                out[name] = rbac
    return out


def plan_prerequisites(app: App, units: Sequence[Unit], identity: IdentityDecision) -> list[Prerequisite]:
    out: list[Prerequisite] = []
    seen: set[tuple[str, str]] = set()
    for u in sorted(units, key=lambda u: (str(u.service), u.resource or "")):
        kinds = BY_SERVICE.get(u.service, ())
        if not kinds or not u.resource or (str(u.service), u.resource.lower()) in seen:
            continue
        seen.add((str(u.service), u.resource.lower()))
        out += [_make(k, u.resource) for k in kinds]
    vaults = _vaults(i for items in app.units.values() for i in items)
    keeps_working = identity.kind is IdentityKind.SYSTEM_ASSIGNED and identity.existing
    if vaults and not keeps_working:
        for vault, rbac in sorted(vaults.items()):
            kind = (
                PrerequisiteKind.KEY_VAULT_SECRETS_USER
                if rbac
                else PrerequisiteKind.KEY_VAULT_GET_POLICY
                if rbac is False
                else PrerequisiteKind.KEY_VAULT_ACCESS_UNKNOWN
            )
            out += [_make(kind, vault, p.name, p.slot, p.object_id) for p in identity.principals]
    if vaults and identity.kind is IdentityKind.USER_ASSIGNED:
        site = app.site_name if app.estate else "app"  # a repository app's name is not known
        out += [
            _make(
                PrerequisiteKind.KEY_VAULT_REFERENCE_IDENTITY,
                f"{site}/slots/{slot}" if slot else site,
                identity.name,
                slot,
            )
            for slot in (None, *app.slots)
        ]
    return out


__all__ = ["plan_prerequisites"]
