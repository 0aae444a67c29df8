"""YouTube and Workspace connectors through google-api-python-client, offline (HttpMockSequence), and the
requested fields checked against the discovery documents shipped in the library."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import googleapiclient
import httpx
import pytest
from googleapiclient.http import HttpMockSequence

from auditor.model import AccountState, ObservationState, TwoFactorPolicy, TwoFactorState
from connectors import google_workspace, youtube
from connectors.base import RateLimited
from connectors.google_workspace import GoogleWorkspaceConnector
from connectors.youtube import YouTubeConnector
from tests.connectors.conftest import request_for

DOCS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"


def discovery(name: str) -> dict:
    return json.loads((DOCS / name).read_text(encoding="utf-8"))


def run(coro):
    return asyncio.run(coro)


CHANNEL = {
    "items": [
        {
            "id": "UCx",
            "snippet": {"title": "UNA TV", "customUrl": "@unapruebaoficial"},
            "status": {"privacyStatus": "unlisted"},
            "contentDetails": {"relatedPlaylists": {"uploads": "UUx"}},
        }
    ]
}
UPLOADS = {"items": [{"contentDetails": {"videoId": "v1", "videoPublishedAt": "2026-06-16T15:00:07Z"}}]}
QUOTA = {
    "error": {
        "code": 403,
        "message": "The request cannot be completed because you have exceeded your quota.",
        "errors": [{"message": "quota", "domain": "youtube.quota", "reason": "quotaExceeded"}],
    }
}


class Answers:
    """YouTube's answers in order, through httpx (its requests are sent by `PlatformHttp`), and the requests."""

    def __init__(self, *answers: tuple[int, dict[str, Any]]) -> None:
        self.answers = list(answers)
        self.seen: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(str(request.url))
        status, body = self.answers.pop(0)
        return httpx.Response(status, json=body)


def youtube_answering(*answers: tuple[int, dict[str, Any]]) -> tuple[YouTubeConnector, Answers]:
    given = Answers(*answers)
    return YouTubeConnector(None, transport=httpx.MockTransport(given)), given


def test_youtube_channel_last_upload_and_privacy():
    connector, http = youtube_answering((200, CHANNEL), (200, UPLOADS))
    snap = run(connector.fetch(request_for("youtube", handle="unapruebaoficial")))
    assert snap.platform_account_id == "UCx" and snap.handle.value == "unapruebaoficial"
    assert snap.status.value is AccountState.UNLISTED  # «no listada», not private; still not public (IDN-008)
    assert snap.last_activity.value.isoformat() == "2026-06-16T15:00:07+00:00"
    channels_uri, uploads_uri = http.seen
    assert "/youtube/v3/channels?" in channels_uri and "forHandle=unapruebaoficial" in channels_uri
    assert "part=snippet%2Cstatus%2CcontentDetails%2Cstatistics" in channels_uri and "key=EAAG" in channels_uri
    assert "/youtube/v3/playlistItems?" in uploads_uri and "maxResults=1" in uploads_uri
    assert "search" not in uploads_uri
    for attribute in ("verification", "members", "linked_emails", "two_factor"):
        assert snap.attribute(attribute).state is ObservationState.NOT_EXPOSED


def test_youtube_unknown_channel_is_not_found():
    connector, _ = youtube_answering((200, {"items": []}))
    assert run(connector.fetch(request_for("youtube"))).status.value is AccountState.NOT_FOUND


def test_youtube_quota_exceeded_stops_further_calls_for_that_key():
    connector, http = youtube_answering((403, QUOTA))
    with pytest.raises(RateLimited, match="quotaExceeded"):
        run(connector.fetch(request_for("youtube")))  # for the day: not retried
    with pytest.raises(RateLimited, match="exhausted earlier in this run"):
        run(connector.fetch(request_for("youtube", handle="otro")))
    assert len(http.seen) == 1  # the second channel did not cost a call


