"""Read a plan document (`secretless plan -f json`) back into `migrate.plan.records` records.

The reader is generic over the record dataclasses: every field is converted by its annotated type
(enums by value, tuples item by item, nested records recursively), so a new plan field needs no
change here.  Unknown keys (such as `summary`) are ignored; a missing key or a wrong schema version
raises `PlanInputError` with a message that never quotes values.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from typing import Any

from migrate.errors import MigrateError
from migrate.plan.records import PLAN_SCHEMA_VERSION, Plan


class PlanInputError(MigrateError):
    """The document given to `secretless emit` is not a plan this version reads."""


def _convert(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(args[0], value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise PlanInputError(f"{where}: expected a list")
        (item_tp, *_rest) = typing.get_args(tp)
        return tuple(_convert(item_tp, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise PlanInputError(f"{where}: expected an object")
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            raise PlanInputError(f"{where}: unknown value for {tp.__name__}") from None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _record(tp, value, where)
    return value


def _record(cls: Any, raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise PlanInputError(f"{where}: expected an object")
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in raw:
            if f.default is not dataclasses.MISSING:
                continue
            raise PlanInputError(f"{where}: missing field {f.name!r}")
        kwargs[f.name] = _convert(hints[f.name], raw[f.name], f"{where}.{f.name}")
    return cls(**kwargs)


def read_plan(document: Any) -> Plan:
    """The `Plan` of a parsed plan document."""
    if not isinstance(document, dict) or "apps" not in document:
        raise PlanInputError("not a plan document (run `secretless plan AUDIT.json -f json -o plan.json`)")
    if document.get("schema_version") != PLAN_SCHEMA_VERSION:
        raise PlanInputError(f"unsupported plan schema_version (this version reads {PLAN_SCHEMA_VERSION})")
    plan: Plan = _record(Plan, document, "plan")
    return plan
