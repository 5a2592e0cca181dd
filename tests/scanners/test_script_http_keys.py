"""Keys sent with HTTP requests from scripts, PowerShell that creates and spreads an application
secret, and sample output with a key pasted into a comment."""

from __future__ import annotations

from collections.abc import Iterable

from scanners.handlers import key_headers
from scanners.records import ConnectionStringAuditItem, ServiceType
from tests.conftest import file_location, scan_text
from tests.planted import assert_planted_found

# Fake values of real shapes (a 32-hex key, a GUID endpoint key).
HEX_KEY = "9f3b2c71d0a84e56b1c2d3e4f5a6b7c8"
ENDPOINT_KEY = "5d1c7e2a-93b4-4f60-8a1e-2b7c9d0e4f31"

CURL_SH = f"""\
#!/bin/bash
# Usage: bash detect.sh <resource-name> <key>
curl -X POST "https://$1.cognitiveservices.azure.com/vision/v3.2/analyze" \\
  -H "Ocp-Apim-Subscription-Key: $2" \\
  -H "Content-Type: application/json"
curl -X POST "https://{{endpoint}}/customvision/v3.3/Training/projects" -H "Training-key: {{subscription key}}"
curl --request GET 'https://westus.tts.speech.microsoft.com/cognitiveservices/voices/list' \\
  --header 'Ocp-Apim-Subscription-Key: INSERT_SUBSCRIPTION_KEY_HERE'
curl "https://contoso-oai.openai.azure.com/openai/deployments/gpt/chat/completions" -H "api-key: $AZURE_OPENAI_KEY"
curl "https://contoso-search.search.windows.net/indexes?api-version=2023-11-01" -H "api-key: {HEX_KEY}"
curl "https://contoso-qna.azurewebsites.net/qnamaker/knowledgebases/kb/generateAnswer" -H "Authorization: EndpointKey $3"
curl "https://westus.api.cognitive.microsoft.com/luis/v2.0/apps/app?subscription-key=$LUIS_KEY&q=hi"
curl -H "Content-Type: application/json" https://example.com/health
"""

PS1 = """\
$headers = @{ 'Ocp-Apim-Subscription-Key' = $key; 'Content-Type' = 'application/json' }
Invoke-RestMethod -Uri "https://contoso.cognitiveservices.azure.com/text/analytics/v3.1/languages" -Headers $headers
$h = @{}
$h.Add("aeg-sas-key", $topicKey)
Invoke-WebRequest -Uri "https://topic1.westus2-1.eventgrid.azure.net/api/events" -Headers $h -Method Post
"""

PASTED_OUTPUT_SH = f"""\
#!/bin/bash
# Results are:
# {{
#  "primaryEndpointKey": "{ENDPOINT_KEY}",
#  "installedVersion": "4.0.5"
# }}
curl "https://$1.cognitiveservices.azure.com/qnamaker/v4.0/endpointkeys" -H "Ocp-Apim-Subscription-Key: $2"
"""


def _line_of(text: str, needle: str) -> int:
    for n, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(needle)


def _at(items: Iterable[ConnectionStringAuditItem], line: int) -> list[ConnectionStringAuditItem]:
    return [i for i in items if i.detector.startswith("scripts:") and file_location(i).line == line]


def test_script_argument_in_key_header_is_a_reference() -> None:
    items = scan_text("curl/vision.sh", CURL_SH)
    found = _at(items, _line_of(CURL_SH, "Ocp-Apim-Subscription-Key: $2"))
    assert [(str(i.value_class), i.service_type) for i in found] == [
        ("reference", ServiceType.COGNITIVE_SERVICES)
    ]
    assert "$2" in found[0].redacted_preview


