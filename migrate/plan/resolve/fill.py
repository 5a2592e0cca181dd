"""`secretless plan --subscription`: the plan's placeholder scopes filled from ARM.

Each grant scope written with `<target-subscription>` / `<target-resource-group>` becomes the real
resource id when ARM has exactly one resource of that type and name; `<application-insights
component>` becomes the component whose instrumentation key has the scan's fingerprint.  Every
occurrence of the old scope in the app's plan (grant statements, commands) changes with it.  What ARM
does not answer stays a placeholder, for `secretless migrate --set`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from migrate.plan.reader import read_plan
from migrate.plan.records import Plan, dumps
from migrate.plan.resolve.arm import FoundResource, ResourceIndex, resolve_scope


def _component(fingerprints: list[str], index: ResourceIndex) -> FoundResource | None:
    found = {c.id: c for fp in fingerprints if (c := index.component_for_key(fp)) is not None}
    return next(iter(found.values())) if len(found) == 1 else None


def resolve_plan(plan: Plan, index: ResourceIndex, fingerprints: Mapping[str, str]) -> tuple[Plan, int]:
    """`plan` with the scopes ARM resolves filled in, and how many grants changed.  `fingerprints`:
    item id -> the scan's fingerprint (used for Application Insights components, whose key hashes
    in `index` must be under the scan's fingerprint key)."""
    doc: dict[str, Any] = json.loads(dumps(plan))
    changed = 0
    for app, raw in zip(plan.apps, doc["apps"], strict=True):
        replacements: dict[str, str] = {}
        for g in app.grants:
            unit = next((u for u in app.units if u.unit == g.unit), None)
            ids = unit.item_ids if unit is not None else ()
            component = _component([fingerprints[i] for i in ids if i in fingerprints], index)
            real = resolve_scope(g.scope, index, component)
            if real is not None:
                replacements[g.scope] = real
        if not replacements:
            continue
        changed += sum(1 for g in app.grants if g.scope in replacements)
        text = json.dumps(raw)
        for old in sorted(replacements, key=len, reverse=True):
            text = text.replace(json.dumps(old)[1:-1], json.dumps(replacements[old])[1:-1])
        raw.clear()
        raw.update(json.loads(text))
    return read_plan(doc), changed