def test_youtube_requested_parts_and_parameters_exist_in_the_discovery_document():
    doc = discovery("youtube.v3.json")
    channel_params = doc["resources"]["channels"]["methods"]["list"]["parameters"]
    assert {"part", "id", "forHandle"} <= set(channel_params)
    channel_schema = doc["schemas"]["Channel"]["properties"]
    assert set(youtube.CHANNEL_PARTS.split(",")) <= set(channel_schema)
    items_params = doc["resources"]["playlistItems"]["methods"]["list"]["parameters"]
    assert {"part", "playlistId", "maxResults"} <= set(items_params)
    assert youtube.UPLOAD_PARTS in doc["schemas"]["PlaylistItem"]["properties"]
    assert set(youtube.PRIVACY) == set(doc["schemas"]["ChannelStatus"]["properties"]["privacyStatus"]["enum"])


USER = {
    "id": "104",
    "primaryEmail": "archivo.comunicacion@una.py",
    "name": {"fullName": "Archivo"},
    "isEnrolledIn2Sv": False,
    "isEnforcedIn2Sv": False,
    "suspended": False,
    "archived": False,
    "lastLoginTime": "1970-01-01T00:00:00.000Z",
    "recoveryEmail": "Archivo.UNA@gmail.com",
    "recoveryPhone": "+595981999999",
}


def workspace_request(**kw):
    return request_for("google", handle="archivo", linked_email="archivo.comunicacion@una.py", **kw)


def test_workspace_user_maps_2sv_recovery_and_never_logged_in():
    http = HttpMockSequence([({"status": "200"}, json.dumps(USER))])
    snap = run(GoogleWorkspaceConnector(http=http).fetch(workspace_request()))
    assert "/admin/directory/v1/users/archivo.comunicacion%40una.py" in http.request_sequence[0][0]
    assert snap.two_factor.value is TwoFactorPolicy.NONE and snap.login_two_factor.value is TwoFactorState.OFF
    assert snap.linked_emails.value == ["archivo.una@gmail.com"] and snap.phone.value == "+595981999999"
    assert snap.last_activity.ok and snap.last_activity.value is None  # 1970 means never
    suspended = HttpMockSequence([({"status": "200"}, json.dumps({**USER, "suspended": True}))])
    assert (
        run(GoogleWorkspaceConnector(http=suspended).fetch(workspace_request())).status.value
        is AccountState.DEACTIVATED
    )
    missing = HttpMockSequence(
        [
            (
                {"status": "404"},
                json.dumps(
                    {
                        "error": {
                            "code": 404,
                            "message": "Resource Not Found: userKey",
                            "errors": [
                                {"domain": "global", "reason": "notFound", "message": "Resource Not Found: userKey"}
                            ],
                        }
                    }
                ),
            )
        ]
    )
    assert run(GoogleWorkspaceConnector(http=missing).fetch(workspace_request())).status.value is AccountState.NOT_FOUND


def test_workspace_discovery_pages_and_keeps_official_looking_mailboxes():
    page1 = {"users": [USER, {**USER, "id": "105", "primaryEmail": "jperez@una.py"}], "nextPageToken": "t2"}
    page2 = {"users": [{**USER, "id": "106", "primaryEmail": "redes.facultad@una.py"}]}
    http = HttpMockSequence([({"status": "200"}, json.dumps(page1)), ({"status": "200"}, json.dumps(page2))])
    from auditor.model.secret import Secret

    found = run(GoogleWorkspaceConnector(http=http).discover(request_for().institution, "g", Secret("g", "t")))
    assert [d.handle for d in found] == ["archivo.comunicacion@una.py", "redes.facultad@una.py"]
    assert "pageToken=t2" in http.request_sequence[1][0] and "customer=my_customer" in http.request_sequence[0][0]


def test_workspace_fields_exist_in_the_directory_discovery_document():
    doc = discovery("admin.directory_v1.json")
    user = doc["schemas"]["User"]["properties"]
    used = {
        "primaryEmail",
        "isEnrolledIn2Sv",
        "isEnforcedIn2Sv",
        "suspended",
        "archived",
        "lastLoginTime",
        "isAdmin",
        "isDelegatedAdmin",
        "recoveryEmail",
        "recoveryPhone",
        "name",
        "orgUnitPath",
    }
    assert used <= set(user)
    list_params = doc["resources"]["users"]["methods"]["list"]["parameters"]
    assert {"customer", "maxResults", "pageToken", "orderBy"} <= set(list_params)
    assert "userKey" in doc["resources"]["users"]["methods"]["get"]["parameters"]
    assert google_workspace.SCOPES[0] in doc["auth"]["oauth2"]["scopes"]