def test_key_slots_in_headers_are_placeholders() -> None:
    items = scan_text("curl/vision.sh", CURL_SH)
    for needle in ("Training-key: {subscription key}", "INSERT_SUBSCRIPTION_KEY_HERE"):
        found = _at(items, _line_of(CURL_SH, needle))
        assert [str(i.value_class) for i in found] == ["placeholder"], needle
        assert found[0].service_type is ServiceType.COGNITIVE_SERVICES


def test_api_key_header_takes_the_service_of_the_host() -> None:
    items = scan_text("curl/vision.sh", CURL_SH)
    openai = _at(items, _line_of(CURL_SH, "api-key: $AZURE_OPENAI_KEY"))
    assert [(str(i.value_class), i.service_type) for i in openai] == [("reference", ServiceType.OPENAI)]
    search = _at(items, _line_of(CURL_SH, f"api-key: {HEX_KEY}"))
    assert [(str(i.value_class), i.service_type) for i in search] == [("secret", ServiceType.AI_SEARCH)]
    assert_planted_found(items, CURL_SH, HEX_KEY)
    assert all(HEX_KEY not in i.redacted_preview for i in items)


def test_endpoint_key_scheme_and_query_string() -> None:
    items = scan_text("curl/vision.sh", CURL_SH)
    for needle in ("EndpointKey $3", "subscription-key=$LUIS_KEY"):
        found = _at(items, _line_of(CURL_SH, needle))
        assert [str(i.value_class) for i in found] == ["reference"], needle
        assert found[0].service_type is ServiceType.COGNITIVE_SERVICES
    assert not _at(items, _line_of(CURL_SH, "example.com/health"))


def test_powershell_header_tables() -> None:
    items = scan_text("scripts/call.ps1", PS1)
    sub = _at(items, _line_of(PS1, "'Ocp-Apim-Subscription-Key' = $key"))
    assert [(str(i.value_class), i.service_type) for i in sub] == [
        ("reference", ServiceType.COGNITIVE_SERVICES)
    ]
    grid = _at(items, _line_of(PS1, '"aeg-sas-key", $topicKey'))
    assert [(str(i.value_class), i.service_type) for i in grid] == [("reference", ServiceType.EVENT_GRID)]


def test_key_in_pasted_sample_output_comment_is_a_secret() -> None:
    items = scan_text("curl/get-keys.sh", PASTED_OUTPUT_SH)
    found = _at(items, _line_of(PASTED_OUTPUT_SH, "primaryEndpointKey"))
    assert [(str(i.value_class), i.service_type) for i in found] == [
        ("secret", ServiceType.COGNITIVE_SERVICES)
    ]
    assert_planted_found(items, PASTED_OUTPUT_SH, ENDPOINT_KEY)
    assert all(ENDPOINT_KEY not in i.redacted_preview for i in items)


def test_commented_slot_is_not_reported() -> None:
    text = '# curl -H "Ocp-Apim-Subscription-Key: {subscription key}" https://x.cognitiveservices.azure.com\n'
    assert not [i for i in scan_text("curl/a.sh", text) if i.detector == "scripts:http-key"]


def test_header_table_is_consistent() -> None:
    names = [h.name.lower() for h in key_headers.KEY_HEADERS]
    assert len(names) == len(set(names))
    for h in key_headers.KEY_HEADERS:
        assert key_headers.header(h.name.upper()) is h
    api_key = key_headers.header("api-key")
    assert api_key is not None
    assert key_headers.service_of(api_key, "https://a.openai.azure.com/x") is ServiceType.OPENAI
    assert key_headers.service_of(api_key, "https://example.com/x") is ServiceType.GENERIC


# PowerShell that creates an application secret and spreads it.
APP_PS1 = """\
$pw = New-Guid
$app = New-AzureADApplication -DisplayName "contoso-web" `
    -IdentifierUris "https://contoso.example/web" `
    -PasswordCredentials $key `
    -PublicClient $False
$cred = Add-MgApplicationPassword -ApplicationId $app.Id -PasswordCredential $pc
$appSecret = $cred.SecretText
$settings = @{ "ClientId" = $app.AppId; "Domain" = "contoso.example" }
$settings
$settings = @{ "ClientId" = $app.AppId; "ClientSecret" = $appSecret }
Write-Host "Writing the settings:"
$settings
$sas = New-AzStorageContainerSASToken -Name deploy -Context $ctx -Permission r
Write-Host "$pwd\\out.txt"
"""


