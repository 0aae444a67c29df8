"""X API v2 routes of the sandbox: user lookup by username or id, with the most recent post expanded.

As X does: an unknown or suspended handle answers 200 with an `errors` array and no `data`; auth and
throttling failures are RFC 7807 problem objects; every answer carries `x-rate-limit-*` headers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import httpx

from connectors.sandbox.lookup import Section, section

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

WINDOW = 900
# The user.fields X documents; asking for any other is X's «invalid request» (400, with the parameter named).
DOCUMENTED_USER_FIELDS = frozenset(
    [
        "affiliation",
        "confirmed_email",
        "connection_status",
        "created_at",
        "description",
        "entities",
        "id",
        "is_identity_verified",
        "location",
        "most_recent_tweet_id",
        "name",
        "parody",
        "pinned_tweet_id",
        "profile_banner_url",
        "profile_image_url",
        "protected",
        "public_metrics",
        "receives_your_dm",
        "subscription",
        "subscription_type",
        "url",
        "username",
        "verified",
        "verified_followers_count",
        "verified_type",
        "withheld",
    ]
)


def invalid_fields(request: httpx.Request) -> httpx.Response | None:
    asked = [f for f in (request.url.params.get("user.fields") or "").split(",") if f]
    unknown = [f for f in asked if f not in DOCUMENTED_USER_FIELDS]
    if not unknown:
        return None
    return httpx.Response(
        400,
        json={
            "errors": [
                {
                    "parameters": {"user.fields": [",".join(asked)]},
                    "message": f"The `user.fields` query parameter value [{unknown[0]}] is not one of "
                    f"[{','.join(sorted(DOCUMENTED_USER_FIELDS))}]",
                }
            ],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> httpx.Response:
    return httpx.Response(status, json={"title": title, "type": kind, "status": status, "detail": detail})


def _user(user: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {k: user[k] for k in ("id", "name", "username") if k in user}
    out.update({k: v for k, v in user.items() if k in fields and k not in ("recent_tweet",)})
    return out


def handle(sandbox: Sandbox, request: httpx.Request, token: str | None, info: dict[str, Any] | None) -> httpx.Response:
    from connectors.sandbox.meta import NOW

    NOW[:] = [sandbox.clock()]
    response = _handle(sandbox, request, token, info)
    limits = (sandbox.scenario.get("x") or {}).get("rate_limit") or {"limit": 900, "remaining": 880}
    response.headers["x-rate-limit-limit"] = str(limits["limit"])
    response.headers["x-rate-limit-remaining"] = str(limits["remaining"])
    response.headers["x-rate-limit-reset"] = str(int(sandbox.clock()) + WINDOW)
    return response


def _users_by(users: Section, usernames: str, fields: set[str]) -> httpx.Response:
    """`GET /2/users/by?usernames=a,b`: up to 100 names; the found ones in `data`, each missing one an error."""
    names = [n for n in usernames.split(",") if n]
    if not names or len(names) > 100:
        return problem(400, "Invalid Request", "The `usernames` query parameter value must have 1 to 100 usernames")
    data, errors = [], []
    for name in names:
        hits = users.find("username", _username, name.lower())
        found = {**users.objects[hits[0]], "id": hits[0]} if hits else None
        if found is None or found.get("suspended"):
            errors.append(
                {
                    "value": name,
                    "detail": f"Could not find user with usernames: [{name}].",
                    "title": "Not Found Error",
                    "resource_type": "user",
                    "parameter": "usernames",
                    "resource_id": name,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
            )
        else:
            data.append(_user(found, fields))
    body: dict[str, Any] = {"data": data} if data else {}
    if errors:
        body["errors"] = errors
    return httpx.Response(200, json=body)


def _username(user: dict[str, Any]) -> str:
    return str(user.get("username", "")).lower()


def _handle(sandbox: Sandbox, request: httpx.Request, token: str | None, info: dict[str, Any] | None) -> httpx.Response:
    if not token or info is None or not info.get("is_valid", True):
        return problem(401, "Unauthorized", "Unauthorized")
    if (invalid := invalid_fields(request)) is not None:
        return invalid
    users = section(sandbox, "x.users", (sandbox.scenario.get("x") or {}).get("users"))
    fields = set((request.url.params.get("user.fields") or "").split(","))
    if request.url.path == "/2/users/by":
        return _users_by(users, request.url.params.get("usernames") or "", fields)
    m = re.match(r"^/2/users/by/username/(?P<name>[^/]+)$", request.url.path) or re.match(
        r"^/2/users/(?P<id>\d+)$", request.url.path
    )
    if not m:
        return problem(404, "Not Found Error", f"no route for {request.url.path}")
    wanted = m.groupdict()
    if wanted.get("id") is not None:
        hits = [wanted["id"]] if wanted["id"] in users.objects else []
    else:
        hits = users.find("username", _username, str(wanted["name"]).lower())
    found = {**users.objects[hits[-1]], "id": hits[-1]} if hits else None  # the last that answers to it
    value = wanted.get("name") or wanted.get("id")
    if found is None or found.get("suspended"):
        detail = (
            f"User has been suspended: [{value}]."
            if found is not None
            else f"Could not find user with {'username' if 'name' in wanted else 'id'}: [{value}]."
        )
        return httpx.Response(
            200,
            json={
                "errors": [
                    {
                        "value": value,
                        "detail": detail,
                        "title": "Forbidden" if found is not None else "Not Found Error",
                        "resource_type": "user",
                        "parameter": "username" if "name" in wanted else "id",
                        "resource_id": value,
                        "type": "https://api.twitter.com/2/problems/"
                        + ("resource-not-found" if found is None else "user-suspended"),
                    }
                ]
            },
        )
    body: dict[str, Any] = {"data": _user(found, fields)}
    recent = found.get("recent_tweet")
    expansions = request.url.params.get("expansions") or ""
    if recent and "most_recent_tweet_id" in expansions:
        from connectors.sandbox.meta import _time_value

        tweet = {"id": recent["id"], "text": recent.get("text", "…"), "edit_history_tweet_ids": [recent["id"]]}
        if "created_at" in (request.url.params.get("tweet.fields") or ""):
            tweet["created_at"] = _x_time(_time_value("created_time", recent["created_at"]))
        body["data"]["most_recent_tweet_id"] = recent["id"]
        body["includes"] = {"tweets": [tweet]}
    return httpx.Response(200, json=body)


def _x_time(graph_time: str) -> str:
    """Graph's `+0000` style from the shared relative-time helper, in X's `…000Z` style."""
    return graph_time.replace("+0000", ".000Z") if graph_time.endswith("+0000") else graph_time
