"""Issue 12, problems 8 and 11, on the emitted bash scripts run in order (01 to 07) against the
recording fake `az` (`tests/migrate/emit/fake_az.py`): prerequisites run before the grants, every new
setting is set (03), read back and health-checked (04) before its old setting is removed (06), and
the swap, removal and local-auth scripts refuse to run unless 04-verify passed (or --i-verified)."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from migrate.emit import EmitResult, emit_plan
from migrate.plan.planner import plan
from migrate.plan.reader import read_plan
from migrate.plan.records import Plan, SettingAction, StageName
from tests.conftest import REPO
from tests.migrate.emit import fake_az
from tests.migrate.emit.az_table import check

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

ORDER = ("01-identity", "02-grant-roles", "03-settings", "04-verify", "05-swap", "06-remove-secrets")
ALL = (*ORDER, "07-disable-local-auth")
PREREQUISITES = (
    ["sql", "server", "ad-admin", "create"],
    ["postgres", "flexible-server", "update"],
    ["postgres", "flexible-server", "microsoft-entra-admin", "create"],
    ["mysql", "flexible-server", "identity", "assign"],
    ["mysql", "flexible-server", "ad-admin", "create"],
    ["redis", "update"],
    ["keyvault", "set-policy"],
    ["rest"],
)
GRANTS = (
    ["role", "assignment", "create"],
    ["cosmosdb", "sql", "role", "assignment", "create"],
    ["redis", "access-policy-assignment", "create"],
)


def _starts(argv: list[str], prefixes: tuple[list[str], ...]) -> bool:
    return any(argv[: len(p)] == p for p in prefixes)


class Run:
    """The scripts of one app, run in order with one fake `az` history."""

    def __init__(self, result: EmitResult, app: str, tmp: Path, **env: str) -> None:
        self.files = {
            p.split("/az/")[1][:-3]: a.text
            for p, a in result.files.items()
            if p.startswith(f"{app}/az/") and p.endswith(".sh")
        }
        assert set(ALL) <= set(self.files), sorted(self.files)
        self.tmp = tmp
        self.log = tmp / "az.log"
        self.verified = tmp / "verified"
        fake_az.install(tmp / "bin")
        self.env = fake_az.env(tmp / "bin", self.log, tmp / "state", self.verified, **env)

    def run(self, name: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        text = self.files[name]
        script = self.tmp / f"{name}.sh"
        script.write_text(text, encoding="utf-8")
        names = re.findall(r'^([A-Z][A-Z0-9_]*)="\$\{\1:\?', text, re.MULTILINE)
        with self.log.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(["#script", name]) + "\n")
        values = {n: f"value-of-{n.lower()}" for n in names}
        return subprocess.run(
            ["bash", str(script), *args],
            capture_output=True,
            text=True,
            check=False,
            env={**self.env, **values, **env},
            timeout=120,
        )

    def calls(self) -> list[tuple[str, list[str]]]:
        out: list[tuple[str, list[str]]] = []
        script = ""
        for line in self.log.read_text(encoding="utf-8").splitlines():
            argv = json.loads(line)
            if argv[0] == "#script":
                script = argv[1]
                continue
            out.append((script, argv))
        return out


def _document(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((REPO / "tests" / "fixtures" / "do-no-harm" / name).read_text("utf-8"))
    return doc


def _with_key_vault_references(doc: dict[str, Any]) -> dict[str, Any]:
    """The app also has Key Vault references: one to an RBAC vault, one to an access-policy vault."""
    doc = copy.deepcopy(doc)
    template = next(i for i in doc["items"] if i["SettingName"] == "Storage")
    for n, (setting, vault, model) in enumerate(
        (
            ("Payments", "kv-rbac", "uses Azure RBAC: grant Key Vault Secrets User"),
            ("Partner", "kv-policies", "uses access policies: move it to Azure RBAC first"),
        )
    ):
        item = copy.deepcopy(template)
        item.update(
            {
                "CredentialKind": "secret-reference",
                "Detector": "app-service:key-vault-reference",
                "Endpoint": {},
                "Fingerprint": f"hs1:{n:032x}",
                "Id": f"{n:016x}",
                "Notes": [f"vault {vault} {model}", "Key Vault references resolve as SystemAssigned"],
                "RedactedPreview": f"@Microsoft.KeyVault(VaultName={vault};SecretName={setting.lower()})",
                "ServiceType": "generic",
                "SettingName": setting,
                "Unit": item["Unit"].rsplit("::", 1)[0] + f"::{setting.lower()}",
                "ValueClass": "reference",
            }
        )
        item["Location"] = {**item["Location"], "setting": setting}
        doc["items"].append(item)
    for site in doc["sites"]:
        site["app_setting_names"] = [*site["app_setting_names"], "Payments", "Partner"]
    return doc


def _emit(doc: dict[str, Any]) -> tuple[Plan, EmitResult]:
    p = read_plan(plan(doc).to_json())
    return p, emit_plan(p, None)


def _app_dir(result: EmitResult) -> str:
    (app,) = {p.split("/", 1)[0] for p in result.files if "/az/" in p}
    return app


def test_prerequisites_run_before_the_grants(example_emitted: EmitResult, tmp_path: Path) -> None:
    """The example's web app uses SQL, MySQL and Redis, its Python service PostgreSQL."""
    seen: set[str] = set()
    for app in ("src-contoso-web", "services-ingest-py"):
        run = Run(example_emitted, app, tmp_path / app)
        for name in ORDER:
            r = run.run(name)
            assert r.returncode == 0, (app, name, r.stderr)
        calls = run.calls()
        prereq = [n for n, (s, a) in enumerate(calls) if _starts(a, PREREQUISITES)]
        grants = [n for n, (s, a) in enumerate(calls) if _starts(a, GRANTS)]
        assert prereq, app
        assert all(calls[n][0] == "02-grant-roles" for n in prereq), app
        assert not grants or max(prereq) < min(grants), (app, calls)
        seen.update(" ".join(calls[n][1][:3]) for n in prereq)
        for _s, argv in calls:
            assert argv == ["#curl"] or check(argv) == [], argv
    assert {"sql server ad-admin", "redis update -g", "mysql flexible-server identity"} <= seen, seen
    assert {"postgres flexible-server update", "postgres flexible-server microsoft-entra-admin"} <= seen, seen


