"""Credentials of services that are not Azure resources with a managed-identity path.

A secret of one of these is still a secret, but no role assignment can replace it: the service
never accepts a Microsoft Entra token from an app's identity.  The markers here win over the
Azure guesses that the words in their names would otherwise suggest (`BingSearch:Key` is not
Azure AI Search, `Authentication:Google:ClientSecret` is not a Microsoft Entra app secret,
`DataMarket:AccountKey` is not a storage account key).

Facts:
- Bing Search v7 (`https://api.bing.microsoft.com/v7.0/search`) authenticates with a subscription
  key in `Ocp-Apim-Subscription-Key` only, and the API was retired on 11 August 2025
  (learn.microsoft.com/bing/search-apis/bing-web-search/search-the-web;
  learn.microsoft.com/lifecycle/announcements/bing-search-api-retirement).
- Azure DataMarket (`datamarket.azure.com`) used account keys and was retired in 2017.
- Facebook, Google, Twitter (X) and GitHub OAuth apps, Stripe, SendGrid, Twilio and Mailgun issue
  their own secrets; none of them federates with an Azure managed identity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanners.records import CredentialKind

K = CredentialKind

# What follows a vendor's word in a setting name that holds a credential (normalised names).
# A whole word (`twitter_consumer_key`, `TwitterAccessTokenSecret`), never the start of another
# (`twitter_keywords`, `twitter_tokenizer`).
_CREDENTIAL = r"(?:key|secret|token|password|passwd|pwd)s?(?=_|\d|$)"


@dataclass(frozen=True, slots=True)
class Vendor:
    """One third-party service: the words that name it in a setting and its API hosts."""

    name: str
    marker: str  # regex on a normalised name: the vendor's word
    secret: str  # regex on a normalised name: the vendor's word and a credential
    kind: CredentialKind
    hosts: tuple[str, ...] = ()
    token_types: tuple[str, ...] = ()  # detect-secrets plugin types that find its tokens by shape
    code_markers: tuple[str, ...] = ()  # lower-case words of its API or SDKs in code


VENDORS: tuple[Vendor, ...] = (
    Vendor(
        "Bing Search",
        r"(?:^|_|azure)bing|bing_?search",
        rf"(?:(?:^|_|azure)bing|bing_?search).*{_CREDENTIAL}",
        K.API_KEY,
        ("api.bing.microsoft.com",),
        # The Bing SDKs: Microsoft.Azure.CognitiveServices.Search.*, azure.cognitiveservices.search.*,
        # @azure/cognitiveservices-websearch and siblings.
        code_markers=(
            "api.bing.microsoft.com",
            "cognitiveservices.search.",
            "cognitiveservices-websearch",
            "cognitiveservices-imagesearch",
        ),
    ),
    Vendor(
        "Azure DataMarket",
        r"data_?market",
        rf"data_?market.*{_CREDENTIAL}",
        K.ACCOUNT_KEY,
        ("datamarket.azure.com", "api.datamarket.azure.com"),
    ),
    Vendor("Facebook", r"facebook", rf"facebook.*{_CREDENTIAL}", K.CLIENT_SECRET, ("graph.facebook.com",)),
    Vendor(
        "Google",
        r"google",
        r"google.*(?:client_?secret|app_?secret|api_?key|oauth.*secret)",
        K.CLIENT_SECRET,
        ("oauth2.googleapis.com",),
    ),
    Vendor(
        "Twitter", r"twitter", rf"twitter.*{_CREDENTIAL}", K.CLIENT_SECRET, ("api.twitter.com", "api.x.com")
    ),
    # GitHub OAuth apps only: `GITHUB_TOKEN` is the workflow's own token, not an app's secret.
    Vendor(
        "GitHub OAuth app",
        r"github",
        r"github.*(?:client_?secret|app_?secret|oauth.*secret)",
        K.CLIENT_SECRET,
    ),
    Vendor(
        "Stripe", r"stripe", rf"stripe.*{_CREDENTIAL}", K.API_KEY, ("api.stripe.com",), ("Stripe Access Key",)
    ),
    Vendor(
        "SendGrid",
        r"sendgrid",
        rf"sendgrid.*{_CREDENTIAL}",
        K.API_KEY,
        ("api.sendgrid.com",),
        ("SendGrid API Key",),
    ),
    Vendor(
        "Twilio", r"twilio", rf"twilio.*{_CREDENTIAL}", K.API_KEY, ("api.twilio.com",), ("Twilio API Key",)
    ),
    Vendor("Mailgun", r"mailgun", rf"mailgun.*{_CREDENTIAL}", K.API_KEY, ("api.mailgun.net",)),
)

_SECRETS: tuple[tuple[re.Pattern[str], Vendor], ...] = tuple((re.compile(v.secret), v) for v in VENDORS)
_MARKERS: tuple[tuple[re.Pattern[str], Vendor], ...] = tuple((re.compile(v.marker), v) for v in VENDORS)


def vendor_of_name(normalised: str) -> Vendor | None:
    """The vendor a (normalised) name mentions at all: a weaker hint (`bingsearch_endpoint`)."""
    for pattern, vendor in _MARKERS:
        if pattern.search(normalised):
            return vendor
    return None


def vendor_of_token_type(secret_type: str) -> Vendor | None:
    """The vendor whose token a detect-secrets plugin type (`Stripe Access Key`) finds."""
    for vendor in VENDORS:
        if secret_type in vendor.token_types:
            return vendor
    return None


def vendor_in_code(lower: str) -> Vendor | None:
    """The vendor whose API host or SDK the lower-cased code `lower` names (`api.bing.microsoft.com`):
    a subscription-key header or key credential in that file is the vendor's, not Azure AI services'."""
    for vendor in VENDORS:
        if any(marker in lower for marker in vendor.code_markers):
            return vendor
    return None
