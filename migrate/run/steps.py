"""The steps of one application's guided migration: the plan's records expanded through the
playbooks, in stage order.  Pure: plan + playbooks + user values in, records out.

Placeholders the user fills (`--set target-resource-group=rg-data`) are replaced here; placeholders
that remain make an automated step refuse to run (the runner says which value is missing).  Step
ids are stable across runs so the state file can refer to them.
"""

from __future__ import annotations

import re
import shlex
import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from migrate.errors import MigrateError, UnknownAppError
from migrate.plan import catalog as cat
from migrate.plan.records import (
    STAGE_ORDER,
    AppKind,
    AppPlan,
    Grant,
    IdentityKind,
    Plan,
    SettingAction,
    StageName,
)
from migrate.run.playbooks import Action, Check, Playbook, PlaybookStep, Undo, resolve_command

_PLACEHOLDER_RE = re.compile(r"<([^<>]+)>")
_NAMESPACE = uuid.UUID("2d8f9f3a-3b0e-4c1e-9a55-7f2a1c6e0b11")
_REMOVAL_WHERE = re.compile(r"^(?P<app>.*?):(?P<kind>app-setting|connection-string):(?P<name>.+)$")
PRODUCTION = "production"
_RESOURCE_ID_RE = re.compile(
    r"^/subscriptions/[^/<>]+/resourceGroups/[^/<>]+/providers/[^/<>]+/[^/<>]+/[^/<>]+$", re.IGNORECASE
)


class StepsError(MigrateError):
    """The plan cannot be turned into steps (unknown app, malformed app id)."""


@dataclass(frozen=True, slots=True)
class SettingWrite:
    kind: str  # app-setting | connection-string
    name: str
    value: str | None  # None: remove; values are endpoint templates from the plan, never secrets
    conn_type: str = "Custom"
    replaces: bool = False
    sticky: bool = False  # a deployment slot setting (stays with its slot on swap)


@dataclass(frozen=True, slots=True)
class RunStep:
    id: str
    stage: StageName
    playbook: str
    title: str
    why: str
    commands: tuple[str, ...]
    action: Action
    check: Check
    undo: Undo
    destructive: bool
    slot: str | None = None
    principal: str | None = None  # who a grant is for (the plan's principal name)
    principal_id: str | None = None  # the plan's object id for it (may still be a <placeholder>)
    scope: str | None = None
    role_guid: str | None = None
    settings: tuple[SettingWrite, ...] = ()
    resource_id: str | None = None  # disable-local-auth: the full ARM id of the target resource
    property_name: str | None = None  # ... the ARM property (under `properties`) that turns local auth off
    property_value: bool | None = None  # ... and its value when local auth is off

    @property
    def target(self) -> str:
        if self.resource_id:
            return self.resource_id
        if self.scope:
            return self.scope
        return f"slot {self.slot}" if self.slot else PRODUCTION


@dataclass(frozen=True, slots=True)
class AppTarget:
    subscription: str
    resource_group: str
    name: str
    cli: str


MIGRATABLE_KINDS = (AppKind.APP_SERVICE, AppKind.FUNCTION_APP)


def find_app(plan: Plan, app: str) -> AppPlan:
    """The estate app `app` names (its name or full id); `UnknownAppError` (a usage error) otherwise."""
    estate = [a for a in plan.apps if a.kind in MIGRATABLE_KINDS]
    if not estate:
        raise UnknownAppError(
            "the plan has no App Service or Functions app to migrate (a plan of a repository "
            "scan has none): scan the estate with `secretless scan --subscription ID` or "
            "`--az-export DIR`, plan that scan and migrate its apps; for repository projects "
            "use `secretless emit`"
        )
    matches = [a for a in estate if a.app == app or a.app.split("/")[-1] == app]
    if not matches:
        known = ", ".join(sorted(a.app.split("/")[-1] for a in estate))
        raise UnknownAppError(f"the plan has no app {app!r} (apps: {known})")
    if len(matches) > 1:
        raise UnknownAppError(
            f"{app!r} names {len(matches)} apps of the plan "
            f"({', '.join(a.app for a in matches)}): give the full id"
        )
    return matches[0]


