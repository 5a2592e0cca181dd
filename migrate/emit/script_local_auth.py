"""Stage 7 script: key / local auth off, key rotation and app credential deletion, each only where the
plan allows it (otherwise a step that says why not)."""

from __future__ import annotations

import shlex

from migrate.emit.script_base import ScriptBase
from migrate.emit.script_model import Step
from migrate.plan import catalog as cat
from migrate.plan.records import AppKind, SharedAccessRule, StageName
from scanners.records import ServiceType


class LocalAuthSteps(ScriptBase):
    def local_auth(self) -> list[Step]:
        steps: list[Step] = []
        for la in self.ctx.app.local_auth:
            notes = tuple(
                x
                for x in (
                    *la.exceptions,
                    la.unverified,
                    f"also used by: {', '.join(la.shared_with)} (in this plan): run this only after "
                    "they finished 06-remove-secrets"
                    if la.shared_with
                    else None,
                )
                if x
            )
            title = f"{la.service} {la.resource}: {la.property}"
            if la.command is None or la.blocked_reason:
                remaining = tuple(f"still uses a key: {c}" for c in la.remaining_consumers)
                steps.append(
                    Step(
                        f"{title}: NOT done, and its keys are not rotated",
                        notes=(la.blocked_reason or "no command", *remaining, *notes),
                    )
                )
                continue
            if not la.command.startswith("az "):
                steps.append(Step(f"{title}: by hand", notes=(la.command, *notes)))
            else:
                steps.append(Step(title, self.cmd(la.command), notes=notes))
            service = _service(la.service)
            rotations = cat.ROTATION_COMMANDS.get(service, ()) if service else ()
            rules = self.access_rules(service, la.resource) if service else ()
            if rules and service and "<" not in la.resource:
                steps += self.rule_renewals(service, la.resource, rules)
            elif rotations and "<" not in la.resource:
                for text in rotations:
                    steps.append(
                        Step(
                            f"{la.resource}: rotate the keys that were in use",
                            self.cmd(text.format(resource=shlex.quote(la.resource))),
                        )
                    )
            elif la.rotation:
                steps.append(Step(f"{la.resource}: rotate", notes=(la.rotation,)))
        seen: set[str] = set()
        for r in self.ctx.app.removals:
            if (
                r.stage is StageName.DISABLE_LOCAL_AUTH
                and r.command
                and cat.ENTRA_CREDENTIAL_DELETE in r.command
            ):
                # one credential per unit (setting): its own application id and key id
                label = r.unit.rsplit("::", 1)[-1] if r.unit else r.what
                if label in seen:
                    continue
                seen.add(label)
                if self.ctx.app.kind in (AppKind.REPOSITORY_PROJECT, AppKind.KUBERNETES_WORKLOAD):
                    steps.append(
                        Step(
                            f"delete {r.what} ({label}): NOT done",
                            notes=(
                                "review: repository-only plan: the deployed app's settings are not known and may still "
                                "hold this secret; scan the estate (secretless scan --subscription) and plan again first",
                                r.why,
                            ),
                        )
                    )
                    continue
                steps.append(
                    Step(
                        f"delete {r.what} ({label})",
                        self.cmd(
                            f"{cat.ENTRA_CREDENTIAL_DELETE} --id <application id for {label}> "
                            f"--key-id <key id of {label}>"
                        ),
                        notes=(
                            r.why,
                            "list the key ids with: az ad app credential list --id <application id>",
                        ),
                    )
                )
        return steps

    def access_rules(self, service: ServiceType, resource: str) -> list[SharedAccessRule]:
        """The shared access rules of `resource` whose keys this app's units held."""
        rules = {
            r
            for u in self.ctx.app.units
            if u.service == service and u.resource.lower() == resource.lower()
            for r in u.access_rules
        }
        return sorted(rules, key=lambda r: (r.level, r.entity or "", r.name))

    def rule_renewals(self, service: ServiceType, resource: str, rules: list[SharedAccessRule]) -> list[Step]:
        """Both keys of each rule, renewed where the rule lives (namespace or entity)."""
        steps: list[Step] = []
        q = shlex.quote
        for r in rules:
            template = cat.RULE_RENEW_COMMANDS.get((service, cat.RuleLevel(r.level)))
            where = f"{r.level} {r.entity}" if r.entity else "namespace"
            if template is None:
                steps.append(Step(f"{resource}: renew the keys of rule {r.name} ({where}) by hand"))
                continue
            notes: tuple[str, ...] = ()
            namespace_level = cat.RULE_RENEW_COMMANDS.get((service, cat.RuleLevel.NAMESPACE))
            if r.assumed and namespace_level:
                notes = (
                    f"{r.name} is taken to be a rule of {where} (the connection string names EntityPath="
                    f"{r.entity}); if it is a namespace rule, renew it with: "
                    + namespace_level.format(resource=resource, rule=r.name, key="PrimaryKey|SecondaryKey"),
                )
            for n, key in enumerate(cat.RULE_KEYS):
                steps.append(
                    Step(
                        f"{resource}: renew {key} of shared access rule {r.name} ({where})",
                        self.cmd(
                            template.format(
                                resource=q(resource), entity=q(r.entity or ""), rule=q(r.name), key=key
                            )
                        ),
                        notes=notes if n == 0 else (),
                    )
                )
        return steps


def _service(value: str) -> ServiceType | None:
    try:
        return ServiceType(value)
    except ValueError:
        return None
