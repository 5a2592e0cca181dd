"""code.patch: applies with `git apply`, the patched Python parses (`ast`), the patched C# parses
with tree-sitter-c-sharp without ERROR/MISSING nodes; what cannot be rewritten is a suggestion."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from migrate.emit import EmitResult, csharp_rewrite, python_rewrite
from tests.migrate.emit.conftest import EXAMPLE
from tests.migrate.emit.gitpatch import git, repo_copy


def _csharp_errors(source: bytes) -> list[str]:
    tree_sitter = pytest.importorskip("tree_sitter")
    cs = pytest.importorskip("tree_sitter_c_sharp")
    tree = tree_sitter.Parser(tree_sitter.Language(cs.language())).parse(source)
    bad, todo = [], [tree.root_node]
    while todo:
        node = todo.pop()
        if node.type == "ERROR" or node.is_missing:
            bad.append(f"{node.type} at {node.start_point}")
        todo.extend(node.children)
    return bad


@pytest.fixture(scope="module")
def patched(example_emitted: EmitResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("code")
    repo = repo_copy(EXAMPLE, tmp / "repo")
    for name in sorted(p for p in example_emitted.files if p.endswith("code.patch")):
        patch = tmp / name.replace("/", "_")
        patch.write_text(example_emitted.files[name].text, encoding="utf-8")
        check = git(repo, "apply", "--check", str(patch))
        assert check.returncode == 0, (name, check.stderr)
        assert git(repo, "apply", str(patch)).returncode == 0
    return repo


def test_python_rewrite_applies_and_parses(patched: Path) -> None:
    text = (patched / "services/ingest-py/app.py").read_text(encoding="utf-8")
    ast.parse(text)
    # side by side: the new setting the plan adds when it is set, else the old connection string
    assert (
        '(BlobServiceClient(account_url=os.environ.get("AZURE_STORAGE_CONNECTION_STRING_Identity"), '
        'credential=credential) if os.environ.get("AZURE_STORAGE_CONNECTION_STRING_Identity") else '
        'BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"]))' in text
    )
    assert (
        'ServiceBusClient(fully_qualified_namespace=os.environ.get("SERVICEBUS_CONNECTION_STRING_Identity")'
        in text
    )
    assert "from azure.identity import DefaultAzureCredential" in text
    assert "azure-identity" in (patched / "services/ingest-py/requirements.txt").read_text(encoding="utf-8")


def test_csharp_rewrite_applies_and_parses(patched: Path) -> None:
    changed = git(patched, "status", "--porcelain").stdout
    cs_files = [line[3:] for line in changed.splitlines() if line.endswith(".cs")]
    assert "src/Contoso.Web/AzureCredentialFactory.cs" in cs_files
    for rel in cs_files:
        assert _csharp_errors((patched / rel).read_bytes()) == [], rel
    program = (patched / "src/Contoso.Web/Program.cs").read_text(encoding="utf-8")
    assert (
        '(string.IsNullOrEmpty(builder.Configuration.GetConnectionString("Storage_Identity")) ? '
        'new BlobServiceClient(builder.Configuration.GetConnectionString("Storage")) : '
        'new BlobServiceClient(new Uri(builder.Configuration.GetConnectionString("Storage_Identity")!), '
        "global::Contoso.Web.AzureCredentialFactory.Shared))" in program
    )
    graph = (patched / "src/Contoso.Web/Services/GraphTokenProvider.cs").read_text(encoding="utf-8")
    assert "ClientSecretCredential" not in graph and "ClientSecret" not in graph


def test_unrewritable_calls_become_suggestions(example_emitted: EmitResult) -> None:
    text = example_emitted.files["src-contoso-web/suggestions.md"].text
    assert "Program.cs:10" in text and "Redis" in text
    py = example_emitted.files["services-ingest-py/suggestions.md"].text
    assert "psycopg2.connect" in py


def test_python_rewrite_keeps_other_keywords_and_only_named_lines() -> None:
    src = (
        "import os\nfrom azure.storage.queue import QueueServiceClient\n\n"
        'a = QueueServiceClient.from_connection_string(os.environ["Q"], retry_total=3)\n'
        'b = QueueServiceClient.from_connection_string(os.environ["R"])\n'
    )
    out = python_rewrite.rewrite(src, [4], None)
    assert out.rewritten == (4,)
    assert 'QueueServiceClient(account_url=os.environ["Q"], retry_total=3, credential=credential)' in out.text
    assert 'QueueServiceClient.from_connection_string(os.environ["R"])' in out.text
    assert "credential = DefaultAzureCredential()" in out.text
    ast.parse(out.text)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('var c = new ServiceBusClient(cfg["Sb"]);', 'var c = new ServiceBusClient(cfg["Sb"], CRED);'),
        (
            'var c = new QueueServiceClient(Get("a,(b)"));',
            'var c = new QueueServiceClient(new Uri(Get("a,(b)")), CRED);',
        ),
        (
            'var p = new EventHubProducerClient(cfg["Eh"], "hub");',
            'var p = new EventHubProducerClient(cfg["Eh"], "hub", CRED);',
        ),
        (
            "var c = new Azure.Data.AppConfiguration.ConfigurationClient(x);",
            "var c = new Azure.Data.AppConfiguration.ConfigurationClient(new Uri(x), CRED);",
        ),
    ],
)
def test_csharp_constructor_forms(line: str, expected: str) -> None:
    out = csharp_rewrite.rewrite(line + "\n", [1], "CRED")
    assert out.text == expected + "\n"
    assert _csharp_errors(("class A { void M() { " + out.text + " } }").encode()) == []


@pytest.mark.parametrize(
    "line", ["var p = new ServiceBusClient(a, opts);", "var p = new EventHubProducerClient(conn);"]
)
def test_csharp_other_forms_are_left_alone(line: str) -> None:
    out = csharp_rewrite.rewrite(line + "\n", [1], "CRED")
    assert out.rewritten == () and out.skipped and out.text == line + "\n"


def test_package_reference_added_without_inventing_a_version() -> None:
    proj = '<Project>\n  <ItemGroup>\n    <PackageReference Include="Azure.Storage.Blobs" Version="12.21.2" />\n  </ItemGroup>\n</Project>\n'
    out = csharp_rewrite.add_package_reference(proj, "Azure.Identity", "1.12.0")
    assert '    <PackageReference Include="Azure.Identity" Version="1.12.0" />\n' in out
    assert csharp_rewrite.package_version(proj, "Azure.Identity") is None


def test_python_client_secret_credential_becomes_the_selected_credential() -> None:
    src = (
        "import os\nfrom azure.identity import ClientSecretCredential\n\n"
        'cred = ClientSecretCredential(os.environ["T"], os.environ["C"], os.environ["S"])\n'
        "use(cred)\n"
    )
    out = python_rewrite.rewrite(src, [4], "AZURE_CLIENT_ID")
    assert out.rewritten == (4,)
    tree = ast.parse(out.text)
    # every assignment here binds a plain name: a target without .id fails the test, as it should
    names = [n.targets[0].id for n in tree.body if isinstance(n, ast.Assign)]  # type: ignore[attr-defined]
    assert names == ["credential", "cred"]  # defined before its first use
    assert 'managed_identity_client_id=os.environ.get("AZURE_CLIENT_ID")' in out.text
    assert "ClientSecretCredential(" not in out.text


def test_python_requirement_added_once() -> None:
    text = "azure-core>=1.30\nazure-storage-blob>=12\n"
    once = python_rewrite.add_requirement(text)
    assert once == "azure-core>=1.30\nazure-identity>=1.19\nazure-storage-blob>=12\n"
    assert python_rewrite.add_requirement(once) == once


def _project(root: Path, name: str, refs: str) -> None:
    (root / name).mkdir(parents=True)
    (root / name / f"{name}.csproj").write_text(
        f'<Project Sdk="Microsoft.NET.Sdk">\n  <ItemGroup>\n{refs}  </ItemGroup>\n</Project>\n',
        encoding="utf-8",
    )


@pytest.mark.parametrize("identity_elsewhere", [True, False])
def test_csproj_gets_azure_identity_only_with_a_known_version(
    tmp_path: Path, identity_elsewhere: bool
) -> None:
    from migrate.emit.code_patch import CodePatchEmitter
    from migrate.emit.model import context
    from migrate.plan.records import CodeChange, SettingAction, SettingChange, StageName
    from tests.migrate.emit.factories import app, plan

    blobs = '    <PackageReference Include="Azure.Storage.Blobs" Version="12.21.2" />\n'
    _project(tmp_path, "Api", blobs)
    if identity_elsewhere:
        _project(tmp_path, "Other", '    <PackageReference Include="Azure.Identity" Version="1.12.0" />\n')
    (tmp_path / "Api" / "Startup.cs").write_text(
        'namespace Api;\nclass S { object M(IConfiguration c) => new BlobServiceClient(c["Blobs"]); }\n',
        encoding="utf-8",
    )
    change = CodeChange(
        "u", "Api/Startup.cs:2", "csharp:ctor", "use the endpoint", 'new BlobServiceClient(c["Blobs"])'
    )
    beside = SettingChange(
        "u",
        "Api/appsettings.json",
        None,
        "Blobs_Identity",
        SettingAction.ADD,
        "https://acct.blob.core.windows.net",
        False,
        StageName.CHANGE_IN_STAGING,
        "side by side",
    )
    the_app = app(app="Api", kind="repository-project", slots=(), code_changes=(change,), settings=(beside,))
    out = CodePatchEmitter().emit(context(plan(the_app), the_app, tmp_path))
    review = {a.path: a.text for a in out.artifacts}["code.review.diff"]
    assert (
        'new BlobServiceClient(new Uri(c["Blobs_Identity"]!), global::Api.AzureCredentialFactory.Shared)'
        in review
    )
    assert "+++ b/Api/AzureCredentialFactory.cs" in review
    if identity_elsewhere:
        assert '+    <PackageReference Include="Azure.Identity" Version="1.12.0" />' in review
        assert not out.notes
    else:
        assert "Azure.Identity" not in review.split("+++ b/Api/AzureCredentialFactory.cs")[0]
        assert any("TODO" in n.text and "Azure.Identity" in n.text for n in out.notes)


@pytest.mark.parametrize("user_assigned", [True, False])
def test_credential_factory_template_parses(user_assigned: bool) -> None:
    from migrate.emit.templating import render

    text = render(
        "code/AzureCredentialFactory.cs.j2",
        namespace="My.App",
        user_assigned=user_assigned,
        identity_name="id-x",
    )
    assert _csharp_errors(text.encode()) == []
    assert ("ManagedIdentityCredential(clientId)" in text) is user_assigned
    assert "ExcludeInteractiveBrowserCredential = true" in text
