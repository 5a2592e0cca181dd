"""The literal keywords that make a file, and a line, worth a closer look.

Matching is on lower-cased text with plain substring search (C speed); no regex runs on a file
until one of these is present.
"""

from __future__ import annotations

# A line holding one of these is handed to the line scanner.
LINE_KEYWORDS: tuple[str, ...] = (
    "accountkey",
    "sharedaccess",
    "accesskey",
    "instrumentationkey",
    "accountendpoint",
    "usedevelopment",
    "passw",
    "pwd",
    "secret",
    "apikey",
    "api_key",
    "api-key",
    "subscription-key",
    "subscription_key",
    "sig=",
    "8q~",
    "7q~",
    "@microsoft.keyvault",
    "authentication",
    "authtype",
    "__serviceuri",
    "__blobserviceuri",
    "__queueserviceuri",
    "__tableserviceuri",
    "__fullyqualifiednamespace",
    "__accountendpoint",
    "__accountname",
    "__credential",
    "__clientid",
    "_key",
    "key=",
    'key"',
    "key'",
    "key:",
    "key =",
    "azurewebjobs",
    "connectionstring",
    "connection_string",
    "_connection",
    "connstr",
    "redis",
    "mongodb",
    "postgres",
    "mysql",
    "amqp",
    "jdbc:",
    ".azurecr.io",
    "database_url",
    "authorization=aad",
)

# Code and IaC words that structured handlers look for; a file with any keyword is parsed.
FILE_KEYWORDS: tuple[str, ...] = LINE_KEYWORDS + (
    "fromconnectionstring",
    "from_connection_string",
    "clientsecretcredential",
    "listkeys",
    "listconnectionstrings",
    "listcredentials",
    "listadminkeys",
    "primary_",
    "secondary_",
    "serviceclient",
    "busclient",
    "cosmosclient",
    "sqlconnection",
    "getenvironmentvariable",
    "getconnectionstring",
    "keycredential",
    "eventhub",
    "servicebus",
    "storageaccount",
    "administrator_login",
    "admin_enabled",
    "docker_registry",
    "az login",
    "--account-key",
    "--sas-token",
    "--connection-string",
    "securestring",
    "@secure",
    "secretkeyref",
    "azure/login",
    "connection =",
    "connection=",
    "getenv",
    "environ",
    "process.env",
    "configuration[",
    "keys list",
    "list-keys",
    "credential show",
    "admin-key",
    # Identity-based code, so passwordless clients are recorded too.
    "defaultazurecredential",
    "managedidentitycredential",
    "azure_ad_token_provider",
    "azureadtokenprovider",
    "tokencredential",
    "azureopenai",
    # Calls that carry a secret by what they are (scanners/handlers/consumer_calls.py).
    "mapazuresignalr",
    "clientcredential",
    "withclientsecret",
    "saslpassword",
    "aeg-sas-key",
    "documentclient",
    "authkeyorresourcetoken",
    "withpassword",
    "appinsights",
    "applicationinsights",
    "azureexporter",
    "azure_monitor",
    "get_secret",
    "getsecret",
    "service()",
    "sastoken",
    # Key headers and key-based authorizers (scanners/handlers/key_headers.py, go_code.py).
    "ocp-apim",
    "aeg-sas-token",
    "training-key",
    "prediction-key",
    "endpointkey",
    "cognitiveservicesauthorizer",
    "apikeyauthorizer",
    "clientcredentialsconfig",
    "fromserviceprincipal",
    "serviceprincipallogininformation",
    # PowerShell that creates an application secret (scanners/handlers/script_secrets.py).
    "applicationpassword",
    "passwordcredential",
    "appcredential",
    "spcredential",
)

FILE_KEYWORDS_BYTES: tuple[bytes, ...] = tuple(k.encode("ascii") for k in FILE_KEYWORDS)

# Delimited settings files (`CosmosDbKey|<key>`, `StoragePassword,<value>`): a setting name ends
# right before the delimiter, where the keywords above expect `=`, `:` or a quote.  Only these
# suffixes get the extra words, so code (`for key, value in ...`) is not read for them.
DELIMITED_SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".psv")
DELIMITED_KEYWORDS: tuple[str, ...] = FILE_KEYWORDS + tuple(
    stem + delimiter
    for stem in ("key", "secret", "password", "passwd", "pwd", "token", "connection", "connectionstring")
    for delimiter in ("|", ",", ";", "\t")
)
DELIMITED_KEYWORDS_BYTES: tuple[bytes, ...] = tuple(k.encode("ascii") for k in DELIMITED_KEYWORDS)

# Extra line triggers for the generic detector (detect-secrets): shapes of non-Azure secrets
# that carry no Azure keyword (AWS keys, private keys, GitHub/Slack/Stripe tokens, JWTs).
GENERIC_LINE_KEYWORDS: tuple[str, ...] = LINE_KEYWORDS + (
    "akia",
    "asia",
    "-----begin",
    "ghp_",
    "gho_",
    "ghs_",
    "github_pat_",
    "xox",
    "sk_live",
    "rk_live",
    "eyj",
    "token",
    "auth",
    "credential",
    "npm_",
    "glpat-",
    "sendgrid",
    "twilio",
    "private",
    "bearer",
)
