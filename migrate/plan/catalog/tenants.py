"""Client secrets a managed identity cannot simply replace: sign-in (OpenID Connect) secrets, secrets
of another app registration (a partner API, another tenant) and what a Microsoft Graph caller needs.

Facts and sources:
- A managed identity gets tokens only in its own tenant.  An app registration you own can trust the
  managed identity as a federated identity credential (issuer
  `https://login.microsoftonline.com/<tenant of the identity>/v2.0`, subject the identity's object
  id, audience `api://AzureADTokenExchange`); a multi-tenant registration then gets tokens in the
  other tenant with no secret [Learn "Configure an application to trust a managed identity",
  https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity;
  tests/data/azure-services.md, traps section].  `az ad app federated-credential create --id <app>
  --parameters <json>` creates it (azure-cli `ad app federated-credential`).
- Microsoft.Extensions.Azure builds that credential from configuration with
  `credential=managedidentityasfederatedidentity` and `tenantId`, `clientId`,
  `managedIdentityClientId` (or `objectId` / `resourceId`), `azureCloud` [Learn "Create Microsoft
  Entra credential types using configuration files",
  https://learn.microsoft.com/dotnet/azure/sdk/authentication/create-token-credentials-from-configuration;
  Microsoft.Extensions.Azure 1.12.0 release notes].
- Microsoft.Identity.Web (sign-in and downstream APIs) takes the same credential as
  `ClientCredentials: [{ "SourceType": "SignedAssertionFromManagedIdentity",
  "ManagedIdentityClientId": "<client id>" }]` in place of `ClientSecret` [Microsoft.Identity.Web
  `CredentialSource.SignedAssertionFromManagedIdentity`; Learn "Certificateless authentication with
  Microsoft.Identity.Web" (ManagedIdentityClientAssertion)].  Azure AD B2C does not support it.
- A service principal's API permissions (for Microsoft Graph: application permissions, i.e. app
  roles) do not pass to a managed identity: each app role is assigned to the identity's service
  principal through Graph, `POST /v1.0/servicePrincipals/<identity object id>/appRoleAssignments`
  with `principalId`, `resourceId` (the Graph service principal) and `appRoleId` [Learn "Assign a
  managed identity access to an application role"; Graph "Grant an appRoleAssignment to a service
  principal"].  Which roles the code needs is not in a scan.
"""

from __future__ import annotations

import enum
import re

from migrate.plan.catalog.forms import SP_CREDENTIAL_SETTINGS


class SecretUse(enum.StrEnum):
    """What an Entra client secret is for."""

    SERVICE_PRINCIPAL = "service-principal"  # the app's own service principal (AZURE_CLIENT_SECRET, ...)
    SIGN_IN = "sign-in"  # OpenID Connect sign-in / Microsoft.Identity.Web
    SIGN_IN_B2C = "sign-in-b2c"  # Azure AD B2C: no managed identity as credential
    OTHER_REGISTRATION = "other-registration"  # a partner API or another tenant's app registration


# Configuration sections of sign-in libraries (Microsoft.Identity.Web `AzureAd`, OpenID Connect
# handlers, App Service authentication's secret setting).
SIGN_IN_SECTION = re.compile(
    r"^(azuread|microsoftidentity|openidconnect|oidc|authentication:microsoft|authentication:openidconnect)"
    r"(:|__|$)|^microsoft_provider_authentication_secret$",
    re.IGNORECASE,
)
B2C_SECTION = re.compile(r"^azureadb2c(:|__|$)", re.IGNORECASE)
SIGN_IN_CODE = re.compile(
    r"AddMicrosoftIdentityWebApp|AddOpenIdConnect|EnableTokenAcquisitionToCallDownstreamApi"
)
GRAPH_EVIDENCE = re.compile(
    r"GraphServiceClient|graph\.microsoft\.com|\bmsgraph\b|MicrosoftGraph|\bGraph[:_]|(^|/)\w*Graph\w*\.\w+(\s|$)",
    re.IGNORECASE,
)
TENANT_GUID = re.compile(
    r"login\.microsoftonline\.com/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
    re.IGNORECASE,
)

MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
FIC_AUDIENCE = "api://AzureADTokenExchange"
FIC_CREATE = (
    "az ad app federated-credential create --id <app-id of the registration> --parameters "
    '\'{{"name": "{name}", "issuer": "https://login.microsoftonline.com/<tenant id of {identity}>/v2.0", '
    '"subject": "<object id of {identity}>", "audiences": ["' + FIC_AUDIENCE + "\"]}}'"
)
GRAPH_APP_ROLE_ASSIGN = (
    "az rest --method POST --uri https://graph.microsoft.com/v1.0/servicePrincipals/<object id of {identity}>/"
    'appRoleAssignments --body \'{{"principalId": "<object id of {identity}>", "resourceId": '
    '"<object id of the Microsoft Graph service principal (appId ' + MICROSOFT_GRAPH_APP_ID + ')>", '
    '"appRoleId": "<id of each app role the service principal had>"}}\''
)
GRAPH_ROLES_OF_SP = "az ad app permission list --id <app-id of the service principal>"
MI_AS_FIC_CONFIG = (
    "<Section>:credential=managedidentityasfederatedidentity, <Section>:tenantId=<tenant of the registration>, "
    "<Section>:clientId=<app-id of the registration>, <Section>:managedIdentityClientId=<client id of {identity}>, "
    "<Section>:azureCloud=public"
)
IDENTITY_WEB_CLIENT_CREDENTIALS = (
    '"ClientCredentials": [{{ "SourceType": "SignedAssertionFromManagedIdentity", '
    '"ManagedIdentityClientId": "<client id of {identity}>" }}]'
)
UNVERIFIED_FIC = "a managed identity as federated credential is documented for user-assigned identities"


_SDK_CREDENTIAL = re.compile(r"ClientSecretCredential")


def secret_use(setting: str | None, previews: list[str]) -> SecretUse:
    """What a client secret setting (and the code around it) is for.  A secret in a sign-in
    library's section is a sign-in secret unless the code builds an SDK credential from it (then it
    is the app's service principal, e.g. `AzureAd:ClientSecret` read into ClientSecretCredential)."""
    name = setting or ""
    sdk = any(_SDK_CREDENTIAL.search(p) for p in previews)
    if B2C_SECTION.search(name):
        return SecretUse.SIGN_IN_B2C
    if any(SIGN_IN_CODE.search(p) for p in previews) or (SIGN_IN_SECTION.search(name) and not sdk):
        return SecretUse.SIGN_IN
    if not name or name.upper() in SP_CREDENTIAL_SETTINGS or SIGN_IN_SECTION.search(name):
        return SecretUse.SERVICE_PRINCIPAL
    return SecretUse.OTHER_REGISTRATION


def tenants_in(texts: list[str]) -> set[str]:
    """Tenant ids named by authority URLs in the texts (lower case)."""
    return {m.group(1).lower() for t in texts for m in TENANT_GUID.finditer(t)}
