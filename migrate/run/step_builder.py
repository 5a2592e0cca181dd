"""Step builders for the stages up to the swap: identity, prerequisites, grants, settings beside the
old ones, verification, swap; with the helpers every stage uses (playbook step lookup, command
templates filled with the user's values)."""

from __future__ import annotations

import re
import shlex
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from migrate.plan import catalog as cat
from migrate.plan.records import AppPlan, Grant, IdentityKind, SettingAction, StageName
from migrate.run.playbooks import Action, Playbook, PlaybookStep, resolve_command
from migrate.run.step_records import (
    PRODUCTION,
    AppTarget,
    RunStep,
    SettingWrite,
    StepsError,
    fill,
    short_id,
)


def settings_pairs(writes: Iterable[SettingWrite]) -> str:
    """The `--settings NAME=VALUE ... --slot-settings NAME=VALUE ...` part of a settings command
    (writes without a value are deletions: they go to a delete command)."""
    values = [w for w in writes if w.value is not None]
    return " ".join(
        f"{flag} " + " ".join(shlex.quote(f"{w.name}={w.value}") for w in values if w.sticky is sticky)
        for flag, sticky in (("--settings", False), ("--slot-settings", True))
        if any(w.sticky is sticky for w in values)
    )


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class StepBuilder:
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

    def prerequisites(self) -> list[RunStep]:
        """What each target needs before the grants (Entra admins, Entra auth, Key Vault access): steps
        a person does and confirms, in the plan's order, before any grant."""
        book, pb = self.pick(None, StageName.GRANT_ROLES, "prerequisite")
        out = []
        for p in self.app.prerequisites:
            fields = {"title": p.title, "command": p.command or f"# by hand: {p.why}"}
            step = self.make(
                f"grant/prerequisite/{p.kind}/{short_id(p.target, p.principal or '', p.slot or '')}",
                book,
                pb,
                fields,
                slot=p.slot,
            )
            out.append(replace(step, why=f"{p.why} (source: {p.source})"))
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
            "assignment": short_id(scope, g.principal, g.role),
        }
        step_id = (
            f"grant/{re.sub(r'[^a-z0-9]+', '-', g.role.lower()).strip('-')}/{short_id(g.scope, g.principal)}"
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
            optional=g.optional,
            unit=g.unit,
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
                    s.unit,
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
            pairs = settings_pairs(writes)
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
            if any(w.value is None or w.replaces for w in writes):
                # replacing or deleting a value is a removal: the runner gates and asks as for one
                step = replace(step, destructive=True)
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
