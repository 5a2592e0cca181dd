"""A fake Azure Resource Manager over real HTTPS on 127.0.0.1, serving an in-memory :class:`Estate`.

Implements the REST surface the installed azure-mgmt-web / azure-mgmt-keyvault SDKs emit (the
operations and api-versions of azure-rest-api-specs that those SDK versions call), ARM-style absolute nextLinks, ARM error bodies,
fault injection (status rules, Retry-After, latency) and ratelimit-remaining headers.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import socket
import ssl
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit

from . import resource_graph
from .creds import LoopbackOnlyPolicy, StaticTokenCredential
from .estate import (
    DEFAULT_TENANT,
    FAKE_API_VERSIONS,
    Estate,
    FakeIdentity,
    FakeResource,
    FakeSite,
    FakeSlot,
    FakeVault,
)
from .tls import TlsMaterial, make_tls

# --------------------------------------------------------------------------------------------------
# Fault injection

_DEFAULT_ERRORS = {
    400: ("BadRequest", "The request is invalid."),
    401: ("AuthenticationFailed", "Authentication failed."),
    403: ("AuthorizationFailed", "The client does not have authorization to perform this action."),
    404: ("ResourceNotFound", "The resource was not found."),
    409: ("Conflict", "The request conflicts with the current state."),
    429: ("TooManyRequests", "Too many requests. Please retry."),
    500: ("InternalServerError", "An internal server error occurred."),
    502: ("BadGateway", "Bad gateway."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable."),
    504: ("GatewayTimeout", "The gateway timed out."),
}


@dataclass
class FaultRule:
    """Answer ``status`` for requests whose path contains ``match`` (case-insensitive).

    ``times=None`` means always; otherwise only the first ``times`` matching requests fail, later
    ones are served normally. ``method`` (e.g. "POST") narrows the rule. ``retry_after`` sets the
    ``Retry-After`` header (seconds), ``retry_after_ms`` sets ``x-ms-retry-after-ms``; ``headers`` are
    added as they are (e.g. Resource Graph's ``x-ms-user-quota-resets-after``).
    ``hits`` counts how often the rule fired.
    """

    match: str
    status: int
    times: int | None = None
    method: str | None = None
    retry_after: float | int | str | None = None
    retry_after_ms: int | None = None
    code: str | None = None
    message: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    hits: int = 0

    def applies(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.match.lower() not in path.lower():
            return False
        return self.times is None or self.hits < self.times


@dataclass
class Faults:
    """Fault configuration; mutable at runtime through ``arm.faults``.

    ``latency_s``: sleep in the handler thread before every response.
    ``read_budget`` / ``write_budget``: start values of ``x-ms-ratelimit-remaining-subscription-reads``
    (GET) and ``-writes`` (POST/PUT/PATCH/DELETE); decremented per request, never below 0.
    With ``throttle_when_exhausted`` a request arriving with budget 0 gets 429 +
    ``Retry-After: exhausted_retry_after``.
    """

    rules: list[FaultRule] = field(default_factory=list)
    hostile: list[HostileRule] = field(default_factory=list)
    latency_s: float = 0.0
    read_budget: int = 12000
    write_budget: int = 1200
    throttle_when_exhausted: bool = False
    exhausted_retry_after: int = 0

    def add(self, match: str, status: int, times: int | None = None, **kw: Any) -> FaultRule:
        rule = FaultRule(match=match, status=status, times=times, **kw)
        self.rules.append(rule)
        return rule

    def misbehave(self, match: str, behaviour: str, **kw: Any) -> HostileRule:
        if behaviour not in HOSTILE_BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}: one of {', '.join(HOSTILE_BEHAVIOURS)}")
        rule = HostileRule(match=match, behaviour=behaviour, **kw)
        self.hostile.append(rule)
        return rule


HOSTILE_BEHAVIOURS = (
    "self-next-link",
    "cycle-next-link",
    "endless-next-link",
    "trickle",
    "huge-body",
    "hang",
    "error-code",
)


@dataclass
class HostileRule:
    """Misbehave, as a broken or hostile endpoint would, for requests whose path contains ``match``.

    ``behaviour``:
    - ``self-next-link``: a list page whose ``nextLink`` is the URL just requested;
    - ``cycle-next-link``: ``nextLink`` alternates between two URLs;
    - ``endless-next-link``: every page points to a new, never-ending next one;
    - ``trickle``: the normal answer, its body sent one byte per ``interval_s``;
    - ``huge-body``: ``body_bytes`` of JSON (``Content-Length`` declared, or chunked with ``chunked``);
    - ``hang``: read the request, never answer;
    - ``error-code``: ``status`` with an ARM error body whose ``code`` is ``code`` (not a string) and
      whose message holds the canary ``SERVER-MESSAGE-CANARY``.
    Every loop is bounded: by the bytes to send, by ``max_s`` seconds, and by the server closing.
    """

    match: str
    behaviour: str
    method: str | None = None
    interval_s: float = 0.05
    max_s: float = 30.0
    body_bytes: int = 300 * 1024 * 1024
    chunked: bool = False
    code: Any = 42
    status: int = 500
    hits: int = 0

    def applies(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.match.lower() in path.lower()


SERVER_MESSAGE_CANARY = "SERVER-MESSAGE-CANARY"


class RecordedRequest(NamedTuple):
    method: str
    path: str
    query: dict[str, str]
    body: Any  # parsed JSON, or None when the body was empty / not JSON


# --------------------------------------------------------------------------------------------------
# Routing

_SUB = r"/subscriptions/(?P<sub>[^/]+)"
_RG = _SUB + r"/resourcegroups/(?P<rg>[^/]+)"
_SITE = _RG + r"/providers/microsoft\.web/sites/(?P<name>[^/]+)"
_SLOT_OPT = r"(?:/slots/(?P<slot>[^/]+))?"

Payload = tuple[int, Any, list[tuple[str, str]]]
_RouteHandler = Callable[..., Payload]


def _arm_error(status: int, code: str, message: str) -> Payload:
    return status, {"error": {"code": code, "message": message}}, []


def _encode_token(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(base64.b64decode(token).decode().split(":", 1)[1])
    except (ValueError, IndexError):
        return 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections are dropped after this
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        hostile = self.server.arm._hostile_rule(method, path)
        if hostile is not None:
            self._misbehave(hostile, method, path, query, body)
            return
        status, payload, headers = self.server.arm._serve(method, path, query, body, self.headers)
        self._send(status, payload, headers)

    def _misbehave(self, rule: HostileRule, method: str, path: str, query: dict[str, str], body: Any) -> None:
        arm = self.server.arm
        if rule.behaviour.endswith("next-link"):
            status, payload, headers = arm._serve(method, path, query, body, self.headers)
            if isinstance(payload, dict) and "value" in payload:
                base = (
                    f"{arm.base_url}{self.path.split('?', 1)[0]}?api-version={query.get('api-version', '')}"
                )
                payload["nextLink"] = {
                    "self-next-link": f"{arm.base_url}{self.path}",
                    "cycle-next-link": f"{base}&$skiptoken={'loopB' if 'loopA' in self.path else 'loopA'}",
                    "endless-next-link": f"{base}&$skiptoken=endless{rule.hits}",
                }[rule.behaviour]
            self._send(status, payload, headers)
            return
        arm._record(method, path, query, body)
        if rule.behaviour == "error-code":
            self._send(
                rule.status,
                {"error": {"code": rule.code, "message": f"{SERVER_MESSAGE_CANARY} for {path}"}},
                [],
            )
            return
        if rule.behaviour == "hang":
            arm._closing.wait(rule.max_s)
            self.close_connection = True
            return
        if rule.behaviour == "trickle":
            status, payload, headers = arm._serve(method, path, query, body, self.headers)
            data = json.dumps(payload).encode("utf-8")
            self._stream(status, headers, [data[i : i + 1] for i in range(len(data))], len(data), rule)
            return
        head = b'{"properties": {"filler": "'
        tail = b'"}}'
        chunk = b"A" * 65536
        n_chunks = max(0, (rule.body_bytes - len(head) - len(tail)) // len(chunk))
        parts = (head if i == 0 else tail if i == n_chunks + 1 else chunk for i in range(n_chunks + 2))
        self._stream(
            200, [], parts, None if rule.chunked else len(head) + len(tail) + n_chunks * len(chunk), rule
        )

    def _stream(
        self, status: int, headers: list[tuple[str, str]], parts: Any, length: int | None, rule: HostileRule
    ) -> None:
        """Send `parts` one by one (pausing `interval_s` between them for a trickle), until they run out,
        `max_s` passes, the client goes away or the server closes."""
        arm = self.server.arm
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        deadline = time.monotonic() + rule.max_s
        pause = rule.interval_s if rule.behaviour == "trickle" else 0.0
        try:
            for part in parts:
                if time.monotonic() > deadline or arm._closing.is_set():
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part) if length is None else part)
                self.wfile.flush()
                if pause:
                    arm._closing.wait(pause)
            else:
                if length is None:
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
        except OSError:
            pass  # the client went away, as it should
        self.close_connection = True

    def _send(self, status: int, payload: Any, headers: list[tuple[str, str]]) -> None:
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        for k, v in headers:
            self.send_header(k, v)
        # headers and body in a single send (avoids Nagle/delayed-ACK stalls)
        # _headers_buffer is BaseHTTPRequestHandler's private buffer, absent from typeshed
        self._headers_buffer.append(b"\r\n")  # type: ignore[attr-defined]
        self._headers_buffer.append(data)  # type: ignore[attr-defined]
        self.flush_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, arm: FakeArm, ssl_context: ssl.SSLContext) -> None:
        self.arm = arm
        self.ssl_context = ssl_context
        super().__init__(("127.0.0.1", 0), _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, addr

    def finish_request(self, request: Any, client_address: Any) -> None:
        # runs in the per-connection worker thread: the TLS handshake happens here, not in accept()
        request.settimeout(10)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            self.arm._note_handshake(ok=False)
            return
        self.arm._note_handshake(ok=True, sock=tls)
        try:
            _Handler(
                tls, client_address, self
            )  # our RequestHandlerClass; mypy misreads its Self-typed attribute
        except (ssl.SSLError, OSError):
            pass
        finally:
            self.arm._forget(tls)
            with contextlib.suppress(OSError):
                tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # connection resets from clients are expected; keep test output clean


# --------------------------------------------------------------------------------------------------
# The server


class FakeArm:
    """Fake ARM over HTTPS on 127.0.0.1:<random port>; started on construction.

    >>> with FakeArm(make_estate(10), page_size=3) as arm:
    ...     web = WebSiteManagementClient(StaticTokenCredential(), SUB, **arm.client_kwargs())
    """

    def __init__(
        self,
        estate: Estate | None = None,
        *,
        faults: Faults | None = None,
        page_size: int = 50,
        ca_path: str | Path | None = None,
        require_auth: bool = True,
    ) -> None:
        self.estate = estate if estate is not None else Estate()
        self.faults = faults if faults is not None else Faults()
        self.page_size = page_size
        self.require_auth = require_auth
        self._lock = threading.Lock()
        self._closing = threading.Event()  # wakes hostile handlers (hang, trickle) when the server closes
        self._log: list[RecordedRequest] = []
        self._connections = 0
        self._handshake_failures = 0
        self._open: set[ssl.SSLSocket] = set()
        self.tokens_seen: set[str] = set()
        # role assignments by lower-case id: {"id", "name", "scope", "roleDefinitionId", "principalId", ...}
        self.role_assignments: dict[str, dict[str, Any]] = {}
        # test hooks: called after a request was served (e.g. someone else writes a setting between
        # our read and our write); writes (settings PUT, site PATCH identity, role assignment PUT)
        # whose path contains one of `drop_writes` answer success without applying the change
        self.after_request: Callable[[RecordedRequest], None] | None = None
        self.drop_writes: set[str] = set()
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        if ca_path is None:
            self._tmpdir = tempfile.TemporaryDirectory(prefix="fakearm-")
            ca_path = Path(self._tmpdir.name) / "ca.pem"
        self.tls: TlsMaterial = make_tls(ca_path)
        self._client_ctx: ssl.SSLContext | None = None
        self._server = _Server(self, self.tls.server_context)
        self.port: int = self._server.server_address[1]
        self.base_url = f"https://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fakearm", daemon=True
        )
        self._thread.start()
        self._closed = False

    # ---- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> FakeArm:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            open_socks = list(self._open)
        for s in open_socks:  # wake handler threads blocked on idle keep-alive connections
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)
        if self._tmpdir is not None:
            self._tmpdir.cleanup()

    # ---- client helpers --------------------------------------------------------------------------

    @property
    def ca_path(self) -> str:
        return self.tls.ca_path

    def client_ssl_context(self) -> ssl.SSLContext:
        """One shared client SSLContext trusting the fake CA (reuse it for aiohttp connection reuse)."""
        if self._client_ctx is None:
            self._client_ctx = self.tls.client_context()
        return self._client_ctx

    def client_kwargs(self, **extra: Any) -> dict[str, Any]:
        """Keyword args for a *sync* mgmt client: base_url, connection_verify, LoopbackOnlyPolicy."""
        kw: dict[str, Any] = {
            "base_url": self.base_url,
            "connection_verify": self.ca_path,
            "per_call_policies": [LoopbackOnlyPolicy()],
        }
        kw.update(extra)
        return kw

    def web_client(self, credential: Any = None, subscription: str | None = None, **kw: Any) -> Any:
        from azure.mgmt.web import WebSiteManagementClient

        return WebSiteManagementClient(
            credential or StaticTokenCredential(),
            subscription or self._default_sub(),
            **self.client_kwargs(**kw),
        )

    def keyvault_client(self, credential: Any = None, subscription: str | None = None, **kw: Any) -> Any:
        from azure.mgmt.keyvault import KeyVaultManagementClient

        return KeyVaultManagementClient(
            credential or StaticTokenCredential(),
            subscription or self._default_sub(),
            **self.client_kwargs(**kw),
        )

    def aio_session(self, limit: int = 100) -> Any:
        """An aiohttp ClientSession sharing one SSLContext; create it inside the running loop and
        pass ``transport=AioHttpTransport(session=s, session_owner=False)`` to an aio client."""
        import aiohttp

        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=self.client_ssl_context(), limit=limit),
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
        )

    def _default_sub(self) -> str:
        if self.estate.sites:
            return self.estate.sites[0].subscription
        if self.estate.vaults:
            return self.estate.vaults[0].subscription
        return "00000000-0000-0000-0000-000000000001"

    # ---- observation -----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Snapshot of (method, path, query, body) for every request received, in arrival order."""
        with self._lock:
            return list(self._log)

    def requests_to(self, path_contains: str, method: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if path_contains.lower() in r.path.lower() and (method is None or r.method == method.upper())
        ]

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    @property
    def connections(self) -> int:
        """Number of completed TLS handshakes (i.e. TCP+TLS connections) so far."""
        with self._lock:
            return self._connections

    @property
    def handshake_failures(self) -> int:
        with self._lock:
            return self._handshake_failures

    def _note_handshake(self, ok: bool, sock: ssl.SSLSocket | None = None) -> None:
        with self._lock:
            if ok:
                self._connections += 1
                if sock is not None:
                    self._open.add(sock)
            else:
                self._handshake_failures += 1

    def _forget(self, sock: ssl.SSLSocket) -> None:
        with self._lock:
            self._open.discard(sock)

    # ---- request handling ------------------------------------------------------------------------

    def _hostile_rule(self, method: str, path: str) -> HostileRule | None:
        with self._lock:
            for rule in self.faults.hostile:
                if rule.applies(method, path):
                    rule.hits += 1
                    return rule
        return None

    def _record(self, method: str, path: str, query: dict[str, str], body: Any) -> None:
        with self._lock:
            self._log.append(RecordedRequest(method, path, query, body))

    def _serve(self, method: str, path: str, query: dict[str, str], body: Any, headers: Any) -> Payload:
        faults = self.faults
        with self._lock:
            self._log.append(RecordedRequest(method, path, query, body))
            auth = headers.get("Authorization") or ""
            if auth:
                self.tokens_seen.add(auth.removeprefix("Bearer "))
            kind = "reads" if method == "GET" else "writes"
            if kind == "reads":
                exhausted = faults.read_budget <= 0
                faults.read_budget = max(0, faults.read_budget - 1)
                remaining = faults.read_budget
            else:
                exhausted = faults.write_budget <= 0
                faults.write_budget = max(0, faults.write_budget - 1)
                remaining = faults.write_budget
            fired: FaultRule | None = None
            for rule in faults.rules:
                if rule.applies(method, path):
                    rule.hits += 1
                    fired = rule
                    break
        rl = [(f"x-ms-ratelimit-remaining-subscription-{kind}", str(remaining))]
        if faults.latency_s > 0:
            time.sleep(faults.latency_s)

        if fired is not None:
            code, message = _DEFAULT_ERRORS.get(fired.status, ("Error", "Injected fault."))
            status, payload, hdrs = _arm_error(
                fired.status, fired.code or code, fired.message or f"{message} (injected for {path})"
            )
            if fired.retry_after is not None:
                hdrs.append(("Retry-After", str(fired.retry_after)))
            if fired.retry_after_ms is not None:
                hdrs.append(("x-ms-retry-after-ms", str(fired.retry_after_ms)))
            hdrs.extend(fired.headers)
            return status, payload, hdrs + rl
        if exhausted and faults.throttle_when_exhausted:
            status, payload, hdrs = _arm_error(
                429, "SubscriptionRequestsThrottled", f"Number of '{kind}' requests exceeded the limit."
            )
            return status, payload, [*hdrs, ("Retry-After", str(faults.exhausted_retry_after)), *rl]
        if self.require_auth and not auth.startswith("Bearer "):
            status, payload, hdrs = _arm_error(
                401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."
            )
            return status, payload, hdrs + rl

        status, payload, hdrs = self._route(method, path, query, body)
        hook = self.after_request
        if hook is not None:
            hook(RecordedRequest(method, path, query, body))
        return status, payload, hdrs + rl

    def _route(self, method: str, path: str, query: dict[str, str], body: Any) -> Payload:
        p = path.rstrip("/")
        for route_method, regex, handler in self._routes:
            if route_method != method:
                continue
            m = regex.fullmatch(p)
            if m:
                return handler(self, m, path, query, body)
        return _arm_error(404, "NotFound", f"The fake ARM has no route for {method} {path}.")

    # ---- JSON shapes -----------------------------------------------------------------------------

    def _site_json(self, site: FakeSite, slot: str | None = None) -> dict[str, Any]:
        identity: FakeIdentity | None
        if slot is None:
            rid, name, typ = site.id, site.name, "Microsoft.Web/sites"
            host = f"{site.name}.azurewebsites.net"
            identity = site.identity
        else:
            rid, name, typ = f"{site.id}/slots/{slot}", f"{site.name}/{slot}", "Microsoft.Web/sites/slots"
            host = f"{site.name}-{slot}.azurewebsites.net"
            identity = site.slots[slot].identity
        out: dict[str, Any] = {
            "id": rid,
            "name": name,
            "type": typ,
            "kind": site.kind,
            "location": site.location,
            "tags": {},
        }
        if identity is not None and identity.type != "None":
            out["identity"] = identity.to_arm()
        out["properties"] = {
            "name": name,
            "state": "Running",
            "enabled": True,
            "hostNames": [host],
            "enabledHostNames": [host, host.replace(".azurewebsites.net", ".scm.azurewebsites.net")],
            "defaultHostName": host,
            "resourceGroup": site.resource_group,
            "keyVaultReferenceIdentity": site.key_vault_reference_identity,
            "serverFarmId": (
                f"/subscriptions/{site.subscription}/resourceGroups/{site.resource_group}"
                f"/providers/Microsoft.Web/serverfarms/{site.server_farm}"
            ),
            "reserved": "linux" in site.kind,
            "httpsOnly": True,
            "availabilityState": "Normal",
            "usageState": "Normal",
            "siteConfig": None,
        }
        return out

    @staticmethod
    def _vault_json(v: FakeVault) -> dict[str, Any]:
        return {
            "id": v.id,
            "name": v.name,
            "type": "Microsoft.KeyVault/vaults",
            "location": v.location,
            "tags": {},
            "properties": {
                "tenantId": v.tenant_id,
                "sku": {"family": "A", "name": "standard"},
                "accessPolicies": [],
                "enableRbacAuthorization": v.rbac,
                "enableSoftDelete": True,
                "softDeleteRetentionInDays": 90,
                "vaultUri": v.uri,
                "provisioningState": "Succeeded",
                "publicNetworkAccess": "Enabled",
            },
        }

    def _page(self, path: str, query: dict[str, str], items: list[Any]) -> Payload:
        token = next((v for k, v in query.items() if k.lower() == "$skiptoken"), None)
        start = _decode_token(token)
        size = max(1, self.page_size)
        out: dict[str, Any] = {"value": items[start : start + size]}
        if start + size < len(items):
            q = {k: v for k, v in query.items() if k.lower() != "$skiptoken"}
            q["$skiptoken"] = _encode_token(start + size)
            qs = "&".join(f"{quote(k, safe='$')}={quote_plus(v)}" for k, v in q.items())
            out["nextLink"] = f"{self.base_url}{quote(path)}?{qs}"
        return 200, out, []

    # ---- handlers --------------------------------------------------------------------------------

    def _target(self, m: re.Match[str]) -> tuple[FakeSite, str | None, FakeSite | FakeSlot] | Payload:
        site = self.estate.find_site(m["sub"], m["rg"], m["name"])
        if site is None:
            return _arm_error(
                404,
                "ResourceNotFound",
                f"The Resource 'Microsoft.Web/sites/{m['name']}' under resource group '{m['rg']}' was not found.",
            )
        slot = m.groupdict().get("slot")
        if slot is None:
            return site, None, site
        for sname, sobj in site.slots.items():
            if sname.lower() == slot.lower():
                return site, sname, sobj
        return _arm_error(
            404,
            "ResourceNotFound",
            f"The Resource 'Microsoft.Web/sites/{m['name']}/slots/{slot}' under resource group "
            f"'{m['rg']}' was not found.",
        )

    def _h_list_sites(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        sub = m["sub"].lower()
        rg = (m.groupdict().get("rg") or "").lower()
        sites = [
            self._site_json(s)
            for s in self.estate.sites
            if s.subscription.lower() == sub and (not rg or s.resource_group.lower() == rg)
        ]
        return self._page(path, query, sites)

    def _h_get_site(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        t = self._target(m)
        if not isinstance(t[0], FakeSite):
            return t
        return 200, self._site_json(t[0], t[1]), []

    def _h_patch_site(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        t = self._target(m)
        if not isinstance(t[0], FakeSite):
            return t
        site, slot, owner = t
        ident = (body or {}).get("identity")
        if any(d.lower() in path.lower() for d in self.drop_writes):
            ident = None
        if isinstance(ident, dict) and "type" in ident:
            cur = owner.identity
            typ = str(ident["type"])
            new = FakeIdentity(typ, cur.principal_id if cur else None, DEFAULT_TENANT, {})
            if "SystemAssigned" in typ and not new.principal_id:
                new.principal_id = str(uuid.uuid4())
            for rid, value in (ident.get("userAssignedIdentities") or {}).items():
                if value is None:
                    continue  # ARM: null removes the identity
                prev = cur.user_assigned.get(rid) if cur else None
                uai = self.estate.user_identities.get(rid.lower())
                known = (uai["principalId"], uai["clientId"]) if uai else None
                new.user_assigned[rid] = prev or known or (str(uuid.uuid4()), str(uuid.uuid4()))
            owner.identity = None if typ == "None" else new
        props = (body or {}).get("properties") or {}
        if "keyVaultReferenceIdentity" in props:
            site.key_vault_reference_identity = props["keyVaultReferenceIdentity"]
        return 200, self._site_json(site, slot), []

    def _h_list_slots(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        t = self._target(m)
        if not isinstance(t[0], FakeSite):
            return t
        site = t[0]
        return self._page(path, query, [self._site_json(site, s) for s in site.slots])

    def _config_envelope(self, site: FakeSite, slot: str | None, name: str, props: Any) -> dict[str, Any]:
        base = site.id if slot is None else f"{site.id}/slots/{slot}"
        return {
            "id": f"{base}/config/{name}",
            "name": name,
            "type": "Microsoft.Web/sites/config" if slot is None else "Microsoft.Web/sites/slots/config",
            "kind": "app",
            "location": site.location,
            "properties": props,
        }

    def _h_appsettings(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        t = self._target(m)
        if not isinstance(t[0], FakeSite):
            return t
        site, slot, owner = t
        if path.rstrip("/").lower().endswith("/list") is False:  # PUT: full replace
            props = (body or {}).get("properties")
            if not isinstance(props, dict):
                return _arm_error(400, "BadRequest", "Body must be {'properties': {...}}.")
            if any(d.lower() in path.lower() for d in self.drop_writes):
                return 200, self._config_envelope(site, slot, "appsettings", dict(props)), []
            owner.app_settings = {str(k): "" if v is None else str(v) for k, v in props.items()}
        return 200, self._config_envelope(site, slot, "appsettings", dict(owner.app_settings)), []

    def _h_connstrings(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        t = self._target(m)
        if not isinstance(t[0], FakeSite):
            return t
        site, slot, owner = t
        if path.rstrip("/").lower().endswith("/list") is False:  # PUT: full replace
            props = (body or {}).get("properties")
            if not isinstance(props, dict):
                return _arm_error(400, "BadRequest", "Body must be {'properties': {...}}.")
            if any(d.lower() in path.lower() for d in self.drop_writes):
                return 200, self._config_envelope(site, slot, "connectionstrings", dict(props)), []
            owner.connection_strings = {
                str(k): (str(v.get("value", "")), str(v.get("type", "Custom"))) for k, v in props.items()
            }
        props_out = {k: {"value": v, "type": typ} for k, (v, typ) in owner.connection_strings.items()}
        return 200, self._config_envelope(site, slot, "connectionstrings", props_out), []

    def _h_slot_config_names(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        t = self._target(m)
        if not isinstance(t[0], FakeSite):
            return t
        site = t[0]
        props_in = (body or {}).get("properties") if body else None
        if isinstance(props_in, dict):  # PUT
            site.sticky_app_settings = list(props_in.get("appSettingNames") or [])
            site.sticky_connection_strings = list(props_in.get("connectionStringNames") or [])
        props = {
            "appSettingNames": list(site.sticky_app_settings),
            "connectionStringNames": list(site.sticky_connection_strings),
            "azureStorageConfigNames": [],
        }
        return (
            200,
            {
                "id": f"{site.id}/config/slotConfigNames",
                "name": "slotConfigNames",
                "type": "Microsoft.Web/sites/config",
                "properties": props,
            },
            [],
        )

    def _h_swap_slot(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        """POST {SITE}/slots/{slot}/slotsswap {"targetSlot": "production", ...}: exchange both slots' app
        settings and connection strings, except slot-sticky names (slotConfigNames), which stay with
        their slot; identities never swap.  Answers like an ARM LRO: 202 + Location (an operation
        result that answers 200)."""
        t = self._target(m)
        if not isinstance(t[0], FakeSite):
            return t
        site, slot, source = t
        target_name = str((body or {}).get("targetSlot") or "")
        if not target_name:
            return _arm_error(400, "BadRequest", "targetSlot is required.")
        target: FakeSite | FakeSlot | None
        if target_name.lower() == "production":
            target = site
        else:
            target = next((o for n, o in site.slots.items() if n.lower() == target_name.lower()), None)
        if target is None:
            return _arm_error(404, "ResourceNotFound", f"The slot '{target_name}' was not found.")
        if target is source:
            return _arm_error(400, "BadRequest", "Cannot swap a slot with itself.")
        if not any(d.lower() in path.lower() for d in self.drop_writes):
            for attr, sticky in (
                ("app_settings", site.sticky_app_settings),
                ("connection_strings", site.sticky_connection_strings),
            ):
                keep = {n.lower() for n in sticky}
                a: dict[str, Any] = getattr(source, attr)
                b: dict[str, Any] = getattr(target, attr)
                new_a = {k: v for k, v in a.items() if k.lower() in keep}
                new_a.update({k: v for k, v in b.items() if k.lower() not in keep})
                new_b = {k: v for k, v in b.items() if k.lower() in keep}
                new_b.update({k: v for k, v in a.items() if k.lower() not in keep})
                setattr(source, attr, new_a)
                setattr(target, attr, new_b)
        op = f"{site.id}/slots/{slot}/operationresults/{uuid.uuid4()}"
        return (
            202,
            None,
            [
                ("Location", f"{self.base_url}{quote(op)}?api-version={query.get('api-version', '')}"),
                ("Retry-After", "0"),
            ],
        )

    def _h_operation_result(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        return 200, None, []

    def _h_list_vaults(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        sub = m["sub"].lower()
        rg = (m.groupdict().get("rg") or "").lower()
        vaults = [
            self._vault_json(v)
            for v in self.estate.vaults
            if v.subscription.lower() == sub and (not rg or v.resource_group.lower() == rg)
        ]
        return self._page(path, query, vaults)

    def _role_assignment_json(self, ra: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": ra["id"],
            "name": ra["name"],
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": {
                "roleDefinitionId": ra["roleDefinitionId"],
                "principalId": ra["principalId"],
                "principalType": ra.get("principalType", "ServicePrincipal"),
                "scope": ra["scope"],
            },
        }

    def _ra_key(self, m: re.Match[str]) -> tuple[str, str, str]:
        scope, name = m["scope"], m["guid"]
        rid = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
        return scope, name, rid

    def _h_get_role_assignment(
        self, m: re.Match[str], path: str, query: dict[str, str], body: Any
    ) -> Payload:
        _scope, name, rid = self._ra_key(m)
        ra = self.role_assignments.get(rid.lower())
        if ra is None:
            return _arm_error(404, "RoleAssignmentNotFound", f"The role assignment '{name}' is not found.")
        return 200, self._role_assignment_json(ra), []

    def _h_delete_role_assignment(
        self, m: re.Match[str], path: str, query: dict[str, str], body: Any
    ) -> Payload:
        _scope, _name, rid = self._ra_key(m)
        ra = self.role_assignments.pop(rid.lower(), None)
        if ra is None:
            return 204, None, []
        return 200, self._role_assignment_json(ra), []

    def _h_put_role_assignment(
        self, m: re.Match[str], path: str, query: dict[str, str], body: Any
    ) -> Payload:
        scope, name, rid = self._ra_key(m)
        try:
            uuid.UUID(name)
        except ValueError:
            return _arm_error(400, "InvalidRoleAssignmentId", "The role assignment ID is not valid (a GUID).")
        props = (body or {}).get("properties") or {}
        if not props.get("roleDefinitionId") or not props.get("principalId"):
            return _arm_error(
                400, "InvalidRoleAssignmentRequest", "roleDefinitionId and principalId are required."
            )
        for ra in self.role_assignments.values():
            if (
                ra["scope"].lower() == scope.lower()
                and ra["principalId"] == props["principalId"]
                and ra["roleDefinitionId"].lower() == str(props["roleDefinitionId"]).lower()
            ):
                return _arm_error(409, "RoleAssignmentExists", "The role assignment already exists.")
        ra = {
            "id": rid,
            "name": name,
            "scope": scope,
            "roleDefinitionId": props["roleDefinitionId"],
            "principalId": props["principalId"],
            "principalType": props.get("principalType", "ServicePrincipal"),
        }
        if not any(d.lower() in path.lower() for d in self.drop_writes):
            self.role_assignments[rid.lower()] = ra
        return 201, self._role_assignment_json(ra), []

    def _h_list_role_assignments(
        self, m: re.Match[str], path: str, query: dict[str, str], body: Any
    ) -> Payload:
        scope = m["scope"].lower()
        flt = query.get("$filter", "")
        found = re.search(r"principalId eq '?([0-9a-fA-F-]+)'?", flt)
        items = [
            self._role_assignment_json(ra)
            for ra in self.role_assignments.values()
            if (ra["scope"].lower() == scope or scope.startswith(ra["scope"].lower() + "/"))
            and (found is None or ra["principalId"] == found.group(1))
        ]
        return self._page(path, query, items)

    # ---- resource providers and generic resources (local auth) ----------------------------------

    def _h_get_provider(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        ns = next((n for n in FAKE_API_VERSIONS if n.lower() == m.group("ns").lower()), None)
        if ns is None:
            return _arm_error(
                404, "InvalidResourceNamespace", f"The resource namespace '{m.group('ns')}' is invalid."
            )
        types = [
            {"resourceType": t, "locations": ["West Europe"], "apiVersions": list(v)}
            for t, v in FAKE_API_VERSIONS[ns].items()
        ]
        return (
            200,
            {
                "id": f"/subscriptions/{m.group('sub')}/providers/{ns}",
                "namespace": ns,
                "registrationState": "Registered",
                "resourceTypes": types,
            },
            [],
        )

    def _resource(self, m: re.Match[str], query: dict[str, str]) -> FakeResource | Payload:
        res = self.estate.find_resource(
            m.group("sub"), m.group("rg"), m.group("ns"), m.group("type"), m.group("name")
        )
        if res is None:
            return _arm_error(404, "ResourceNotFound", f"The resource '{m.group('name')}' was not found.")
        api = query.get("api-version", "")
        res.api_versions_seen.append(api)
        if api not in FAKE_API_VERSIONS[res.namespace][res.type]:
            return _arm_error(
                400,
                "NoRegisteredProviderFound",
                f"No registered resource provider found for API version '{api}'.",
            )
        return res

    @staticmethod
    def _resource_json(res: FakeResource) -> dict[str, Any]:
        return {
            "id": res.id,
            "name": res.name,
            "type": f"{res.namespace}/{res.type}",
            "location": res.location,
            "properties": dict(res.properties),
        }

    def _h_list_resources(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        """`GET /subscriptions/{sub}/resources` (`$filter=resourceType eq '...'` honoured): generic
        resources, without `properties`, as ARM lists them."""
        wanted = re.search(r"resourceType eq '([^']+)'", query.get("$filter", ""), re.I)
        items = [
            {"id": r.id, "name": r.name, "type": f"{r.namespace}/{r.type}", "location": r.location}
            for r in self.estate.resources
            if r.subscription.lower() == m.group("sub").lower()
            and (wanted is None or f"{r.namespace}/{r.type}".lower() == wanted.group(1).lower())
        ]
        return self._page(path, query, items)

    def _h_get_resource(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        res = self._resource(m, query)
        if not isinstance(res, FakeResource):
            return res
        return 200, self._resource_json(res), []

    def _h_patch_resource(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        res = self._resource(m, query)
        if not isinstance(res, FakeResource):
            return res
        props = (body or {}).get("properties") or {}
        if isinstance(props, dict) and not any(d.lower() in path.lower() for d in self.drop_writes):
            res.properties.update(props)
        return 200, self._resource_json(res), []

    def _h_resource_graph(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        """`POST /providers/Microsoft.ResourceGraph/resources`: see `resource_graph.py` (one query shape)."""
        return resource_graph.answer(self.estate, query, body)

    # ---- user-assigned identities (Microsoft.ManagedIdentity) ----------------------------------------

    def _uai_json(self, uai: dict[str, str]) -> dict[str, Any]:
        return {
            "id": uai["id"],
            "name": uai["name"],
            "location": uai["location"],
            "tags": {},
            "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
            "properties": {
                "tenantId": DEFAULT_TENANT,
                "principalId": uai["principalId"],
                "clientId": uai["clientId"],
            },
        }

    def _h_get_uai(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        uai = self.estate.user_identities.get(path.rstrip("/").lower())
        if uai is None:
            return _arm_error(404, "ResourceNotFound", f"The Resource '{m.group('uai')}' was not found.")
        return 200, self._uai_json(uai), []

    def _h_put_uai(self, m: re.Match[str], path: str, query: dict[str, str], body: Any) -> Payload:
        key = path.rstrip("/").lower()
        cur = self.estate.user_identities.get(key)
        if cur is None:
            cur = {
                "id": path.rstrip("/"),
                "name": m.group("uai"),
                "principalId": str(uuid.uuid4()),
                "clientId": str(uuid.uuid4()),
                "location": str((body or {}).get("location") or "westeurope"),
            }
            self.estate.user_identities[key] = cur
            return 201, self._uai_json(cur), []
        return 200, self._uai_json(cur), []

    _routes: list[tuple[str, re.Pattern[str], _RouteHandler]] = []


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_ROLE_ASSIGNMENT = r"(?P<scope>/.+?)/providers/microsoft\.authorization/roleassignments/(?P<guid>[^/]+)"
_ROLE_ASSIGNMENTS = r"(?P<scope>/.*?)/providers/microsoft\.authorization/roleassignments"

_GENERIC = (
    _RG + r"/providers/(?P<ns>microsoft\.(?:storage|servicebus|eventhub|documentdb|appconfiguration|insights|"
    r"cognitiveservices|search))"
    r"/(?P<type>[^/]+)/(?P<name>[^/]+)"
)

_UAI = _RG + r"/providers/microsoft\.managedidentity/userassignedidentities/(?P<uai>[^/]+)"

FakeArm._routes = [
    ("GET", _r(_UAI), FakeArm._h_get_uai),
    ("PUT", _r(_UAI), FakeArm._h_put_uai),
    ("GET", _r(_SUB + r"/providers/(?P<ns>[^/]+)"), FakeArm._h_get_provider),
    ("GET", _r(_SUB + r"/resources"), FakeArm._h_list_resources),
    ("POST", _r(r"/providers/microsoft\.resourcegraph/resources"), FakeArm._h_resource_graph),
    ("GET", _r(_GENERIC), FakeArm._h_get_resource),
    ("PATCH", _r(_GENERIC), FakeArm._h_patch_resource),
    ("GET", _r(_ROLE_ASSIGNMENT), FakeArm._h_get_role_assignment),
    ("PUT", _r(_ROLE_ASSIGNMENT), FakeArm._h_put_role_assignment),
    ("DELETE", _r(_ROLE_ASSIGNMENT), FakeArm._h_delete_role_assignment),
    ("GET", _r(_ROLE_ASSIGNMENTS), FakeArm._h_list_role_assignments),
    ("GET", _r(_SUB + r"/providers/microsoft\.web/sites"), FakeArm._h_list_sites),
    ("GET", _r(_RG + r"/providers/microsoft\.web/sites"), FakeArm._h_list_sites),
    ("GET", _r(_SITE + r"/slots"), FakeArm._h_list_slots),
    ("GET", _r(_SITE + _SLOT_OPT), FakeArm._h_get_site),
    ("PATCH", _r(_SITE + _SLOT_OPT), FakeArm._h_patch_site),
    ("POST", _r(_SITE + _SLOT_OPT + r"/config/appsettings/list"), FakeArm._h_appsettings),
    ("PUT", _r(_SITE + _SLOT_OPT + r"/config/appsettings"), FakeArm._h_appsettings),
    ("POST", _r(_SITE + _SLOT_OPT + r"/config/connectionstrings/list"), FakeArm._h_connstrings),
    ("PUT", _r(_SITE + _SLOT_OPT + r"/config/connectionstrings"), FakeArm._h_connstrings),
    ("GET", _r(_SITE + r"/config/slotconfignames"), FakeArm._h_slot_config_names),
    ("PUT", _r(_SITE + r"/config/slotconfignames"), FakeArm._h_slot_config_names),
    ("POST", _r(_SITE + _SLOT_OPT + r"/slotsswap"), FakeArm._h_swap_slot),
    ("GET", _r(_SITE + r"/slots/[^/]+/operationresults/[^/]+"), FakeArm._h_operation_result),
    ("GET", _r(_SUB + r"/providers/microsoft\.keyvault/vaults"), FakeArm._h_list_vaults),
    ("GET", _r(_RG + r"/providers/microsoft\.keyvault/vaults"), FakeArm._h_list_vaults),
]
