"""Sibling settings: a key gets the endpoint of the setting beside it (same file, section and stem)."""

from __future__ import annotations

from scanners.records import ConnectionStringAuditItem, ServiceType, ValueClass
from scanners.siblings import endpoint_from_value, settings_of
from tests.conftest import scan_text
from tests.planted import assert_planted_found

OPENAI_KEY = "CANARYa1b2c3d4e5f60718293a4b5c6d7e8f9"
SEARCH_KEY = "CANARYq7W3e5R7t9Y1u3I5o7P9a1S3d5F7g9H1j3K5l7Z9x1C3v"
STORAGE_KEY = "CANARYst0rAgeKeyAa11Bb22Cc33Dd44Ee55Ff66Gg77Hh88Ii99Jj00Kk11Ll22Mm33Nn44Oo55Pp66Qq77Rr8=="


def _secret(items: list[ConnectionStringAuditItem], setting: str) -> ConnectionStringAuditItem:
    return next(i for i in items if i.setting_name == setting and i.value_class is ValueClass.SECRET)


def _no_value(items: list[ConnectionStringAuditItem], *values: str) -> None:
    for i in items:
        text = repr(i.endpoint) + " ".join(i.notes)
        assert not any(v in text for v in values)


def test_dotenv_key_gets_the_endpoint_beside_it() -> None:
    text = (
        "AZURE_OPENAI_ENDPOINT=https://contoso-oai.openai.azure.com/\n"
        f"AZURE_OPENAI_API_KEY={OPENAI_KEY}\n"
        "AZURE_SEARCH_SERVICE_NAME=contoso-search\n"
        f"AZURE_SEARCH_ADMIN_KEY={SEARCH_KEY}\n"
    )
    items = scan_text("src/Api/.env", text)
    assert_planted_found(items, text, OPENAI_KEY, SEARCH_KEY)
    oai = _secret(items, "AZURE_OPENAI_API_KEY")
    assert oai.endpoint.host == "contoso-oai.openai.azure.com"
    assert "endpoint from the sibling setting AZURE_OPENAI_ENDPOINT in the same file" in oai.notes
    # a bare service name is not a host: AI Search is named only by its host, so nothing is guessed
    assert _secret(items, "AZURE_SEARCH_ADMIN_KEY").endpoint.is_empty()
    _no_value(items, OPENAI_KEY, SEARCH_KEY)


def test_appsettings_section_pairs_endpoint_and_api_key() -> None:
    text = (
        '{\n  "Search": {\n    "Endpoint": "https://contoso-search.search.windows.net",\n'
        f'    "ApiKey": "{SEARCH_KEY}"\n  }},\n'
        '  "Other": {\n    "Endpoint": "https://contoso-oai.openai.azure.com/"\n  }\n}\n'
    )
    items = scan_text("src/Api/appsettings.json", text)
    assert_planted_found(items, text, SEARCH_KEY)
    item = _secret(items, "Search:ApiKey")
    assert item.endpoint.host == "contoso-search.search.windows.net"  # its own section, not "Other"


def test_another_services_host_or_user_info_is_never_taken() -> None:
    assert endpoint_from_value("https://contoso.vault.azure.net/", ServiceType.AI_SEARCH) is None
    assert endpoint_from_value("https://user:pw@contoso.search.windows.net", ServiceType.AI_SEARCH) is None
    assert endpoint_from_value("https://contoso.search.windows.net?x=1", ServiceType.AI_SEARCH) is None
    assert endpoint_from_value("${SEARCH_ENDPOINT}", ServiceType.AI_SEARCH) is None
    assert endpoint_from_value("http://localhost:8080", ServiceType.AI_SEARCH) is None
    ep = endpoint_from_value("contosostore", ServiceType.STORAGE)
    assert ep is not None and ep.account == "contosostore"


def test_spring_properties_account_name_and_key() -> None:
    text = (
        "spring.cloud.azure.storage.blob.account-name=contosospring\n"
        f"spring.cloud.azure.storage.blob.account-key={STORAGE_KEY}\n"
    )
    items = scan_text("src/main/resources/application.properties", text)
    assert_planted_found(items, text, STORAGE_KEY)
    item = next(i for i in items if i.value_class is ValueClass.SECRET)
    assert item.endpoint.account == "contosospring"


