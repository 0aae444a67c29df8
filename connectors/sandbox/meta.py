"""Graph API routes of the sandbox: Pages, Business Manager, Instagram, debug_token.

Shapes follow ../shared/reference/platform_apis.md §1: node fields filtered by `fields`, edges paginated
with `paging.cursors` and a `paging.next` only when more items exist, errors as
`{"error": {message, type, code, error_subcode, fbtrace_id}}`, and `X-App-Usage` on every answer.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from connectors.sandbox.lookup import section

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

PATH = re.compile(r"^/v\d+\.\d+/(?P<rest>.+)$")
BATCH_PATH = re.compile(r"^/(v\d+\.\d+/?)?$")  # a batch is POSTed to the root, with or without a version
MAX_BATCH = 50
DEFAULT_LIMIT = 25


def error(
    status: int, code: int, message: str, kind: str = "OAuthException", subcode: int | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": "SandboxTrace0001"}
    if subcode is not None:
        body["error_subcode"] = subcode
    return httpx.Response(status, json={"error": body})


def unsupported(node: str) -> httpx.Response:
    return error(
        400,
        100,
        f"Unsupported get request. Object with ID '{node}' does not exist, cannot be loaded due "
        "to missing permissions, or does not support this operation.",
        "GraphMethodException",
        33,
    )


# The fields each Graph node type has (a subset of Meta's reference, a superset of what the connector asks
# for): asking for any other answers «(#100) Tried accessing nonexisting field», as Graph does.
NODE_FIELDS: dict[str, frozenset[str]] = {
    "Page": frozenset(
        [
            "id",
            "name",
            "username",
            "link",
            "emails",
            "phone",
            "verification_status",
            "is_verified",
            "is_published",
            "is_permanently_closed",
            "business",
            "instagram_business_account",
            "website",
            "category",
            "followers_count",
            "fan_count",
            "about",
            "has_transitioned_to_new_page_experience",
        ]
    ),
    "Business": frozenset(
        ["id", "name", "two_factor_type", "verification_status", "created_time", "link", "primary_page"]
    ),
    "IGUser": frozenset(
        [
            "id",
            "ig_id",
            "username",
            "name",
            "biography",
            "website",
            "profile_picture_url",
            "followers_count",
            "follows_count",
            "media_count",
            "is_published",
            "has_profile_pic",
            "owner_business",
        ]
    ),
    "BusinessUser": frozenset(
        [
            "id",
            "name",
            "email",
            "pending_email",
            "role",
            "tasks",
            "two_fac_status",
            "first_name",
            "last_name",
            "title",
            "business",
        ]
    ),
    "BusinessRoleRequest": frozenset(
        [
            "id",
            "email",
            "role",
            "tasks",
            "status",
            "created_time",
            "expiration_time",
            "created_by",
            "owner",
            "updated_time",
        ]
    ),
    "SystemUser": frozenset(
        ["id", "name", "role", "created_by", "created_time", "finance_permission", "ip_permission"]
    ),
    "AssignedUser": frozenset(["id", "name", "user_type", "tasks", "permitted_tasks", "business"]),
    "User": frozenset(["id", "name"]),
    "PagePost": frozenset(["id", "created_time", "message", "permalink_url", "updated_time"]),
    "IGMedia": frozenset(["id", "timestamp", "permalink", "media_type", "caption"]),
}
EDGE_TYPES = {
    "business_users": "BusinessUser",
    "pending_users": "BusinessRoleRequest",
    "system_users": "SystemUser",
    "owned_pages": "Page",
    "owned_instagram_accounts": "IGUser",
    "assigned_users": "AssignedUser",
    "roles": "User",
    "published_posts": "PagePost",
    "posts": "PagePost",
    "media": "IGMedia",
}


def nonexisting_field(request: httpx.Request, node_type: str) -> httpx.Response | None:
    """Graph's answer when a requested field does not exist on the node type, else None."""
    unknown = [f for f in _fields(request) or [] if f not in NODE_FIELDS[node_type]]
    if not unknown:
        return None
    return error(400, 100, f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type ({node_type})")


def no_alias(alias: str) -> httpx.Response:
    """What Graph answers for a username no Page holds (a deleted or renamed Page's old handle)."""
    return error(400, 803, f"(#803) Some of the aliases you requested do not exist: {alias}")


def permission_error() -> httpx.Response:
    return error(403, 200, "(#200) Permissions error")


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"idx:{index}".encode()).decode().rstrip("=")


def _index(cursor: str) -> int:
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        return int(base64.urlsafe_b64decode(padded).decode().split(":", 1)[1])
    except (ValueError, IndexError):
        return 0


def _fields(request: httpx.Request) -> list[str] | None:
    raw = request.url.params.get("fields")
    return [f.strip() for f in raw.split(",") if f.strip()] if raw else None


