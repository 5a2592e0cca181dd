"""Platform settings that keep their secret: settings the hosting platform itself reads, which have
no identity-based form.  The planner never rewrites or removes them, never grants a role for them,
and the resource they name keeps key / local auth on, with its keys left as they are (rotating them
would break the setting).  Also the other consumers that cannot use an app's managed identity (CI
pipelines).  Facts, as data; every entry names its source.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.plan.catalog.forms import CONTENT_SHARE_SETTING
from scanners.records import ServiceType
from scanners.setting_names import leaf


@dataclass(frozen=True, slots=True)
class PlatformException:
    """A setting that keeps its connection string, and why."""

    setting: str  # the setting name as the platform spells it
    service: ServiceType
    reason: str  # shown in the plan (needs review, blocked local auth)
    keeps_local_auth: bool  # its resource keeps key / local auth on and its keys are not rotated
    source: str


# Sources: tests/data/azure-services.md §0.2 ([ISSUE] Azure/azure-functions-host#10050,
# MicrosoftDocs/azure-docs#109682: Consumption and Elastic Premium need the content share on Azure
# Files, whose setting cannot use a managed identity, so shared keys stay on); Learn "App settings
# reference for Azure Functions" (learn.microsoft.com/azure/azure-functions/functions-app-settings)
# lists WEBSITE_CONTENTAZUREFILECONNECTIONSTRING as the content share's connection string for those
# plans; microsoft/startstopv2-deployments#152 reports the same limit.
PLATFORM_EXCEPTIONS: tuple[PlatformException, ...] = (
    PlatformException(
        CONTENT_SHARE_SETTING,
        ServiceType.STORAGE,
        f"{CONTENT_SHARE_SETTING} is the content share of a Consumption or Elastic Premium Functions plan "
        "(Azure Files), which cannot use a managed identity: the setting keeps its connection string, and "
        "its storage account keeps shared-key access and its current keys (rotating them would break the "
        "content share)",
        keeps_local_auth=True,
        source="tests/data/azure-services.md §0.2; Learn: App settings reference for Azure Functions",
    ),
)


def platform_exception(setting_name: str | None) -> PlatformException | None:
    """The platform exception for a setting name (any config spelling, e.g. `Values:NAME`), if any."""
    if not setting_name:
        return None
    name = leaf(setting_name)
    return next((e for e in PLATFORM_EXCEPTIONS if e.setting.lower() == name), None)


# CI pipelines run outside the app: they cannot use its managed identity, and sign in to Azure with
# workload identity federation (OpenID Connect, a federated credential on an app registration or a
# user-assigned identity) instead of a stored secret [Azure/login action README: "We recommend using
# OIDC based authentication"; tests/data/azure-services.md §0.1: AZURE_FEDERATED_TOKEN_FILE].
CI_PIPELINE_REVIEW = (
    "CI pipeline secret: a pipeline cannot use the app's managed identity; use workload identity "
    "federation (OpenID Connect) and delete the secret"
)
