"""Consumers: who still uses each target resource with a key once this plan is carried out.

The stages turn key / local auth off (and rotate keys) only on a resource that no known consumer
still reaches with a key.  This step looks at every item of the scan, not only the planned units:
a key-based item counts as moved only when a planned unit holds it and it is not a test or
load-test file (their runner keeps its own copy of the key); everything else (needs-review units,
CI scripts, platform settings such as the Functions content share, other apps) is a remaining
consumer, named with its location and why it stays.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from migrate.plan import catalog as cat
from migrate.plan.kept_settings import keeps_secret
from migrate.plan.records import ReviewItem
from migrate.plan.units import Target, Unit, is_key_based, is_kv_ref, where_text
from scanners.records import ConnectionStringAuditItem, FileLocation, ServiceType
from scanners.test_paths import is_test_path as is_test_path  # re-exported: its old home

ItemKey = tuple[tuple[str, ...], str]


def _key(i: ConnectionStringAuditItem) -> ItemKey:
    return (i.sort_key(), i.item_id)


def item_target(i: ConnectionStringAuditItem) -> Target | None:
    """The resource a key-based item reaches, when its endpoint names one."""
    entry = cat.CATALOG.get(i.service_type)
    ep = i.endpoint
    if entry is None or ep.is_empty() or is_kv_ref(i):
        return None
    name = getattr(ep, entry.name_field, None) or ep.account or ep.namespace or ep.server
    if not name and ep.host:
        name = ep.host.split(".", 1)[0]
    if not name or "${" in name or "<" in name:
        return None
    return (i.service_type, name.lower())


@dataclass(frozen=True, slots=True)
class KeyConsumers:
    """Key-based consumers of each target that this plan does not move."""

    remaining: Mapping[Target, tuple[str, ...]]  # target -> "location (why it stays)"
    platform: Mapping[Target, cat.PlatformException]  # targets a platform setting keeps on keys
    unresolved: Mapping[ServiceType, tuple[str, ...]]  # key consumers whose resource the scan could not name

    def of(self, target: Target) -> tuple[str, ...]:
        return self.remaining.get(target, ())


def key_consumers(
    items: Iterable[ConnectionStringAuditItem],
    planned: Mapping[str, Sequence[Unit]],
    review: Sequence[ReviewItem],
) -> KeyConsumers:
    # a planned unit whose key-based settings this plan leaves in place (kept_settings.keeps_secret) still
    # uses its key: its items are remaining consumers, with the reason
    kept = {
        _key(i): why for units in planned.values() for u in units if (why := keeps_secret(u)) for i in u.items
    }
    moved = {_key(i) for units in planned.values() for u in units for i in u.items} - set(kept)
    review_at = {loc: r.reason for r in review for loc in r.locations}
    remaining: dict[Target, set[str]] = defaultdict(set)
    platform: dict[Target, cat.PlatformException] = {}
    unresolved: dict[ServiceType, set[str]] = defaultdict(set)
    for i in items:
        if not is_key_based(i):
            continue
        exception = cat.platform_exception(i.setting_name)
        test = isinstance(i.location, FileLocation) and is_test_path(i.location.path)
        if _key(i) in moved and not test and exception is None:
            continue
        if exception is not None:
            why = f"{exception.setting}: platform setting, keeps its key"
        elif test:
            why = "test or load-test file: its runner keeps the key"
        elif _key(i) in kept:
            why = kept[_key(i)]
        else:
            reason = review_at.get(where_text(i))
            why = f"needs review: {reason.value}" if reason else "not planned"
        text = f"{where_text(i)} ({why})"
        target = item_target(i)
        if target is None:
            unresolved[i.service_type].add(text)
            continue
        remaining[target].add(text)
        if exception is not None and exception.keeps_local_auth:
            platform.setdefault(target, exception)
    return KeyConsumers(
        {t: tuple(sorted(v)) for t, v in remaining.items()},
        platform,
        {s: tuple(sorted(v)) for s, v in unresolved.items()},
    )