_RELATIVE = re.compile(r"^-(\d+)d$")
NOW: list[float] = []  # set per request by `handle` so "-Nd" times are relative to the answer


def _time_value(key: str, value: Any) -> Any:
    """Scenario times written "-Nd" become Graph datetimes N days before now."""
    if isinstance(value, str) and (key.endswith("_time") or key == "timestamp"):
        m = _RELATIVE.match(value)
        if m and NOW:
            from datetime import UTC, datetime

            moment = datetime.fromtimestamp(NOW[-1] - int(m.group(1)) * 86400, tz=UTC)
            return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")
    return value


def _select(obj: dict[str, Any], fields: list[str] | None, default: tuple[str, ...] = ("id", "name")) -> dict[str, Any]:
    wanted = fields or list(default)
    return {k: _time_value(k, obj[k]) for k in wanted if k in obj}


def _page(request: httpx.Request, items: list[dict[str, Any]]) -> dict[str, Any]:
    """One page of an edge, Graph style: `next` only when more items remain."""
    limit = int(request.url.params.get("limit", DEFAULT_LIMIT) or DEFAULT_LIMIT)
    start = _index(request.url.params["after"]) if "after" in request.url.params else 0
    chunk = items[start : start + limit]
    body: dict[str, Any] = {"data": [_select(i, _fields(request)) for i in chunk]}
    if chunk:
        body["paging"] = {"cursors": {"before": _cursor(start), "after": _cursor(start + len(chunk))}}
        if start + limit < len(items):
            params = {k: v for k, v in request.url.params.items() if k != "access_token"}
            params["after"] = _cursor(start + len(chunk))
            body["paging"]["next"] = str(request.url.copy_with(params=params))
    return body


class _Graph:
    def __init__(self, sandbox: Sandbox, token_info: dict[str, Any]):
        meta = sandbox.scenario.get("meta") or {}
        self.businesses = section(sandbox, "meta.businesses", meta.get("businesses")).objects
        self._pages = section(sandbox, "meta.pages", meta.get("pages"))
        self._instagram = section(sandbox, "meta.instagram", meta.get("instagram"))
        self.pages = self._pages.objects
        self.instagram = self._instagram.objects
        self.token = token_info
        self.visible = {str(b) for b in token_info.get("businesses") or []}

    def owns_page(self, page_id: str) -> bool:
        return any(
            page_id in map(str, self.businesses[b].get("owned_pages") or [])
            for b in self.visible
            if b in self.businesses
        )

    def owns_instagram(self, ig_id: str) -> bool:
        return any(
            ig_id in map(str, self.businesses[b].get("owned_instagram_accounts") or [])
            for b in self.visible
            if b in self.businesses
        )

    def business_ref(self, business_id: Any) -> dict[str, Any] | None:
        if business_id is None:
            return None
        b = self.businesses.get(str(business_id), {})
        return {"id": str(business_id), "name": b.get("name")}

    def page_node(self, page_id: str) -> dict[str, Any]:
        page = self.pages[page_id]
        node = {k: v for k, v in page.items() if k not in ("assigned_users", "roles", "published_posts", "unreadable")}
        node["id"] = page_id
        node.setdefault("link", f"https://www.facebook.com/{page.get('username') or page_id}")
        if "business" in page:
            node["business"] = self.business_ref(page["business"])
        if page.get("instagram_business_account"):
            node["instagram_business_account"] = {"id": str(page["instagram_business_account"])}
        return node

    def find_page_by_username(self, username: str) -> str | None:
        return next(iter(self._pages.find("username", _username, username.lower())), None)

    def find_instagram_by_username(self, username: str) -> str | None:
        return next(iter(self._instagram.find("username", _username, username.lower())), None)


def _username(obj: dict[str, Any]) -> str:
    return str(obj.get("username", "")).lower()


def _token_data(sandbox: Sandbox, info: dict[str, Any]) -> dict[str, Any]:
    now = int(sandbox.clock())
    expires = int(info.get("expires_at", 0) or 0)
    if info.get("expires_in_days") is not None:
        expires = now + int(float(info["expires_in_days"]) * 86400)
    data: dict[str, Any] = {
        "app_id": "123456789012345",
        "type": info.get("type", "SYSTEM_USER"),
        "application": "Auditor de cuentas oficiales (sandbox)",
        "data_access_expires_at": int(info.get("data_access_expires_at", 0) or 0),
        "expires_at": expires,
        "is_valid": bool(info.get("is_valid", True)),
        "issued_at": now - 86400 * 30,
        "scopes": info.get("scopes")
        or [
            "business_management",
            "pages_show_list",
            "pages_read_engagement",
            "pages_manage_metadata",
            "instagram_basic",
        ],
        "user_id": str(info.get("user_id", "61550000000000001")),
    }
    if not data["is_valid"]:
        data["error"] = {"code": 190, "message": "Error validating access token: Session has expired.", "subcode": 463}
    return data


