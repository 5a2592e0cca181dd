"""Issue 12 ("Do no harm"), problems 1, 2 and 13: a platform setting with no identity form stays
(with its storage account's shared keys); local auth goes off, and keys are rotated, only when every
key-based consumer the scan knows has moved; Application Insights' authentication string is an app
setting and its component is never switched off unresolved.

The fixtures are in tests/fixtures/local-auth/ (see its README): each case is scanned for real
(repository and/or `--az-export`), planned, read back as `secretless emit` reads it, and emitted.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from migrate.emit import EmitResult, emit_plan
from migrate.plan import catalog as cat
from migrate.plan.consumers import is_test_path
from migrate.plan.planner import plan as make_plan
from migrate.plan.reader import read_plan
from migrate.plan.records import AppPlan, LocalAuthChange, Plan, ReviewReason, StageName
from migrate.run.playbooks import Action, load_bundled
from migrate.run.steps import build_steps
from scanners.records import ServiceType as S
from scanners.repository import RepositoryScanOptions
from scanners.scan_job import run_scan
from scanners.serialization import dumps
from tests.conftest import REPO, TEST_KEY
from tests.migrate.emit.az_table import extract

FIXTURES = REPO / "tests" / "fixtures" / "local-auth"
CONTENT = cat.CONTENT_SHARE_SETTING


@cache
def _document(repo: str | None, az_export: str | None) -> str:
    exports = (str(FIXTURES / az_export),) if az_export else ()
    result = run_scan(
        str(FIXTURES / repo) if repo else None, TEST_KEY, RepositoryScanOptions(jobs=1), None, None, exports
    )
    return dumps(result)


def document(repo: str | None, az_export: str | None = None) -> dict[str, Any]:
    """The scan document of a fixture repository and/or `--az-export` folder (relative to FIXTURES)."""
    loaded: dict[str, Any] = json.loads(_document(repo, az_export))
    return loaded


def planned(repo: str | None, az_export: str | None = None) -> Plan:
    return read_plan(make_plan(document(repo, az_export)).to_json())


def app_named(p: Plan, suffix: str) -> AppPlan:
    found = [a for a in p.apps if a.app.endswith(suffix)]
    assert len(found) == 1, [a.app for a in p.apps]
    return found[0]


def local_auth(app: AppPlan, resource: str) -> LocalAuthChange:
    found = [la for la in app.local_auth if la.resource == resource]
    assert len(found) == 1, [la.resource for la in app.local_auth]
    return found[0]


def scripts(result: EmitResult, app_folder: str, stage: str) -> str:
    """The bash and PowerShell scripts of one stage (e.g. `07-disable-local-auth`) of one app."""
    texts = [a.text for p, a in result.files.items() if p.startswith(f"{app_folder}/az/{stage}.")]
    assert len(texts) == 2, sorted(result.files)
    return "\n".join(texts)


def az_commands(result: EmitResult, app_folder: str | None, stage: str) -> list[str]:
    """Every `az` command (argv joined, without `az`) the bash and PowerShell scripts of one stage run,
    for one app folder or (None) for every app: echoed titles and notes are not commands."""
    out: list[str] = []
    for path, artifact in sorted(result.files.items()):
        folder, _, rest = path.partition("/")
        if (app_folder is None or folder == app_folder) and rest in (f"az/{stage}.sh", f"az/{stage}.ps1"):
            out += [" ".join(argv) for argv in extract(artifact.text, powershell=path.endswith(".ps1"))]
    return out


def last_stage(app: AppPlan) -> tuple[str, ...]:
    return next(s.steps for s in app.stages if s.name is StageName.DISABLE_LOCAL_AUTH)


# --- problem 1: the content share of a Consumption / Elastic Premium Functions app ------------------


def _consumption() -> tuple[Plan, AppPlan]:
    p = planned(None, "consumption-functions")
    return p, app_named(p, "/rg-ingest/func-ingest")


def test_the_content_share_setting_is_kept_not_rewritten_granted_or_removed() -> None:
    p, app = _consumption()
    names = {s.setting for s in app.settings}
    # the plan does act on the app (the host storage and the bus move): the checks below can fail
    assert {cat.HOST_STORAGE_ACCOUNT_NAME, "Orders__fullyQualifiedNamespace"} <= names
    assert not [n for n in names if n.upper().startswith(CONTENT)]
    assert not [r for r in app.removals if CONTENT in r.what or CONTENT in r.where]
    assert not [g for g in app.grants if "website_contentazurefileconnectionstring" in g.unit]
    assert not [u for u in app.units if "website_contentazurefileconnectionstring" in u.unit]
    (review,) = [r for r in p.needs_review if r.reason is ReviewReason.PLATFORM_EXCEPTION]
    assert review.app == app.app and not review.action_needed
    assert "Azure Files" in review.detail and "cannot use a managed identity" in review.detail
    emitted = emit_plan(p, None)
    folder = next(p.split("/", 1)[0] for p in emitted.files if p.endswith("/az/06-remove-secrets.sh"))
    for stage in ("03-settings", "06-remove-secrets"):
        assert CONTENT not in "\n".join(az_commands(emitted, folder, stage))


def test_the_content_share_account_keeps_its_shared_keys_and_its_keys() -> None:
    p, app = _consumption()
    host = local_auth(app, "fningesthost")
    assert host.command is None and host.rotation is None
    assert host.blocked_reason and CONTENT in host.blocked_reason and "Azure Files" in host.blocked_reason
    assert any(CONTENT in c for c in host.remaining_consumers)
    bus = local_auth(app, "fningest-bus")  # nothing else uses the bus: its local auth does go off
    assert bus.command and "--disable-local-auth true" in bus.command and bus.rotation
    assert not [s for s in last_stage(app) if s.startswith("az ") and "fningesthost" in s]
    emitted = emit_plan(p, None)
    folder = next(p.split("/", 1)[0] for p in emitted.files if p.endswith("/az/07-disable-local-auth.sh"))
    commands = az_commands(emitted, folder, "07-disable-local-auth")
    assert [c for c in commands if "servicebus namespace update" in c]
    assert not [c for c in commands if "fningesthost" in c]
    # the guided migration: the bus is turned off through ARM, the content share account only by hand
    values = {
        "target-resource-group": "rg-data",
        "target-subscription": "00000000-0000-0000-0000-0000000f0c05",
    }
    steps = {
        s.id.split("/")[1]: s
        for s in build_steps(app, load_bundled(), values)
        if s.stage is StageName.DISABLE_LOCAL_AUTH and s.id.startswith("local-auth/")
    }
    assert steps["service-bus"].action is Action.DISABLE_LOCAL_AUTH
    assert steps["storage"].action is Action.MANUAL and steps["storage"].resource_id is None
    assert "stays on" in steps["storage"].title and not steps["storage"].destructive


@pytest.mark.parametrize("exception", cat.PLATFORM_EXCEPTIONS, ids=lambda e: e.setting)
def test_every_platform_exception_is_kept_and_holds_local_auth(exception: cat.PlatformException) -> None:
    from tests.migrate.plan.test_planner import EP, doc, live_item, site

    assert exception.reason and exception.source
    setting = live_item(exception.service, exception.setting, endpoint=EP[exception.service])
    other = live_item(exception.service, "Data", endpoint=EP[exception.service])
    p = make_plan(doc([setting, other], [site(kind="functionapp")]))
    assert [r.reason for r in p.needs_review] == [ReviewReason.PLATFORM_EXCEPTION]
    (app,) = p.apps
    assert not [s for s in app.settings if s.setting.upper().startswith(exception.setting.upper())]
    if exception.keeps_local_auth:
        (la,) = app.local_auth
        assert la.command is None and la.rotation is None and la.blocked_reason


def test_a_content_share_whose_account_is_unknown_holds_every_storage_account_of_the_app() -> None:
    from tests.migrate.plan.test_planner import EP, doc, live_item, site

    share = live_item(
        S.STORAGE, CONTENT, value_class="reference", preview="@Microsoft.KeyVault(SecretUri=...)"
    )
    data = live_item(S.STORAGE, "Data", endpoint=EP[S.STORAGE])
    settings = [CONTENT, "Data"]
    p = make_plan(doc([share, data], [site(kind="functionapp", settings=settings)]))
    (app,) = p.apps
    (la,) = app.local_auth
    assert la.resource == "acct" and la.command is None and la.rotation is None
    assert la.blocked_reason and CONTENT in la.blocked_reason and "could not name" in la.blocked_reason
    assert [r.reason for r in p.needs_review] == [ReviewReason.PLATFORM_EXCEPTION]


# --- problem 2: consumers outside the plan; a repository-only plan -----------------------------------


def _shared() -> tuple[Plan, AppPlan]:
    p = planned("shared-consumers/repo", "shared-consumers/az-export")
    return p, app_named(p, "/rg-shop/web-shop")


def test_a_resource_with_a_consumer_the_plan_does_not_move_keeps_local_auth_and_keys() -> None:
    p, app = _shared()
    cosmos = local_auth(app, "shop-cosmos")  # also used by a load-test file
    assert cosmos.command is None and cosmos.rotation is None
    assert [c for c in cosmos.remaining_consumers if c.startswith("loadtest/locustfile.py:")]
    assert cosmos.blocked_reason and "loadtest/locustfile.py" in cosmos.blocked_reason
    bus = local_auth(app, "shop-bus")  # also used by a maintenance script (needs review: CI secret)
    assert bus.command is None and bus.rotation is None
    assert [c for c in bus.remaining_consumers if c.startswith("scripts/purge-dead-letters.sh:")]
    assert [
        r for r in p.needs_review if any(x.startswith("scripts/purge-dead-letters.sh") for x in r.locations)
    ]
    images = local_auth(app, "shopimages")  # web-admin, also in this plan, moves too: the gate opens
    assert images.command and "--allow-shared-key-access false" in images.command and images.rotation
    assert not images.remaining_consumers
    assert [a for a in images.shared_with if a.endswith("/web-admin")]
    emitted = emit_plan(p, None)
    folder = next(
        f.split("/", 1)[0]
        for f in emitted.files
        if "web-shop" in f and f.endswith("07-disable-local-auth.sh")
    )
    text = scripts(emitted, folder, "07-disable-local-auth")
    commands = az_commands(emitted, folder, "07-disable-local-auth")
    assert [c for c in commands if "shopimages" in c and "--allow-shared-key-access false" in c]
    assert [c for c in commands if "keys renew" in c and "shopimages" in c]
    assert not [c for c in commands if "shop-cosmos" in c or "shop-bus" in c]
    assert "still uses a key: loadtest/locustfile.py" in text
    assert "(in this plan): run this only after they finished 06-remove-secrets" in text
    # the guided migration leaves a resource other apps of the plan use to the operator
    values = {
        "target-resource-group": "rg-data",
        "target-subscription": "00000000-0000-0000-0000-0000000005a0",
    }
    storage = [s for s in build_steps(app, load_bundled(), values) if s.id.startswith("local-auth/storage/")]
    assert storage and all(s.action is Action.MANUAL for s in storage)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("loadtest/locustfile.py", True),
        ("tests/conftest.py", True),
        ("src/Shop.Api.Tests/OrderTests.cs", True),
        ("src/a_test.go", True),
        ("web/app.spec.ts", True),
        ("perf/checkout.jmx", True),
        ("test_orders.py", True),
        ("src/latest.py", False),
        ("src/contest.js", False),
        ("src/testing/app.py", False),
        ("src/Shop.Api/Program.cs", False),
    ],
)
def test_test_and_load_test_paths(path: str, expected: bool) -> None:
    assert is_test_path(path) is expected


def test_a_repository_only_plan_never_turns_local_auth_off_or_rotates_keys() -> None:
    p = planned("repo-only")
    changes = [la for a in p.apps for la in a.local_auth]
    assert {la.resource for la in changes} >= {"repofnhost", "repoimages"}
    for la in changes:
        assert la.command is None and la.rotation is None, la.resource
        assert la.blocked_reason and "repository-only plan" in la.blocked_reason
    for a in p.apps:
        assert not [s for s in last_stage(a) if s.startswith("az ")]
    emitted = emit_plan(p, None)
    local = "\n".join(a.text for f, a in emitted.files.items() if "/az/07-disable-local-auth." in f)
    assert local and "repository-only plan" in local
    commands = az_commands(emitted, None, "07-disable-local-auth")
    assert az_commands(emitted, None, "01-identity"), "the scripts are read: the checks below can fail"
    assert not [
        c for c in commands if "storage account update" in c or "keys renew" in c or "resource update" in c
    ]
    # the service principal's secret: the deployed app may still use it, so its credential is not deleted
    assert [r for a in p.apps for r in a.removals if r.command and cat.ENTRA_CREDENTIAL_DELETE in r.command]
    assert not [c for c in commands if cat.ENTRA_CREDENTIAL_DELETE.removeprefix("az ") in c]


# --- problem 13: Application Insights -------------------------------------------------------------


def test_the_app_insights_authentication_string_is_an_app_setting_not_a_config_file_entry() -> None:
    p = planned("repo-only")
    api = app_named(p, "src/Shop.Api")
    (auth,) = [s for s in api.settings if s.setting == cat.AI_AUTH_SETTING]
    assert auth.where == "app-setting" and auth.value_template == cat.AI_AUTH_SYSTEM
    emitted = emit_plan(p, FIXTURES / "repo-only")
    config = [a.text for f, a in emitted.files.items() if f.startswith("src-shop-api/config.")]
    assert config, sorted(emitted.files)  # the Storage setting is patched in appsettings.json
    assert not [t for t in config if cat.AI_AUTH_SETTING in t]
    assert f"{cat.AI_AUTH_SETTING}={cat.AI_AUTH_SYSTEM}" in scripts(emitted, "src-shop-api", "03-settings")


def test_the_app_insights_code_change_names_set_azure_token_credential() -> None:
    p = planned("repo-only")
    api = app_named(p, "src/Shop.Api")
    ai_units = {u.unit for u in api.units if u.service == "application-insights"}
    changes = [c for c in api.code_changes if c.unit in ai_units]
    assert changes and all("SetAzureTokenCredential" in c.change for c in changes)
    emitted = emit_plan(p, FIXTURES / "repo-only")
    assert "SetAzureTokenCredential" in emitted.files["src-shop-api/suggestions.md"].text


def test_local_auth_is_never_turned_off_on_an_unresolved_app_insights_component() -> None:
    estate = planned(
        None, str(REPO / "examples" / "az-export")
    )  # an estate plan: the repository rule is not why
    for p in (estate, planned("repo-only")):
        ai = [la for a in p.apps for la in a.local_auth if la.service == "application-insights"]
        assert ai
        for la in ai:
            assert la.command is None and la.rotation is None
            assert la.blocked_reason and "could not name" in la.blocked_reason


# --- secrets stay out of what the plan and the emitter write ---------------------------------------


def test_no_planted_key_reaches_the_plan_or_the_artifacts() -> None:
    cases = (
        (None, "consumption-functions", None),
        ("shared-consumers/repo", "shared-consumers/az-export", None),
        ("repo-only", None, "repo-only"),
    )
    seen = 0
    for repo, export, emit_repo in cases:
        doc = document(repo, export)
        secret_ids = {i["Id"] for i in doc["items"] if i["ValueClass"] == "secret"}
        p = planned(repo, export)
        text = json.dumps(p.to_json())
        acted_on = {x for a in p.apps for u in a.units for x in u.item_ids} | {
            x for r in p.needs_review for x in r.item_ids
        }
        assert secret_ids and secret_ids <= acted_on, "the plan covers every planted key"
        emitted = emit_plan(p, FIXTURES / emit_repo if emit_repo else None)
        for artifact in (text, *(a.text for a in emitted.files.values())):
            seen += 1
            assert "CANARY" not in artifact
    assert seen > 20


def test_key_wiring_outside_the_plan_holds_local_auth() -> None:
    """A script that copies the account key at run time (`az storage account keys list`) is key
    wiring: `reference`, not `secret` (no key is written in it), and still a key consumer."""
    doc = document("key-wiring", "shared-consumers/az-export")
    wiring = [
        i
        for i in doc["items"]
        if i["Location"].get("path") == "scripts/export-images.sh" and i["Detector"] == "scripts:key-fetch"
    ]
    assert len(wiring) == 1 and wiring[0]["ValueClass"] == "reference"  # found, and not a secret value
    assert wiring[0]["Endpoint"] == {"account": "shopimages"}
    images = local_auth(
        app_named(planned("key-wiring", "shared-consumers/az-export"), "/rg-shop/web-shop"), "shopimages"
    )
    assert images.command is None and images.rotation is None
    assert [c for c in images.remaining_consumers if c.startswith("scripts/export-images.sh:4")]
