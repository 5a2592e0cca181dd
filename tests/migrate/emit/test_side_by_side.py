"""Issue 12, problems 3 and 4 on the emitted scripts: run 03-settings, 04-verify, 05-swap and
06-remove-secrets of the do-no-harm fixtures against a fake `az` that keeps the app's settings per
slot (and swaps them as App Service does: slot settings stay), and check after every script that
each consumer still finds a working setting, that new settings go beside the old ones, that the old
ones go only after verification (and the swap), and that a service principal leaves whole."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from migrate.emit import emit_plan
from migrate.plan.planner import plan
from migrate.plan.reader import read_plan
from tests.conftest import REPO
from tests.migrate.emit import fake_az

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

FIXTURES = REPO / "tests" / "fixtures" / "do-no-harm"
SCRIPTS = ("03-settings", "04-verify", "05-swap", "06-remove-secrets")
OLD = "old:"  # the value of every setting before the migration (no secret: a marker)

# A fake `az` that keeps settings per slot in $AZ_STATE and records every call in $AZ_LOG.  Queries
# (`show`, `list`) answer with a dummy id so idempotency checks and principal look-ups pass.
FAKE_AZ = r"""#!/usr/bin/env python3
import json, os, sys
argv = sys.argv[1:]
with open(os.environ["AZ_LOG"], "a") as fh:
    fh.write(json.dumps(argv) + "\n")
if "show" in argv or "list" in argv:
    print("fake-id")
    sys.exit(0)
path = os.environ["AZ_STATE"]
state = json.load(open(path))

def opt(name):
    return argv[argv.index(name) + 1] if name in argv else None

def values(flag):
    if flag not in argv:
        return []
    out = []
    for word in argv[argv.index(flag) + 1:]:
        if word.startswith("--") or word == "-t":
            break
        out.append(word)
    return out

slot = opt("--slot") or "production"
kind = "conn" if "connection-string" in argv else "app"
if "config" in argv and ("set" in argv or "delete" in argv):
    target = state["slots"].setdefault(slot, {"app": {}, "conn": {}})[kind]
    for flag in ("--settings", "--slot-settings"):
        for pair in values(flag):
            name, _, value = pair.partition("=")
            target[name] = value
            if flag == "--slot-settings" and name not in state["sticky"][kind]:
                state["sticky"][kind].append(name)
    for name in values("--setting-names"):
        target.pop(name, None)
elif "swap" in argv and opt("--action") == "swap":
    other = opt("--target-slot") or "production"
    a, b = state["slots"][slot], state["slots"][other]
    for k in ("app", "conn"):
        sticky = set(state["sticky"][k])
        moving_a = {n: v for n, v in a[k].items() if n not in sticky}
        moving_b = {n: v for n, v in b[k].items() if n not in sticky}
        a[k] = {**{n: v for n, v in a[k].items() if n in sticky}, **moving_b}
        b[k] = {**{n: v for n, v in b[k].items() if n in sticky}, **moving_a}
