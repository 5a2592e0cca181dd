"""Stages: the last step of the planner.  Local auth to turn off per target, the app's risks, and
every change of the steps before ordered into gated stages (inventory, identity, grants, change in
staging, verify, swap, remove secrets, disable local auth).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from migrate.plan import catalog as cat
from migrate.plan.identity import Sharing
from migrate.plan.records import (
    STAGE_ORDER,
    CodeChange,
    Grant,
    IdentityDecision,
    IdentityKind,
    LocalAuthChange,
    Removal,
    Risk,
    SettingChange,
    Stage,
    StageName,
)
from migrate.plan.units import App, Unit
from scanners.records import ConnectionStringAuditItem, ServiceType
from scanners.setting_names import leaf

S = ServiceType


def content_share_accounts(items: Iterable[ConnectionStringAuditItem]) -> set[str]:
    """The storage accounts named by a content share setting (Azure Files: no managed identity)."""
    return {(i.endpoint.account or "").lower() for i in items
            if i.setting_name and leaf(i.setting_name) == cat.CONTENT_SHARE_SETTING.lower() and i.endpoint.account}


def local_auth_changes(app: App, units: Sequence[Unit], shared: Sharing,
                       content_accounts: set[str]) -> tuple[list[LocalAuthChange], list[Risk]]:
    """Turning key / local auth off on each target once nothing uses keys (unless a content share
    blocks it), and who else uses the target."""
    out: list[LocalAuthChange] = []
    risks: list[Risk] = []
    seen: set[tuple[ServiceType, str]] = set()
    for u in units:
        entry = cat.CATALOG[u.service]
        t = (u.service, (u.resource or "").lower())
        if entry.local_auth is None or t in seen or not u.resource:
            continue
        seen.add(t)
        la = entry.local_auth
        blocked = None
        if u.service is S.STORAGE and u.resource.lower() in content_accounts:
            blocked = (f"{cat.CONTENT_SHARE_SETTING} uses storage account {u.resource} (Consumption / Elastic Premium "
                       "content share on Azure Files, which cannot use a managed identity): keep shared keys")
        elif u.service is S.STORAGE and cat.CONTENT_SHARE_SETTING in app.setting_names:
            risks.append(Risk("content-share-account-unknown",
                              f"the app has {cat.CONTENT_SHARE_SETTING}: before disabling shared keys on "
                              f"{u.resource}, check that it is not the content share account", u.key))
        also = tuple(sorted(a for a in shared.users.get(t, frozenset()) if a != app.key))
        command = None if blocked else la.command.format(resource=u.resource)
        out.append(LocalAuthChange(str(u.service), u.resource, la.property, command, blocked, la.exceptions,
                                   entry.rotation, also,
                                   f"{cat.UNVERIFIED}: {la.unverified}" if la.unverified else None))
        if also and not blocked:
            risks.append(Risk("shared-target", f"{entry.display_name} {u.resource} is also used by "
                              f"{', '.join(also)}: disable local auth only after every consumer is migrated", u.key))
    return out, risks


def app_risks(app: App, units: Sequence[Unit], identity: IdentityDecision) -> list[Risk]:
    risks: list[Risk] = []
    if app.slots:
        risks.append(Risk("identities-do-not-swap",
                          "managed identities are never swapped: after a swap the code runs as the production slot's "
                          "identity, so the staging slot's identity needs the same grants for pre-swap testing; "
                          "field reports show identity confusion after swaps: restart and re-verify after the swap"))
    if app.is_function:
        risks.append(Risk("durable-functions",
                          "identity-based connections are not supported with Durable Functions (may be outdated for "
                          "newer Durable storage providers): check before migrating a Durable app's storage",
                          unverified=True))
    risks.append(Risk("token-cache",
                      "managed identity tokens are cached (about 24 hours): a removed role can keep working and an "
                      "added role may need a new token; role assignments may take minutes to propagate"))
    services = {u.service for u in units}
    unverified: set[str] = set()
    for s in services:
        entry = cat.CATALOG[s]
        unverified.update(entry.unverified)
    for u in units:
        if u.service is S.ENTRA_ID:
            risks.append(Risk("service-principal-roles",
                              "the service principal's role assignments are not in the scan: grant the identity the "
                              "data roles the code needs (never Contributor, Owner or Storage Account Contributor)",
                              u.key))
        if u.service is S.OPENAI:
            risks.append(Risk("openai-studio", "Azure OpenAI Studio requires key access and will not function if key "
                              "access is disabled", u.key))
        if u.service is S.EVENT_HUBS:
            risks.append(Risk("checkpoint-store", "event processors also need blob data roles on the checkpoint "
                              "storage account (not in this unit)", u.key))
        entry = cat.CATALOG[u.service]
        if entry.precondition:
            risks.append(Risk("precondition", f"{entry.display_name}: {entry.precondition}", u.key))
        for i in u.items:
            for n in i.notes:
                if n.startswith("vault ") or n.startswith("Key Vault references resolve"):
                    risks.append(Risk("key-vault", n, u.key))
    for fact in sorted(unverified):
        risks.append(Risk("unverified", f"{cat.UNVERIFIED}: {fact}", unverified=True))
    if identity.kind is IdentityKind.USER_ASSIGNED and not identity.existing and "other apps" in identity.rule:
        risks.append(Risk("shared-identity", f"{identity.name} carries the grants of every app that shares it: "
                          "split it per app if their other needs differ (least privilege)"))
    if identity.client_id_required:
        risks.append(Risk("client-id", f"user-assigned identity {identity.name}: code and settings must pick it by "
                          "client id, or tokens come from another identity (or none)"))
    return risks


def fill_app(app: App, text: str) -> str:
    """Estate apps: put the app's own resource group and name into `-g <resource-group> -n <app>`."""
    if not app.estate:
        return text
    _sub, rg, site = app.key.split("/", 2)
    return text.replace("<resource-group>", rg).replace("-n <app>", f"-n {site}")


