"""The fake ARM's Azure Resource Graph: `POST /providers/Microsoft.ResourceGraph/resources`.

It answers from the fake estate (sites, vaults and generic resources), honours `subscriptions`,
pages with `$skipToken` when `options.$top` is smaller than the result, and returns `objectArray`
rows as the real service does (the `type` column lower case).

It understands ONE query shape only, the one `migrate.plan.resolve.resource_graph.graph_query`
writes (whitespace aside)::

    Resources
    | where type in~ ('t1', 't2')          <- optional
    | project id, name, type, ikey = iff(type =~ 'microsoft.insights/components',
                                         tostring(properties.InstrumentationKey), '')
    | order by id asc

Anything else is answered 400 `BadRequest`, so a query that drifts from this shape fails its test
instead of being answered as if it were understood.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from .estate import Estate

API_VERSIONS = ("2021-03-01", "2022-10-01", "2024-04-01")
MAX_TOP = 1000
MAX_SUBSCRIPTIONS = 1000

_QUERY = re.compile(
    r"^Resources"
    r"(?: \| where type in~ \((?P<types>'[^']+'(?:, '[^']+')*)\))?"
    r" \| project id, name, type, ikey = iff\(type =~ 'microsoft\.insights/components', "
    r"tostring\(properties\.InstrumentationKey\), ''\)"
    r" \| order by id asc$"
)

Payload = tuple[int, Any, list[tuple[str, str]]]


def _bad(message: str) -> Payload:
    return 400, {"error": {"code": "BadRequest", "message": message}}, []


def _token(offset: int) -> str:
    return base64.b64encode(f"graph:{offset}".encode()).decode()


def _offset(token: Any) -> int | None:
    if token is None:
        return 0
    try:
        kind, value = base64.b64decode(str(token)).decode().split(":", 1)
        return int(value) if kind == "graph" else None
    except (ValueError, UnicodeDecodeError):
        return None


def _rows(estate: Estate) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for site in estate.sites:
        rows.append({"id": site.id, "name": site.name, "type": "microsoft.web/sites", "properties": {}})
    for vault in estate.vaults:
        rows.append(
            {"id": vault.id, "name": vault.name, "type": "microsoft.keyvault/vaults", "properties": {}}
        )
    for res in estate.resources:
        rows.append(
            {
                "id": res.id,
                "name": res.name,
                "type": f"{res.namespace}/{res.type}".lower(),
                "properties": dict(res.properties),
            }
        )
    return rows


def answer(estate: Estate, query: dict[str, str], body: Any) -> Payload:
    """The answer to one Resource Graph query request."""
    if query.get("api-version") not in API_VERSIONS:
        return _bad(f"Unsupported api-version {query.get('api-version')!r}.")
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return _bad("The request has no query.")
    subs = body.get("subscriptions")
    if not isinstance(subs, list) or not subs or len(subs) > MAX_SUBSCRIPTIONS:
        return _bad(f"Give 1 to {MAX_SUBSCRIPTIONS} subscriptions.")
    m = _QUERY.match(" ".join(body["query"].split()))
    if m is None:
        return _bad("The fake Resource Graph understands only the lookup query's shape.")
    options = body.get("options") or {}
    top = options.get("$top", MAX_TOP)
    if not isinstance(top, int) or not 1 <= top <= MAX_TOP:
        return _bad(f"$top must be 1..{MAX_TOP}.")
    if options.get("resultFormat", "objectArray") != "objectArray":
        return _bad("The fake Resource Graph answers objectArray only.")
    start = _offset(options.get("$skipToken"))
    if start is None:
        return _bad("Invalid $skipToken.")
    types = {t.strip("'").lower() for t in m.group("types").split(", ")} if m.group("types") else None
    wanted = {str(s).lower() for s in subs}
    rows = sorted(
        (
            r
            for r in _rows(estate)
            if r["id"].split("/")[2].lower() in wanted and (types is None or r["type"] in types)
        ),
        key=lambda r: str(r["id"]),
    )
    data = [
        {
            "id": r["id"],
            "name": r["name"],
            "type": r["type"],
            "ikey": str(r["properties"].get("InstrumentationKey", ""))
            if r["type"] == "microsoft.insights/components"
            else "",
        }
        for r in rows[start : start + top]
    ]
    out: dict[str, Any] = {
        "totalRecords": len(rows),
        "count": len(data),
        "resultTruncated": "false",
        "data": data,
        "facets": [],
    }
    if start + top < len(rows):
        out["$skipToken"] = _token(start + top)
    return 200, out, [("x-ms-user-quota-remaining", "14"), ("x-ms-user-quota-resets-after", "00:00:05")]
