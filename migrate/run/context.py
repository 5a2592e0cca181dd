"""What the runner's check, action and undo handlers share: the `Azure` interface they call, the
`GateFailed` error, and the run's context (its steps, its state, the principals found so far)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from migrate.errors import MigrateError
from migrate.run import state as st
from migrate.run.playbooks import Action
from migrate.run.steps import RunStep, SettingWrite, unfilled


class Azure(Protocol):
    async def identity(self, slot: str | None) -> Any: ...

    async def set_identity_type(self, slot: str | None, system: bool) -> Any: ...

    def user_identity_id(self, name: str) -> str: ...

    async def ensure_user_identity(self, name: str) -> Any: ...

    async def set_user_identity(self, slot: str | None, resource_id: str, assigned: bool) -> Any: ...

    async def role_assignment(self, scope: str, name: str) -> Any: ...

    async def create_role_assignment(
        self, scope: str, name: str, role_guid: str, principal_id: str
    ) -> bool: ...

    async def delete_role_assignment(self, scope: str, name: str) -> None: ...

    async def read_settings(self, slot: str | None, kind: str) -> dict[str, Any]: ...

    async def write_settings(self, slot: str | None, kind: str, props: dict[str, Any]) -> None: ...

    async def sticky_names(self, kind: str) -> set[str]: ...

    async def make_sticky(self, kind: str, names: set[str]) -> None: ...

    async def swap(self, slot: str, target: str = "production") -> None: ...

    async def api_version_for(self, resource_id: str) -> str: ...

    async def resource_property(self, resource_id: str, api_version: str, name: str) -> Any: ...

    async def set_resource_property(
        self, resource_id: str, api_version: str, name: str, value: Any
    ) -> None: ...


class GateFailed(MigrateError):
    """A step's read-back from Azure did not show the planned state."""


@dataclass(slots=True)
class RunContext:
    """One run of one app: its steps in order, its state, and the swaps this run performed (a swap
    gate with nothing to read back counts only those)."""

    steps: list[RunStep]
    state: st.RunState
    app_name: str
    swapped: set[str] = field(default_factory=set)

    def principal_name(self, slot: str | None) -> str:
        return f"{self.app_name}/slots/{slot}" if slot else self.app_name

    async def principal_id(self, azure: Azure, step: RunStep) -> str:
        name = step.principal or self.principal_name(step.slot)
        if name in self.state.principals:
            return self.state.principals[name]
        if name != self.app_name and not name.startswith(f"{self.app_name}/slots/"):
            # a user-assigned identity: its principal id comes from the plan or from --set
            if step.principal_id and not unfilled(step.principal_id):
                return step.principal_id
            raise GateFailed(
                f"{step.id}: the principal id of {name} is unknown: pass "
                f"--set 'principalId of {name}=<object id>'"
            )
        slot = name.split("/slots/")[1] if "/slots/" in name else None
        ident = await azure.identity(slot)
        if not ident.principal_id:
            raise GateFailed(f"{step.id}: {name} has no system-assigned identity yet (run the identity step)")
        self.state.principals[name] = str(ident.principal_id)
        return str(ident.principal_id)

    def planned_for_slot(self, slot: str | None) -> list[SettingWrite]:
        """The identity-based settings this run's settings steps write into `slot`."""
        return [
            w
            for s in self.steps
            if s.action is Action.SET_SETTINGS and s.slot == slot
            for w in s.settings
            if w.value is not None
        ]


def local_auth_target(step: RunStep) -> tuple[str, str, bool]:
    """(resource id, ARM property, its value when local auth is off) of a local-auth step."""
    if step.resource_id is None or step.property_name is None or step.property_value is None:
        raise MigrateError(f"{step.id}: a local-auth step without a resource id and property")
    return step.resource_id, step.property_name, step.property_value