json.dump(state, open(path, "w"))
"""


def _initial_state(document: dict[str, Any]) -> dict[str, Any]:
    slots: dict[str, Any] = {}
    sticky: dict[str, list[str]] = {"app": [], "conn": []}
    for s in document["sites"]:
        slots[s["slot"] or "production"] = {
            "app": {n: OLD + n for n in s["app_setting_names"]},
            "conn": {n: OLD + n for n in s["connection_string_names"]},
        }
        sticky["app"] += [n for n in s["sticky_app_settings"] if n not in sticky["app"]]
        sticky["conn"] += [n for n in s["sticky_connection_strings"] if n not in sticky["conn"]]
    return {"slots": slots, "sticky": sticky}


def _broken(state: dict[str, Any], consumers: dict[str, tuple[str, str]]) -> list[str]:
    """Each consumer (old name -> (kind, new name)) in each slot finds its old value or the new setting;
    DefaultAzureCredential finds a whole service principal, or no secret and no stale app id."""
    out: list[str] = []
    for slot, s in state["slots"].items():
        for old, (kind, new) in consumers.items():
            if old in s[kind] and s[kind][old] != OLD + old:
                out.append(f"{slot}: {old} overwritten in place")
            elif s[kind].get(old) != OLD + old and new not in s[kind]:
                out.append(f"{slot}: {old} has neither its old value nor {new}")
        app = s["app"]
        if "AZURE_CLIENT_SECRET" in app:
            if app.get("AZURE_CLIENT_ID") != OLD + "AZURE_CLIENT_ID" or "AZURE_TENANT_ID" not in app:
                out.append(f"{slot}: a secret without the service principal's id and tenant")
        elif app.get("AZURE_CLIENT_ID") == OLD + "AZURE_CLIENT_ID":
            out.append(f"{slot}: the service principal's stale AZURE_CLIENT_ID without its secret")
    return out


def _run(
    fixture: str, tmp_path: Path
) -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, list[str]]]]:
    """(state after each script, every az call with the script that made it)."""
    document = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
    result = emit_plan(read_plan(plan(document).to_json()), None)
    (app_dir,) = {p.split("/", 1)[0] for p in result.files if "/az/" in p}
    bin_dir = tmp_path / "bin"
    fake_az.install(bin_dir)  # its curl answers the health gate; this module's az keeps the settings
    (bin_dir / "az").write_text(FAKE_AZ, encoding="utf-8")
    state_file, log = tmp_path / "state.json", tmp_path / "az.log"
    state_file.write_text(json.dumps(_initial_state(document)), encoding="utf-8")
    states: list[tuple[str, dict[str, Any]]] = []
    calls: list[tuple[str, list[str]]] = []
    for name in SCRIPTS:
        text = result.files[f"{app_dir}/az/{name}.sh"].text
        assert "overwritten" not in text, name
        script = tmp_path / f"{name}.sh"
        script.write_text(text, encoding="utf-8")
        log.write_text("", encoding="utf-8")
        names = [line.split("=", 1)[0] for line in text.splitlines() if '="${' in line and ":?" in line]
        env = {
            **fake_az.env(bin_dir, log, state_file, tmp_path / "verified"),
            **{n: f"value-of-{n.lower()}" for n in names},
        }
        run = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=False, env=env)
        assert run.returncode == 0, (name, run.stderr)
        calls += [
            (name, argv)
            for argv in map(json.loads, log.read_text(encoding="utf-8").splitlines())
            if argv != ["#curl"] or name == "04-verify"
        ]
        states.append((name, json.loads(state_file.read_text(encoding="utf-8"))))
    return states, calls


CONSUMERS = {
    "sp-app.json": {"Storage": ("app", "Storage__serviceUri")},
    "slot-app.json": {"Storage": ("app", "Storage__serviceUri"), "Orders": ("conn", "Orders_Identity")},
}


@pytest.mark.parametrize("fixture", sorted(CONSUMERS))
def test_every_consumer_finds_a_working_setting_after_each_script(fixture: str, tmp_path: Path) -> None:
    states, calls = _run(fixture, tmp_path)
    for name, state in states:
        assert _broken(state, CONSUMERS[fixture]) == [], name
    # never a `set` of an old name: new settings go beside the old ones, as ordinary settings
    for script, argv in calls:
        if "set" in argv and "config" in argv:
            written = [w.split("=", 1)[0] for w in argv if "=" in w]
            assert not set(written) & set(CONSUMERS[fixture]), (script, argv)
            assert "--slot-settings" not in argv, (script, argv)
    # per setting: the new one is set in 03, before verification (04); the old one goes only in 06,
    # after verification and the swap (05)
    for old, (_kind, new) in CONSUMERS[fixture].items():
        first_set = next(
            n
            for n, (_s, argv) in enumerate(calls)
            if "set" in argv and any(w.startswith(f"{new}=") for w in argv)
        )
        read_back = next(
            n for n, (_s, argv) in enumerate(calls) if "list" in argv and any(f'`"{new}"`' in w for w in argv)
        )
        health = next(n for n, (_s, argv) in enumerate(calls) if argv == ["#curl"])
        deletes = [n for n, (_s, argv) in enumerate(calls) if "delete" in argv and old in argv]
        assert calls[first_set][0] == "03-settings" and deletes, (old, new)
        assert calls[read_back][0] == calls[health][0] == "04-verify", (old, new)
        assert first_set < read_back < health < min(deletes), old
        assert all(calls[n][0] == "06-remove-secrets" for n in deletes), old
    end = states[-1][1]
    for slot, s in end["slots"].items():
        left = {n for kind in ("app", "conn") for n, v in s[kind].items() if v == OLD + n}
        assert not left & {
            *CONSUMERS[fixture],
            "AZURE_CLIENT_SECRET",
            "AZURE_CLIENT_ID",
            "AZURE_TENANT_ID",
        }, slot


def test_the_slot_under_test_runs_without_the_service_principal_before_verification(tmp_path: Path) -> None:
    states, calls = _run("slot-app.json", tmp_path)
    after_settings = dict(states)["03-settings"]
    staging, production = (
        after_settings["slots"]["staging"]["app"],
        after_settings["slots"]["production"]["app"],
    )
    assert "AZURE_CLIENT_SECRET" not in staging and "AZURE_TENANT_ID" not in staging
    assert staging["AZURE_CLIENT_ID"].startswith("value-of-client"), (
        "the identity's client id, in the same stage"
    )
    assert staging["Storage__serviceUri"] == "https://slotdata.blob.core.windows.net"
    assert production == {n: OLD + n for n in production}, "production is not touched before the swap"
    assert not any(
        script == "03-settings" and "--slot" not in argv for script, argv in calls if "config" in argv
    ), "03 writes only the slot under test"
    # after the swap production runs the slot's settings; the removal then clears every slot
    swapped = dict(states)["05-swap"]["slots"]["production"]["app"]
    assert "AZURE_CLIENT_SECRET" not in swapped and swapped["Storage__serviceUri"].startswith("https://")
    end = dict(states)["06-remove-secrets"]["slots"]
    for slot in ("production", "staging"):
        assert end[slot]["app"]["AZURE_CLIENT_ID"].startswith("value-of-client"), slot
        assert "AZURE_CLIENT_SECRET" not in end[slot]["app"] and "AZURE_TENANT_ID" not in end[slot]["app"]
