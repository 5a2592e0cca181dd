"""The optional HTTP health check of the verify stage (`secretless migrate --health-url URL`).

One GET through aiohttp with the shared TLS context (SSL_CERT_FILE honoured), a 10 s timeout and
redirects followed only on the same scheme, host and port; the answer must be 2xx.  Only the status
is used: the body is never read, logged or stored.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit

from migrate.plan import catalog as cat
from scanners.azure_arm import tls_context

TIMEOUT_S = 10.0
MAX_REDIRECTS = 5
# A new role assignment can take minutes to take effect: the verify gate polls the health URL for
# this long before it fails (module attributes, so tests can shorten them).
WAIT_S = float(cat.PROPAGATION_TIMEOUT_S)
INTERVAL_S = float(cat.PROPAGATION_INTERVAL_S)


@dataclass(frozen=True, slots=True)
class HealthResult:
    ok: bool
    url: str
    detail: str  # "HTTP 200", "HTTP 503", "redirect to another host ...", "unreachable (...)"


def check_url(url: str) -> str | None:
    """Why `url` cannot be a health URL (None when it can)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"--health-url needs an http(s) URL with a host, got {url!r}"
    return None


def shown(url: str) -> str:
    """`url` for messages and logs: a query string (function keys, tokens) is never shown."""
    p = urlsplit(url)
    base = p._replace(query="", fragment="").geturl()
    return base + "?<query hidden>" if p.query else base


def _origin(url: str) -> tuple[str, str, int | None]:
    p = urlsplit(url)
    return p.scheme, (p.hostname or "").lower(), p.port


async def health_check(url: str, timeout_s: float = TIMEOUT_S) -> HealthResult:
    import aiohttp

    origin = _origin(url)
    current = url
    try:
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=tls_context(), limit=1),
            timeout=aiohttp.ClientTimeout(total=timeout_s),
            cookie_jar=aiohttp.DummyCookieJar(),
        ) as session:
            for _hop in range(MAX_REDIRECTS + 1):
                async with session.get(current, allow_redirects=False) as resp:
                    status = resp.status
                    location = resp.headers.get("Location")
                if status in (301, 302, 303, 307, 308) and location:
                    nxt = urljoin(current, location)
                    if _origin(nxt) != origin:
                        return HealthResult(
                            False,
                            url,
                            f"HTTP {status} redirect to another host or scheme "
                            f"({urlsplit(nxt).hostname}): not followed",
                        )
                    current = nxt
                    continue
                return HealthResult(200 <= status < 300, url, f"HTTP {status}")
            return HealthResult(False, url, f"more than {MAX_REDIRECTS} redirects")
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        kind = "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
        return HealthResult(False, url, f"unreachable ({kind})")


async def health_until(url: str, waiting: Callable[[str], None] | None = None) -> HealthResult:
    """GET `url` until it answers 2xx, every INTERVAL_S seconds for at most WAIT_S seconds; the last
    answer when it never does.  `waiting` hears each answer that is not yet good."""
    deadline = time.monotonic() + WAIT_S
    while True:
        result = await health_check(url)
        left = deadline - time.monotonic()
        if result.ok or left <= 0:
            return (
                result
                if result.ok or WAIT_S <= 0
                else replace(result, detail=f"{result.detail} for {WAIT_S:.0f}s")
            )
        if waiting is not None:
            waiting(result.detail)
        await asyncio.sleep(min(INTERVAL_S, left))
