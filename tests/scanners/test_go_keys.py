"""Go key-based authorizers, the variables that feed them, and .NET management sign-in with a
service principal's secret (the consumer call table)."""

from __future__ import annotations

from collections.abc import Iterable

from scanners.records import ConnectionStringAuditItem, ServiceType
from tests.conftest import file_location, scan_text
from tests.planted import assert_planted_found

GO_KEY = "4c9e1f7a2b3d4e5f8a9b0c1d2e3f4a5b"

VISION_GO = f"""\
package main

import (
	"context"
	"os"

	"github.com/Azure/azure-sdk-for-go/services/cognitiveservices/v2.1/computervision"
	"github.com/Azure/go-autorest/autorest"
)

var visionKey = "PASTE_YOUR_VISION_KEY_HERE"
var backupKey string = "{GO_KEY}"

func main() {{
	moderatorKey := os.Getenv("MODERATOR_KEY_SETTING")
	client := computervision.New("https://contoso.cognitiveservices.azure.com/")
	client.Authorizer = autorest.NewCognitiveServicesAuthorizer(visionKey)
	other := computervision.New("https://contoso2.cognitiveservices.azure.com/")
	other.Authorizer = autorest.NewCognitiveServicesAuthorizer(backupKey)
	third := computervision.New("https://contoso3.cognitiveservices.azure.com/")
	third.Authorizer = autorest.NewCognitiveServicesAuthorizer(moderatorKey)
	_ = context.Background()
}}
"""

REST_GO = """\
package main

import "net/http"

func call(endpoint string) {
	textKey := "PASTE_YOUR_TEXT_KEY_HERE"
	var runtimeKey = "PASTE_YOUR_RUNTIME_KEY_HERE"
	req, _ := http.NewRequest("POST", endpoint+"/text/analytics/v3.0/sentiment", nil)
	req.Header.Add("Ocp-Apim-Subscription-Key", textKey)
	url := endpoint + "/predict?subscription-key=" + runtimeKey
	_ = url
	endpointKey := body["primaryEndpointKey"].(string)
	req.Header.Add("Authorization", "EndpointKey "+endpointKey)
}
"""

MGMT_GO = """\
package main

import "github.com/Azure/go-autorest/autorest/azure/auth"

const spSecret = "PASTE_YOUR_SERVICE_PRINCIPAL_SECRET_HERE"

func login() {
	config := auth.NewClientCredentialsConfig(appID, spSecret, tenantID)
	_ = config
}
"""

MGMT_CS = """\
using Microsoft.Azure.Management.ResourceManager.Fluent;

class Program
{
    static void Main()
    {
        var login = new ServicePrincipalLoginInformation();
        login.ClientId = appId;
        login.ClientSecret = spSecret;
        var credentials = SdkContext.AzureCredentialsFactory.FromServicePrincipal(appId, spSecret, tenantId, AzureEnvironment.AzureGlobalCloud);
    }
}
"""


def _line_of(text: str, needle: str) -> int:
    for n, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(needle)


def _at(items: Iterable[ConnectionStringAuditItem], line: int) -> list[ConnectionStringAuditItem]:
    return [i for i in items if file_location(i).line == line]


def _classes(items: Iterable[ConnectionStringAuditItem]) -> set[tuple[str, ServiceType]]:
    return {(str(i.value_class), i.service_type) for i in items}


def test_cognitive_services_authorizer_is_a_consumer() -> None:
    items = scan_text("vision/main.go", VISION_GO)
    line = _line_of(VISION_GO, "NewCognitiveServicesAuthorizer(visionKey)")
    assert ("reference", ServiceType.COGNITIVE_SERVICES) in _classes(_at(items, line))


def test_variables_fed_to_an_authorizer_are_followed() -> None:
    items = scan_text("vision/main.go", VISION_GO)
    slot = _at(items, _line_of(VISION_GO, "PASTE_YOUR_VISION_KEY_HERE"))
    assert _classes(slot) == {("placeholder", ServiceType.COGNITIVE_SERVICES)}
    literal = _at(items, _line_of(VISION_GO, GO_KEY))
    assert ("secret", ServiceType.COGNITIVE_SERVICES) in _classes(literal)
    assert_planted_found(items, VISION_GO, GO_KEY)
    assert all(GO_KEY not in i.redacted_preview for i in items)
    env = _at(items, _line_of(VISION_GO, "MODERATOR_KEY_SETTING"))
    assert ("reference", ServiceType.COGNITIVE_SERVICES) in _classes(env)


