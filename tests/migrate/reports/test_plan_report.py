"""The plan report: every grant, removal and needs-review item of the bundled examples' plans in
Markdown, HTML and JSON; new record fields shown without template changes; input escaped; no
secret value."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from migrate.plan.reader import read_plan
from migrate.plan.records import AppPlan, Grant, Plan, ReviewItem, ReviewReason, StageName
from migrate.reports.documents import UnsupportedFormatError, kind_of, render_document
from migrate.reports.plan_model import RESOLUTIONS, build_plan_report, resolution
from migrate.reports.plan_report import PLAN_RENDERERS
from migrate.reports.templating import app_label, markdown_cell, short_unit
from tests.migrate.estate_audit import AZ_EXPORT
from tests.test_example_estate import CANARY_TOKEN_RE, _canaries, _leaks, _manifest

FORMATS = ("md", "html")


def _load(path: Path) -> Plan:
    return read_plan(json.loads(path.read_text(encoding="utf-8")))


def _render(plan: Plan, fmt: str) -> str:
    return PLAN_RENDERERS[fmt].render(build_plan_report(plan))


def _enc(value: object, fmt: str) -> str:
    return markdown_cell(value) if fmt == "md" else str(escape(str(value)))


def _rows(text: str, fmt: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")] if fmt == "md" else text.split("<tr>")


def _has_row(text: str, fmt: str, *values: object) -> bool:
    wanted = [_enc(v, fmt) for v in values if v not in (None, "")]
    return any(all(w in row for w in wanted) for row in _rows(text, fmt))


def _stage_line(order: int, name: str, gate: str, fmt: str) -> str:
    if fmt == "md":
        return f"{order}. **{_enc(name, fmt)}**: gate: {_enc(gate, fmt)}"
    return f'<li value="{order}"><strong>{_enc(name, fmt)}</strong>: <span class="muted">gate:</span> {_enc(gate, fmt)}'


def _app_sections(text: str, plan: Plan, fmt: str) -> dict[str, str]:
    """The text of each app's section (from its heading to the next app's)."""
    marks = [("### " if fmt == "md" else '<h3 class="mono">') + _enc(a.app, fmt) for a in plan.apps]
    starts = [text.index(m) for m in marks]
    ends = [*starts[1:], text.index("Needs review", starts[-1])]
    return {a.app: text[s:e] for a, s, e in zip(plan.apps, starts, ends, strict=True)}


@pytest.fixture(params=["estate", "repo"])
def plan(request: pytest.FixtureRequest) -> Plan:
    return _load(request.getfixturevalue(f"{request.param}_plan"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_grant_removal_and_review_item_appears(plan: Plan, fmt: str) -> None:
    assert plan.apps and any(a.grants for a in plan.apps) and any(a.removals for a in plan.apps)
    text = _render(plan, fmt)
    sections = _app_sections(text, plan, fmt)
    report = build_plan_report(plan)
    checked = 0
    for app, view in zip(plan.apps, report.apps, strict=True):
        section = sections[app.app]
        for g in app.grants:
            guid = g.role_guid or f"none: {g.authorization}"
            row = (short_unit(g.unit), g.principal, g.role, guid, g.scope, g.reason)
            assert _has_row(section, fmt, *row), (app.app, g.role, g.scope)
            assert _enc(g.access, fmt) in section and _enc(g.basis, fmt) in section
            if g.authorization != "arm-rbac":  # a data-plane step with its statement
                assert _has_row(section, fmt, g.authorization, g.role, g.statement)
            checked += 1
        for rv in view.removals:
            r = rv.removal
            assert rv.gate, r.what
            assert _has_row(section, fmt, r.what, r.where, r.stage, rv.gate, r.why, r.command or "by hand")
            checked += 1
        # identity decision and rule, settings beside the old ones, local auth, stages in order, risks
        assert _enc(app.identity.rule, fmt) in section and _enc(app.identity.kind, fmt) in section
        for s in view.new_settings:
            assert _has_row(section, fmt, s.setting, s.where, s.value_template, s.reason)
        for la in app.local_auth:
            decision = la.command if la.command else la.blocked_reason
            assert _has_row(section, fmt, la.service, la.resource, decision, *la.remaining_consumers)
        positions = [section.index(_stage_line(s.order, s.name, s.gate, fmt)) for s in app.stages]
        assert positions == sorted(positions) and len(positions) == len(StageName)
        for risk in app.risks:
            assert _enc(risk.text, fmt) in section
    for item in plan.needs_review:
        row = (
            app_label(item.app),
            short_unit(item.unit),
            item.service,
            item.reason,
            item.detail,
            resolution(item),
        )
        assert _has_row(text, fmt, *row), (item.app, item.unit)
        checked += 1
    assert checked == sum(len(a.grants) + len(a.removals) for a in plan.apps) + len(plan.needs_review)
    # the summary comes first and counts what the plan holds
    assert text.index("Summary") < text.index(_enc(plan.apps[0].app, fmt))
    assert _has_row(text, fmt, "grants", sum(len(a.grants) for a in plan.apps))
    assert _has_row(text, fmt, "removals", sum(len(a.removals) for a in plan.apps))


def test_repo_plan_has_review_items_with_a_resolution_each(repo_plan: Path) -> None:
    plan = _load(repo_plan)
    reasons = {str(r.reason) for r in plan.needs_review}
    assert len(reasons) >= 5 and reasons <= set(RESOLUTIONS), reasons - set(RESOLUTIONS)
    report = build_plan_report(plan)
    blocked = " ".join(b.what for b in report.blocked)
    for reason in {str(r.reason) for r in plan.needs_review if r.action_needed}:
        assert reason in blocked  # the summary says what is blocked and why


def test_json_report_holds_the_plan_and_what_the_report_adds(estate_plan: Path, repo_plan: Path) -> None:
    for path in (estate_plan, repo_plan):
        raw = json.loads(path.read_text(encoding="utf-8"))
        doc = json.loads(render_document(raw, "json", path))
        assert doc["kind"] == "plan-report" and doc["plan"] == raw
        assert [r["resolution"] for r in doc["needs_review"]] == [
            resolution(r) for r in read_plan(raw).needs_review
        ]
        gates = [g for gs in doc["removal_gates"].values() for g in gs]
        assert len(gates) == raw["summary"]["removals"] and all(g["gate"] for g in gates)


def test_formats_a_plan_does_not_come_in(estate_plan: Path) -> None:
    raw = json.loads(estate_plan.read_text(encoding="utf-8"))
    assert kind_of(raw) == "plan"
    for fmt in ("sarif", "csv"):
        with pytest.raises(UnsupportedFormatError, match="md, html, json"):
            render_document(raw, fmt, estate_plan)


# ------------------------------------------------------------------ fields added to the records


def _with_field(cls: type, name: str, tp: Any, default: Any) -> type:
    """A subclass of a record with one more field with a default, as a newer plan would have."""
    return dataclasses.make_dataclass(
        f"Newer{cls.__name__}",
        [(name, tp, dataclasses.field(default=default))],
        bases=(cls,),
        frozen=True,
        slots=True,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Precondition:
    what: str
    why: str


@pytest.mark.parametrize("fmt", FORMATS)
def test_fields_added_to_the_records_are_rendered(estate_plan: Path, fmt: str) -> None:
    plan = _load(estate_plan)
    grant_cls = _with_field(Grant, "least_privilege_reason", str, "")
    review_cls = _with_field(ReviewItem, "resolution_hint", str | None, None)
    app_cls = _with_field(AppPlan, "preflight_checks", tuple[Precondition, ...], ())
    plan_cls = _with_field(Plan, "cross_tenant_decisions", tuple[str, ...], ())
    app = plan.apps[0]
    grants = [
        grant_cls(
            **{f.name: getattr(g, f.name) for f in dataclasses.fields(g)}, least_privilege_reason=f"LPR-{i}"
        )
        for i, g in enumerate(app.grants)
    ]
    grants.append(grant_cls(**{f.name: getattr(app.grants[0], f.name) for f in dataclasses.fields(Grant)}))
    newer_app = app_cls(
        **{f.name: getattr(app, f.name) for f in dataclasses.fields(AppPlan)},
        preflight_checks=(Precondition("Entra admin on contoso-orders", "PREREQ-WHY"),),
    )
    newer_app = dataclasses.replace(newer_app, grants=tuple(grants))
    review = review_cls(
        app=app.app,
        unit="u::x",
        service="storage",
        reason=ReviewReason.NO_ENDPOINT,
        detail="d",
        action_needed=True,
        item_ids=(),
        locations=(),
        resolution_hint="HINT-1",
    )
    newer = plan_cls(
        apps=(newer_app,),
        needs_review=(review,),
        already_passwordless=(),
        cross_tenant_decisions=("TENANT-DECISION",),
    )
    text = _render(newer, fmt)
    for i in range(len(app.grants)):
        assert _enc(f"LPR-{i}", fmt) in text
    assert text.count(_enc("least privilege reason", fmt)) == len(app.grants)  # a default is not shown
    for value in ("PREREQ-WHY", "Entra admin on contoso-orders", "HINT-1", "TENANT-DECISION"):
        assert _enc(value, fmt) in text, value
    assert _enc("Preflight checks", fmt) in text and _enc("Cross tenant decisions", fmt) in text


# ------------------------------------------------------------------ escaping and secrets

HOSTILE = "[click](https://evil.example/x) ![img](https://evil.example/p.png) <script>alert(1)</script> \x1b[31mred\x07"


def test_input_cannot_become_markup_links_or_control_characters(estate_plan: Path) -> None:
    raw = json.loads(estate_plan.read_text(encoding="utf-8"))
    raw["apps"][0]["grants"][0]["reason"] = HOSTILE
    raw["apps"][0]["removals"][0]["why"] = HOSTILE
    raw["apps"][0]["identity"]["rule"] = HOSTILE
    raw["needs_review"] = [
        {
            "app": HOSTILE,
            "unit": "x::y",
            "service": "storage",
            "reason": "no-endpoint",
            "detail": HOSTILE,
            "action_needed": True,
            "item_ids": [],
            "locations": [HOSTILE],
        }
    ]
    md = render_document(raw, "md", estate_plan)
    html = render_document(raw, "html", estate_plan)
    assert md.count("evil.example") >= 4 and html.count("evil.example") >= 4  # the text is there, inert
    assert not re.search(r"(?<!\\)\]\(", md), "no [text](url) and no ![image](url)"
    assert "://" not in md and "<script" not in md, "no autolink, no raw HTML"
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", md + html)
    assert "<script" not in html and "&lt;script&gt;" in html and 'href="https://evil' not in html


def _report_texts(path: Path) -> list[str]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return [render_document(raw, fmt, path) for fmt in ("md", "html", "json")]


def test_no_secret_value_in_the_repo_plan_report(repo_plan: Path) -> None:
    plan = _load(repo_plan)
    canaries = _canaries()
    assert len(canaries) > 10
    # the scan found the planted secrets and the plan carries them (by location, never by value)
    planted = {f"{e['path']}:{e['line']}" for e in _manifest() if e["value_class"] == "secret"}
    where = {loc for a in plan.apps for u in a.units for loc in u.locations}
    where |= {loc for r in plan.needs_review for loc in r.locations}
    assert planted and planted <= where, sorted(planted - where)
    for text in _report_texts(repo_plan):
        assert _leaks(text, canaries) == []


def test_no_secret_value_in_the_estate_plan_report(estate_plan: Path) -> None:
    canaries = {c for p in AZ_EXPORT.glob("*.json") for c in CANARY_TOKEN_RE.findall(p.read_text())}
    assert len(canaries) >= 3
    plan = _load(estate_plan)
    removed = {r.what for a in plan.apps for r in a.removals}
    assert {"AZURE_CLIENT_SECRET", "Storage", "Orders"} <= removed  # the settings that held them
    for text in _report_texts(estate_plan):
        assert "CANARY" not in text and _leaks(text, canaries) == []


def test_an_items_own_resolution_comes_before_the_reviewers_step(estate_plan: Path) -> None:
    plan = _load(estate_plan)
    item = ReviewItem(plan.apps[0].app, "u::x", "storage", ReviewReason.NO_ENDPOINT, "d", True, (), ())
    assert resolution(item) == RESOLUTIONS["no-endpoint"]
    own = dataclasses.replace(item, resolution="set Storage__accountName to the account")
    assert resolution(own) == "set Storage__accountName to the account"
    md = _render(dataclasses.replace(plan, needs_review=(own,)), "md")
    assert md.count(markdown_cell(own.resolution)) == 1  # in its column, not twice
