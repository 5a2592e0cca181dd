"""Stages: the last step of the planner.  Local auth to turn off per target, the app's risks, and
every change of the steps before ordered into gated stages (inventory, identity, grants, change in
staging, verify, swap, remove secrets, disable local auth).
"""

from __future__ import annotations

from collections.abc import Sequence

from migrate.plan import catalog as cat
from migrate.plan.consumers import KeyConsumers
from migrate.plan.identity import Sharing
from migrate.plan.records import (
    STAGE_ORDER,
    CodeChange,
    Grant,
    IdentityDecision,
    IdentityKind,
    LocalAuthChange,
    Prerequisite,
    Removal,
    Risk,
    SettingChange,
    Stage,
    StageName,
)
from migrate.plan.units import App, Unit
from scanners.records import ServiceType

S = ServiceType


def _blocked_reasons(app: App, u: Unit, resource: str, consumers: KeyConsumers) -> list[str]:
    """Why key / local auth must stay on (and the keys stay as they are) on the unit's resource; none
    when every key-based consumer the scan knows is moved by this plan."""
    reasons: list[str] = []
    target = (u.service, resource.lower())
    platform = consumers.platform.get(target)
    if platform is not None:
        reasons.append(f"keep it on: {platform.reason}")
    if "<" in resource:
        reasons.append(
            f"review: the scan could not name the {cat.CATALOG[u.service].display_name} resource "
            f"({resource}); it may be shared by other apps: find every consumer before turning local "
            "auth off or rotating keys"
        )
    if not app.estate:
        reasons.append(
            "review: repository-only plan: the deployed app's settings, and other apps that use "
            f"{resource}, are not known; scan the estate (secretless scan --subscription) and plan "
            "again before turning local auth off or rotating keys"
        )
    for e in cat.PLATFORM_EXCEPTIONS:
        if (
            e.keeps_local_auth
            and e.service is u.service
            and platform is None
            and any(n.lower() == e.setting.lower() for n in app.setting_names)
        ):
            reasons.append(
                f"review: the app has {e.setting} but the scan could not name its resource: confirm it is "
                f"not {resource} ({e.reason})"
            )
    remaining = [c for c in consumers.of(target) if platform is None or platform.setting not in c]
    if remaining:
        reasons.append(
            f"wait: {len(remaining)} key-based consumer(s) the scan found are not moved by this plan: "
            + "; ".join(remaining)
        )
    unresolved = consumers.unresolved.get(u.service, ())
    if unresolved:
        reasons.append(
            f"review: {len(unresolved)} key-based consumer(s) of {cat.CATALOG[u.service].display_name} "
            f"whose resource the scan could not name may use {resource}: " + "; ".join(unresolved)
        )
    return reasons


def local_auth_changes(
    app: App, units: Sequence[Unit], shared: Sharing, consumers: KeyConsumers
) -> tuple[list[LocalAuthChange], list[Risk]]:
    """Turning key / local auth off on each target, and rotating its keys, only when every key-based
    consumer the scan knows is moved by this plan; otherwise no command, the reason and the consumers
    that remain (a platform exception, an unresolved resource, a repository-only plan, a consumer in
    needs-review, a CI or test file, another app outside the plan)."""
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
        reasons = _blocked_reasons(app, u, u.resource, consumers)
        blocked = "; ".join(reasons) if reasons else None
        also = tuple(sorted(a for a in shared.users.get(t, frozenset()) if a != app.key))
        remaining = tuple(sorted({*consumers.of(t), *consumers.unresolved.get(u.service, ())}))
        command = None if blocked else la.command.format(resource=u.resource)
        rotation = None if blocked else entry.rotation
        exceptions = (*la.exceptions, *((f"before: {la.evidence}",) if la.evidence else ()))
        out.append(
            LocalAuthChange(
                str(u.service),
                u.resource,
                la.property,
                command,
                blocked,
                exceptions,
                rotation,
                also,
                f"{cat.UNVERIFIED}: {la.unverified}" if la.unverified else None,
                remaining,
            )
        )
        if also and not blocked:
            risks.append(
                Risk(
                    "shared-target",
                    f"{entry.display_name} {u.resource} is also used by "
                    f"{', '.join(also)}: disable local auth only after every consumer is migrated",
                    u.key,
                )
            )
    return out, risks


