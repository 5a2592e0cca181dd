"""Optional units: what an app can migrate without.  Telemetry (Application Insights) is its own
step: when its component is not known the step is skipped with a note and the app's migration goes
on; a telemetry grant never blocks the grants, settings and removals of the app's data targets."""

from __future__ import annotations

from scanners.records import ServiceType

OPTIONAL_SERVICES: frozenset[ServiceType] = frozenset({ServiceType.APPLICATION_INSIGHTS})
OPTIONAL_SKIP_NOTE = (
    "optional (telemetry): skipped because its target is not known; the app's migration goes on. "
    "Run it later with {set_hint}"
)
