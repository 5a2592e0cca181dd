"""Microsoft Entra Workload ID on AKS: the facts a Kubernetes workload's plan and scripts need.

A pod on AKS does not get an App Service identity.  It authenticates as a user-assigned managed
identity through a federated identity credential that trusts the cluster's OIDC issuer for one
Kubernetes service account (`system:serviceaccount:<namespace>:<service-account>`, audience
`api://AzureADTokenExchange`); the service account carries the identity's client id in the
`azure.workload.identity/client-id` annotation and the pod template the label
`azure.workload.identity/use: "true"`, so the mutating webhook injects `AZURE_CLIENT_ID`,
`AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE` and `AZURE_AUTHORITY_HOST` plus the projected token
(DefaultAzureCredential's WorkloadIdentityCredential reads them).

Sources:
- Learn "Deploy and configure workload identity on an Azure Kubernetes Service (AKS) cluster",
  https://learn.microsoft.com/azure/aks/workload-identity-deploy-cluster (`az aks update
  --enable-oidc-issuer --enable-workload-identity`, `az aks show --query
  oidcIssuerProfile.issuerUrl`, `az identity create`, the service account annotation, the pod label,
  `az identity federated-credential create --name --identity-name --resource-group --issuer
  --subject --audience api://AzureADTokenExchange`)
- Learn "Use Microsoft Entra Workload ID with AKS", https://learn.microsoft.com/azure/aks/workload-identity-overview
  (labels and annotations, the injected variables, at most 20 federated credentials per identity,
  a few seconds of propagation after a credential is added)
- azure-workload-identity "Service Account Labels and Annotations",
  https://azure.github.io/azure-workload-identity/docs/topics/service-account-labels-and-annotations.html
  (`azure.workload.identity/use` is required in the pod template, not on the service account)
- azure-cli 2.91.0 command table (tests/data): `az identity federated-credential create` takes the
  audience as `--audiences`.
"""

from __future__ import annotations

import re
from types import MappingProxyType

SOURCE = "https://learn.microsoft.com/azure/aks/workload-identity-deploy-cluster"
OVERVIEW = "https://learn.microsoft.com/azure/aks/workload-identity-overview"

AUDIENCE = "api://AzureADTokenExchange"
ISSUER_PLACEHOLDER = "<aks-oidc-issuer-url>"
SUBJECT = "system:serviceaccount:{namespace}:{service_account}"
POD_LABEL = "azure.workload.identity/use"
POD_LABEL_VALUE = '"true"'  # a string in YAML: quoted
CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
INJECTED_VARIABLES = (
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
)
MAX_CREDENTIALS_PER_IDENTITY = 20

# Kubernetes: an object without metadata.namespace goes to the namespace of the kubectl context
# (`default` unless the context names another); a pod without serviceAccountName runs as `default`.
DEFAULT_NAMESPACE = "default"

# The workload kinds whose pod template holds the containers' env, and the path to that template's
# pod spec (Kubernetes API reference: apps/v1, batch/v1, core/v1).
POD_SPEC_PATHS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "Deployment": ("spec", "template", "spec"),
        "StatefulSet": ("spec", "template", "spec"),
        "DaemonSet": ("spec", "template", "spec"),
        "ReplicaSet": ("spec", "template", "spec"),
        "Job": ("spec", "template", "spec"),
        "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
        "Pod": ("spec",),
    }
)

# App Service value forms that name ManagedIdentityCredential, as a pod's value: Azure SignalR's
# `AuthType=azure` uses DefaultAzureCredential (which includes WorkloadIdentityCredential and reads the
# injected AZURE_CLIENT_ID), `azure.msi` ManagedIdentityCredential [Learn "Connection strings in Azure
# SignalR Service", https://learn.microsoft.com/azure/azure-signalr/concept-connection-string: AuthType
# values azure, azure.msi, azure.app].
POD_VALUE_FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"AuthType=azure\.msi;(?:ClientId=[^;]*;)?", re.I), "AuthType=azure;"),
)

# Commands (placeholders in <>: the scripts turn them into checked variables).
OIDC_ISSUER_SHOW = (
    "az aks show -g <aks-resource-group> -n <aks-cluster> --query oidcIssuerProfile.issuerUrl -o tsv"
)
CLUSTER_ENABLE = (
    "az aks update -g <aks-resource-group> -n <aks-cluster> --enable-oidc-issuer --enable-workload-identity"
)
CREDENTIAL_CREATE = (
    "az identity federated-credential create --name {credential} --identity-name {identity} "
    "--resource-group <resource-group> --issuer {issuer} --subject {subject} --audiences {audience}"
)
CREDENTIAL_SHOW = (
    "az identity federated-credential show --name {credential} --identity-name {identity} "
    "--resource-group <resource-group> --query id -o tsv"
)
CREDENTIAL_KIND = "federated-identity-credential"  # the plan's prerequisite kind for the credential

CLUSTER_NOTE = (
    "the AKS cluster must have the OIDC issuer and workload identity turned on (by hand, once per cluster: "
    f"{CLUSTER_ENABLE}); its issuer URL comes from {OIDC_ISSUER_SHOW}"
)
WEBHOOK_NOTE = (
    "the workload identity webhook injects "
    + ", ".join(INJECTED_VARIABLES)
    + " and the projected token into pods labelled "
    f"{POD_LABEL}: {POD_LABEL_VALUE} whose service account has the {CLIENT_ID_ANNOTATION} annotation; "
    "DefaultAzureCredential then uses WorkloadIdentityCredential"
)