def app_risks(app: App, units: Sequence[Unit], identity: IdentityDecision) -> list[Risk]:
    risks: list[Risk] = []
    if app.slots:
        risks.append(
            Risk(
                "identities-do-not-swap",
                "managed identities are never swapped: after a swap the code runs as the production slot's "
                "identity, so the staging slot's identity needs the same grants for pre-swap testing; "
                "field reports show identity confusion after swaps: restart and re-verify after the swap",
            )
        )
    if app.is_function:
        risks.append(
            Risk(
                "durable-functions",
                "identity-based connections are not supported with Durable Functions (may be outdated for "
                "newer Durable storage providers): check before migrating a Durable app's storage",
                unverified=True,
            )
        )
    risks.append(
        Risk(
            "token-cache",
            "managed identity tokens are cached (about 24 hours): a removed role can keep working and an "
            "added role may need a new token; role assignments may take minutes to propagate",
        )
    )
    services = {u.service for u in units}
    unverified: set[str] = set()
    for s in services:
        entry = cat.CATALOG[s]
        unverified.update(entry.unverified)
    for u in units:
        if u.service is S.ENTRA_ID:
            risks.append(
                Risk(
                    "service-principal-roles",
                    "the service principal's role assignments are not in the scan: grant the identity the "
                    "data roles the code needs (never Contributor, Owner or Storage Account Contributor)",
                    u.key,
                )
            )
        if u.service is S.OPENAI:
            risks.append(
                Risk(
                    "openai-studio",
                    "Azure OpenAI Studio requires key access and will not function if key access is disabled",
                    u.key,
                )
            )
        if u.service is S.EVENT_HUBS:
            risks.append(
                Risk(
                    "checkpoint-store",
                    "event processors also need blob data roles on the checkpoint "
                    "storage account (not in this unit)",
                    u.key,
                )
            )
        entry = cat.CATALOG[u.service]
        if entry.precondition:
            risks.append(Risk("precondition", f"{entry.display_name}: {entry.precondition}", u.key))
        for i in u.items:
            for n in i.notes:
                if n.startswith("vault ") or n.startswith("Key Vault references resolve"):
                    risks.append(Risk("key-vault", n, u.key))
    for fact in sorted(unverified):
        risks.append(Risk("unverified", f"{cat.UNVERIFIED}: {fact}", unverified=True))
    if (
        identity.kind is IdentityKind.USER_ASSIGNED
        and not identity.existing
        and "other apps" in identity.rule
    ):
        risks.append(
            Risk(
                "shared-identity",
                f"{identity.name} carries the grants of every app that shares it: "
                "split it per app if their other needs differ (least privilege)",
            )
        )
    if identity.client_id_required:
        risks.append(
            Risk(
                "client-id",
                f"user-assigned identity {identity.name}: code and settings must pick it by "
                "client id, or tokens come from another identity (or none)",
            )
        )
    return risks


def fill_app(app: App, text: str) -> str:
    """Estate apps: put the app's own resource group and name into `-g <resource-group> -n <app>`."""
    if not app.estate:
        return text
    _sub, rg, site = app.key.split("/", 2)
    return text.replace("<resource-group>", rg).replace("-n <app>", f"-n {site}")


