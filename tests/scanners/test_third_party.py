"""Third-party credentials are third-party: a secret, with no managed-identity replacement, never
passed off as the Azure service a word in their name suggests."""

from __future__ import annotations

import json
from typing import Any

import pytest

from migrate.plan.planner import plan
from scanners.records import ConnectionStringAuditItem, ManagedIdentitySupport, ServiceType, ValueClass
from scanners.setting_names import service_hint
from tests.conftest import find_item, scan_text
from tests.planted import assert_planted_found

BING_KEY = "4f1e0c9ab2d34e7f8a6b5c4d3e2f1a0b"
BING_V7_KEY = "7d2c4e6f8a0b1c3d5e7f9a1b3c5d7e9f"
FB_SECRET = "9c8b7a6d5e4f3a2b1c0d9e8f7a6b5c4d"
GOOGLE_SECRET = "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"
DATAMARKET_KEY = "Q2FuYXJ5RGF0YU1hcmtldEtleUNhbmFyeURhdGFNYXJrZXRLZXk="
GITHUB_SECRET = "3e9f1c2b4a5d6e7f8091a2b3c4d5e6f708192a3b"
STRIPE_KEY = "sk_live_51CanaryStripeKeyCanaryStripeKey0123456789"
SEARCH_KEY = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"  # a real Azure AI Search key stays ai-search
ENTRA_SECRET = "nvX8Q~CanaryThirdPartyEntraSecretCanar1"

APPSETTINGS = f"""{{
  "BingSearch": {{
    "Endpoint": "https://api.bing.microsoft.com/v7.0/search",
    "SubscriptionKey": "{BING_KEY}"
  }},
  "Authentication": {{
    "Facebook": {{ "AppId": "183749201928374", "AppSecret": "{FB_SECRET}" }},
    "Google": {{ "ClientId": "1234-canary.apps.googleusercontent.com", "ClientSecret": "{GOOGLE_SECRET}" }}
  }},
  "DataMarket": {{ "AccountKey": "{DATAMARKET_KEY}" }},
  "Search": {{ "AdminKey": "{SEARCH_KEY}" }},
  "AzureAd": {{ "ClientSecret": "{ENTRA_SECRET}" }}
}}
"""

DOTENV = f"""BING_SEARCH_V7_SUBSCRIPTION_KEY={BING_V7_KEY}
GITHUB_CLIENT_SECRET={GITHUB_SECRET}
STRIPE_SECRET_KEY={STRIPE_KEY}
BING_SEARCH_KEY=@Microsoft.KeyVault(SecretUri=https://kv1.vault.azure.net/secrets/bing/)
GOOGLE_CLIENT_SECRET=<your-google-client-secret>
"""

THIRD = ServiceType.THIRD_PARTY


def _dump(items: list[ConnectionStringAuditItem]) -> str:
    return json.dumps([i.to_json() for i in items])


def test_third_party_secrets_in_json_config() -> None:
    items = scan_text("src/Web/appsettings.json", APPSETTINGS, generic=True)
    assert_planted_found(items, APPSETTINGS, BING_KEY, FB_SECRET, GOOGLE_SECRET, DATAMARKET_KEY)
    for line, name in (
        (4, "BingSearch:SubscriptionKey"),
        (7, "Authentication:Facebook:AppSecret"),
        (8, "Authentication:Google:ClientSecret"),
        (10, "DataMarket:AccountKey"),
    ):
        item = find_item(items, line, setting_name=name, value_class=ValueClass.SECRET)
        assert item.service_type is THIRD
        assert item.can_use_managed_identity is ManagedIdentitySupport.NO
        assert "Key Vault" in item.recommended_replacement
        assert "rotate" in item.recommended_replacement
    # Only the third-party ones: Azure services keep their own type.
    assert find_item(items, 11, value_class=ValueClass.SECRET).service_type is ServiceType.AI_SEARCH
    assert find_item(items, 12, value_class=ValueClass.SECRET).service_type is ServiceType.ENTRA_ID
    assert not [i for i in items if i.service_type is THIRD and _line(i) in (11, 12)]
    assert len(items) == 6  # one item per key: no second guess from the line scanner
    out = _dump(items)
    for canary in (BING_KEY, FB_SECRET, GOOGLE_SECRET, DATAMARKET_KEY, SEARCH_KEY, ENTRA_SECRET):
        assert canary not in out