def test_redis_entra_auth_comes_before_its_access_policy(example_emitted: EmitResult, tmp_path: Path) -> None:
    run = Run(example_emitted, "src-contoso-web", tmp_path)
    assert run.run("01-identity").returncode == 0
    assert run.run("02-grant-roles").returncode == 0
    calls = [a for _s, a in run.calls()]
    enable = next(n for n, a in enumerate(calls) if a[:2] == ["redis", "update"])
    assert calls[enable][-1] == "redisConfiguration.aad-enabled=true"
    policies = [n for n, a in enumerate(calls) if a[:3] == ["redis", "access-policy-assignment", "create"]]
    assert policies and enable < min(policies)


def test_postgres_principal_is_created_in_the_postgres_database(example_emitted: EmitResult) -> None:
    sql = {p: a.text for p, a in example_emitted.files.items() if p.startswith("services-ingest-py/sql/")}
    first = [t for p, t in sql.items() if p.endswith("-postgres-database.sql")]
    assert len(first) == 1 and "pgaadauth_create_principal" in first[0], sorted(sql)
    assert "connected to\n-- the postgres database" in first[0]
    rest = [t for p, t in sql.items() if not p.endswith("-postgres-database.sql")]
    assert rest and not any("pgaadauth_create_principal" in t for t in rest)
    grants = example_emitted.files["services-ingest-py/az/02-grant-roles.sh"].text
    assert "connected to the postgres database, then" in grants


