"""Reusable fake Azure Resource Manager for tests (real SDK clients over real HTTPS on 127.0.0.1).

Quick start::

    from tests.fakearm import FakeArm, Faults, StaticTokenCredential, make_estate
    with FakeArm(make_estate(20), page_size=5) as arm:
        web = arm.web_client()          # WebSiteManagementClient wired to the fake (+LoopbackOnlyPolicy)
        names = [s.name for s in web.web_apps.list()]
"""

from .creds import AsyncStaticTokenCredential, LoopbackOnlyPolicy, StaticTokenCredential
from .estate import (
    CANARY,
    DEFAULT_SUBSCRIPTION,
    DEFAULT_TENANT,
    FAKE_API_VERSIONS,
    Estate,
    FakeIdentity,
    FakeResource,
    FakeSite,
    FakeSlot,
    FakeVault,
    make_estate,
)
from .server import SERVER_MESSAGE_CANARY, FakeArm, FaultRule, Faults, HostileRule, RecordedRequest
from .tls import TlsMaterial, make_tls

__all__ = [
    "CANARY",
    "DEFAULT_SUBSCRIPTION",
    "DEFAULT_TENANT",
    "AsyncStaticTokenCredential",
    "FAKE_API_VERSIONS",
    "Estate",
    "FakeArm",
    "FakeIdentity",
    "FakeResource",
    "FakeSite",
    "FakeSlot",
    "FakeVault",
    "FaultRule",
    "Faults",
    "HostileRule",
    "LoopbackOnlyPolicy",
    "RecordedRequest",
    "SERVER_MESSAGE_CANARY",
    "StaticTokenCredential",
    "TlsMaterial",
    "make_estate",
    "make_tls",
]