def handle(sandbox: Sandbox, request: httpx.Request, token: str | None, info: dict[str, Any] | None) -> httpx.Response:
    NOW[:] = [sandbox.clock()]
    response = _handle(sandbox, request, token, info)
    response.headers["X-App-Usage"] = _usage(sandbox)
    return response


def _usage(sandbox: Sandbox) -> str:
    usage = (sandbox.scenario.get("meta") or {}).get("usage") or {"call_count": 3, "total_time": 2, "total_cputime": 1}
    return json.dumps(usage)


def is_batch(request: httpx.Request) -> bool:
    return request.method == "POST" and bool(BATCH_PATH.match(request.url.path)) and "batch" in request.url.params


def answer_batch(
    request: httpx.Request, answer: Callable[[httpx.Request], tuple[float, httpx.Response | Exception]]
) -> tuple[float, httpx.Response]:
    """`POST /?batch=[{"method": "GET", "relative_url": …}, …]` as Graph answers it: one entry per call, in
    order — `{"code", "body"}` (and `headers` unless `include_headers=false`), the body a JSON string — or
    null for a call that did not finish (here: one a fault times out, resets or cuts short). Every call carries the
    batch's access token unless its URL has its own. (latency the slowest call adds, the answer)"""
    try:
        calls = json.loads(request.url.params["batch"])
    except ValueError:
        calls = None
    if not isinstance(calls, list) or not calls:
        return 0.0, error(400, 100, "(#100) The parameter batch must be a non-empty JSON array", "GraphBatchException")
    if len(calls) > MAX_BATCH:
        return 0.0, error(400, 100, "(#100) Too many requests in batch message. Maximum batch size is 50")
    token = request.url.params.get("access_token")
    headers = request.url.params.get("include_headers", "true") != "false"
    entries: list[dict[str, Any] | None] = []
    slowest = 0.0
    for call in calls:
        relative = call.get("relative_url") if isinstance(call, dict) else None
        if not isinstance(relative, str) or str(call.get("method", "GET")).upper() != "GET":
            bad = error(400, 100, "(#100) Each batch call needs a relative_url and the GET method")
            entries.append({"code": 400, "body": bad.text})
            continue
        url = request.url.join(relative)
        if token and "access_token" not in url.params:
            url = url.copy_merge_params({"access_token": token})
        late, outcome = answer(httpx.Request("GET", url))
        slowest = max(slowest, late)
        if isinstance(outcome, Exception):
            entries.append(None)
            continue
        entry: dict[str, Any] = {"code": outcome.status_code, "body": outcome.text}
        if headers:
            entry["headers"] = [{"name": k, "value": v} for k, v in outcome.headers.items()]
        entries.append(entry)
    return slowest, httpx.Response(200, json=entries)


def _handle(sandbox: Sandbox, request: httpx.Request, token: str | None, info: dict[str, Any] | None) -> httpx.Response:
    if request.method != "GET":
        return error(400, 100, "Unsupported request method", "GraphMethodException")
    if not token:
        return error(400, 104, "An access token is required to request this resource.")
    if info is None:
        return error(400, 190, "Invalid OAuth access token - Cannot parse access token")
    if not info.get("is_valid", True):
        return error(
            400,
            190,
            "Error validating access token: Session has expired on Tuesday, 01-Jul-25 00:00:00 PDT.",
            subcode=463,
        )
    rest = PATH.match(request.url.path).group("rest").strip("/")  # type: ignore[union-attr]
    graph = _Graph(sandbox, info)
    parts = rest.split("/")
    if rest == "debug_token":
        target = sandbox.tokens.get(request.url.params.get("input_token", ""))
        if target is None:
            return httpx.Response(
                200,
                json={
                    "data": {
                        "is_valid": False,
                        "error": {"code": 190, "message": "Invalid OAuth access token.", "subcode": 467},
                    }
                },
            )
        return httpx.Response(200, json={"data": _token_data(sandbox, target)})
    if rest == "me/businesses":
        if (bad := nonexisting_field(request, "Business")) is not None:
            return bad
        items = [graph.business_ref(b) or {} for b in sorted(graph.visible)]
        return httpx.Response(200, json=_page(request, items))
    node = parts[0]
    if len(parts) == 1:
        return _node(graph, request, node)
    if len(parts) == 2:
        return _edge(graph, request, node, parts[1])
    return unsupported(rest)


_DISCOVERY = re.compile(r"^business_discovery\.username\((?P<name>[^)]*)\)\{(?P<fields>[^}]*)\}$")


