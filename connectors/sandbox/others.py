"""Sandbox routes for LinkedIn (REST, Rest.li paging), TikTok (Display API v2, `error` envelope), Zoom (v2,
`next_page_token`) and Mailchimp (3.0, problem details), with each platform's own error shapes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import httpx

from connectors.sandbox.lookup import section

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox


def _section(sandbox: Sandbox, name: str) -> dict[str, Any]:
    return dict(sandbox.scenario.get(name) or {})


def _times(obj: Any) -> Any:
    """Relative "-Nd" values: epoch ms for LinkedIn/TikTok style keys, ISO for the others."""
    from connectors.sandbox.meta import NOW

    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            m = re.match(r"^-(\d+)d$", v) if isinstance(v, str) else None
            if m and NOW:
                moment = NOW[-1] - int(m.group(1)) * 86400
                if k in ("publishedAt", "createdAt", "lastModifiedAt"):
                    out[k] = int(moment * 1000)
                elif k == "create_time":
                    out[k] = int(moment)
                else:
                    from datetime import UTC, datetime

                    out[k] = datetime.fromtimestamp(moment, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            else:
                out[k] = _times(v)
        return out
    if isinstance(obj, list):
        return [_times(v) for v in obj]
    return obj


def handle(sandbox: Sandbox, request: httpx.Request, token: str | None, info: dict[str, Any] | None) -> httpx.Response:
    from connectors.sandbox.meta import NOW

    NOW[:] = [sandbox.clock()]
    path = request.url.path
    valid = bool(token) and info is not None and info.get("is_valid", True)
    if path.startswith("/rest/"):
        return (
            _linkedin(sandbox, request, info)
            if valid
            else httpx.Response(
                401,
                json={
                    "status": 401,
                    "serviceErrorCode": 65600,
                    "code": "EXPIRED_ACCESS_TOKEN",
                    "message": "The token used in the request has expired",
                },
            )
        )
    if path.startswith(("/v2/user/info", "/v2/video/list")):
        if not valid:
            return httpx.Response(
                401,
                json={
                    "data": {},
                    "error": {
                        "code": "access_token_invalid",
                        "message": "Access token is invalid, please refresh token and retry",
                        "log_id": "SANDBOXLOG0001",
                    },
                },
            )
        return _tiktok(sandbox, request, info or {})
    if path.startswith(("/v2/users", "/v2/accounts/")):
        return (
            _zoom(sandbox, request, info or {})
            if valid
            else httpx.Response(401, json={"code": 124, "message": "Invalid access token."})
        )
    if path.startswith("/3.0/"):
        return (
            _mailchimp(sandbox, request, info or {})
            if valid
            else httpx.Response(
                401,
                json={
                    "type": "https://mailchimp.com/developer/marketing/docs/errors/",
                    "title": "API Key Invalid",
                    "status": 401,
                    "detail": "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
                    "instance": "sandbox-instance",
                },
            )
        )
    return httpx.Response(404, json={"message": f"sandbox: no route for {path}"})


def _linkedin(sandbox: Sandbox, request: httpx.Request, info: dict[str, Any] | None) -> httpx.Response:
    if request.headers.get("x-restli-protocol-version") != "2.0.0" or not re.match(
        r"^\d{6}$", request.headers.get("linkedin-version", "")
    ):
        return httpx.Response(
            400,
            json={
                "status": 400,
                "code": "VERSION_MISSING",
                "message": "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
            },
        )
    orgs = _section(sandbox, "linkedin").get("organizations") or {}
    params = request.url.params
    path = request.url.path
    m = re.match(r"^/rest/organizations/(\d+)$", path)
    if m:
        org = orgs.get(m.group(1))
        if org is None:
            return httpx.Response(404, json={"status": 404, "code": "NOT_FOUND", "message": "Not Found"})
        return httpx.Response(
            200, json={k: v for k, v in {**org, "id": int(m.group(1))}.items() if k not in ("acls", "posts")}
        )
    if path == "/rest/organizations" and params.get("q") == "vanityName":
        named = section(sandbox, "linkedin.organizations", orgs)
        found = [
            {k: v for k, v in {**named.objects[i], "id": int(i)}.items() if k not in ("acls", "posts")}
            for i in named.find("vanityName", _vanity_name, str(params.get("vanityName")))
        ]
        return httpx.Response(200, json={"elements": found, "paging": {"start": 0, "count": 10, "links": []}})
    if path == "/rest/organizationAcls":
        if params.get("q") == "roleAssignee":
            return httpx.Response(200, json={"elements": [], "paging": {"start": 0, "count": 1, "links": []}})
        org_id = str(params.get("organization", "")).rsplit(":", 1)[-1]
        acls = [
            {**a, "organization": f"urn:li:organization:{org_id}"} for a in (orgs.get(org_id) or {}).get("acls") or []
        ]
        start, count = int(params.get("start", 0)), int(params.get("count", 10))
        page = acls[start : start + count]
        links = (
            [{"rel": "next", "href": f"/rest/organizationAcls?start={start + count}&count={count}"}]
            if start + count < len(acls)
            else []
        )
        return httpx.Response(200, json={"elements": page, "paging": {"start": start, "count": count, "links": links}})
    if path == "/rest/posts":
        org_id = str(params.get("author", "")).rsplit(":", 1)[-1]
        # The Posts API sorts by LAST_MODIFIED unless asked for CREATED.
        by = "createdAt" if params.get("sortBy") == "CREATED" else "lastModifiedAt"
        posts = sorted(
            _times((orgs.get(org_id) or {}).get("posts") or []),
            key=lambda p: -(p.get(by) or p.get("createdAt") or p.get("publishedAt") or 0),
        )
        return httpx.Response(
            200,
            json={"elements": posts[: int(params.get("count", 10))], "paging": {"start": 0, "count": 1, "links": []}},
        )
    return httpx.Response(404, json={"status": 404, "code": "NOT_FOUND", "message": "Not Found"})


def _tiktok_ok(data: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"data": data, "error": {"code": "ok", "message": "", "log_id": "SANDBOXLOG"}})


def _tiktok(sandbox: Sandbox, request: httpx.Request, info: dict[str, Any]) -> httpx.Response:
    user = (_section(sandbox, "tiktok").get("users") or {}).get(str(info.get("user")))
    if request.url.path.startswith("/v2/user/info"):
        fields = set((request.url.params.get("fields") or "").split(","))
        return _tiktok_ok({"user": {k: v for k, v in (user or {}).items() if k in fields}})
    import json

    body = json.loads(request.content or b"{}")
    videos = sorted(_times((user or {}).get("videos") or []), key=lambda v: -v["create_time"])
    cursor = int(body.get("cursor") or 0)
    size = int(body.get("max_count") or 20)
    page = videos[cursor : cursor + size]
    return _tiktok_ok({"videos": page, "cursor": cursor + len(page), "has_more": cursor + size < len(videos)})


def _zoom(sandbox: Sandbox, request: httpx.Request, info: dict[str, Any]) -> httpx.Response:
    account = (_section(sandbox, "zoom").get("accounts") or {}).get(str(info.get("account"))) or {}
    path = request.url.path
    if path == "/v2/accounts/me/settings":
        return httpx.Response(200, json=account.get("security") or {"sign_in_with_two_factor_auth": "none"})
    if path == "/v2/users":
        status = request.url.params.get("status", "active")
        users = [_times(u) for u in account.get("users") or [] if u.get("status", "active") == status]
        size = int(request.url.params.get("page_size", 30))
        start = int(request.url.params.get("next_page_token") or 0)
        page = users[start : start + size]
        return httpx.Response(
            200,
            json={
                "page_count": -(-len(users) // size) if users else 0,
                "page_size": size,
                "total_records": len(users),
                "users": page,
                "next_page_token": str(start + size) if start + size < len(users) else "",
            },
        )
    return httpx.Response(404, json={"code": 1001, "message": "Not found."})


def _mailchimp(sandbox: Sandbox, request: httpx.Request, info: dict[str, Any]) -> httpx.Response:
    account = (_section(sandbox, "mailchimp").get("accounts") or {}).get(str(info.get("account"))) or {}
    path = request.url.path
    if path in ("/3.0/", "/3.0"):
        return httpx.Response(200, json=_times({k: v for k, v in account.items() if k != "authorized_apps"}))
    if path == "/3.0/ping":
        return httpx.Response(200, json={"health_status": "Everything's Chimpy!"})
    if path == "/3.0/authorized-apps":
        apps = account.get("authorized_apps") or []
        offset, count = int(request.url.params.get("offset", 0)), int(request.url.params.get("count", 10))
        return httpx.Response(200, json={"apps": apps[offset : offset + count], "total_items": len(apps)})
    return httpx.Response(
        404,
        json={
            "type": "https://mailchimp.com/developer/marketing/docs/errors/",
            "title": "Resource Not Found",
            "status": 404,
            "detail": "Not found.",
        },
    )


def _vanity_name(organization: dict[str, Any]) -> str:
    return str(organization.get("vanityName"))
