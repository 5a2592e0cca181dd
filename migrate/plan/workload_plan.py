"""The plan of a Kubernetes workload (`migrate.plan.workloads`): Microsoft Entra Workload ID instead of
an App Service identity.  Its units, grants and env settings come from the same steps as every other
app; this module adds what only a workload has: the user-assigned identity and its federated identity
credential for the pod's service account, the manifest changes (container env AZURE_CLIENT_ID, the
pod label, the service account and its client-id annotation), stages that say which steps need the
cluster (by hand), and the key consumers it leaves until it is moved.  Facts:
`migrate.plan.catalog.workload_identity`.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import replace

from migrate.plan import catalog as cat
from migrate.plan.catalog import workload_identity as wi
from migrate.plan.consumers import KeyConsumers
from migrate.plan.records import (
    IdentityDecision,
    IdentityKind,
    Prerequisite,
    Principal,
    Removal,
    SettingAction,
    SettingChange,
    Stage,
    StageName,
)
from migrate.plan.setting_forms import APP_UNIT
from migrate.plan.units import App, where_text
from migrate.plan.workloads import Workload


def workload_identity(w: Workload) -> IdentityDecision:
    name = w.identity_name
    assumptions = ["a repository scan cannot see the cluster, its OIDC issuer or existing identities"]
    if w.kind is None:
        assumptions.append(
            f"{w.manifest} names no workload that reads the value (a Secret, ConfigMap or Helm values file, or "
            f"the manifest was not read: plan --repo): federate the service account of the pod that reads it; "
            f"{w.service_account} stands for it"
        )
    if not w.namespace_declared:
        assumptions.append(
            f"the manifest names no namespace: assumed {w.namespace} (kubectl applies it to the context's "
            "namespace); change the federated credential's subject if the workload runs elsewhere"
        )
    if not w.service_account_declared:
        assumptions.append(
            f"the pod names no service account: a dedicated one ({w.service_account}) is created for it, "
            "so the identity is not given to every pod of the namespace's default service account"
        )
    rule = (
        f"a Kubernetes workload ({w.label}): Microsoft Entra Workload ID, a user-assigned identity federated "
        f"with the pod's service account (issuer: the AKS cluster's OIDC issuer, subject {w.subject}, "
        f"audience {wi.AUDIENCE}); App Service identities do not reach pods [{wi.SOURCE}]"
    )
    return IdentityDecision(
        IdentityKind.USER_ASSIGNED,
        name,
        False,
        rule,
        tuple(assumptions),
        True,
        (
            f"{wi.CLIENT_ID_ANNOTATION}: <client-id of {name}> on service account "
            f"{w.namespace}/{w.service_account} (the webhook injects {cat.AZURE_CLIENT_ID} into the pod)",
            f"{cat.AZURE_CLIENT_ID}=<client-id of {name}> in the container env for DefaultAzureCredential",
        ),
        (Principal(name, None, f"<principalId of {name}>"),),
    )


def federated_credential(w: Workload, identity: IdentityDecision) -> Prerequisite:
    """The identity's federated credential for the workload's service account: before the grants."""
    quoted = {
        "credential": shlex.quote(w.credential_name),
        "identity": shlex.quote(identity.name),
    }
    return Prerequisite(
        wi.CREDENTIAL_KIND,
        f"{w.namespace}/{w.service_account}",
        f"federated credential {w.credential_name} of {identity.name} for service account "
        f"{w.namespace}/{w.service_account}",
        wi.CREDENTIAL_CREATE.format(
            **quoted,
            issuer=wi.ISSUER_PLACEHOLDER,
            subject=shlex.quote(w.subject),
            audience=shlex.quote(wi.AUDIENCE),
        ),
        wi.CREDENTIAL_SHOW.format(**quoted),
        f"tokens of the pod's service account ({w.subject}) are exchanged for the identity's tokens; "
        f"{wi.CLUSTER_NOTE}; at most {wi.MAX_CREDENTIALS_PER_IDENTITY} federated credentials per identity",
        wi.SOURCE,
    )


def _pod_template(w: Workload) -> str:
    path = wi.POD_SPEC_PATHS.get(w.kind or "")
    return ".".join(path[:-1]) if path and len(path) > 1 else ""


def workload_settings(w: Workload, identity: IdentityDecision) -> list[SettingChange]:
    """The manifest changes beside the env entries' identity-based forms: by hand, then kubectl apply."""
    stage = StageName.CHANGE_IN_STAGING
    template = _pod_template(w) or "<pod template>"
    labels = f"{template}.metadata.labels[{wi.POD_LABEL}]"
    pod = f"{template}.spec"
    client_id = f"<client-id of {identity.name}>"
    out = [
        SettingChange(
            APP_UNIT,
            w.manifest,
            None,
            cat.AZURE_CLIENT_ID,
            SettingAction.ADD,
            client_id,
            False,
            stage,
            "container env: DefaultAzureCredential selects the user-assigned identity by client id (the "
            "workload identity webhook injects the same value from the service account annotation)",
        ),
        SettingChange(
            APP_UNIT,
            w.manifest,
            None,
            labels,
            SettingAction.ADD,
            wi.POD_LABEL_VALUE,
            False,
            stage,
            f"only labelled pods get the projected token and the Azure variables [{wi.OVERVIEW}]",
        ),
        SettingChange(
            APP_UNIT,
            f"ServiceAccount {w.namespace}/{w.service_account}",
            None,
            f"metadata.annotations[{wi.CLIENT_ID_ANNOTATION}]",
            SettingAction.ADD,
            client_id,
            False,
            stage,
            "ties the service account to the identity the federated credential trusts"
            + ("" if w.service_account_declared else "; a new ServiceAccount object (kubectl apply)"),
        ),
    ]
    if not w.service_account_declared:
        out.append(
            SettingChange(
                APP_UNIT,
                w.manifest,
                None,
                f"{pod}.serviceAccountName",
                SettingAction.ADD,
                w.service_account,
                False,
                stage,
                "the pod runs as the federated service account (the subject of the federated credential)",
            )
        )
    return out


