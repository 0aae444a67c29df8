"""Google routes of the sandbox: YouTube Data API v3 (channels, playlistItems) and the Admin SDK Directory
API v1 (users), with Google's JSON error shape and `nextPageToken` paging."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import httpx

from connectors.sandbox.lookup import Section, section

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox


def google_error(status: int, reason: str, message: str, domain: str = "global") -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": domain, "reason": reason}],
            }
        },
    )


def _page(
    items: list[dict[str, Any]], request: httpx.Request, size_param: str, default: int
) -> tuple[list[Any], str | None]:
    size = int(request.url.params.get(size_param) or default)
    start = int(request.url.params.get("pageToken") or 0)
    chunk = items[start : start + size]
    return chunk, str(start + size) if start + size < len(items) else None


def handle(sandbox: Sandbox, request: httpx.Request, token: str | None, info: dict[str, Any] | None) -> httpx.Response:
    from connectors.sandbox.meta import NOW

    NOW[:] = [sandbox.clock()]
    if not token or info is None or not info.get("is_valid", True):
        return google_error(401, "authError", "Request had invalid authentication credentials.")
    path = request.url.path
    if path == "/youtube/v3/channels":
        return _channels(sandbox, request)
    if path == "/youtube/v3/playlistItems":
        return _playlist_items(sandbox, request)
    if path == "/admin/directory/v1/users":
        return _users(sandbox, request)
    m = re.match(r"^/admin/directory/v1/users/(?P<key>[^/]+)$", path)
    if m:
        return _user(sandbox, m.group("key"))
    return google_error(404, "notFound", f"sandbox: no route for {path}")


def _resolved_times(obj: Any) -> Any:
    from connectors.sandbox.meta import _time_value

    if isinstance(obj, dict):
        return {
            k: (
                _time_value("created_time", v).replace("+0000", "Z")
                if isinstance(v, str)
                and k in ("publishedAt", "videoPublishedAt", "lastLoginTime")
                and v.startswith("-")
                else _resolved_times(v)
            )
            for k, v in obj.items()
        }
    return obj


def _channel_section(sandbox: Sandbox) -> Section:
    return section(sandbox, "youtube.channels", (sandbox.scenario.get("youtube") or {}).get("channels"))


def _handle_of(channel: dict[str, Any]) -> str:
    return str((channel.get("snippet") or {}).get("customUrl", "")).lstrip("@").lower()


def _uploads_of(channel: dict[str, Any]) -> str:
    uploads = (channel.get("contentDetails") or {}).get("relatedPlaylists", {}).get("uploads")
    return "\0none" if uploads is None else str(uploads)  # no playlist: found under no id


def _channels(sandbox: Sandbox, request: httpx.Request) -> httpx.Response:
    channels = _channel_section(sandbox)
    parts = set((request.url.params.get("part") or "").split(","))
    if not parts - {""}:
        return google_error(400, "missingRequiredParameter", "No filter selected. Expected one of: part")
    ids = set((request.url.params.get("id") or "").split(",")) - {""}
    handle = (request.url.params.get("forHandle") or "").lstrip("@").lower()
    items = []
    for cid in channels.in_order([*ids, *(channels.find("handle", _handle_of, handle) if handle else [])]):
        channel = channels.objects[cid]
        item = {"kind": "youtube#channel", "etag": f"etag-{cid}", "id": cid}
        item.update({p: _resolved_times(channel[p]) for p in parts if p in channel})
        items.append(item)
    return httpx.Response(
        200,
        json={
            "kind": "youtube#channelListResponse",
            "etag": "etag-list",
            "pageInfo": {"totalResults": len(items), "resultsPerPage": 5},
            "items": items,
        },
    )


def _playlist_items(sandbox: Sandbox, request: httpx.Request) -> httpx.Response:
    playlist = request.url.params.get("playlistId", "")
    channels = _channel_section(sandbox)
    holders = channels.find("uploads", _uploads_of, playlist)
    uploads = (channels.objects[holders[0]].get("uploads") or []) if holders else None
    if uploads is None:
        return google_error(
            404,
            "playlistNotFound",
            "The playlist identified with the request's playlistId parameter cannot be found.",
            "youtube.playlistItem",
        )
    videos = sorted((_resolved_times(v) for v in uploads), key=lambda v: v["videoPublishedAt"], reverse=True)
    chunk, next_token = _page(videos, request, "maxResults", 5)
    items = [{"kind": "youtube#playlistItem", "id": f"PI{v['videoId']}", "contentDetails": v} for v in chunk]
    body: dict[str, Any] = {
        "kind": "youtube#playlistItemListResponse",
        "items": items,
        "pageInfo": {"totalResults": len(videos), "resultsPerPage": len(chunk)},
    }
    if next_token:
        body["nextPageToken"] = next_token
    return httpx.Response(200, json=body)


def _directory(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {
        str(k): {**_resolved_times(v), "id": str(k), "kind": "admin#directory#user"}
        for k, v in ((sandbox.scenario.get("google") or {}).get("users") or {}).items()
    }


def _user(sandbox: Sandbox, key: str) -> httpx.Response:
    for uid, user in _directory(sandbox).items():
        if key in (uid, str(user.get("primaryEmail", "")).lower()):
            return httpx.Response(200, json=user)
    return google_error(404, "notFound", "Resource Not Found: userKey")


def _users(sandbox: Sandbox, request: httpx.Request) -> httpx.Response:
    if not (request.url.params.get("customer") or request.url.params.get("domain")):
        return google_error(400, "badRequest", "Bad Request")
    users = sorted(_directory(sandbox).values(), key=lambda u: u["primaryEmail"])
    chunk, next_token = _page(users, request, "maxResults", 100)
    body: dict[str, Any] = {"kind": "admin#directory#users", "etag": "etag-users", "users": chunk}
    if next_token:
        body["nextPageToken"] = next_token
    return httpx.Response(200, json=body)