def test_app_password_credential_and_secret_creation() -> None:
    items = scan_text("AppCreationScripts/Configure.ps1", APP_PS1)
    flag = _at(items, _line_of(APP_PS1, "-PasswordCredentials $key"))
    assert [(str(i.value_class), i.service_type) for i in flag] == [("reference", ServiceType.ENTRA_ID)]
    created = _at(items, _line_of(APP_PS1, "Add-MgApplicationPassword"))
    assert [i.detector for i in created] == ["scripts:key-fetch"]
    assert str(created[0].credential_kind) == "client-secret"
    sas = _at(items, _line_of(APP_PS1, "New-AzStorageContainerSASToken"))
    assert [(i.service_type, str(i.credential_kind)) for i in sas] == [(ServiceType.STORAGE, "sas")]


def test_secret_written_to_settings_and_printed() -> None:
    items = scan_text("AppCreationScripts/Configure.ps1", APP_PS1)
    written = _at(items, _line_of(APP_PS1, '"ClientSecret" = $appSecret'))
    assert any(i.detector == "scripts:settings-write" and i.setting_name == "ClientSecret" for i in written)
    lines = [n for n, line in enumerate(APP_PS1.splitlines(), 1) if line == "$settings"]
    assert len(lines) == 2
    # Only the second print follows the assignment that put the secret in.
    assert not [i for i in _at(items, lines[0]) if i.detector == "scripts:prints-secret"]
    assert [i.detector for i in _at(items, lines[1])] == ["scripts:prints-secret"]
    # `$pwd` is the current directory, not a password.
    assert not _at(items, _line_of(APP_PS1, "$pwd"))


SAS_SIG = "Q2FuYXJ5U2FzU2lnbmF0dXJlMDEyMzQ1Njc4OWFiY2RlZg%3D%3D"
SAS_SH = f"""\
#!/bin/bash
URL=https://contoso-ns.servicebus.windows.net/orders/messages
curl -X POST https://contoso-ns.servicebus.windows.net/orders/messages -H "Authorization: SharedAccessSignature $SB_SAS"
curl -X POST https://contoso-ns.servicebus.windows.net/orders/messages \\
  -H "Authorization: SharedAccessSignature sr=orders&sig={SAS_SIG}&se=1900000000&skn=send"
"""


def test_shared_access_signature_authorization_takes_the_service_of_the_host() -> None:
    items = scan_text("scripts/send.sh", SAS_SH)
    ref = _at(items, _line_of(SAS_SH, "$SB_SAS"))
    assert [(str(i.value_class), i.service_type, str(i.credential_kind)) for i in ref] == [
        ("reference", ServiceType.SERVICE_BUS, "sas")
    ]
    literal = _at(items, _line_of(SAS_SH, SAS_SIG))
    assert ("secret", ServiceType.SERVICE_BUS) in {(str(i.value_class), i.service_type) for i in literal}
    assert_planted_found(items, SAS_SH, SAS_SIG)
    assert all(SAS_SIG not in i.redacted_preview for i in items)


def test_every_header_of_the_table_is_read_from_a_script() -> None:
    for h in key_headers.KEY_HEADERS:
        text = f'Invoke-RestMethod -Uri "https://x.example/api" -Headers @{{ "{h.name}" = $token }} -Method Post\n'
        found = [i for i in scan_text("scripts/call.ps1", text) if i.detector == "scripts:http-key"]
        assert [str(i.value_class) for i in found] == ["reference"], h.name
        if h.service is not None:
            assert found[0].service_type is h.service, h.name
