"""Every `az` command line the emitter writes (bash and PowerShell, example estate and az-export
plans) and every command template of the catalog passes the azure-cli 2.91.0 command table."""

from __future__ import annotations

import string

import pytest

from migrate.emit import EmitResult
from migrate.plan import catalog as cat
from migrate.plan.catalog import workload_identity as wi
from tests.migrate.emit.az_table import check, extract


def _commands(result: EmitResult) -> list[tuple[str, list[str]]]:
    out = []
    for path, artifact in result.files.items():
        if path.endswith(".sh"):
            out += [(path, argv) for argv in extract(artifact.text)]
        elif path.endswith(".ps1"):
            out += [(path, argv) for argv in extract(artifact.text, powershell=True)]
    return out


@pytest.mark.parametrize("which", ["example_emitted", "az_export_emitted"])
def test_every_emitted_az_command_passes_the_table(which: str, request: pytest.FixtureRequest) -> None:
    result: EmitResult = request.getfixturevalue(which)
    commands = _commands(result)
    assert len(commands) > 10
    problems = [(path, " ".join(argv), p.message) for path, argv in commands for p in check(argv)]
    assert problems == []


@pytest.mark.parametrize("which", ["example_emitted", "az_export_emitted"])
def test_bash_and_powershell_twins_run_the_same_commands(which: str, request: pytest.FixtureRequest) -> None:
    result: EmitResult = request.getfixturevalue(which)
    pairs = commands = 0
    for path, artifact in result.files.items():
        if path.endswith(".sh"):
            twin = result.files[path[:-3] + ".ps1"]
            bash = [[w.split("$")[0] for w in argv] for argv in extract(artifact.text)]
            ps = [[w.split("$")[0] for w in argv] for argv in extract(twin.text, powershell=True)]
            assert bash == ps, path
            pairs += 1
            commands += len(bash)
    assert pairs > 0 and commands > 10, (pairs, commands)  # twins were compared, and they hold commands


def test_expected_command_shapes(az_export_emitted: EmitResult) -> None:
    text = "\n".join(a.text for p, a in az_export_emitted.files.items() if p.endswith(".sh"))
    argvs = [" ".join(a) for a in extract(text)]
    assert any(a.startswith("webapp identity assign -g") and "--scope" not in a for a in argvs)
    assert any(
        a.startswith("role assignment create --assignee-object-id")
        and "--assignee-principal-type ServicePrincipal" in a
        for a in argvs
    )
    # new settings go beside the old ones, as ordinary settings (they travel with a swap)
    assert any(a.startswith("webapp config appsettings set") and "Storage__serviceUri=" in a for a in argvs)
    assert not any("--slot-settings" in a for a in argvs)
    assert any(
        a.startswith("webapp config connection-string set") and "-t SQLAzure" in a and "Orders_Identity=" in a
        for a in argvs
    )
    # the service principal's id and tenant leave with its secret, the old settings after verification
    assert any(
        a.startswith("webapp config appsettings delete")
        and "--setting-names AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_TENANT_ID Storage" in a
        for a in argvs
    )
    assert any(
        a.startswith("webapp config connection-string delete") and "--setting-names Orders" in a
        for a in argvs
    )


def test_checker_rejects_known_mistakes() -> None:
    bad = {
        "webapp identity assign -g rg -n app --scope /x": "--scope",
        "role assignment create --assignee-object-id x --assignee-principal-type ManagedIdentity --role r --scope s": "not in",
        "webapp config appsettings delete -g rg -n app --settings A": "unknown flag --settings",
        "webapp deployment slot swap -g rg -n app": "missing required --slot",
        "redis access-policy-assignment create -g rg -n c --access-policy-name x --object-id o": "missing required",
        "postgres flexible-server ad-admin create -g rg -s s": "unknown command",
    }
    for line, expected in bad.items():
        messages = [p.message for p in check(line.split())]
        assert any(expected in m for m in messages), (line, messages)
    assert check("webapp identity assign -g rg -n app --slot staging".split()) == []


def _fill(template: str) -> list[str]:
    """The template with every {field} filled by a placeholder (and {cli} / {slot} by each variant)."""
    fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    variants = []
    for cli in ("webapp", "functionapp"):
        for slot in ("staging",) if "--slot {slot}" in template else ("", " --slot staging"):
            values = {f: f"<{f}>" for f in fields}
            values.update(cli=cli, slot=slot, names="A B", role="Data Contributor")
            variants.append(template.format(**values))
    return sorted(set(variants))


def _catalog_templates() -> list[str]:
    names = (
        "IDENTITY_ASSIGN_SYSTEM",
        "IDENTITY_CREATE_USER",
        "IDENTITY_ASSIGN_USER",
        "ARM_GRANT",
        "COSMOS_GRANT",
        "REDIS_GRANT",
        "SETTINGS_DELETE",
        "SWAP_PREVIEW",
        "SWAP",
    )
    out = [getattr(cat, n) for n in names]
    # Kubernetes workloads: the identity's federated credential and the cluster's issuer
    out += [wi.CREDENTIAL_CREATE, wi.CREDENTIAL_SHOW, wi.OIDC_ISSUER_SHOW, wi.CLUSTER_ENABLE]
    out += [c for cmds in cat.ROTATION_COMMANDS.values() for c in cmds]
    for e in cat.CATALOG.values():
        if e.local_auth and e.local_auth.command.startswith("az "):
            out.append(e.local_auth.command)
        for text in (e.precondition or "", e.code_change or ""):
            if "az " in text:
                out.append("az " + text.split("az ", 1)[1].split(" (")[0])
    return out


@pytest.mark.parametrize("template", _catalog_templates())
def test_catalog_az_templates_pass_the_table(template: str) -> None:
    for text in _fill(template):
        argvs = extract(text.replace("'[system]'", "[system]"))
        assert argvs, text
        for argv in argvs:
            assert check(argv) == [], text


def test_extraction_reads_substitutions_continuations_and_redirections() -> None:
    bash = """# az role assignment delete --ids x (a comment, not a command)
RG="${RG:?set RG (az group list)}"
if [ -n "$(az identity show -g "${RG}" -n id-a --query id -o tsv 2>/dev/null || true)" ]; then
  echo '    already in place: skipped'
else
  az identity create -g "${RG}" \\
    -n id-a && az webapp identity assign -g <resource-group> -n app --identities "$(az identity show -n id-a --query id -o tsv)"
fi
"""
    assert extract(bash) == [
        ["identity", "show", "-g", "${RG}", "-n", "id-a", "--query", "id", "-o", "tsv"],
        ["identity", "create", "-g", "${RG}", "-n", "id-a"],
        [
            "webapp",
            "identity",
            "assign",
            "-g",
            "<resource-group>",
            "-n",
            "app",
            "--identities",
            "SUBSTITUTION",
        ],
        ["identity", "show", "-n", "id-a", "--query", "id", "-o", "tsv"],
    ]
    powershell = """$found = az role assignment list --scope "/x/${Y}" --query '[0].id' -o tsv 2>$null
az webapp config appsettings set -g rg -n app `
  --settings A=1
"""
    assert extract(powershell, powershell=True) == [
        ["role", "assignment", "list", "--scope", "/x/${Y}", "--query", "[0].id", "-o", "tsv"],
        ["webapp", "config", "appsettings", "set", "-g", "rg", "-n", "app", "--settings", "A=1"],
    ]