def build_stages(
    app: App,
    identity: IdentityDecision,
    units: Sequence[Unit],
    grants: Sequence[Grant],
    settings: Sequence[SettingChange],
    codes: Sequence[CodeChange],
    removals: Sequence[Removal],
    local: Sequence[LocalAuthChange],
    prerequisites: Sequence[Prerequisite] = (),
) -> tuple[Stage, ...]:
    cli = "functionapp" if app.is_function else "webapp"
    slot_targets = [None, *app.slots]
    steps: dict[StageName, list[str]] = {s: [] for s in STAGE_ORDER}
    steps[StageName.INVENTORY] = [
        f"confirm unit {u.key} ({u.service}, {u.resource}) and its consumers" for u in units
    ]
    if not app.estate:
        steps[StageName.INVENTORY].append(
            "scan the deployed app (secretless scan --subscription) to see its slots, "
            "identities and live settings"
        )
    if identity.kind is IdentityKind.USER_ASSIGNED:
        if not identity.existing:
            steps[StageName.ENABLE_IDENTITY].append(cat.IDENTITY_CREATE_USER.format(name=identity.name))
        for s in slot_targets:
            steps[StageName.ENABLE_IDENTITY].append(
                cat.IDENTITY_ASSIGN_USER.format(cli=cli, slot=f" --slot {s}" if s else "", name=identity.name)
            )
    else:
        for s in slot_targets:
            steps[StageName.ENABLE_IDENTITY].append(
                cat.IDENTITY_ASSIGN_SYSTEM.format(cli=cli, slot=f" --slot {s}" if s else "")
            )
    steps[StageName.ENABLE_IDENTITY].append(
        "never pass --scope to identity assign (it would grant Contributor)"
    )
    # prerequisites first (Entra admins, Entra auth, Key Vault access): a grant before them fails or
    # grants nothing; keyVaultReferenceIdentity only once the identity can read the vault
    steps[StageName.GRANT_ROLES] = [
        f"{p.title}: {p.command}" if p.command else f"{p.title} (by hand: {p.why})" for p in prerequisites
    ]
    steps[StageName.GRANT_ROLES] += [g.statement for g in grants]
    if any(g.authorization == "postgres-entra-role" for g in grants):
        steps[StageName.GRANT_ROLES].append(
            f"PostgreSQL: run pgaadauth_create_principal connected to the {cat.POSTGRES_ADMIN_DATABASE} "
            "database as the Microsoft Entra admin; the GRANTs run in the app's database"
        )
    if grants:
        steps[StageName.GRANT_ROLES].append(
            f"wait until every grant is in effect (role assignments can take up to about "
            f"{cat.PROPAGATION_TIMEOUT_S // 60} minutes): the verify stage polls with that bound"
        )
    staging = app.slots[0] if app.slots else None
    for c in settings:
        if c.stage is StageName.CHANGE_IN_STAGING:
            target = c.where + (f" (slot {c.slot})" if c.slot else "")
            steps[StageName.CHANGE_IN_STAGING].append(
                f"{c.action.value} {c.setting}"
                + (f" = {c.value_template}" if c.value_template else "")
                + f" in {target}"
            )
    for r in removals:
        if r.stage is StageName.CHANGE_IN_STAGING:
            steps[StageName.CHANGE_IN_STAGING].append(f"remove {r.what} in {r.where}")
    steps[StageName.CHANGE_IN_STAGING] += [f"{c.location}: {c.change}" for c in codes]
    if staging:
        steps[StageName.CHANGE_IN_STAGING].append(
            f"deploy the new code to slot {staging}; its new settings are ordinary settings (not slot settings) so "
            "they travel with the swap; production is not changed before the swap"
        )
    else:
        steps[StageName.CHANGE_IN_STAGING].append(
            "no deployment slot known: create a staging slot, or deploy to production in a maintenance window; the "
            "new settings sit beside the old ones, which the running code keeps using until the new code reads "
            "the new names"
        )
    steps[StageName.VERIFY] = [
        f"exercise {u.key} against {u.resource} and check for authentication failures" for u in units
    ]
    steps[StageName.VERIFY].append("confirm every principal that will run the code holds its grants")
    shadowed = app.is_function or any(r.what.upper() in cat.SP_CREDENTIAL_SETTINGS for r in removals)
    if not staging and app.estate and shadowed:
        steps[StageName.VERIFY].append(
            "no slot: until the remove-secrets stage the old secrets still win where they are read first (an exact "
            "Functions setting over its __ form, a service principal secret over the managed identity): this stage "
            "shows the grants and the new settings; the identity itself is proven by the check after the removal"
        )
    if staging:
        steps[StageName.SWAP] = [
            cat.SWAP_PREVIEW.format(slot=staging),
            cat.SWAP.format(slot=staging),
            "restart the app and re-verify (identities are not swapped)",
        ]
    else:
        steps[StageName.SWAP] = [
            "no slot to swap: the production change of the previous stages is the cut-over"
        ]
    remove: list[str] = []
    if staging:
        remove.append(
            f"deploy the new build to slot {staging} again: after the swap it runs the previous production "
            "build, which still reads the old secrets"
        )
    for c in settings:
        if c.stage is StageName.REMOVE_SECRETS:
            remove.append(
                f"{c.action.value} {c.setting}"
                + (f" = {c.value_template}" if c.value_template else "")
                + f" in {c.where}"
                + (f" (slot {c.slot})" if c.slot else "")
                + " (the same step as the "
                "removal below)"
            )
    for r in removals:
        if r.stage is StageName.REMOVE_SECRETS:
            step = r.command or f"remove {r.what} ({r.where})"
            if step not in remove:
                remove.append(step)
    if remove:
        remove.append(
            "verify again in production and every slot now that the old secrets are gone (the identity serves every "
            "request); to go back, restore a setting from the resource's current keys (until they are rotated in "
            f"the last stage) or issue a new client secret ({cat.ENTRA_CREDENTIAL_RESET}) until the app credential "
            "is deleted"
        )
    steps[StageName.REMOVE_SECRETS] = remove
    for la in local:
        if not la.command:
            steps[StageName.DISABLE_LOCAL_AUTH].append(
                f"do not turn local auth off on {la.resource} and do not rotate its keys: {la.blocked_reason}"
            )
            continue
        if la.shared_with:
            steps[StageName.DISABLE_LOCAL_AUTH].append(
                f"{la.resource}: only after {', '.join(la.shared_with)} finished removing their secrets too"
            )
        steps[StageName.DISABLE_LOCAL_AUTH].append(la.command)
        if la.rotation:
            steps[StageName.DISABLE_LOCAL_AUTH].append(f"{la.resource}: {la.rotation}")
    gates = {
        StageName.INVENTORY: "every unit has an owner and a target resource; other consumers of each target are known",
        StageName.ENABLE_IDENTITY: "the principal id of every identity (and slot) is recorded",
        StageName.GRANT_ROLES: "every prerequisite (Entra admin, Entra auth, Key Vault access) and every grant "
        "exists; grants are additive, the secrets still work",
        StageName.CHANGE_IN_STAGING: "the staging deployment reads only identity-based settings",
        StageName.VERIFY: "every unit works on the managed identity in staging; nothing was removed yet",
        StageName.SWAP: "production runs the new code and passes the same checks after a restart",
        StageName.REMOVE_SECRETS: "no secret settings left in production or any slot (a service principal's "
        "AZURE_CLIENT_SECRET goes with its AZURE_TENANT_ID and app id); the app still works",
        StageName.DISABLE_LOCAL_AUTH: "every key-based consumer the scan knows has moved (the plan lists those "
        "that remain, and then leaves local auth on); audit first; old keys are rotated",
    }
    return tuple(
        Stage(s, n + 1, tuple(fill_app(app, x) for x in steps[s]), gates[s])
        for n, s in enumerate(STAGE_ORDER)
    )
