"""How secretless talks to Azure Resource Manager: endpoint and scope per cloud, the credential the
user chose, one shared TLS context, and pipeline policies for throttling.

The only module (with `app_service.py`) that imports the Azure SDK.  Nothing here ever enables
the SDK's `logging_enable`, which would log response bodies (the settings, i.e. the secrets).
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import time
from typing import Any

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import AsyncHTTPPolicy, AsyncRetryPolicy

from scanners.errors import ConfigError, SignInError
from scanners.sign_in import CREDENTIALS, ArmTarget, sign_in_error

log = logging.getLogger(__name__)


def build_credential(name: str, client_id: str | None = None) -> Any:
    """An async azure-identity credential, chosen deliberately rather than by a chain's accident."""
    from azure.identity import aio as identity

    choice = CREDENTIALS.get(name)
    if choice is None:
        raise ConfigError(f"unknown credential {name!r}: choose one of {', '.join(CREDENTIALS)}")
    kwargs: dict[str, Any] = {}
    if client_id and choice.client_id_keyword:
        kwargs[choice.client_id_keyword] = client_id
    try:
        return getattr(identity, choice.identity_class)(**kwargs)
    except ValueError:  # e.g. workload identity without its environment: say how, not the SDK's text
        raise SignInError(f"cannot sign in with the {name} credential: {choice.sign_in}") from None


async def check_sign_in(credential: Any, name: str, target: ArmTarget) -> None:
    """Get one token before any change is made, so a missing sign-in stops a run before its first step."""
    try:
        await credential.get_token(target.scope)
    except Exception as exc:
        error = sign_in_error(exc, name)
        if error is None:
            raise
        raise error from None


def tls_context() -> ssl.SSLContext:
    """One context for every connection; honours SSL_CERT_FILE / REQUESTS_CA_BUNDLE."""
    cafile = os.environ.get("SSL_CERT_FILE") or os.environ.get("REQUESTS_CA_BUNDLE")
    return ssl.create_default_context(cafile=cafile) if cafile else ssl.create_default_context()


class ArmRetryPolicy(AsyncRetryPolicy[Any, Any]):
    """azure-core's retry, with two fixes for ARM at scale.

    - `Retry-After` values are capped (a hostile or buggy 3600 s must not stall the scan).
    - A 429 on a POST `.../list` action is retried even without `Retry-After`: these actions only
      read (app settings, connection strings), so repeating them is safe; azure-core would not.
    """

    def __init__(self, max_retry_after: float = 30.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_retry_after = max_retry_after

    def get_retry_after(self, response: PipelineResponse[Any, Any]) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(float(value), self.max_retry_after)

    def _is_method_retryable(self, settings: dict[str, Any], request: Any, response: Any = None) -> bool:
        if (
            response is not None
            and response.status_code == 429
            and request.method.upper() == "POST"
            and request.url.split("?", 1)[0].rstrip("/").endswith("/list")
        ):
            return True
        return bool(super()._is_method_retryable(settings, request, response=response))


class RateLimitGuard(AsyncHTTPPolicy[Any, Any]):
    """Slow down before ARM says no: watches `x-ms-ratelimit-remaining-*` and, when a budget runs
    low, makes every request wait until the bucket has had time to refill."""

    def __init__(self, low_water: int = 10, pause_s: float = 1.0) -> None:
        super().__init__()
        self.low_water = low_water
        self.pause_s = pause_s
        self._resume_at = 0.0
        self.pauses = 0

    async def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        wait = self._resume_at - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        response = await self.next.send(request)
        remaining = [
            int(v)
            for k, v in response.http_response.headers.items()
            if k.lower().startswith("x-ms-ratelimit-remaining-") and str(v).strip().isdigit()
        ]
        if remaining and min(remaining) < self.low_water:
            self.pauses += 1
            self._resume_at = max(self._resume_at, time.monotonic() + self.pause_s)
            log.info("ARM request budget low (%d left): pausing %.1fs", min(remaining), self.pause_s)
        return response


def model_dict(model: Any) -> dict[str, Any]:
    """An SDK model (or a dict) as the REST-shaped dict ARM returned."""
    if model is None:
        return {}
    if isinstance(model, dict):
        return model
    as_dict = getattr(model, "as_dict", None)
    return dict(as_dict()) if callable(as_dict) else dict(model)


DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024


class ResponseTooLarge(Exception):
    """ARM answered with a body over the cap; it was not read whole."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"response body over {limit} bytes")
        self.limit = limit


def open_http_session(limit: int, max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES) -> Any:
    """One aiohttp session with one TLS context for every client of a run: connections are
    reused (a context per request would force a TLS handshake per request).  No response body is
    read past `max_response_bytes` (a 300 MB settings body would be held whole, then parsed)."""
    import aiohttp

    class CappedResponse(aiohttp.ClientResponse):
        async def read(self) -> bytes:
            if self._body is None:
                declared = self.content_length
                if declared is not None and declared > max_response_bytes:
                    self.close()
                    raise ResponseTooLarge(max_response_bytes)
                buf = bytearray()
                try:
                    while chunk := await self.content.read(65536):
                        buf += chunk
                        if len(buf) > max_response_bytes:
                            raise ResponseTooLarge(max_response_bytes)
                except BaseException:
                    self.close()
                    raise
                self._body = bytes(buf)
            return await super().read()

    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=tls_context(), limit=max(1, limit)),
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        response_class=CappedResponse,
    )


def client_kwargs(
    target: ArmTarget,
    session: Any,
    *,
    retry_total: int,
    max_retry_after: float = 30.0,
    policies: tuple[Any, ...] = (),
    read_timeout_s: float = 60.0,
) -> dict[str, Any]:
    """Keyword arguments for any azure-mgmt-* async client built by secretless.  `read_timeout_s`
    bounds the wait for each read of the socket (azure-core's default is 300 s)."""
    from azure.core.pipeline.transport import AioHttpTransport

    return {
        "base_url": target.base_url,
        "credential_scopes": [target.scope],
        "transport": AioHttpTransport(
            session=session,
            session_owner=False,
            read_timeout=read_timeout_s,
            connection_timeout=min(read_timeout_s, 30.0),
        ),
        "retry_policy": ArmRetryPolicy(
            max_retry_after=max_retry_after, retry_total=retry_total, retry_status=retry_total
        ),
        "per_call_policies": list(policies),
    }
