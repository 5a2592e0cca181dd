"""Issue 12, problem 12: emitted scripts that a shell runs as written.

Every placeholder is one word (never `'<principalId' of "${APP}>"`), every bash script parses
(`bash -n`), principal and resource ids come from Azure (`az ... show --query ... -o tsv`) instead of
being asked for before they exist, keys are rotated once per shared access rule at the rule's own
level (namespace, queue, event hub), and each client secret is deleted by its own key id.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from migrate.emit import EmitResult, emit_plan
from migrate.plan import catalog as cat
from migrate.plan.records import IdentityKind
from scanners.records import ServiceType
from tests.migrate.emit import factories
from tests.migrate.emit.az_table import check, extract
from tests.migrate.fixture_repos import emitted

REPOS = ("system-assigned", "servicebus-rules", "localdb", "iac-k8s", "az-export:servicebus-rules")
RULES = "az-export:servicebus-rules"  # an App Service app: its local-auth stage is not blocked
BASH = shutil.which("bash")


def _scripts(result: EmitResult, suffix: str) -> dict[str, str]:
    return {p: a.text for p, a in result.files.items() if p.endswith(suffix)}


def _argvs(result: EmitResult) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for path, text in _scripts(result, ".sh").items():
        out += [(path, argv) for argv in extract(text)]
    for path, text in _scripts(result, ".ps1").items():
        out += [(path, argv) for argv in extract(text, powershell=True)]
    return out


def _unbalanced(word: str) -> bool:
    depth = 0
    for ch in word:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
            if depth < 0:
                return True
    return depth != 0


def _all_results(request: pytest.FixtureRequest) -> dict[str, EmitResult]:
    results = {name: emitted(name) for name in REPOS}
    results["example"] = request.getfixturevalue("example_emitted")
    results["az-export"] = request.getfixturevalue("az_export_emitted")
    return results


def test_every_placeholder_is_one_word(request: pytest.FixtureRequest) -> None:
    seen = 0
    bad: list[tuple[str, str, str]] = []
    for name, result in _all_results(request).items():
        for path, argv in _argvs(result):
            seen += 1
            bad += [(name, path, w) for w in argv if _unbalanced(w)]
    assert seen > 50  # commands were read
    assert bad == []


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_every_emitted_bash_script_parses(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    assert BASH is not None
    checked = 0
    for name, result in _all_results(request).items():
        for path, text in _scripts(result, ".sh").items():
            file = tmp_path / name / path
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text, encoding="utf-8")
            done = subprocess.run([BASH, "-n", str(file)], capture_output=True, text=True, check=False)
            assert done.returncode == 0, (name, path, done.stderr)
            checked += 1
    assert checked > 20


def _assigned_from(text: str, var: str, powershell: bool) -> str | None:
    """The az command line whose output fills `var` in a script, if any."""
    pattern = rf"^\${var} = (az .+)$" if powershell else rf'^{var}="\$\((az .+)\)"$'
    m = re.search(pattern, text, re.M)
    return m.group(1) if m else None


def _assignment_at(text: str, var: str, powershell: bool) -> int:
    """Where the line that fills `var` starts."""
    m = re.search(rf"^\${var} = " if powershell else rf'^{var}="\$\(', text, re.M)
    assert m is not None
    return m.start()


@pytest.mark.parametrize("suffix", [".sh", ".ps1"])
def test_system_assigned_grants_read_the_principal_id_from_azure(suffix: str) -> None:
    result = emitted("system-assigned")
    path = next(p for p in result.files if p.endswith(f"/az/02-grant-roles{suffix}"))
    text = result.files[path].text
    ps = suffix == ".ps1"
    grants = [argv for argv in extract(text, powershell=ps) if argv[:3] == ["role", "assignment", "create"]]
    assert grants  # the storage grant is there
    for argv in grants:
        value = argv[argv.index("--assignee-object-id") + 1]
        m = re.fullmatch(r"\$\{?([A-Z0-9_]+)\}?", value)
        assert m, value
        source = _assigned_from(text, m.group(1), ps)
        assert source is not None, f"{m.group(1)} is not filled by the script"
        assert re.match(r"az webapp identity show .*--query principalId -o tsv", source), source
        # filled before it is used, and never asked of the user
        assert _assignment_at(text, m.group(1), ps) < text.index("role assignment create")
        assert f"set {m.group(1)} " not in text


@pytest.mark.parametrize("suffix", [".sh", ".ps1"])
def test_user_assigned_identity_id_comes_from_its_create_or_show(suffix: str) -> None:
    app = factories.service_app(ServiceType.STORAGE, IdentityKind.USER_ASSIGNED)
    result = emit_plan(factories.plan(app), None, ("az-scripts",))
    path = next(p for p in result.files if p.endswith(f"/az/01-identity{suffix}"))
    text = result.files[path].text
    assign = [a for a in extract(text, powershell=suffix == ".ps1") if "--identities" in a]
    assert len(assign) == 2  # production and the staging slot
    for argv in assign:
        value = argv[argv.index("--identities") + 1]
        m = re.fullmatch(r"\$\{?([A-Z0-9_]+)\}?", value)
        assert m, value
        assert f"set {m.group(1)} " not in text  # not asked for before the identity exists
        source = _assigned_from(text, m.group(1), suffix == ".ps1")
        assert source is not None and re.match(r"az identity (create|show) .*--query id -o tsv", source), (
            source
        )
        assert (
            text.index("az identity create")
            < _assignment_at(text, m.group(1), suffix == ".ps1")
            < text.index("--identities")
        )


def test_keys_are_renewed_once_per_rule_at_its_level() -> None:
    result = emitted(RULES)
    path = next(p for p in result.files if p.endswith("/az/07-disable-local-auth.sh"))
    argvs = [a for a in extract(result.files[path].text) if "renew" in a]

    def opt(argv: list[str], *names: str) -> str | None:
        for n in names:
            if n in argv:
                return argv[argv.index(n) + 1]
        return None

    renewals = sorted(
        (
            " ".join(a[: a.index("keys")]),
            opt(a, "--queue-name", "--topic-name", "--eventhub-name"),
            opt(a, "-n", "--name"),
            opt(a, "--key"),
        )
        for a in argvs
    )
    assert renewals == sorted(
        [
            ("servicebus queue authorization-rule", "orders", "orders-send", "PrimaryKey"),
            ("servicebus queue authorization-rule", "orders", "orders-send", "SecondaryKey"),
            ("servicebus queue authorization-rule", "audit", "audit-listen", "PrimaryKey"),
            ("servicebus queue authorization-rule", "audit", "audit-listen", "SecondaryKey"),
            ("servicebus namespace authorization-rule", None, "RootManageSharedAccessKey", "PrimaryKey"),
            ("servicebus namespace authorization-rule", None, "RootManageSharedAccessKey", "SecondaryKey"),
            ("eventhubs eventhub authorization-rule", "telemetry", "telemetry-send", "PrimaryKey"),
            ("eventhubs eventhub authorization-rule", "telemetry", "telemetry-send", "SecondaryKey"),
        ]
    )
    assert [(a, p.message) for a in argvs for p in check(a)] == []


def test_each_client_secret_is_deleted_by_its_own_key_id() -> None:
    result = emitted(RULES)
    for suffix in (".sh", ".ps1"):
        path = next(p for p in result.files if p.endswith(f"/az/07-disable-local-auth{suffix}"))
        deletes = [
            a
            for a in extract(result.files[path].text, powershell=suffix == ".ps1")
            if a[:4] == ["ad", "app", "credential", "delete"]
        ]
        # AZURE_CLIENT_SECRET's registration only: AzureAd__ClientSecret is Microsoft.Identity.Web's
        # (sign-in) secret, which stays with its credential (catalog.tenants: federate or review)
        assert len(deletes) == 1, deletes
        assert "AzureAd" not in " ".join(" ".join(a) for a in deletes)
        key_ids = {a[a.index("--key-id") + 1] for a in deletes}
        assert len(key_ids) == 1, key_ids
        assert [p.message for a in deletes for p in check(a)] == []


@pytest.mark.parametrize(("service", "level"), sorted(cat.RULE_RENEW_COMMANDS))
def test_rule_renew_commands_pass_the_table(service: ServiceType, level: cat.RuleLevel) -> None:
    template = cat.RULE_RENEW_COMMANDS[(service, level)]
    for key in cat.RULE_KEYS:
        (argv,) = extract(template.format(resource="ns1", entity="orders", rule="orders-send", key=key))
        assert check(argv) == [], argv
        assert ("--queue-name" in argv) is (level is cat.RuleLevel.QUEUE)
        assert ("--topic-name" in argv) is (level is cat.RuleLevel.TOPIC)
        assert ("--eventhub-name" in argv) is (level is cat.RuleLevel.EVENT_HUB)
