"""A recording fake `az` (and `curl`) for running the emitted bash scripts.

`az` appends its argv to AZ_LOG (one JSON list a line) and, when AZ_STATE names a file, to that
history too (it lasts across the scripts of one app).  Queries (`--query`) answer like Azure would
after the changes the history holds: a role assignment is listed once it was created with the same
principal, role and scope; a setting once it was set in the same slot; an identity once it was
created or assigned; a federated credential once it was created; the OIDC issuer of an AKS cluster
always; other `show`/`list` queries once a command of the same group (the words before the verb) created, updated,
assigned or set something.  Resource ids of existing resources (`keyvault show`, `webapp show`) are
always known.  `curl` logs `["#curl"]` and answers the status code in FAKE_HEALTH (default 200).
"""

from __future__ import annotations

import os
from pathlib import Path

FAKE_AZ = r'''#!/usr/bin/env python3
import json, os, re, sys
argv = sys.argv[1:]
with open(os.environ["AZ_LOG"], "a") as fh:
    fh.write(json.dumps(argv) + "\n")
history = []
state = os.environ.get("AZ_STATE")
if state:
    if os.path.exists(state):
        with open(state) as fh:
            history = [json.loads(line) for line in fh if line.strip()]
    with open(state, "a") as fh:
        fh.write(json.dumps(argv) + "\n")


def opt(a, name):
    return a[a.index(name) + 1] if name in a and a.index(name) + 1 < len(a) else None


MUTATING = {"create", "update", "assign", "set", "set-policy"}


def answer():
    if "--query" not in argv:
        return None
    query = opt(argv, "--query")
    if argv[:2] == ["aks", "show"]:  # an existing cluster: its OIDC issuer is known
        return "https://fake-oidc.example/" + (opt(argv, "-n") or "x") + "/"
    if argv[:3] == ["identity", "federated-credential", "show"]:
        key = (opt(argv, "--name"), opt(argv, "--identity-name"))
        return "fake-credential" if any(
            h[:3] == ["identity", "federated-credential", "create"] and (opt(h, "--name"), opt(h, "--identity-name")) == key
            for h in history
        ) else None
    if "identity" in argv and "show" in argv:
        made = any("identity" in h and ("create" in h or "assign" in h) for h in history)
        return "fake-" + query if made else None
    if argv[:2] == ["keyvault", "show"] or (len(argv) > 1 and argv[1] == "show" and argv[0] in ("webapp", "functionapp")):
        return "/subscriptions/fake/" + argv[0] + "/" + (opt(argv, "-n") or "x")
    if argv[:3] == ["role", "assignment", "list"]:
        key = (opt(argv, "--assignee-object-id"), opt(argv, "--role"), opt(argv, "--scope"))
        return "fake-assignment" if any(
            h[:3] == ["role", "assignment", "create"]
            and (opt(h, "--assignee-object-id"), opt(h, "--role"), opt(h, "--scope")) == key
            for h in history
        ) else None
    if "list" in argv and ("appsettings" in argv or "connection-string" in argv):
        m = re.search(r'`"([^"]+)"`', query)
        if not m:
            return None
        name, slot = m.group(1), opt(argv, "--slot")
        return name if any(
            "set" in h and ("appsettings" in h or "connection-string" in h) and opt(h, "--slot") == slot
            and any(w.startswith(name + "=") for w in h)
            for h in history
        ) else None
    if "show" in argv or "list" in argv:
        return "fake" if any(group(h) == group(argv) and MUTATING & set(h) for h in history) else None
    return None


def group(a):
    """The command group: the words before the verb (`redis` for `redis show` and `redis update`)."""
    out = []
    for w in a:
        if w.startswith("-") or w in MUTATING or w in ("show", "list"):
            break
        out.append(w)
    return out


out = answer()
if out:
    print(out)
'''

FAKE_CURL = """#!/bin/sh
printf '["#curl"]\\n' >> "$AZ_LOG"
printf '%s' "${FAKE_HEALTH:-200}"
"""


def install(bin_dir: Path) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, text in (("az", FAKE_AZ), ("curl", FAKE_CURL)):
        (bin_dir / name).write_text(text, encoding="utf-8")
        (bin_dir / name).chmod(0o755)


def env(bin_dir: Path, log: Path, state: Path, verified: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "AZ_LOG": str(log),
        "AZ_STATE": str(state),
        "VERIFIED_FILE": str(verified),
        "CONFIRM": "yes",
        "PROPAGATION_TIMEOUT": "3",
        "PROPAGATION_INTERVAL": "0",
        **extra,
    }
