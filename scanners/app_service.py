"""Read a live App Service / Functions estate through the official SDK (azure-mgmt-web,
azure-mgmt-keyvault) into `SiteSnapshot` records, with bounded concurrency, one shared TLS
context, throttling-aware retries, and one `skipped` record per site or slot that could not be
read.  SDK objects never leave this module."""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from scanners.azure_arm import (
    DEFAULT_MAX_RESPONSE_BYTES,
    RateLimitGuard,
    ResponseTooLarge,
    client_kwargs,
    model_dict,
    open_http_session,
)
from scanners.estate_findings import items_for_site
from scanners.estate_records import SiteIdentity, SiteInventory, SiteSnapshot, VaultInfo
from scanners.fingerprint import Fingerprinter
from scanners.records import ConnectionStringAuditItem, SkippedItem, SkipReason
from scanners.sign_in import ArmTarget

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_CONCURRENCY = 16


@dataclass(frozen=True, slots=True)
class EstateScanOptions:
    subscriptions: tuple[str, ...]
    resource_group: str | None = None
    site: str | None = None
    include_slots: bool = True
    concurrency: int = DEFAULT_CONCURRENCY
    max_retry_after: float = 30.0
    retry_total: int = 6
    throttle_low_water: int = 10  # slow down when ARM says fewer requests than this remain
    throttle_pause_s: float = 1.0
    extra_policies: tuple[Any, ...] = ()
    # Bounds for a broken or hostile endpoint: each call (retries included) or page gets at most
    # `request_timeout_s`, each socket read `read_timeout_s`; no body is read past
    # `max_response_bytes`; a listing follows at most `max_pages` nextLinks, and never one twice.
    request_timeout_s: float = 120.0
    read_timeout_s: float = 60.0
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    max_pages: int = 1000


@dataclass(slots=True)
class EstateResult:
    items: list[ConnectionStringAuditItem] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)
    sites: list[SiteInventory] = field(default_factory=list)
    requests: int = 0
    throttle_pauses: int = 0


def _parse_id(resource_id: str) -> tuple[str, str]:
    parts = resource_id.strip("/").split("/")
    low = [p.lower() for p in parts]
    sub = parts[low.index("subscriptions") + 1] if "subscriptions" in low else ""
    rg = parts[low.index("resourcegroups") + 1] if "resourcegroups" in low else ""
    return sub, rg


_ERROR_CODE_RE = re.compile(r"[A-Za-z][A-Za-z0-9._\-]{0,79}")


def _error_code(exc: BaseException) -> str:
    """ARM's error `code`, when it is one (a short identifier); never the server's message, and
    nothing a hostile server could use to write to a terminal."""
    code = getattr(getattr(exc, "error", None), "code", None)
    return code if isinstance(code, str) and _ERROR_CODE_RE.fullmatch(code) else ""


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, kind):
            return True
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return False


def _skip_reason(exc: BaseException) -> tuple[SkipReason, str]:
    """The reason and a detail for a failed call; never raises, never quotes the server."""
    try:
        return _classify(exc)
    except Exception:
        return SkipReason.ERROR, type(exc).__name__


def _classify(exc: BaseException) -> tuple[SkipReason, str]:
    from azure.core.exceptions import (
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
        ServiceResponseTimeoutError,
    )

    if _caused_by(exc, ResponseTooLarge):
        return SkipReason.RESPONSE_TOO_LARGE, "ARM answered with a body over the size cap; not read"
    if isinstance(exc, HttpResponseError) and exc.status_code:
        status = exc.status_code
        code = _error_code(exc)
        detail = f"HTTP {status}{' ' + code if code else ''}"
        if status in (401, 403):
            return (
                SkipReason.ACCESS_DENIED,
                detail
                + " (listing settings needs Microsoft.Web/sites/config/list/action, which Reader lacks)",
            )
        if status == 404:
            return SkipReason.NOT_FOUND, detail + " (deleted during the scan?)"
        if status == 429:
            return SkipReason.THROTTLED, detail + " (still throttled after retries)"
        return SkipReason.SERVICE_ERROR, detail
    if isinstance(exc, (asyncio.TimeoutError, ServiceResponseTimeoutError)):
        return SkipReason.TIMEOUT, "no complete answer in time (hung or trickled response)"
    if _caused_by(exc, ssl.SSLCertVerificationError):
        return SkipReason.UNTRUSTED_CERTIFICATE, (
            "the server's TLS certificate is not trusted (a TLS-inspecting proxy or private CA? "
            "point SSL_CERT_FILE or REQUESTS_CA_BUNDLE at its CA bundle)"
        )
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        return SkipReason.SERVICE_ERROR, f"{type(exc).__name__}: no usable response"
    return SkipReason.ERROR, f"{type(exc).__name__}"