def _business_discovery(graph: _Graph, node: str, raw: str) -> httpx.Response:
    """`GET /{ig-user}?fields=business_discovery.username(x){id,username,name}`: another professional account
    by username; none holds it → 110/2207013, as integrators report Graph answering."""
    m = _DISCOVERY.match(raw)
    if m is None or not graph.owns_instagram(node):
        return unsupported(node)
    found_id = graph.find_instagram_by_username(m["name"])
    if found_id is None:
        return error(400, 110, "Invalid user id", subcode=2207013)
    wanted = [f.strip() for f in m["fields"].split(",") if f.strip()]
    found = {**graph.instagram[found_id], "id": found_id}
    return httpx.Response(200, json={"business_discovery": {k: found.get(k) for k in wanted}, "id": node})


def _node(graph: _Graph, request: httpx.Request, node: str) -> httpx.Response:
    raw_fields = request.url.params.get("fields") or ""
    if raw_fields.startswith("business_discovery.") and node in graph.instagram:
        return _business_discovery(graph, node, raw_fields)
    fields = _fields(request)
    kind = (
        "Business"
        if node in graph.businesses
        else "IGUser"
        if node in graph.instagram
        else "Page"
        if node in graph.pages or graph.find_page_by_username(node)
        else None
    )
    if kind is not None and (bad := nonexisting_field(request, kind)) is not None:
        return bad
    if node in graph.businesses:
        if node not in graph.visible:
            return unsupported(node)
        business = {k: v for k, v in graph.businesses[node].items() if not isinstance(v, list)}
        return httpx.Response(200, json=_select({**business, "id": node}, fields))
    page_id = node if node in graph.pages else graph.find_page_by_username(node)
    if page_id is not None and graph.pages[page_id].get("unreadable"):
        return unsupported(node)  # `unreadable: true`: the token may not read it, and Graph says so as 100/33
    if page_id is not None:
        # Public metadata of any Page is readable (Page Public Metadata Access); edges are not.
        return httpx.Response(200, json=_select(graph.page_node(page_id), fields))
    if node in graph.instagram:
        if not graph.owns_instagram(node):
            return unsupported(node)
        ig = {k: v for k, v in graph.instagram[node].items() if k != "media"}
        ig["id"] = node
        if ig.get("owner_business"):
            ig["owner_business"] = graph.business_ref(ig["owner_business"])
        return httpx.Response(200, json=_select(ig, fields))
    # A numeric id nobody holds (or nobody may read) is 100/33; a username nobody holds is 803.
    return unsupported(node) if node.isdigit() else no_alias(node)


def _edge(graph: _Graph, request: httpx.Request, node: str, edge: str) -> httpx.Response:
    if edge in EDGE_TYPES and (bad := nonexisting_field(request, EDGE_TYPES[edge])) is not None:
        return bad
    if node in graph.businesses:
        if node not in graph.visible:
            return unsupported(node)
        business = graph.businesses[node]
        if edge in ("business_users", "pending_users", "system_users"):
            return httpx.Response(200, json=_page(request, list(business.get(edge) or [])))
        if edge == "owned_pages":
            items = [graph.page_node(str(p)) for p in business.get("owned_pages") or [] if str(p) in graph.pages]
            return httpx.Response(200, json=_page(request, items))
        if edge == "owned_instagram_accounts":
            items = [
                {**graph.instagram[str(i)], "id": str(i)}
                for i in business.get("owned_instagram_accounts") or []
                if str(i) in graph.instagram
            ]
            return httpx.Response(200, json=_page(request, items))
        return unsupported(f"{node}/{edge}")
    if node in graph.pages:
        if not graph.owns_page(node):
            return permission_error()
        page = graph.pages[node]
        if edge == "assigned_users":
            business = request.url.params.get("business")
            if not business:
                return error(400, 100, "(#100) The parameter business is required", "OAuthException")
            return httpx.Response(200, json=_page(request, list(page.get("assigned_users") or [])))
        if edge == "roles":
            return httpx.Response(200, json=_page(request, list(page.get("roles") or [])))
        if edge in ("published_posts", "posts"):
            posts = sorted(page.get("published_posts") or [], key=lambda p: str(p.get("created_time")), reverse=True)
            return httpx.Response(200, json=_page(request, posts))
        return unsupported(f"{node}/{edge}")
    if node in graph.instagram:
        if not graph.owns_instagram(node):
            return unsupported(node)
        if edge == "media":
            media = sorted(
                graph.instagram[node].get("media") or [], key=lambda m: str(m.get("timestamp")), reverse=True
            )
            return httpx.Response(200, json=_page(request, media))
        return unsupported(f"{node}/{edge}")
    return unsupported(node)
