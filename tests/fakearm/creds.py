"""Static token credentials and a loopback-only guard policy for SDK clients built in tests."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlparse

from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class StaticTokenCredential:
    """Sync TokenCredential returning a fixed bearer token; records the scopes it was asked for."""

    def __init__(self, token: str = "fake-arm-token") -> None:  # noqa: S107 - fake token
        self.token = token
        self.scopes_requested: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes_requested.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        self.scopes_requested.append(scopes)
        return AccessTokenInfo(self.token, int(time.time()) + 3600)


class AsyncStaticTokenCredential:
    """Async variant for ``azure.mgmt.*.aio`` clients."""

    def __init__(self, token: str = "fake-arm-token") -> None:  # noqa: S107 - fake token
        self.token = token
        self.scopes_requested: list[tuple[str, ...]] = []

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes_requested.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)

    async def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        self.scopes_requested.append(scopes)
        return AccessTokenInfo(self.token, int(time.time()) + 3600)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> AsyncStaticTokenCredential:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class LoopbackOnlyPolicy(SansIOHTTPPolicy[Any, Any]):  # any transport's request: only its url is read
    """Raise before any request to a non-loopback host (e.g. an absolute nextLink to Azure).

    Pass as ``per_call_policies=[LoopbackOnlyPolicy()]``: it runs before retry and auth.
    """

    def on_request(self, request: PipelineRequest[Any]) -> None:
        url = request.http_request.url
        if urlparse(url).hostname not in LOOPBACK_HOSTS:
            raise RuntimeError(f"LoopbackOnlyPolicy blocked a non-loopback request: {url}")