@pytest.mark.parametrize("fixture", ["sp-app.json", "slot-app.json"])
def test_per_setting_set_new_then_verify_then_remove_old(fixture: str, tmp_path: Path) -> None:
    p, result = _emit(_document(fixture))
    (app,) = p.apps
    run = Run(result, _app_dir(result), tmp_path)
    for name in ALL:
        r = run.run(name)
        assert r.returncode == 0, (name, r.stderr)
        if name == "04-verify":
            assert run.verified.exists()
    calls = run.calls()
    new = {
        s.unit: s.setting
        for s in app.settings
        if s.stage is StageName.CHANGE_IN_STAGING
        and s.action is SettingAction.ADD
        and s.where == "app-setting"
    }
    old = {r.unit: r.what for r in app.removals if r.stage is StageName.REMOVE_SECRETS and r.unit in new}
    assert old, "the fixture has settings replaced side by side"
    health = [n for n, (s, a) in enumerate(calls) if a == ["#curl"] and s == "04-verify"]
    after = [n for n, (s, a) in enumerate(calls) if a == ["#curl"] and s == "06-remove-secrets"]
    assert health and after, "a health gate in 04, and again once the old secrets are gone"
    assert {s for s, a in calls if a == ["#curl"]} == {"04-verify", "06-remove-secrets"}
    for unit, name in old.items():
        set_new = min(
            n
            for n, (_s, a) in enumerate(calls)
            if "set" in a and any(w.startswith(f"{new[unit]}=") for w in a)
        )
        read_back = min(
            n for n, (_s, a) in enumerate(calls) if "list" in a and any(f'`"{new[unit]}"`' in w for w in a)
        )
        removed = [n for n, (_s, a) in enumerate(calls) if "delete" in a and name in a]
        assert removed, name
        assert calls[set_new][0] == "03-settings" and calls[read_back][0] == "04-verify"
        assert set_new < read_back < min(health) <= max(health) < min(removed), (name, calls)
        assert all(calls[n][0] == "06-remove-secrets" for n in removed)
        assert max(removed) < min(after), "06 checks the app after the removal"
    # the grants were read back (waited for) in 04, after 02 made them
    made = [n for n, (s, a) in enumerate(calls) if a[:3] == ["role", "assignment", "create"]]
    polled = [
        n for n, (s, a) in enumerate(calls) if a[:3] == ["role", "assignment", "list"] and s == "04-verify"
    ]
    assert made and polled and max(made) < min(polled)


@pytest.mark.parametrize("name", ["05-swap", "06-remove-secrets", "07-disable-local-auth"])
def test_removal_refuses_without_verification(name: str, tmp_path: Path) -> None:
    _p, result = _emit(_document("slot-app.json"))
    run = Run(result, _app_dir(result), tmp_path)
    r = run.run(name)
    assert r.returncode == 3 and "04-verify has not passed" in r.stderr, r.stderr
    assert run.calls() == [], "refused before any az call"
    r = run.run(name, "--i-verified")
    assert r.returncode == 0, r.stderr
    assert run.calls(), "ran once the user says it was verified"


def test_verify_fails_on_a_bad_health_check_and_removal_stays_refused(tmp_path: Path) -> None:
    _p, result = _emit(_document("slot-app.json"))
    run = Run(result, _app_dir(result), tmp_path, FAKE_HEALTH="503")
    for name in ORDER[:3]:
        assert run.run(name).returncode == 0, name
    r = run.run("04-verify")
    assert r.returncode == 1 and "HTTP 503" in r.stderr and "nothing is removed" in r.stderr, r.stderr
    assert not run.verified.exists()
    r = run.run("06-remove-secrets")
    assert r.returncode == 3
    assert not [a for s, a in run.calls() if s == "06-remove-secrets"]


