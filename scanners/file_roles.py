"""What kind of evidence a file holds, from its path alone."""

from __future__ import annotations

from pathlib import PurePosixPath

from scanners.records import EvidenceRole

CODE_SUFFIXES = frozenset(
    {
        ".cs",
        ".py",
        ".js",
        ".mjs",
        ".cjs",
        ".ts",
        ".tsx",
        ".jsx",
        ".java",
        ".kt",
        ".go",
        ".vb",
        ".fs",
        ".scala",
        ".rb",
        ".php",
    }
)
IAC_SUFFIXES = frozenset({".bicep", ".bicepparam", ".tf", ".tfvars", ".hcl"})
SCRIPT_SUFFIXES = frozenset({".sh", ".bash", ".zsh", ".ps1", ".psm1", ".cmd", ".bat"})


def is_ci_file(path: PurePosixPath) -> bool:
    s = str(path).lower()
    name = path.name.lower()
    return (
        "/.github/workflows/" in f"/{s}"
        or name.startswith("azure-pipelines")
        or "/.azure-pipelines/" in f"/{s}"
        or "/.pipelines/" in f"/{s}"
        or name in (".gitlab-ci.yml", "jenkinsfile", "bitbucket-pipelines.yml")
    )


def is_arm_template_name(path: PurePosixPath) -> bool:
    name = path.name.lower()
    return name in ("azuredeploy.json", "maintemplate.json", "template.json") or name.endswith(
        (".deploymenttemplate.json", "azuredeploy.parameters.json", ".parameters.json")
    )


def role_for(path: PurePosixPath) -> EvidenceRole:
    suffix = path.suffix.lower()
    if is_ci_file(path) or suffix in SCRIPT_SUFFIXES:
        return EvidenceRole.CI_SCRIPT
    if suffix in IAC_SUFFIXES or is_arm_template_name(path):
        return EvidenceRole.IAC_ASSIGNMENT
    if suffix in CODE_SUFFIXES:
        return EvidenceRole.CODE_LITERAL
    return EvidenceRole.CONFIG_VALUE


def is_code(path: PurePosixPath) -> bool:
    return path.suffix.lower() in CODE_SUFFIXES