def pod_values(settings: Sequence[SettingChange]) -> list[SettingChange]:
    """The settings with App Service value forms turned into their pod forms (`wi.POD_VALUE_FORMS`)."""
    out = []
    for c in settings:
        value = c.value_template
        for pattern, pod_form in wi.POD_VALUE_FORMS:
            value = pattern.sub(pod_form, value) if value else value
        out.append(replace(c, value_template=value) if value != c.value_template else c)
    return out


def workload_removals(w: Workload, removals: Sequence[Removal]) -> list[Removal]:
    """The old env values leave the manifest by hand, only after verification."""
    by_hand = (
        f"; by hand, after verification: delete the entry from {w.manifest} (or its Secret), "
        f"kubectl apply -f {w.manifest} and wait for the rollout"
    )
    return [
        replace(r, why=r.why + by_hand) if r.stage is StageName.REMOVE_SECRETS and r.command is None else r
        for r in removals
    ]


def _rollout(w: Workload, verb: str = "status") -> str:
    target = f"{w.kind.lower()}/{w.name}" if w.kind and w.name else f"<the workload of {w.manifest}>"
    return f"kubectl rollout {verb} {target} -n {w.namespace}"


def workload_stages(w: Workload, identity: IdentityDecision, stages: Sequence[Stage]) -> tuple[Stage, ...]:
    """The App Service stages rewritten for a workload: no identity assign, no slot, no swap; the steps
    that need the cluster are by hand."""
    apply = f"by hand (needs the cluster): kubectl apply -f {w.manifest}, then {_rollout(w)}"
    fic = federated_credential(w, identity)
    steps: dict[StageName, list[str]] = {s.name: list(s.steps) for s in stages}
    steps[StageName.INVENTORY] = [
        s for s in steps.get(StageName.INVENTORY, []) if not s.startswith("scan the deployed app")
    ] + [f"confirm {w.label} runs in namespace {w.namespace} as service account {w.service_account}"]
    steps[StageName.ENABLE_IDENTITY] = [
        f"by hand, once per cluster: {wi.CLUSTER_ENABLE}",
        cat.IDENTITY_CREATE_USER.format(name=identity.name),
        f"{fic.title}: {fic.command} (issuer: {wi.OIDC_ISSUER_SHOW})",
        "no App Service identity assign: the pod gets the identity through its service account",
    ]
    # the federated credential is made with the identity (stage 1), not among the grants' prerequisites
    steps[StageName.GRANT_ROLES] = [
        s for s in steps.get(StageName.GRANT_ROLES, []) if not s.startswith(fic.title)
    ]
    steps[StageName.CHANGE_IN_STAGING] = [
        s for s in steps.get(StageName.CHANGE_IN_STAGING, []) if not s.startswith("no deployment slot known")
    ] + [apply]
    steps[StageName.VERIFY] = [
        *steps.get(StageName.VERIFY, []),
        f"by hand: {_rollout(w)}; the new pods have AZURE_FEDERATED_TOKEN_FILE and reach every target "
        "without authentication failures",
    ]
    steps[StageName.SWAP] = [
        f"no swap: the rollout of the changed manifest is the cut-over (to go back: {_rollout(w, 'undo')})"
    ]
    if steps.get(StageName.REMOVE_SECRETS):
        steps[StageName.REMOVE_SECRETS] = [
            f"by hand, after verification: delete the old env entries (or Secret keys) from {w.manifest}; {apply}",
            *steps[StageName.REMOVE_SECRETS],
        ]
    return tuple(replace(s, steps=tuple(steps[s.name])) for s in stages)


def workload_consumers(
    consumers: KeyConsumers, apps: Mapping[str, App], workloads: Mapping[str, Workload]
) -> KeyConsumers:
    """The key consumers with each workload item named as such: a workload moves by hand (the emitted
    scripts, the manifest change, then the removal), so until then it still uses its key."""
    names = {
        f"{where_text(i)} (not planned)": f"{where_text(i)} (Kubernetes workload {key}: moved by hand)"
        for key in workloads
        for items in apps[key].units.values()
        for i in items
    }

    def rename(texts: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(names.get(t, t) for t in texts))

    return KeyConsumers(
        {t: rename(v) for t, v in consumers.remaining.items()},
        consumers.platform,
        {s: rename(v) for s, v in consumers.unresolved.items()},
    )