def test_verify_waits_for_the_grants_and_gives_up_within_its_bound(tmp_path: Path) -> None:
    """Without 02 the prerequisites and grants never show: 04 polls until PROPAGATION_TIMEOUT, then stops."""
    _p, result = _emit(_document("slot-app.json"))
    run = Run(result, _app_dir(result), tmp_path)
    assert run.run("01-identity").returncode == 0
    r = run.run("04-verify", PROPAGATION_TIMEOUT="5")
    assert r.returncode == 1 and "not in effect after 5s" in r.stderr, r.stderr
    assert not run.verified.exists()
    verify = [a for s, a in run.calls() if s == "04-verify"]
    assert verify.count(verify[-1]) >= 2, "it polled more than once before giving up"
    assert "list" in verify[-1] or "show" in verify[-1], verify[-1]
    assert ["#curl"] not in [a for _s, a in run.calls()], "no health check before the grants are in effect"


def test_key_vault_access_and_reference_identity_before_the_grants(tmp_path: Path) -> None:
    p, result = _emit(_with_key_vault_references(_document("slot-app.json")))
    (app,) = p.apps
    kinds = [x.kind for x in app.prerequisites]
    assert "key-vault-secrets-user" in kinds and "key-vault-get-policy" in kinds, kinds
    # user-assigned identity: keyVaultReferenceIdentity for production and the slot
    assert kinds.count("key-vault-reference-identity") == 2, kinds
    run = Run(result, _app_dir(result), tmp_path)
    for name in ORDER[:2]:
        r = run.run(name)
        assert r.returncode == 0, (name, r.stderr)
    calls = [a for s, a in run.calls() if s == "02-grant-roles"]
    secrets_user = next(
        n
        for n, a in enumerate(calls)
        if a[:3] == ["role", "assignment", "create"] and "4633458b-17de-408a-b874-0445c86b69e6" in a
    )
    policy = next(n for n, a in enumerate(calls) if a[:2] == ["keyvault", "set-policy"])
    assert calls[policy][calls[policy].index("--secret-permissions") + 1] == "get"
    references = [n for n, a in enumerate(calls) if a[:1] == ["rest"]]
    assert len(references) == 2
    body = calls[references[0]][calls[references[0]].index("--body") + 1]
    assert json.loads(body)["properties"]["keyVaultReferenceIdentity"].startswith("fake-")
    wait = [
        n
        for n, a in enumerate(calls)
        if a[:3] == ["role", "assignment", "list"] and "4633458b-17de-408a-b874-0445c86b69e6" in a
    ]
    polled = [n for n in wait if n > secrets_user]  # the first one is the "already in place?" check
    assert polled and max(polled) < min(references), "the reference identity waits for the access"
    grants = [
        n
        for n, a in enumerate(calls)
        if a[:3] == ["role", "assignment", "create"] and "4633458b-17de-408a-b874-0445c86b69e6" not in a
    ]
    assert grants and max(references) < min(grants), "all prerequisites before the grants"
    for a in calls:
        assert a == ["#curl"] or check(a) == [], a
    plan_text = "\n".join(s for st in app.stages if st.name is StageName.GRANT_ROLES for s in st.steps)
    assert plan_text.index("Key Vault kv-rbac") < plan_text.index(
        "az role assignment create --assignee-object-id <principalId"
    )


def test_every_prerequisite_command_and_check_passes_the_table() -> None:
    from migrate.plan.catalog.prerequisites import FACTS
    from tests.migrate.emit.az_table import extract

    fields = {"server": "srv1", "vault": "kv1", "principal": "id-web", "principal_id": "<principalId of web>"}
    checked = 0
    for fact in FACTS.values():
        assert fact.source.startswith("learn.microsoft.com/"), fact.kind
        for template in (fact.command, fact.check):
            if template is None:
                continue
            (argv,) = extract(template.format(**fields))
            assert check(argv) == [], (fact.kind, argv)
            checked += 1
    assert checked >= 12
