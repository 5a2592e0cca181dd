"""The input that would resolve each needs-review reason: shown beside the item in the plan, the emit
README, the terminal summary and the reports, so nothing left for people is left without a next step."""

from __future__ import annotations

from migrate.plan.records import ReviewReason

R = ReviewReason

RESOLVE_WITH: dict[ReviewReason, str] = {
    R.NO_ENDPOINT: (
        "the endpoint beside the key: a sibling setting in the same file and section "
        "(`X_ENDPOINT` / `X_KEY`, `Foo:Endpoint` / `Foo:ApiKey`), the IaC resource the key is read from, "
        "or the resource name after the plan (`secretless migrate --set NAME=VALUE`)"
    ),
    R.INFRASTRUCTURE_AS_CODE: (
        "the app the template deploys: an `azd-service-name` tag with `azure.yaml`, or a "
        "`Microsoft.Web/sites` / `azurerm_*_web_app` resource whose settings it writes; else change the "
        "template by hand to write the endpoint and a role assignment"
    ),
    R.KUBERNETES: (
        "a Microsoft Entra Workload ID set-up for the pod (user-assigned identity, federated credential, "
        "service account): by hand"
    ),
    R.MONGO_API: "a decision: MongoDB drivers cannot use Entra ID; keep the key in Key Vault or move the API",
    R.UNRECOGNISED: "the service behind the value (its endpoint or the SDK that uses it): by hand",
    R.NO_SAFE_ROLE: "the specific service (OpenAI, Speech, ...) behind the multi-service endpoint: by hand",
    R.PLACEHOLDER_ONLY: "nothing: update the template when the unit moves to the endpoint form",
    R.DEV_EMULATOR_ONLY: "nothing: local development values stay",
    R.CANNOT_MIGRATE: "the pipeline or service owner: move the secret to a federated credential by hand",
    R.PLATFORM_EXCEPTION: "nothing: the platform needs this setting as it is",
}


def resolution_for(reason: ReviewReason) -> str:
    return RESOLVE_WITH.get(reason, "review by hand")