def build_stages(app: App, identity: IdentityDecision, units: Sequence[Unit], grants: Sequence[Grant],
            settings: Sequence[SettingChange], codes: Sequence[CodeChange], removals: Sequence[Removal],
            local: Sequence[LocalAuthChange]) -> tuple[Stage, ...]:
    cli = "functionapp" if app.is_function else "webapp"
    slot_targets = [None, *app.slots]
    steps: dict[StageName, list[str]] = {s: [] for s in STAGE_ORDER}
    steps[StageName.INVENTORY] = [f"confirm unit {u.key} ({u.service}, {u.resource}) and its consumers" for u in units]
    if not app.estate:
        steps[StageName.INVENTORY].append("scan the deployed app (secretless scan --subscription) to see its slots, "
                                          "identities and live settings")
    if identity.kind is IdentityKind.USER_ASSIGNED:
        if not identity.existing:
            steps[StageName.ENABLE_IDENTITY].append(cat.IDENTITY_CREATE_USER.format(name=identity.name))
        for s in slot_targets:
            steps[StageName.ENABLE_IDENTITY].append(cat.IDENTITY_ASSIGN_USER.format(
                cli=cli, slot=f" --slot {s}" if s else "", name=identity.name))
    else:
        for s in slot_targets:
            steps[StageName.ENABLE_IDENTITY].append(cat.IDENTITY_ASSIGN_SYSTEM.format(cli=cli, slot=f" --slot {s}" if s else ""))
    steps[StageName.ENABLE_IDENTITY].append("never pass --scope to identity assign (it would grant Contributor)")
    steps[StageName.GRANT_ROLES] = [g.statement for g in grants]
    staging = app.slots[0] if app.slots else None
    for c in settings:
        if c.stage is StageName.CHANGE_IN_STAGING:
            target = c.where + (f" (slot {c.slot})" if c.slot else "")
            steps[StageName.CHANGE_IN_STAGING].append(f"{c.action.value} {c.setting}"
                                                       + (f" = {c.value_template}" if c.value_template else "")
                                                       + f" in {target}")
    for r in removals:
        if r.stage is StageName.CHANGE_IN_STAGING:
            steps[StageName.CHANGE_IN_STAGING].append(f"remove {r.what} in {r.where}")
    steps[StageName.CHANGE_IN_STAGING] += [f"{c.location}: {c.change}" for c in codes]
    if staging:
        steps[StageName.CHANGE_IN_STAGING].append(f"deploy to slot {staging}; set new settings there with --slot-settings")
    else:
        steps[StageName.CHANGE_IN_STAGING].append("no deployment slot known: create a staging slot, or change "
                                                  "production in a maintenance window")
    steps[StageName.VERIFY] = [f"exercise {u.key} against {u.resource} and check for authentication failures"
                               for u in units]
    steps[StageName.VERIFY].append("confirm every principal that will run the code holds its grants")
    if staging:
        steps[StageName.SWAP] = [cat.SWAP_PREVIEW.format(slot=staging), cat.SWAP.format(slot=staging),
                                 "restart the app and re-verify (identities are not swapped)"]
    else:
        steps[StageName.SWAP] = ["no slot to swap: the production change of the previous stages is the cut-over"]
    steps[StageName.REMOVE_SECRETS] = [r.command or f"remove {r.what} ({r.where})" for r in removals
                                       if r.stage is StageName.REMOVE_SECRETS]
    for la in local:
        if la.command:
            steps[StageName.DISABLE_LOCAL_AUTH].append(la.command)
        else:
            steps[StageName.DISABLE_LOCAL_AUTH].append(f"keep local auth on {la.resource}: {la.blocked_reason}")
        if la.rotation:
            steps[StageName.DISABLE_LOCAL_AUTH].append(f"{la.resource}: {la.rotation}")
    gates = {
        StageName.INVENTORY: "every unit has an owner and a target resource; other consumers of each target are known",
        StageName.ENABLE_IDENTITY: "the principal id of every identity (and slot) is recorded",
        StageName.GRANT_ROLES: "every grant exists; grants are additive, the secrets still work",
        StageName.CHANGE_IN_STAGING: "the staging deployment reads only identity-based settings",
        StageName.VERIFY: "every unit works on the managed identity in staging; nothing was removed yet",
        StageName.SWAP: "production runs the new code and passes the same checks after a restart",
        StageName.REMOVE_SECRETS: "no secret settings left (AZURE_CLIENT_SECRET included); the app still works",
        StageName.DISABLE_LOCAL_AUTH: "no other consumer uses keys (audit first); old keys are rotated",
    }
    return tuple(Stage(s, n + 1, tuple(fill_app(app, x) for x in steps[s]), gates[s])
                 for n, s in enumerate(STAGE_ORDER))
