"""Azure lookups through Azure Resource Graph: one paged query for many subscriptions at once.

The query asks only for the resource types the plan needs and projects `id`, `name`, `type` and, for
Application Insights components, the instrumentation key; so there is no GET per component.  A key
is hashed the moment it arrives (with the caller's hasher) and never kept, logged or raised.

Facts (Microsoft docs):
- Query language, `in~` (case-insensitive `in`), `=~`, `project`, `iff`, `tostring`:
  learn.microsoft.com/azure/governance/resource-graph/concepts/query-language and
  learn.microsoft.com/azure/governance/resource-graph/samples/starter (the `type` column is lower case).
- Paging: `$top` is at most 1000 records per page; a response with `$skipToken` has more, passed back
  in `options.$skipToken` with the same query and subscriptions; order the rows for repeatable pages:
  learn.microsoft.com/azure/governance/resource-graph/concepts/work-with-data.
- Many subscriptions: the REST API takes a bounded list of subscriptions per request (Azure CLI and
  PowerShell forward 1000): batch them
  (learn.microsoft.com/azure/governance/resource-graph/troubleshoot/general, "Too many subscriptions").
- Throttling is per user (e.g. 15 queries per 5 s); each answer carries `x-ms-user-quota-remaining`
  and `x-ms-user-quota-resets-after` (hh:mm:ss):
  learn.microsoft.com/azure/governance/resource-graph/concepts/guidance-for-throttled-requests.
  The query is a POST, and azure-core retries a POST 429 only when it has `Retry-After`: the lister
  retries a 429 itself, a bounded number of times, waiting until the quota resets when told.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from migrate.plan.resolve.arm import INSIGHTS_TYPE, FoundResource

log = logging.getLogger(__name__)

SUBSCRIPTIONS_PER_REQUEST = 1000  # troubleshoot/general: batch subscriptions in groups of 1000
PAGE_SIZE = 1000  # work-with-data: the largest `$top`
MAX_PAGES = 1000  # a skip-token chain longer than this is a broken service: give up
THROTTLE_TRIES = 4  # answers of 429 in a row before giving up
MAX_WAIT_S = 30.0  # the longest wait for a quota reset (a hostile hh:mm:ss must not stall the run)
_RESETS_AFTER = re.compile(r"^\s*(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*$")
_TYPE_RE = re.compile(r"^[A-Za-z0-9.]+/[A-Za-z0-9./]+$")


class ResourceGraphUnavailable(Exception):
    """Resource Graph gave no usable answer; `reason` says why without quoting the server."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def graph_query(types: Iterable[str] | None) -> str:
    """The Resource Graph (KQL) query: the resources of `types` (all when None), with the
    instrumentation key of each Application Insights component, in a stable order."""
    where = ""
    if types is not None:
        where = "| where type in~ (" + ", ".join(f"'{t}'" for t in _valid(types)) + ")\n"
    return (
        "Resources\n" + where + f"| project id, name, type, ikey = iff(type =~ '{INSIGHTS_TYPE}', "
        "tostring(properties.InstrumentationKey), '')\n"
        "| order by id asc"
    )


def _valid(types: Iterable[str]) -> list[str]:
    return sorted({t.lower() for t in types if _TYPE_RE.match(t)})


def quota_resets_after(headers: Any) -> float | None:
    """Seconds until the user's Resource Graph quota resets (`x-ms-user-quota-resets-after`, hh:mm:ss)."""
    value = headers.get("x-ms-user-quota-resets-after") if headers is not None else None
    m = _RESETS_AFTER.match(value) if isinstance(value, str) else None
    if m is None:
        return None
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))


def _batches(subscriptions: Iterable[str], size: int) -> list[list[str]]:
    subs = sorted({s.lower() for s in subscriptions})
    return [subs[i : i + size] for i in range(0, len(subs), size)]