def test_third_party_names_in_dotenv_keep_their_value_class() -> None:
    items = scan_text(".env", DOTENV, generic=True)
    assert_planted_found(items, DOTENV, BING_V7_KEY, GITHUB_SECRET, STRIPE_KEY)
    for line in (1, 2, 3):
        assert find_item(items, line, value_class=ValueClass.SECRET).service_type is THIRD
    assert find_item(items, 4, value_class=ValueClass.REFERENCE).service_type is THIRD
    assert find_item(items, 5, value_class=ValueClass.PLACEHOLDER).service_type is THIRD
    assert not [i for i in items if i.service_type in (ServiceType.AI_SEARCH, ServiceType.ENTRA_ID)]
    out = _dump(items)
    for canary in (BING_V7_KEY, GITHUB_SECRET, STRIPE_KEY):
        assert canary not in out


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BingSearch:Endpoint", THIRD),
        ("Bing:SubscriptionKey", THIRD),
        ("Authentication:Twitter:ConsumerSecret", THIRD),
        ("TWILIO_AUTH_TOKEN", THIRD),
        ("SENDGRID_API_KEY", THIRD),
        ("AZURE_SEARCH_ADMIN_KEY", ServiceType.AI_SEARCH),
        ("AZURE_CLIENT_SECRET", ServiceType.ENTRA_ID),
        ("StorageAccountKey", ServiceType.STORAGE),
        ("DataBinding:Storage", ServiceType.STORAGE),  # `binding` is not Bing
        ("GITHUB_TOKEN", THIRD),  # a hint only: no name rule makes the workflow token a secret
    ],
)
def test_name_hints(name: str, expected: ServiceType) -> None:
    assert service_hint(name) is expected


def test_workflow_token_is_not_reported() -> None:
    text = "GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}\n"
    assert scan_text(".env", text) == []


def test_plan_sends_third_party_to_review_with_key_vault_advice() -> None:
    items = scan_text(".env", DOTENV)
    third = [i.to_json() for i in items if i.service_type is THIRD and i.value_class is ValueClass.SECRET]
    assert third
    document: dict[str, Any] = {
        "schema_version": 1,
        "tool": "secretless",
        "items": third,
        "skipped": [],
        "sites": [],
        "summary": {},
    }
    p = plan(document)
    assert not p.apps  # nothing to grant: no managed-identity path
    assert p.needs_review
    for review in p.needs_review:
        assert "third-party credential: no managed-identity replacement" in review.detail
        assert "Key Vault" in review.detail
    rendered = json.dumps([r.detail for r in p.needs_review])
    for canary in (BING_V7_KEY, GITHUB_SECRET, STRIPE_KEY):
        assert canary not in rendered


def _line(item: ConnectionStringAuditItem) -> int:
    return getattr(item.location, "line", 0)


def test_vendor_tokens_found_by_shape_are_third_party() -> None:
    token = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
    text = f"payments:\n  key: {token}\n"
    items = scan_text("deploy/payments.md", text, generic=True)
    assert_planted_found(items, text, token)
    item = find_item(items, 2, detector="detect-secrets:Stripe Access Key")
    assert item.service_type is THIRD
    assert item.can_use_managed_identity is ManagedIdentitySupport.NO
    assert token not in _dump(items)


BING_CLIENT = """using System.Net.Http;
public class SearchClient {
    const string Endpoint = "https://api.bing.microsoft.com/v7.0/search";
    public async Task<string> Search(HttpClient http, string key, string q) {
        http.DefaultRequestHeaders.Add("Ocp-Apim-Subscription-Key", key);
        return await http.GetStringAsync(Endpoint + "?q=" + q);
    }
}
"""


def test_subscription_key_header_sent_to_bing_is_third_party() -> None:
    items = scan_text("src/Search/SearchClient.cs", BING_CLIENT)
    header = find_item(items, 5, detector="consumer-calls:call")
    assert header.service_type is THIRD
    assert header.can_use_managed_identity is ManagedIdentitySupport.NO
    # The same header sent to an Azure AI services endpoint stays Azure AI services.
    vision = BING_CLIENT.replace(
        "https://api.bing.microsoft.com/v7.0/search", "https://contoso-vision.cognitiveservices.azure.com/"
    )
    items = scan_text("src/Search/VisionClient.cs", vision)
    assert find_item(items, 5, detector="consumer-calls:call").service_type is ServiceType.COGNITIVE_SERVICES


def test_code_lookups_of_third_party_settings() -> None:
    py = 'import os\ntoken = os.environ["GITHUB_TOKEN"]\nkey = os.environ["BING_SEARCH_KEY"]\n'
    items = scan_text("app/search.py", py)
    key = find_item(items, 3, setting_name="BING_SEARCH_KEY", value_class=ValueClass.REFERENCE)
    assert key.service_type is THIRD
    assert not [i for i in items if i.service_type is ServiceType.AI_SEARCH]
    cs = 'var s = Configuration["Authentication:Google:ClientSecret"];\n'
    items = scan_text("src/Web/Startup.cs", cs)
    assert [(i.service_type, i.value_class) for i in items] == [(THIRD, ValueClass.REFERENCE)]