def test_compose_and_kubernetes_env_lists() -> None:
    settings = settings_of(
        "k8s/deploy.yaml",
        "spec:\n  env:\n    - name: A_ENDPOINT\n      value: https://a.search.windows.net\n"
        "    - name: A_KEY\n      valueFrom: {secretKeyRef: {name: s, key: k}}\n",
    )
    assert [(s.section, s.name, s.value) for s in settings] == [
        ("spec:env", "A_ENDPOINT", "https://a.search.windows.net")
    ]
    compose = settings_of(
        "docker-compose.yml",
        "services:\n  api:\n    environment:\n      - B_HOST=b.redis.cache.windows.net\n",
    )
    assert [(s.section, s.name, s.value) for s in compose] == [
        ("services:api:environment", "B_HOST", "b.redis.cache.windows.net")
    ]
    text = (
        "services:\n  api:\n    environment:\n"
        "      AZURE_SEARCH_ENDPOINT: https://contoso-search.search.windows.net\n"
        f"      AZURE_SEARCH_KEY: {SEARCH_KEY}\n"
    )
    items = scan_text("docker-compose.yml", text)
    assert_planted_found(items, text, SEARCH_KEY)
    assert _secret(items, "AZURE_SEARCH_KEY").endpoint.host == "contoso-search.search.windows.net"


def test_a_file_that_does_not_parse_gives_no_siblings() -> None:
    assert settings_of("a.json", "{not json") == []
    assert settings_of("a.yaml", "a: [") == []


def test_estate_app_settings_of_the_same_app() -> None:
    from scanners.records import (
        AppServiceLocation,
        Confidence,
        CredentialKind,
        Endpoint,
        EvidenceRole,
        ManagedIdentitySupport,
    )
    from scanners.siblings import with_setting_siblings

    def item(setting: str) -> ConnectionStringAuditItem:
        return ConnectionStringAuditItem(
            location=AppServiceLocation("s", "rg", "web", None, setting),
            service_type=ServiceType.OPENAI,
            can_use_managed_identity=ManagedIdentitySupport.YES,
            recommended_replacement="",
            credential_kind=CredentialKind.API_KEY,
            value_class=ValueClass.SECRET,
            evidence_role=EvidenceRole.LIVE_SETTING,
            endpoint=Endpoint(),
            redacted_preview="***",
            detector="app-service:setting-name",
            confidence=Confidence.HIGH,
            fingerprint="hs1:00",
            setting_name=setting,
        )

    settings = [
        ("OpenAI__Endpoint", "https://contoso-oai.openai.azure.com/"),
        ("OpenAI__ApiKey", OPENAI_KEY),
        ("Other__Endpoint", "https://other-oai.openai.azure.com/"),
        ("Lonely__ApiKey", OPENAI_KEY),
    ]
    out = with_setting_siblings(settings, [item("OpenAI__ApiKey"), item("Lonely__ApiKey")])
    assert out[0].endpoint.host == "contoso-oai.openai.azure.com"
    assert out[0].notes == ("endpoint from the sibling app setting OpenAI__Endpoint of the same app",)
    assert out[1].endpoint.is_empty()  # another section's endpoint is not its sibling
    _no_value(out, OPENAI_KEY)


def test_web_config_app_settings() -> None:
    text = (
        "<configuration>\n  <appSettings>\n"
        '    <add key="AzureOpenAI:Endpoint" value="https://contoso-oai.openai.azure.com/" />\n'
        f'    <add key="AzureOpenAI:ApiKey" value="{OPENAI_KEY}" />\n'
        "  </appSettings>\n</configuration>\n"
    )
    items = scan_text("src/Web/web.config", text)
    assert_planted_found(items, text, OPENAI_KEY)
    assert _secret(items, "AzureOpenAI:ApiKey").endpoint.host == "contoso-oai.openai.azure.com"