@pytest.mark.parametrize("privacy", [None, "members_only"])
def test_youtube_missing_or_unexpected_privacy_is_unknown_not_active(privacy):
    """Issue 16 point 3: a missing or undocumented privacyStatus is unknown (attested), never «active»."""
    channel = json.loads(json.dumps(CHANNEL))
    channel["items"][0]["status"] = {"privacyStatus": privacy} if privacy else {}
    connector, _ = youtube_answering((200, channel), (200, UPLOADS))
    snap = run(connector.fetch(request_for("youtube", handle="unapruebaoficial")))
    assert snap.status.state is ObservationState.NOT_EXPOSED and snap.status.value is None
    assert snap.status.raw == f"privacyStatus={privacy or 'null'}"  # what the platform said, in the evidence


def test_workspace_missing_is_enforced_in_2sv_is_unknown_not_none():
    user = {k: v for k, v in USER.items() if k != "isEnforcedIn2Sv"}
    http = HttpMockSequence([({"status": "200"}, json.dumps(user))])
    snap = run(GoogleWorkspaceConnector(http=http).fetch(workspace_request()))
    assert snap.two_factor.state is ObservationState.NOT_EXPOSED and snap.two_factor.value is None
    assert snap.two_factor.raw == "isEnforcedIn2Sv=null"  # absent


def test_directory_per_user_quota_is_retried_not_exhausted_for_the_day():
    """Issue 16 point 2: the Directory API's 403 quotaExceeded / userRateLimitExceeded are per-user limits,
    retried with backoff; YouTube's quotaExceeded stays exhausted for the run."""
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    for reason in ("quotaExceeded", "userRateLimitExceeded", "rateLimitExceeded"):
        limited = {"error": {"code": 403, "message": "limit", "errors": [{"domain": "usageLimits", "reason": reason}]}}
        http = HttpMockSequence([({"status": "403"}, json.dumps(limited)), ({"status": "200"}, json.dumps(USER))])
        connector = GoogleWorkspaceConnector(http=http)
        connector.calls.sleep = record
        snap = run(connector.fetch(workspace_request()))
        assert snap.error is None and snap.two_factor.value is TwoFactorPolicy.NONE, reason
    assert len(slept) >= 3 and all(s > 0 for s in slept)


def test_one_youtube_service_serves_every_key_and_each_request_carries_its_own():
    """Every credential shares one service (building its resources per key was most of YouTube's CPU); the
    key travels with each request through that credential's http: concurrent accounts of two institutions
    never send each other's key, and a key never appears in an error."""
    import dataclasses

    import httpx

    from auditor.model.secret import Secret

    seen: list[tuple[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        key = request.url.params.get("key", "")
        handle = request.url.params.get("forHandle", "")
        seen.append((key, handle or request.url.path))
        if request.url.path.endswith("/channels") and handle in {"canala", "canalb"}:
            return httpx.Response(200, json=CHANNEL)
        if request.url.path.endswith("/playlistItems"):
            return httpx.Response(200, json=UPLOADS)
        return httpx.Response(200, json={"items": []})

    connector = YouTubeConnector(None, transport=httpx.MockTransport(answer))

    def request(handle: str, key: str):
        base = request_for("youtube", handle=handle, credential=f"yt-{key}")
        return dataclasses.replace(
            base, secret=Secret(f"yt-{key}", f"KEY-{key}"), credential_name=f"yt-{key}", lookalike_budget=2
        )

    async def both():
        try:
            return await asyncio.gather(
                *(connector.fetch(request(h, k)) for _ in range(3) for h, k in (("canala", "a"), ("canalb", "b")))
            )
        finally:
            await connector.aclose()

    snaps = run(both())
    assert all(s.error is None for s in snaps)
    assert {key for key, _ in seen} == {"KEY-a", "KEY-b"}
    for key, what in seen:  # each institution's requests carry its key: its handle, its look-alikes
        if what in {"canala", "canalb"}:
            assert key == f"KEY-{what[-1]}"