class _Session:
    """The clients of one scan, sharing one aiohttp session and one concurrency bound."""

    def __init__(self, credential: Any, target: ArmTarget, options: EstateScanOptions) -> None:
        self.credential = credential
        self.target = target
        self.options = options
        self.sem = asyncio.Semaphore(max(1, options.concurrency))
        self.guard = RateLimitGuard(options.throttle_low_water, options.throttle_pause_s)
        self.requests = 0
        self._http: Any = None
        self._clients: dict[tuple[str, str], Any] = {}

    async def __aenter__(self) -> _Session:
        self._http = open_http_session(self.options.concurrency, self.options.max_response_bytes)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in self._clients.values():
            await client.close()
        if self._http is not None:
            await self._http.close()

    def _kwargs(self) -> dict[str, Any]:
        return client_kwargs(
            self.target,
            self._http,
            retry_total=self.options.retry_total,
            max_retry_after=self.options.max_retry_after,
            policies=(self.guard, *self.options.extra_policies),
            read_timeout_s=self.options.read_timeout_s,
        )

    def web(self, subscription: str) -> Any:
        key = ("web", subscription)
        if key not in self._clients:
            from azure.mgmt.web.aio import WebSiteManagementClient

            self._clients[key] = WebSiteManagementClient(self.credential, subscription, **self._kwargs())
        return self._clients[key]

    def keyvault(self, subscription: str) -> Any:
        key = ("kv", subscription)
        if key not in self._clients:
            from azure.mgmt.keyvault.aio import KeyVaultManagementClient

            self._clients[key] = KeyVaultManagementClient(self.credential, subscription, **self._kwargs())
        return self._clients[key]

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        async with self.sem:
            self.requests += 1
            return await asyncio.wait_for(make(), self.options.request_timeout_s)

    async def collect(
        self, pager: Any, what: str, result: EstateResult, *, partial: bool = False
    ) -> list[Any]:
        """Every item of a paged listing, each page within the time bound.  A `nextLink` seen
        before, or more than `max_pages` pages, ends the listing with a `paging-loop` record for
        `what`; items repeated by a repeated page are kept once."""
        out: list[Any] = []
        ids: set[str] = set()
        tokens: set[str] = set()
        pages = pager.by_page()
        limit = max(1, self.options.max_pages)
        async with self.sem:
            for n in range(1, limit + 1):
                try:
                    page = await asyncio.wait_for(pages.__anext__(), self.options.request_timeout_s)
                except StopAsyncIteration:
                    return out
                self.requests += 1
                async for item in page:
                    rid = getattr(item, "id", None)
                    if isinstance(rid, str):
                        if rid.lower() in ids:
                            continue
                        ids.add(rid.lower())
                    out.append(item)
                token = pages.continuation_token
                if not token:
                    return out
                if token in tokens:
                    result.skipped.append(
                        SkippedItem(
                            what,
                            SkipReason.PAGING_LOOP,
                            f"ARM repeated a nextLink after {n} pages; listing stopped there",
                            partial=partial,
                        )
                    )
                    return out
                tokens.add(token)
        result.skipped.append(
            SkippedItem(
                what,
                SkipReason.PAGING_LOOP,
                f"more than {limit} pages; listing stopped there",
                partial=partial,
            )
        )
        return out


async def _vaults(s: _Session, subscription: str, result: EstateResult) -> dict[str, VaultInfo]:
    try:
        vaults = await s.collect(
            s.keyvault(subscription).vaults.list_by_subscription(),
            f"{subscription}/key-vaults",
            result,
            partial=True,
        )
    except Exception as exc:
        reason, detail = _skip_reason(exc)
        result.skipped.append(
            SkippedItem(
                f"{subscription}/key-vaults",
                reason,
                f"{detail}; Key Vault permission models unknown",
                partial=True,
            )
        )
        return {}
    out: dict[str, VaultInfo] = {}
    for v in vaults:
        d = model_dict(v)
        props = d.get("properties") or {}
        sub, rg = _parse_id(str(d.get("id", "")))
        rbac = props.get("enableRbacAuthorization")
        name = str(d.get("name", ""))
        out[name.lower()] = VaultInfo(
            sub or subscription, rg, name, None if rbac is None else bool(rbac), props.get("vaultUri")
        )
    return out


async def _settings(
    s: _Session, subscription: str, rg: str, site: str, slot: str | None
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str, str], ...]]:
    web = s.web(subscription).web_apps
    if slot:
        app_call = s.call(lambda: web.list_application_settings_slot(rg, site, slot))
        conn_call = s.call(lambda: web.list_connection_strings_slot(rg, site, slot))
    else:
        app_call = s.call(lambda: web.list_application_settings(rg, site))
        conn_call = s.call(lambda: web.list_connection_strings(rg, site))
    app, conn = await asyncio.gather(app_call, conn_call)
    app_props = model_dict(app).get("properties") or {}
    conn_props = model_dict(conn).get("properties") or {}
    app_settings = tuple(sorted((str(k), "" if v is None else str(v)) for k, v in app_props.items()))
    conns = tuple(
        sorted(
            (str(k), str((v or {}).get("value") or ""), str((v or {}).get("type") or "Custom"))
            for k, v in conn_props.items()
        )
    )
    return app_settings, conns