def app_target(app: AppPlan) -> AppTarget:
    parts = app.app.split("/")
    if app.kind not in MIGRATABLE_KINDS or len(parts) != 3:
        raise StepsError(
            f"{app.app}: only App Service and Functions apps of an estate scan can be migrated "
            "(repository projects: use `secretless emit`)"
        )
    return AppTarget(
        parts[0], parts[1], parts[2], "functionapp" if app.kind is AppKind.FUNCTION_APP else "webapp"
    )


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with each `<placeholder>` the user gave a value for replaced by it."""
    return _PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def unfilled(text: str | None) -> list[str]:
    return sorted(set(_PLACEHOLDER_RE.findall(text or "")))


def _short(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join(parts)))[:8]


def assignment_name(scope: str, principal_id: str, role_guid: str) -> str:
    """The deterministic role assignment name (a GUID) of one grant: reruns find it again."""
    return str(uuid.uuid5(_NAMESPACE, f"{scope.lower()}|{principal_id.lower()}|{role_guid.lower()}"))


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class _Builder:
    def __init__(
        self, plan_app: AppPlan, target: AppTarget, books: dict[str, Playbook], values: dict[str, str]
    ) -> None:
        self.app = plan_app
        self.target = target
        self.books = books
        self.values = {
            "target-subscription": target.subscription,
            "resource-group": target.resource_group,
            "app": target.name,
            **values,
        }

    def pick(self, service: str | None, stage: StageName, fallback: str) -> tuple[str, PlaybookStep]:
        book = self.books.get(service or "")
        if book is not None:
            s = book.for_stage(stage)
            if s is not None:
                return book.name, s
        shared = self.books["shared"]
        s = shared.step(fallback)
        if s is None:
            raise StepsError(f"shared playbook has no step {fallback!r}")
        return shared.name, s

    def make(self, step_id: str, book: str, pb: PlaybookStep, fields: dict[str, str], **kw: Any) -> RunStep:
        f = _Fields(fields)
        f.setdefault("cli", self.target.cli)
        commands = []
        for entry in pb.az:
            text = resolve_command(entry).format_map(f)
            if self.target.cli == "functionapp":
                text = re.sub(r"^az webapp ", "az functionapp ", text)
            commands.append(fill(text, self.values))
        return RunStep(
            step_id,
            pb.stage,
            book,
            fill(pb.title.format_map(f), self.values),
            pb.why,
            tuple(commands),
            pb.action,
            pb.check,
            pb.undo,
            pb.destructive,
            **kw,
        )

    def slot_flag(self, slot: str | None) -> str:
        return f" --slot {shlex.quote(slot)}" if slot else ""

    def identity(self) -> list[RunStep]:
        ident = self.app.identity
        out = []
        if ident.kind is IdentityKind.USER_ASSIGNED and not ident.existing:
            # a new identity: created in the app's resource group and assigned to every slot
            book, pb = self.pick(None, StageName.ENABLE_IDENTITY, "create-user-assigned-identity")
            return [
                self.make(
                    f"identity/user-assigned/{slot or PRODUCTION}",
                    book,
                    pb,
                    {"name": ident.name, "target": slot or PRODUCTION, "slot": self.slot_flag(slot)},
                    slot=slot,
                    principal=ident.name,
                )
                for slot in (None, *self.app.slots)
            ]
        if ident.kind is IdentityKind.USER_ASSIGNED:
            book, pb = self.pick(None, StageName.ENABLE_IDENTITY, "user-assigned-identity")
            return [self.make("identity/user-assigned", book, pb, {"name": ident.name, "slot": ""})]
        book, pb = self.pick(None, StageName.ENABLE_IDENTITY, "enable-identity")
        for slot in (None, *self.app.slots):
            out.append(
                self.make(
                    f"identity/{slot or PRODUCTION}",
                    book,
                    pb,
                    {"target": slot or PRODUCTION, "slot": self.slot_flag(slot)},
                    slot=slot,
                )
            )
        return out

    def grant(self, g: Grant) -> RunStep:
        unit = next((u for u in self.app.units if u.unit == g.unit), None)
        service = unit.service if unit else None
        resource = unit.resource if unit else g.scope
        arm = g.authorization in ("arm-rbac", "key-vault-rbac") and g.role_guid is not None
        book, pb = self.pick(service, StageName.GRANT_ROLES, "grant-role" if arm else "grant-manual")
        if pb.action is Action.GRANT_ROLE and not arm:
            book, pb = self.pick(None, StageName.GRANT_ROLES, "grant-manual")
        scope = fill(g.scope, self.values)
        principal = next(
            (p.object_id for p in self.app.identity.principals if p.name == g.principal),
            f"<principalId of {g.principal}>",
        )
        fields = {
            "role": g.role,
            "resource": resource,
            "guid": g.role_guid or g.role,
            "scope": shlex.quote(scope),
            "name": g.principal,
            "assignment": _short(scope, g.principal, g.role),
        }
        step_id = (
            f"grant/{re.sub(r'[^a-z0-9]+', '-', g.role.lower()).strip('-')}/{_short(g.scope, g.principal)}"
        )
        fields["principal"] = principal
        return self.make(
            step_id,
            book,
            pb,
            fields,
            slot=g.slot,
            principal=g.principal,
            scope=scope,
            role_guid=g.role_guid,
            principal_id=fill(principal, self.values),
        )

    def writes(self, stage: StageName) -> tuple[dict[tuple[str | None, str], list[SettingWrite]], list[str]]:
        """The live settings `stage` writes and deletes, per (slot, kind): one read-modify-write each, so
        a service principal's settings and the identity's client id change in one write; and what
        must be set by hand."""
        groups: dict[tuple[str | None, str], list[SettingWrite]] = defaultdict(list)
        by_hand: list[str] = []
        for s in self.app.settings:
            if s.stage is not stage:
                continue
            if s.action is SettingAction.REMOVE and s.where in ("app-setting", "connection-string"):
                groups[(s.slot, s.where)].append(SettingWrite(s.where, s.setting, None))
                continue
            if s.action not in (SettingAction.ADD, SettingAction.REPLACE):
                continue
            if s.where not in ("app-setting", "connection-string"):
                by_hand.append(f"{s.setting} ({s.where})")
                continue
            if s.value_template is None or not cat.is_literal(s.value_template):
                by_hand.append(s.setting)
                continue
            unit = next((u for u in self.app.units if u.unit == s.unit), None)
            ctype = cat.CONNECTION_STRING_TYPES.get(unit.service if unit else "", "Custom")
            groups[(s.slot, s.where)].append(
                SettingWrite(
                    s.where,
                    s.setting,
                    fill(s.value_template, self.values),
                    ctype,
                    s.action is SettingAction.REPLACE,
                    s.sticky,
                )
            )
        return groups, by_hand

    def delete_command(self, kind: str, slot: str | None, writes: list[SettingWrite]) -> str | None:
        names = " ".join(shlex.quote(w.name) for w in writes if w.value is None)
        if not names:
            return None
        if kind == "connection-string":  # `az functionapp` has no connection-string group
            return fill(
                cat.CONNECTION_STRINGS_DELETE.format(names=names, slot=self.slot_flag(slot)), self.values
            )
        text = cat.SETTINGS_DELETE.format(names=names, slot=self.slot_flag(slot))
        return fill(re.sub(r"^az webapp ", f"az {self.target.cli} ", text), self.values)

    def settings(self) -> list[RunStep]:
        groups, by_hand = self.writes(StageName.CHANGE_IN_STAGING)
        out: list[RunStep] = []
        for (slot, kind), writes in sorted(groups.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
            book, pb = self.pick(None, StageName.CHANGE_IN_STAGING, "set-settings")
            writes.sort(key=lambda w: w.name)
            names = ", ".join(w.name for w in writes)
            pairs = " ".join(
                f"{flag} "
                + " ".join(
                    shlex.quote(f"{w.name}={w.value}")
                    for w in writes
                    if w.sticky is sticky and w.value is not None
                )
                for flag, sticky in (("--settings", False), ("--slot-settings", True))
                if any(w.sticky is sticky and w.value is not None for w in writes)
            )
            kind_cli = "connection-string" if kind == "connection-string" else "appsettings"
            flag = f" -t {writes[0].conn_type}" if kind == "connection-string" else ""
            step = self.make(
                f"settings/{slot or PRODUCTION}/{kind}",
                book,
                pb,
                {
                    "kind": kind,
                    "kind_cli": kind_cli,
                    "names": names,
                    "pairs": pairs,
                    "settings_flag": flag,
                    "slot": self.slot_flag(slot),
                    "target": slot or PRODUCTION,
                },
                slot=slot,
                settings=tuple(writes),
            )
            deleting = self.delete_command(kind, slot, writes)
            if deleting:
                sets = step.commands if pairs else ()
                step = replace(step, commands=(*sets, deleting))
            out.append(step)
        if by_hand:
            book, pb = self.pick(None, StageName.CHANGE_IN_STAGING, "set-by-hand")
            out.append(self.make("settings/by-hand", book, pb, {"names": ", ".join(sorted(by_hand))}))
        if self.app.code_changes:
            book, pb = self.pick(None, StageName.CHANGE_IN_STAGING, "deploy-code")
            first = self.app.slots[0] if self.app.slots else PRODUCTION
            out.append(self.make("code/deploy", book, pb, {"target": first}))
        return out

    def verify(self) -> list[RunStep]:
        shared = self.books["shared"]
        out = []
        for sid in ("verify-gates", "verify-app"):
            pb = shared.step(sid)
            if pb is not None:
                out.append(self.make(f"verify/{sid.removeprefix('verify-')}", shared.name, pb, {}))
        return out

    def swap(self) -> list[RunStep]:
        book, pb = self.pick(None, StageName.SWAP, "swap")
        return [
            self.make(f"swap/{slot}", book, pb, {"slot": shlex.quote(slot), "slot_name": slot}, slot=slot)
            for slot in self.app.slots
        ]

    def removals(self) -> list[RunStep]:
        """The old secrets leave production and every slot, in one write per slot and kind together with
        what this stage sets there (a user-assigned identity's client id in place of a service
        principal's); then a person checks the app again."""
        groups, _by_hand = self.writes(StageName.REMOVE_SECRETS)
        out = []
        shared = self.books["shared"]
        redeploy = shared.step("redeploy-slot")
        if (
            self.app.slots and redeploy is not None
        ):  # after the swap the slot runs the previous production build
            out.append(
                self.make(
                    f"code/redeploy/{self.app.slots[0]}",
                    shared.name,
                    redeploy,
                    {"target": f"slot {self.app.slots[0]}"},
                    slot=self.app.slots[0],
                )
            )
        for r in self.app.removals:
            if r.stage is not StageName.REMOVE_SECRETS:
                continue
            m = _REMOVAL_WHERE.match(r.where)
            if not m:
                continue  # a file: config.patch removes it
            slot = m.group("app").split("/slots/")[1] if "/slots/" in m.group("app") else None
            name = m.group("name") if r.what.startswith("the old secret value") else r.what
            if not any(w.name == name for w in groups[(slot, m.group("kind"))]):
                groups[(slot, m.group("kind"))].append(SettingWrite(m.group("kind"), name, None))
        for (slot, kind), writes in sorted(groups.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
            book, pb = self.pick(None, StageName.REMOVE_SECRETS, "remove-settings")
            writes.sort(key=lambda w: w.name)
            names = [w.name for w in writes if w.value is None]
            step = self.make(
                f"remove/{slot or PRODUCTION}/{kind}",
                book,
                pb,
                {
                    "kind": kind,
                    "names": ", ".join(names),
                    "target": slot or PRODUCTION,
                    "slot": self.slot_flag(slot),
                },
                slot=slot,
                settings=tuple(writes),
            )
            sets = " ".join(shlex.quote(f"{w.name}={w.value}") for w in writes if w.value is not None)
            commands = [self.delete_command(kind, slot, writes) or ""]
            if sets:
                commands.insert(
                    0,
                    fill(
                        f"az {self.target.cli} config appsettings set -g <resource-group> -n <app>"
                        f"{self.slot_flag(slot)} --settings {sets}",
                        self.values,
                    ),
                )
            out.append(replace(step, commands=tuple(c for c in commands if c)))
        after = shared.step("verify-after-removal")
        if out and after is not None:
            out.append(
                self.make("verify/after-removal", shared.name, after, {"target": "production and every slot"})
            )
        return out

    def sdk_local_auth(self, service: str, resource: str, prop: str) -> tuple[str, str, bool] | None:
        """(resource id, property, value when off) when the runner can turn local auth off through ARM:
        a supported service whose full ARM id the plan knows once the user's values are filled in."""
        known = cat.arm_local_auth(service)  # api-version discovered at run time
        if known is None or prop.split("=", 1)[0] != known[1]:
            return None
        rid = fill(
            f"/subscriptions/<target-subscription>/resourceGroups/<target-resource-group>/providers/"
            f"{known[0]}/{resource}",
            self.values,
        )
        if unfilled(rid) or not _RESOURCE_ID_RE.match(rid):
            return None
        return rid, known[1], known[2]

    def local_auth(self) -> list[RunStep]:
        out = []
        for la in self.app.local_auth:
            command = (
                la.command
                if la.command and not la.blocked_reason
                else (f"# NOT done: {la.blocked_reason or 'no command'}")
            )
            fields = {"resource": la.resource, "property": la.property, "command": command}
            step_id = f"local-auth/{la.service}/{_short(la.resource)}"
            if la.blocked_reason or not la.command:
                # Not this plan's to do (a platform setting, a consumer the plan does not move, a resource the
                # scan could not name): a manual step that says so, never one that asks for it.
                book_name, pb = self.pick(None, StageName.DISABLE_LOCAL_AUTH, "local-auth-manual")
                out.append(
                    replace(
                        self.make(step_id, book_name, pb, fields),
                        title=fill(
                            f"{la.service} {la.resource}: key / local auth stays on and its "
                            "keys are not rotated",
                            self.values,
                        ),
                        why=la.blocked_reason or "no command",
                        destructive=False,
                    )
                )
                continue
            # A resource other apps also use keeps its keys until they are migrated too: that is the
            # operator's call, so the step stays a guided manual one (with the reason shown).
            sdk = (
                None
                if la.blocked_reason or not la.command or la.shared_with
                else self.sdk_local_auth(la.service, la.resource, la.property)
            )
            if la.shared_with:
                fields["command"] = (
                    f"# also used by {', '.join(la.shared_with)}: turn local auth off only once "
                    f"they no longer use keys; then: {command}"
                )
            service_book = self.books.get(la.service)
            auto = service_book.step("disable-local-auth") if service_book is not None else None
            if (
                service_book is not None
                and auto is not None
                and auto.action is Action.DISABLE_LOCAL_AUTH
                and sdk is not None
            ):
                out.append(
                    self.make(
                        step_id,
                        service_book.name,
                        auto,
                        fields,
                        resource_id=sdk[0],
                        property_name=sdk[1],
                        property_value=sdk[2],
                    )
                )
                continue
            manual = service_book.step("disable-local-auth-manual") if service_book is not None else None
            if service_book is not None and manual is not None:
                out.append(self.make(step_id, service_book.name, manual, fields))
                continue
            book_name, pb = self.pick(la.service, StageName.DISABLE_LOCAL_AUTH, "local-auth-manual")
            if pb.action is not Action.MANUAL:
                book_name, pb = self.pick(None, StageName.DISABLE_LOCAL_AUTH, "local-auth-manual")
            out.append(self.make(step_id, book_name, pb, fields))
        for r in self.app.removals:
            if r.stage is StageName.DISABLE_LOCAL_AUTH and r.command:
                book, pb = self.pick("entra-id", StageName.DISABLE_LOCAL_AUTH, "local-auth-manual")
                out.append(
                    self.make(
                        f"credential/{_short(r.what, r.where)}",
                        book,
                        pb,
                        {"what": r.what, "resource": r.where, "property": "credential", "command": r.command},
                    )
                )
        return out


def build_steps(plan_app: AppPlan, books: dict[str, Playbook], values: dict[str, str]) -> list[RunStep]:
    """Every step of `plan_app`, in stage order (inventory has none)."""
    b = _Builder(plan_app, app_target(plan_app), books, values)
    by_stage = {
        StageName.ENABLE_IDENTITY: b.identity,
        StageName.GRANT_ROLES: lambda: [b.grant(g) for g in plan_app.grants],
        StageName.CHANGE_IN_STAGING: b.settings,
        StageName.VERIFY: b.verify,
        StageName.SWAP: b.swap,
        StageName.REMOVE_SECRETS: b.removals,
        StageName.DISABLE_LOCAL_AUTH: b.local_auth,
    }
    out: list[RunStep] = []
    for stage in STAGE_ORDER:
        if stage in by_stage:
            out.extend(by_stage[stage]())
    ids = [s.id for s in out]
    if len(ids) != len(set(ids)):
        raise StepsError("two steps of the plan got the same id")
    return out