class ResourceGraphLister:
    """An index reader (see `arm.IndexReader`) over azure-mgmt-resourcegraph's async
    `ResourceGraphClient`: one paged query per batch of subscriptions, for the `types` asked."""

    def __init__(
        self,
        client: Any,
        types: Iterable[str] | None = None,
        *,
        page_size: int = PAGE_SIZE,
        batch_size: int = SUBSCRIPTIONS_PER_REQUEST,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.types = None if types is None else tuple(_valid(types))
        self.page_size = max(1, min(page_size, PAGE_SIZE))
        self.batch_size = max(1, min(batch_size, SUBSCRIPTIONS_PER_REQUEST))
        self.sleep = sleep

    async def read(
        self, subscriptions: Iterable[str], hasher: Callable[[str], str]
    ) -> tuple[list[FoundResource], list[tuple[str, str]]]:
        """The resources of `subscriptions`, and (component id, hashed key) for each component."""
        from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

        query = graph_query(self.types)
        resources: list[FoundResource] = []
        hashes: list[tuple[str, str]] = []
        if self.types == ():  # no type the plan needs: nothing to ask
            return resources, hashes
        for batch in _batches(subscriptions, self.batch_size):
            token: str | None = None
            seen: set[str] = set()
            for _page in range(MAX_PAGES):
                options = QueryRequestOptions(
                    top=self.page_size, skip_token=token, result_format="objectArray"
                )
                answer = await self._query(QueryRequest(subscriptions=batch, query=query, options=options))
                for row in answer.data if isinstance(answer.data, list) else ():
                    found = _row(row, hasher)
                    if found is not None:
                        resources.append(found[0])
                        if found[1] is not None:
                            hashes.append((found[0].id, found[1]))
                token = answer.skip_token or None
                if token is None:
                    break
                if token in seen:
                    raise ResourceGraphUnavailable("Resource Graph repeated a page token")
                seen.add(token)
            else:
                raise ResourceGraphUnavailable(f"Resource Graph gave more than {MAX_PAGES} pages")
        return resources, hashes

    async def _query(self, request: Any) -> Any:
        """One query, a 429 retried up to `THROTTLE_TRIES` times; other failures raise
        `ResourceGraphUnavailable` naming the HTTP status or the error's type only."""
        from azure.core.exceptions import HttpResponseError

        for attempt in range(THROTTLE_TRIES):
            try:
                return await self.client.resources(request)
            except HttpResponseError as exc:  # its message can quote the server: never shown
                status = getattr(exc, "status_code", None)
                if status != 429:
                    raise ResourceGraphUnavailable(f"Resource Graph answered {status}") from None
                if attempt == THROTTLE_TRIES - 1:
                    break
                resets = quota_resets_after(getattr(exc.response, "headers", None))
                wait = min(resets if resets is not None else 2.0**attempt, MAX_WAIT_S)
                log.info("action=resource-graph result=throttled attempt=%d wait_s=%.1f", attempt + 1, wait)
                await self.sleep(wait)
            except Exception as exc:  # unreachable, TLS, timeouts: name the type only
                raise ResourceGraphUnavailable(
                    f"Resource Graph gave no answer ({type(exc).__name__})"
                ) from None
        raise ResourceGraphUnavailable(f"Resource Graph still throttled after {THROTTLE_TRIES} tries")


def _row(row: Any, hasher: Callable[[str], str]) -> tuple[FoundResource, str | None] | None:
    if not isinstance(row, dict):
        return None
    rid, rtype, name = row.get("id"), row.get("type"), row.get("name")
    if not (
        isinstance(rid, str) and isinstance(rtype, str) and isinstance(name, str) and rid and rtype and name
    ):
        return None
    ikey = row.get("ikey")
    hashed = hasher(ikey) if isinstance(ikey, str) and ikey and rtype.lower() == INSIGHTS_TYPE else None
    return FoundResource(rid, rtype, name), hashed
