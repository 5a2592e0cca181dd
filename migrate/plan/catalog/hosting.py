"""Where a value is used when it is not an App Service or Functions app: local development
endpoints, infrastructure as code and Kubernetes manifests.  The planner never plans these as App
Service apps (no `webapp identity assign`, no App Service setting values); IaC goes to review with
the reason below, Kubernetes manifests are planned as the workloads they feed (Microsoft Entra
Workload ID: `migrate.plan.workloads`, facts in `workload_identity`).  Facts, as data; each names its
source.
"""

from __future__ import annotations

import enum
import posixpath
import re

from scanners.classification import AZURITE_ACCOUNT
from scanners.records import Endpoint
from scanners.service_catalog import is_local_host


class Hosting(enum.StrEnum):
    """What consumes (or writes) a value found in a repository file."""

    APP = "app"  # application configuration or code: an App Service / Functions candidate
    INFRASTRUCTURE_AS_CODE = "infrastructure-as-code"
    KUBERNETES = "kubernetes"


def is_local_endpoint(endpoint: Endpoint) -> bool:
    """A local development endpoint (loopback, `(localdb)`, a compose service name, the Storage
    emulator's account): never an Azure resource.  The host rules are the scanner's, so one value gets
    one class everywhere [tests/data/azure-services.md, detection notes]."""
    if (endpoint.account or "").lower() == AZURITE_ACCOUNT:
        return True
    return is_local_host(endpoint.host)  # `server` and `account` are first labels, not hosts


LOCAL_ENDPOINT_REVIEW = (
    "local development endpoint ({where}): not an Azure resource, nothing to migrate; "
    "DefaultAzureCredential uses the developer's sign-in for the Azure resources"
)

# Infrastructure as code: files that deploy resources and write the settings of the apps they deploy.
IAC_SUFFIXES = (".bicep", ".bicepparam", ".tf", ".tfvars")
IAC_DETECTOR_PREFIXES = ("bicep:", "terraform:", "arm-templates:")
IAC_FOLDERS = frozenset({"infra", "iac", "bicep", "terraform", "arm", "deploy", "deployment", "deployments"})

# Kubernetes manifests and Helm charts: pods on AKS authenticate with Microsoft Entra Workload ID (a
# user-assigned identity federated with the pod's Kubernetes service account), not with the App
# Service identity endpoint [Learn "Use Microsoft Entra Workload ID with Azure Kubernetes Service
# (AKS)", learn.microsoft.com/azure/aks/workload-identity-overview; tests/data/azure-services.md §0.1:
# `AZURE_FEDERATED_TOKEN_FILE` is the workload identity variable of DefaultAzureCredential].
KUBERNETES_FOLDERS = frozenset({"k8s", "kubernetes", "kube", "manifests", "helm", "charts", "kustomize"})
KUBERNETES_FILES = frozenset({"chart.yaml", "values.yaml", "kustomization.yaml"})
KUBERNETES_NOTE_RE = re.compile(r"\bKubernetes (Secret|ConfigMap)\b")  # the YAML scanner's notes

HOSTING_REVIEW: dict[Hosting, str] = {
    Hosting.INFRASTRUCTURE_AS_CODE: (
        "infrastructure as code: this file deploys resources and writes the settings of the apps it deploys; "
        "it is not an App Service app and gets no identity of its own. Change it with the app it deploys: "
        "give that app (or slot) a managed identity and a role assignment in the template, write the endpoint "
        "instead of the key or connection string, and never output keys"
    ),
    Hosting.KUBERNETES: (
        "Kubernetes manifest: pods on AKS do not get an App Service managed identity; use Microsoft Entra "
        "Workload ID (a user-assigned identity with a federated credential for the pod's service account, "
        'annotated with its client id, pods labelled azure.workload.identity/use: "true"), grant that '
        "identity the data role, and put the endpoint (not a key) in the ConfigMap or Secret; the value "
        "forms of App Service (AuthType=azure.msi, Functions __credential) do not apply"
    ),
}


def hosting_of(path: str, detector: str = "", notes: tuple[str, ...] = ()) -> Hosting:
    """What consumes a value found in the repository file `path` (relative, `/`-separated)."""
    lower = path.lower()
    folders = set(posixpath.dirname(lower).split("/"))
    if (
        folders & KUBERNETES_FOLDERS
        or posixpath.basename(lower) in KUBERNETES_FILES
        or any(KUBERNETES_NOTE_RE.search(n) for n in notes)
    ):
        return Hosting.KUBERNETES
    if lower.endswith(IAC_SUFFIXES) or detector.startswith(IAC_DETECTOR_PREFIXES) or folders & IAC_FOLDERS:
        return Hosting.INFRASTRUCTURE_AS_CODE
    return Hosting.APP
