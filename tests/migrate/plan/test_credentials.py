"""Issue 12, problem 6: client secrets a managed identity cannot replace.

Fixture `tests/fixtures/repos/entra-secrets/`: a web app with a sign-in secret (`AzureAd` with
`CallbackPath`, `AddMicrosoftIdentityWebApp`) and the client secret of a partner API's app
registration in another tenant (`PartnerApi`, read into a ClientSecretCredential that feeds a Graph
client).  Scan items built here cover the app's own service principal (Graph app roles) and a
service principal whose authority names another tenant.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from migrate.plan.catalog import SecretUse
from migrate.plan.credentials import secret_use
from migrate.plan.planner import plan
from migrate.plan.records import AppPlan, Basis, Plan, StageName
from migrate.plan.units import App, Unit
from scanners.estate_records import SiteIdentity
from scanners.records import ServiceType as S
from scanners.serialization import read_audit
from tests.migrate.fixture_repos import planned, scan_document
from tests.migrate.plan.test_planner import SUB, doc, file_item, live_item, only_app


@pytest.fixture(scope="module")
def partner_plan() -> Plan:
    return planned("entra-secrets")


def _app(p: Plan) -> AppPlan:
    return next(a for a in p.apps if a.app.endswith("Partner.Web"))


def test_the_secrets_were_found() -> None:
    settings = {
        i["SettingName"] for i in scan_document("entra-secrets")["items"] if i["ValueClass"] == "secret"
    }
    assert {"AzureAd:ClientSecret", "PartnerApi:ClientSecret"} <= settings


def test_a_partner_secret_is_kept_and_its_credential_never_deleted(partner_plan: Plan) -> None:
    app = _app(partner_plan)
    partner = [r for r in app.risks if r.code == "other-registration-secret"]
    assert len(partner) == 1 and "PartnerApi:ClientSecret" in partner[0].text
    # the proposal: the managed identity as a federated credential of that registration, or review
    text = partner[0].text
    assert "az ad app federated-credential create" in text and "api://AzureADTokenExchange" in text
    assert "credential=managedidentityasfederatedidentity" in text and partner[0].unverified
    # before: the secret setting and the registration's credential were removed
    assert not any("PartnerApi" in r.what or "PartnerApi" in r.where for r in app.removals)
    assert not any("credential delete" in (r.command or "") for r in app.removals)
    assert not any("PartnerApi" in s.setting for s in app.settings)
    # and the ClientSecretCredential is not rewritten to the managed identity
    (change,) = [c for c in app.code_changes if c.unit.endswith("partnerapi_clientsecret")]
    assert change.change.startswith("no code change")


def test_a_sign_in_secret_becomes_a_federated_credential_or_review(partner_plan: Plan) -> None:
    app = _app(partner_plan)
    (sign_in,) = [r for r in app.risks if r.code == "sign-in-secret"]
    assert "AzureAd:ClientSecret" in sign_in.text and "review" in sign_in.text
    assert "SignedAssertionFromManagedIdentity" in sign_in.text and "ClientCredentials" in sign_in.text
    assert not any("AzureAd" in r.what or "AzureAd" in r.where for r in app.removals)


def test_the_apps_own_service_principal_is_replaced_and_graph_roles_are_a_manual_step() -> None:
    items: list[dict[str, Any]] = [
        live_item(S.ENTRA_ID, "AZURE_CLIENT_SECRET"),
        file_item(
            S.ENTRA_ID,
            "AZURE_CLIENT_SECRET",
            project="src/Web",
            path="src/Web/Services/GraphDirectory.cs",
            line=12,
            role="code-consumer",
            value_class="reference",
            preview="new GraphServiceClient(new ClientSecretCredential(t, c, s))",
            detector="csharp:ctor",
        ),
    ]
    p = plan(doc(items))
    app = next(a for a in p.apps if a.app.startswith(SUB))
    # the service principal leaves (the existing contract) ...
    assert any(r.stage is StageName.REMOVE_SECRETS and r.what == "AZURE_CLIENT_SECRET" for r in app.removals)
    # ... and its API permissions do not pass to the identity: a manual step names how, not which roles
    graph = [r for r in app.risks if r.code == "graph-app-roles"]
    assert graph and "appRoleAssignments" in graph[0].text and "cannot infer which app roles" in graph[0].text
    web = next(a for a in p.apps if a.app == "src/Web")
    assert any("Microsoft Graph caller (src/Web/Services/GraphDirectory.cs:12)" in r.text for r in web.risks)


def test_a_service_principal_of_another_tenant_is_kept() -> None:
    """A tenant visible beside the secret (an authority URL) that is not the app's own tenant."""
    other = "99999999-8888-7777-6666-555555555555"
    item = file_item(
        S.ENTRA_ID,
        "AZURE_CLIENT_SECRET",
        project="src/Web",
        path="src/Web/Partner.cs",
        role="code-consumer",
        value_class="reference",
        preview=f'new ClientSecretCredential("https://login.microsoftonline.com/{other}", c, s)',
        detector="csharp:ctor",
    )
    (i,) = read_audit(doc([item])).items
    unit = Unit("src/Web", "src/Web::x", (i,), S.ENTRA_ID, None, {}, (), True, True, Basis.ASSUMED, ())
    identity = SiteIdentity.from_arm(
        {"type": "SystemAssigned", "principalId": "p1", "tenantId": "11111111-2222-3333-4444-555555555555"}
    )
    site = SimpleNamespace(identity=identity, app_setting_names=(), slot=None)
    app = App("web", True, sites=[site])  # type: ignore[list-item]  # only the identity is read
    assert secret_use(app, unit) is SecretUse.OTHER_REGISTRATION
    # the app's own tenant, or none known: no comparison, the service principal is replaced
    same = SimpleNamespace(identity=SiteIdentity.from_arm({"type": "SystemAssigned", "tenantId": other}))
    assert secret_use(App("web", True, sites=[same]), unit) is SecretUse.SERVICE_PRINCIPAL  # type: ignore[list-item]
    assert secret_use(None, unit) is SecretUse.SERVICE_PRINCIPAL


def test_only_service_principal_secrets_lose_their_registration_credential() -> None:
    p = plan(doc([file_item(S.ENTRA_ID, "Contoso:ClientSecret")]))
    app = only_app(p)
    assert not app.removals and not app.settings
    assert [r.code for r in app.risks if r.code.endswith("-secret")] == ["other-registration-secret"]