def test_header_and_query_string_variables_and_response_keys() -> None:
    items = scan_text("text/rest.go", REST_GO)
    assert _classes(_at(items, _line_of(REST_GO, "PASTE_YOUR_TEXT_KEY_HERE"))) == {
        ("placeholder", ServiceType.COGNITIVE_SERVICES)
    }
    assert ("placeholder", ServiceType.COGNITIVE_SERVICES) in _classes(
        _at(items, _line_of(REST_GO, "PASTE_YOUR_RUNTIME_KEY_HERE"))
    )
    for needle in ('subscription-key=" + runtimeKey', '["primaryEndpointKey"]', '"EndpointKey "+'):
        assert ("reference", ServiceType.COGNITIVE_SERVICES) in _classes(
            _at(items, _line_of(REST_GO, needle))
        ), needle


def test_client_credentials_config_and_its_secret_slot() -> None:
    items = scan_text("mgmt/main.go", MGMT_GO)
    call = _at(items, _line_of(MGMT_GO, "NewClientCredentialsConfig"))
    assert ("reference", ServiceType.ENTRA_ID) in _classes(call)
    slot = _at(items, _line_of(MGMT_GO, "PASTE_YOUR_SERVICE_PRINCIPAL_SECRET_HERE"))
    assert ("placeholder", ServiceType.ENTRA_ID) in _classes(slot)


def test_bing_authorizer_is_third_party() -> None:
    text = VISION_GO.replace(
        "cognitiveservices/v2.1/computervision", "cognitiveservices/v1.0/websearch"
    ).replace("https://contoso.cognitiveservices.azure.com/", "https://api.bing.microsoft.com/")
    items = scan_text("bing/main.go", text)
    line = _line_of(text, "NewCognitiveServicesAuthorizer(visionKey)")
    assert _classes(_at(items, line)) == {("reference", ServiceType.THIRD_PARTY)}


def test_dotnet_management_service_principal_secret() -> None:
    items = scan_text("mgmt/Program.cs", MGMT_CS)
    for needle in ("login.ClientSecret = spSecret", "FromServicePrincipal("):
        found = [i for i in _at(items, _line_of(MGMT_CS, needle)) if i.detector == "consumer-calls:call"]
        assert _classes(found) == {("reference", ServiceType.ENTRA_ID)}, needle


def test_key_named_slot_is_a_placeholder_even_when_its_use_is_not_followed() -> None:
    text = """\
package main

import "fmt"

var predictionKey = "PASTE_YOUR_PREDICTION_KEY_HERE"

func url(endpoint string) string {
	apiKey := ""
	return fmt.Sprintf("%s/predict?verbose=true&k=%s", endpoint, predictionKey) + apiKey
}
"""
    items = scan_text("luis/predict.go", text)
    slot = _at(items, _line_of(text, "PASTE_YOUR_PREDICTION_KEY_HERE"))
    assert [str(i.value_class) for i in slot] == ["placeholder"]
    assert [i.detector for i in slot] == ["go-code:key-slot"]
    assert not [i for i in _at(items, _line_of(text, 'apiKey := ""')) if i.detector == "go-code:key-slot"]


MGMT_KEYS_GO = """\
package main

import (
	"log"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"
	"go.mongodb.org/mongo-driver/mongo/options"
)

func run() {
	keys, _ := listStorageKeys(ctx)
	accessKey := keys[0].Value
	log.Println("account key:", *accessKey)
	insight, _ := createInsight(ctx, *account.ID, *keys[0].Value)
	conn := cosmosConnectionStrings[0]
	opts := options.Client().ApplyURI(conn)
	_, _ = client.SetSecret(ctx, "name", azsecrets.SetSecretParameters{Value: to.Ptr("<SecretValue>")}, nil)
	headerName := "Ocp-Apim-Subscription-Key"
	req.Header.Add(headerName, headerValue)
}
"""


def test_fetched_keys_handed_on_printed_and_mongo_uri() -> None:
    items = scan_text("mgmt/keys.go", MGMT_KEYS_GO)
    checks = {
        'log.Println("account key:", *accessKey)': "consumer-calls:call",
        "*keys[0].Value)": "go-code:key-handoff",
        "ApplyURI(conn)": "go-code:ctor",
        "<SecretValue>": "go-code:key-slot",
        "Header.Add(headerName": "go-code:key-header",
    }
    for needle, detector in checks.items():
        found = _at(items, _line_of(MGMT_KEYS_GO, needle))
        assert detector in {i.detector for i in found}, needle
    slot = [
        i for i in _at(items, _line_of(MGMT_KEYS_GO, "<SecretValue>")) if i.detector == "go-code:key-slot"
    ]
    assert _classes(slot) == {("placeholder", ServiceType.KEY_VAULT)}
