"""The sign-in choices of every command that talks to Azure: the clouds (ARM endpoint and token
scope), the credentials a user can choose and how to get each working, and the message that says so
when signing in fails.

Light on purpose (no Azure SDK import at module level): the CLI builds its `--cloud` and
`--credential` choices from these registries when it starts, so `--help` cannot drift from what
`scanners.azure_arm.build_credential` accepts, and stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanners.errors import ConfigError, SignInError

# The registries the CLI takes its `--cloud` and `--credential` choices from, so `--help` cannot
# drift from what `arm_target` and `build_credential` accept.
CLOUDS: dict[str, str] = {
    "public": "https://management.azure.com",
    "china": "https://management.chinacloudapi.cn",
    "usgov": "https://management.usgovcloudapi.net",
}
DEFAULT_CLOUD = "public"


@dataclass(frozen=True, slots=True)
class CredentialChoice:
    """One way to sign in: the azure-identity class behind it and how a user gets it working."""

    name: str
    identity_class: str  # a class of `azure.identity.aio`
    client_id_keyword: str | None  # the keyword that selects a user-assigned identity, if any
    sign_in: str  # what to do when signing in fails


CREDENTIALS: dict[str, CredentialChoice] = {
    c.name: c
    for c in (
        CredentialChoice(
            "azure-cli",
            "AzureCliCredential",
            None,
            "sign in with `az login` (and pick the subscription with `az account set`)",
        ),
        CredentialChoice(
            "managed-identity",
            "ManagedIdentityCredential",
            "client_id",
            "works only on an Azure host with a managed identity; give --client-id for a user-assigned one",
        ),
        CredentialChoice(
            "workload-identity",
            "WorkloadIdentityCredential",
            "client_id",
            "needs AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE (set by the "
            "workload identity webhook or the CI's OpenID Connect login)",
        ),
        CredentialChoice(
            "environment",
            "EnvironmentCredential",
            None,
            "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH",
        ),
        CredentialChoice(
            "default",
            "DefaultAzureCredential",
            "managed_identity_client_id",
            "sign in with `az login`, or set the variables of --credential environment",
        ),
    )
}
DEFAULT_CREDENTIAL = "azure-cli"


@dataclass(frozen=True, slots=True)
class ArmTarget:
    base_url: str
    scope: str


def arm_target(cloud: str = "public", arm_endpoint: str | None = None, scope: str | None = None) -> ArmTarget:
    if cloud not in CLOUDS:
        raise ConfigError(f"unknown cloud {cloud!r}: choose one of {', '.join(CLOUDS)}")
    base = (arm_endpoint or CLOUDS[cloud]).rstrip("/")
    if not base.startswith("https://"):
        raise ConfigError("the ARM endpoint must use https:// (bearer tokens are never sent in clear text)")
    default_scope = CLOUDS[cloud] + "/.default"
    return ArmTarget(base_url=base, scope=scope or default_scope)


def sign_in_error(exc: BaseException, name: str) -> SignInError | None:
    """A `SignInError` saying how to sign in when `exc` is the SDK's authentication failure, else None.

    Only the exception's type is named: azure-identity messages can quote tool output."""
    from azure.core.exceptions import ClientAuthenticationError

    if not isinstance(exc, ClientAuthenticationError):
        return None
    choice = CREDENTIALS.get(name)
    hint = choice.sign_in if choice else f"choose --credential from {', '.join(CREDENTIALS)}"
    return SignInError(
        f"cannot sign in with the {name} credential ({type(exc).__name__}): {hint}; "
        "or choose another --credential"
    )
