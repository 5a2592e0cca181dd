"""Step builders for the stages after the swap: the old secrets leave production and every slot
(with the settings that replace them, in one write), then key / local auth goes off where the plan
allows it, and app credentials are deleted by hand."""

from __future__ import annotations

import re
import shlex
from dataclasses import replace

from migrate.plan import catalog as cat
from migrate.plan.records import StageName
from migrate.run.playbooks import Action
from migrate.run.step_builder import StepBuilder
from migrate.run.step_records import PRODUCTION, RunStep, SettingWrite, fill, short_id, unfilled

_REMOVAL_WHERE = re.compile(r"^(?P<app>.*?):(?P<kind>app-setting|connection-string):(?P<name>.+)$")
_RESOURCE_ID_RE = re.compile(
    r"^/subscriptions/[^/<>]+/resourceGroups/[^/<>]+/providers/[^/<>]+/[^/<>]+/[^/<>]+$", re.IGNORECASE
)


class CleanupSteps(StepBuilder):
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
            step_id = f"local-auth/{la.service}/{short_id(la.resource)}"
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
                        f"credential/{short_id(r.what, r.where)}",
                        book,
                        pb,
                        {"what": r.what, "resource": r.where, "property": "credential", "command": r.command},
                    )
                )
        return out
