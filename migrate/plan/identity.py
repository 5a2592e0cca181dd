"""Identity: the second step of the planner.  Which apps use which target resources, and for each
app the identity it migrates to, decided by explicit rules, with the principals (production and
each slot) that receive the grants.

One identity per app by default (issue 12): an identity shared across apps carries the grants of
every app in the group (a web app would hold Storage Blob Data Owner on a Function app's host
storage), so apps that share targets get one user-assigned identity only when the user asks for
it (`secretless plan --share-identity`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from migrate.plan import catalog as cat
from migrate.plan.records import IdentityDecision, IdentityKind, Principal
from migrate.plan.units import App, Target, Unit, label, slug


@dataclass(frozen=True, slots=True)
class Sharing:
    """Which planned apps use which target resources; when the user asked to share identities, also
    the groups of apps that share targets (directly or through a chain of shared targets): each
    group then gets one user-assigned identity.  Without that request the groups are empty."""

    users: dict[Target, frozenset[str]]  # target -> the apps that use it
    shared_with: dict[str, tuple[str, ...]]  # app -> the other apps of its group (only when asked)
    group_names: dict[str, str]  # app -> the name of its group's identity (only when asked)


def sharing(planned: dict[str, list[Unit]], share_identity: bool = False) -> Sharing:
    users: dict[Target, set[str]] = defaultdict(set)
    for app, units in planned.items():
        for u in units:
            t = u.target
            if t:
                users[t].add(app)
    if not share_identity:
        return Sharing({t: frozenset(a) for t, a in users.items()}, {}, {})
    parent: dict[str, str] = {a: a for a in planned}

    def find(a: str) -> str:
        while parent[a] != a:
            a = parent[a]
        return a

    for apps in users.values():
        ordered = sorted(apps)
        for other in ordered[1:]:
            ra, rb = find(ordered[0]), find(other)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = defaultdict(list)
    for a in sorted(planned):
        groups[find(a)].append(a)
    shared: dict[str, tuple[str, ...]] = {}
    names: dict[str, str] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        name = f"id-{slug(label(members[0]))}-shared"
        for m in members:
            shared[m] = tuple(x for x in members if x != m)
            names[m] = name
    return Sharing({t: frozenset(a) for t, a in users.items()}, shared, names)


def _principals(app: App, kind: IdentityKind, uami: str, uami_pid: str | None) -> tuple[Principal, ...]:
    if kind is IdentityKind.USER_ASSIGNED:
        return (Principal(uami, None, uami_pid or f"<principalId of {uami}>"),)
    out = []
    prod = app.production
    name = app.site_name
    out.append(
        Principal(name, None, (prod.identity.principal_id if prod else None) or f"<principalId of {name}>")
    )
    for s in sorted((s for s in app.sites if s.slot), key=lambda s: s.slot or ""):
        sname = f"{name}/slots/{s.slot}"
        out.append(Principal(sname, s.slot, s.identity.principal_id or f"<principalId of {sname}>"))
    return tuple(out)


def _client_id_selection(uami: str) -> tuple[str, ...]:
    return (
        f"{cat.AZURE_CLIENT_ID}=<client-id of {uami}> for DefaultAzureCredential (managed_identity_client_id / "
        "ManagedIdentityClientId in code)",
        f"Functions connections: <PREFIX>{cat.SUFFIX_CREDENTIAL}={cat.CREDENTIAL_MANAGED_IDENTITY} and "
        f"<PREFIX>{cat.SUFFIX_CLIENT_ID}=<client-id of {uami}>",
        f"{cat.AI_AUTH_SETTING}={cat.AI_AUTH_USER.replace('<uami-client-id>', f'<client-id of {uami}>')}",
        f"Azure SQL: User Id=<client-id of {uami}> in the connection string",
    )


def decide_identity(app: App, shared: Sharing) -> IdentityDecision:
    shared_with = shared.shared_with.get(app.key, ())
    group_name = shared.group_names.get(app.key)
    prod = app.production
    assumptions: list[str] = []
    if not app.estate:
        assumptions.append(
            "a repository scan cannot see deployment slots, the hosting plan or existing identities"
        )
    if prod and len(prod.identity.user_assigned) == 1:
        ua = prod.identity.user_assigned[0]
        rule = (
            "the app already has exactly one user-assigned identity: reuse it; code and settings must select "
            "it by client id"
        )
        if app.slots:
            rule += f"; assign it to every slot ({', '.join(app.slots)}) so it serves them through a swap"
        return IdentityDecision(
            IdentityKind.USER_ASSIGNED,
            ua.name,
            True,
            rule,
            tuple(assumptions),
            True,
            _client_id_selection(ua.name),
            _principals(app, IdentityKind.USER_ASSIGNED, ua.name, ua.principal_id),
        )
    if shared_with:
        name = group_name or f"id-{slug(label(app.key))}"
        rule = (
            f"sharing was asked for (--share-identity) and target resources are shared with other apps "
            f"(directly or through a chain of shared targets: {', '.join(shared_with)}): one user-assigned "
            "identity for the group, granted once; it holds every grant of every app in the group; code and "
            "settings must select it by client id"
        )
        return IdentityDecision(
            IdentityKind.USER_ASSIGNED,
            name,
            False,
            rule,
            tuple(assumptions),
            True,
            _client_id_selection(name),
            _principals(app, IdentityKind.USER_ASSIGNED, name, None),
        )
    if app.slots:
        all_system = all(s.identity.system_assigned for s in app.sites)
        if all_system:
            rule = (
                f"every slot ({', '.join(app.slots)}) and production already has its own system-assigned "
                "identity: keep them and grant each one (identities are not swapped)"
            )
            return IdentityDecision(
                IdentityKind.SYSTEM_ASSIGNED,
                f"{app.site_name} (system-assigned, per slot)",
                True,
                rule,
                tuple(assumptions),
                False,
                (),
                _principals(app, IdentityKind.SYSTEM_ASSIGNED, "", None),
            )
        name = f"id-{slug(app.site_name)}"
        rule = (
            f"the app has deployment slots ({', '.join(app.slots)}): system identities are per slot and are "
            "not swapped, so one user-assigned identity assigned to every slot serves them through a swap; "
            "code and settings must select it by client id"
        )
        return IdentityDecision(
            IdentityKind.USER_ASSIGNED,
            name,
            False,
            rule,
            tuple(assumptions),
            True,
            _client_id_selection(name),
            _principals(app, IdentityKind.USER_ASSIGNED, name, None),
        )
    existing = bool(prod and prod.identity.system_assigned)
    if app.is_function:
        assumptions.append(
            "whether the identity must survive redeployment (the app deleted and recreated) is not "
            "knowable from the scan: assumed not; if it must, use a user-assigned identity instead"
        )
    rule = "one app, one identity: system-assigned (its lifecycle follows the app; nothing to select by client id)"
    return IdentityDecision(
        IdentityKind.SYSTEM_ASSIGNED,
        f"{app.site_name} (system-assigned)",
        existing,
        rule,
        tuple(assumptions),
        False,
        (),
        _principals(app, IdentityKind.SYSTEM_ASSIGNED, "", None),
    )