async def _sticky(
    s: _Session, subscription: str, rg: str, site: str
) -> tuple[frozenset[str], frozenset[str]]:
    raw = model_dict(
        await s.call(lambda: s.web(subscription).web_apps.list_slot_configuration_names(rg, site))
    )
    props = raw.get("properties") or raw
    return (
        frozenset(props.get("appSettingNames") or ()),
        frozenset(props.get("connectionStringNames") or ()),
    )


async def _scan_site(
    s: _Session,
    site_raw: dict[str, Any],
    vaults: dict[str, VaultInfo],
    fp: Fingerprinter,
    result: EstateResult,
) -> None:
    sub, rg = _parse_id(str(site_raw.get("id", "")))
    name = str(site_raw.get("name", ""))
    props = site_raw.get("properties") or {}
    kind = str(site_raw.get("kind") or "app")
    base_target = f"{sub}/{rg}/{name}"
    targets: list[tuple[str | None, dict[str, Any]]] = [(None, site_raw)]
    try:
        sticky_app, sticky_conn = await _sticky(s, sub, rg, name)
    except Exception as exc:
        reason, detail = _skip_reason(exc)
        result.skipped.append(
            SkippedItem(
                f"{base_target}/slotConfigNames",
                reason,
                f"{detail}; slot-sticky settings unknown",
                partial=True,
            )
        )
        sticky_app, sticky_conn = frozenset(), frozenset()
    if s.options.include_slots:
        try:
            slots = await s.collect(s.web(sub).web_apps.list_slots(rg, name), f"{base_target}/slots", result)
            for slot in slots:
                d = model_dict(slot)
                targets.append((str(d.get("name", "")).split("/")[-1], d))
        except Exception as exc:
            reason, detail = _skip_reason(exc)
            result.skipped.append(SkippedItem(f"{base_target}/slots", reason, f"{detail}; slots not scanned"))

    async def one(slot: str | None, raw: dict[str, Any]) -> None:
        target = f"{base_target}/slots/{slot}" if slot else base_target
        try:
            app_settings, conns = await _settings(s, sub, rg, name, slot)
        except Exception as exc:
            reason, detail = _skip_reason(exc)
            result.skipped.append(SkippedItem(target, reason, detail))
            return
        raw_props = raw.get("properties") or props
        snapshot = SiteSnapshot(
            subscription=sub,
            resource_group=rg,
            site=name,
            slot=slot,
            kind=str(raw.get("kind") or kind),
            identity=SiteIdentity.from_arm(raw.get("identity")),
            key_vault_reference_identity=raw_props.get("keyVaultReferenceIdentity"),
            app_settings=app_settings,
            connection_strings=conns,
            sticky_app_settings=sticky_app,
            sticky_connection_strings=sticky_conn,
        )
        result.items.extend(items_for_site(snapshot, vaults, fp))
        result.sites.append(snapshot.inventory())

    await asyncio.gather(*(one(slot, raw) for slot, raw in targets))


async def _guarded_site(
    s: _Session,
    site_raw: dict[str, Any],
    vaults: dict[str, VaultInfo],
    fp: Fingerprinter,
    result: EstateResult,
) -> None:
    """One site, whatever ARM answered: an unexpected shape is a skipped site, not a failed scan."""
    try:
        await _scan_site(s, site_raw, vaults, fp, result)
    except Exception as exc:
        sub, rg = _parse_id(str(site_raw.get("id", "")))
        reason, detail = _skip_reason(exc)
        result.skipped.append(SkippedItem(f"{sub}/{rg}/{site_raw.get('name', '')}", reason, detail))


async def _list_sites(
    s: _Session, subscription: str, options: EstateScanOptions, result: EstateResult
) -> list[dict[str, Any]]:
    web = s.web(subscription).web_apps
    if options.resource_group and options.site:
        return [model_dict(await s.call(lambda: web.get(options.resource_group, options.site)))]
    pager = web.list_by_resource_group(options.resource_group) if options.resource_group else web.list()
    sites = [model_dict(x) for x in await s.collect(pager, subscription, result)]
    if options.site:
        sites = [x for x in sites if str(x.get("name", "")).lower() == options.site.lower()]
    return sites


async def scan_estate_async(
    credential: Any, target: ArmTarget, options: EstateScanOptions, fp: Fingerprinter
) -> EstateResult:
    result = EstateResult()
    async with _Session(credential, target, options) as s:
        for subscription in options.subscriptions:
            try:
                sites = await _list_sites(s, subscription, options, result)
            except Exception as exc:
                reason, detail = _skip_reason(exc)
                result.skipped.append(SkippedItem(subscription, reason, f"{detail}; sites not listed"))
                continue
            vaults = await _vaults(s, subscription, result)
            await asyncio.gather(*(_guarded_site(s, site, vaults, fp, result) for site in sites))
        result.requests = s.requests
        result.throttle_pauses = s.guard.pauses
    result.items.sort(key=lambda i: i.sort_key())
    result.skipped.sort(key=lambda x: x.sort_key())
    result.sites.sort(key=lambda x: x.sort_key())
    return result


def scan_estate(
    credential: Any, target: ArmTarget, options: EstateScanOptions, fp: Fingerprinter
) -> EstateResult:
    return asyncio.run(scan_estate_async(credential, target, options, fp))
