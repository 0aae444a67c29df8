"""LinkedIn, TikTok, Zoom and Mailchimp connectors on recorded bodies (respx): success, paging, not found,
expired credential and rate limiting for each."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from auditor.model import AccountState, ObservationState, PlatformRole, TwoFactorPolicy, VerificationState
from connectors.base import CredentialError, RateLimited
from connectors.http import HttpSettings
from connectors.linkedin import LinkedInConnector
from connectors.mailchimp import MailchimpConnector, data_center
from connectors.tiktok import TikTokConnector
from connectors.zoom import ZoomConnector
from tests.connectors.conftest import SLEPT, request_for
from tests.connectors.conftest import fetch_with as fetch

LI = "https://api.linkedin.com"
TT = "https://open.tiktokapis.com"
ZM = "https://api.zoom.us"
MC = "https://us21.api.mailchimp.com"


# LinkedIn -----------------------------------------------------------------------------------------

ORG = {"id": 2414183, "vanityName": "aguas-de-prueba-py", "localizedName": "Aguas de Prueba S.A."}


def acl(person, role="ADMINISTRATOR", state="APPROVED"):
    return {
        "organization": "urn:li:organization:2414183",
        "roleAssignee": f"urn:li:person:{person}",
        "role": role,
        "state": state,
    }


def linkedin_routes(mock, acl_pages):
    mock.get("/rest/organizations").mock(return_value=httpx.Response(200, json={"elements": [ORG]}))
    pages = iter(acl_pages)
    mock.get("/rest/organizationAcls").mock(side_effect=lambda r: httpx.Response(200, json=next(pages)))
    mock.get("/rest/posts").mock(
        return_value=httpx.Response(200, json={"elements": [{"id": "urn:li:share:1", "publishedAt": 1750235400000}]})
    )


@respx.mock(base_url=LI, assert_all_called=False)
def test_linkedin_acls_paged_versioned_headers_and_roles(respx_mock):
    first = {
        "elements": [acl(f"P{i}", "ANALYST") for i in range(50)],
        "paging": {"start": 0, "count": 50, "links": [{"rel": "next", "href": "/rest/organizationAcls?start=50"}]},
    }
    second = {
        "elements": [acl("Boss"), acl("Wannabe", "ANALYST", "REQUESTED"), acl("Old", state="REVOKED")],
        "paging": {"start": 50, "count": 50, "links": []},
    }
    linkedin_routes(respx_mock, [first, second])
    snap = fetch(LinkedInConnector, request_for("linkedin", handle="aguas-de-prueba-py"))
    calls = respx_mock.routes[1].calls
    assert [c.request.url.params["start"] for c in calls] == ["0", "50"]
    assert calls[0].request.headers["linkedin-version"].isdigit()
    assert calls[0].request.headers["x-restli-protocol-version"] == "2.0.0"
    assert calls[0].request.url.params["organization"] == "urn:li:organization:2414183"
    members = {m.platform_user_id: m for m in snap.members.value}
    assert len(members) == 52 and "urn:li:person:Old" not in members
    assert members["urn:li:person:Boss"].role is PlatformRole.ADMIN
    assert members["urn:li:person:Wannabe"].pending
    assert snap.handle.value == "aguas-de-prueba-py" and snap.last_activity.value.year == 2025
    assert snap.linked_emails.state is ObservationState.NOT_EXPOSED


@respx.mock(base_url=LI)
def test_linkedin_not_found_expired_and_throttled(respx_mock):
    respx_mock.get("/rest/organizations").mock(return_value=httpx.Response(200, json={"elements": []}))
    assert fetch(LinkedInConnector, request_for("linkedin")).status.value is AccountState.NOT_FOUND
    respx_mock.get("/rest/organizations").mock(
        return_value=httpx.Response(
            401,
            json={
                "status": 401,
                "serviceErrorCode": 65601,
                "code": "REVOKED_ACCESS_TOKEN",
                "message": "The token used in the request has been revoked by the user",
            },
        )
    )
    with pytest.raises(CredentialError, match="REVOKED_ACCESS_TOKEN"):
        fetch(LinkedInConnector, request_for("linkedin"))
    respx_mock.get("/rest/organizations").mock(return_value=httpx.Response(429, json={"status": 429}))
    with pytest.raises(RateLimited):
        fetch(LinkedInConnector, request_for("linkedin"))
    # retried with backoff (no rate-limit headers on LinkedIn) within the throttling budget, then given up
    assert len(SLEPT) == HttpSettings(base_url="").max_throttled_retries


# TikTok -------------------------------------------------------------------------------------------

OK = {"code": "ok", "message": "", "log_id": "L"}
TT_USER = {
    "data": {
        "user": {
            "open_id": "-000abc",
            "display_name": "Ministerio de Prueba",
            "username": "mpruebapy",
            "is_verified": True,
        }
    },
    "error": OK,
}


@respx.mock(base_url=TT)
def test_tiktok_user_and_video_pages(respx_mock):
    respx_mock.get("/v2/user/info/").mock(return_value=httpx.Response(200, json=TT_USER))
    pages = iter(
        [
            {"data": {"videos": [], "cursor": 1750235400000, "has_more": True}, "error": OK},
            {"data": {"videos": [{"id": "1", "create_time": 1750235400}], "cursor": 1, "has_more": True}, "error": OK},
        ]
    )
    route = respx_mock.post("/v2/video/list/").mock(side_effect=lambda r: httpx.Response(200, json=next(pages)))
    snap = fetch(TikTokConnector, request_for("tiktok"))
    assert snap.handle.value == "mpruebapy" and snap.verification.value is VerificationState.VERIFIED
    assert snap.last_activity.value.year == 2025
    bodies = [json.loads(c.request.content) for c in route.calls]
    assert bodies == [{"max_count": 1}, {"max_count": 1, "cursor": 1750235400000}]  # an empty page is not the end
    assert route.calls[0].request.url.params["fields"] == "id,create_time"
    assert snap.members.state is ObservationState.NOT_EXPOSED


@respx.mock(base_url=TT)
def test_tiktok_error_envelope(respx_mock):
    respx_mock.get("/v2/user/info/").mock(return_value=httpx.Response(200, json={"data": {"user": {}}, "error": OK}))
    assert fetch(TikTokConnector, request_for("tiktok")).status.value is AccountState.NOT_FOUND
    respx_mock.get("/v2/user/info/").mock(
        return_value=httpx.Response(
            401,
            json={
                "data": {},
                "error": {"code": "access_token_invalid", "message": "Access token is invalid", "log_id": "L"},
            },
        )
    )
    with pytest.raises(CredentialError, match="access_token_invalid"):
        fetch(TikTokConnector, request_for("tiktok"))
    respx_mock.get("/v2/user/info/").mock(
        return_value=httpx.Response(
            429, json={"data": {}, "error": {"code": "rate_limit_exceeded", "message": "slow down", "log_id": "L"}}
        )
    )
    with pytest.raises(RateLimited, match="rate_limit_exceeded"):
        fetch(TikTokConnector, request_for("tiktok"))


# Zoom ---------------------------------------------------------------------------------------------


def zoom_user(uid, email, role="2", last="2026-06-18T08:05:42Z"):
    return {
        "id": uid,
        "email": email,
        "display_name": uid,
        "type": 2,
        "role_id": role,
        "status": "active",
        "last_login_time": last,
    }


@respx.mock(base_url=ZM)
def test_zoom_security_setting_and_users_pages(respx_mock):
    respx_mock.get("/v2/accounts/me/settings").mock(
        return_value=httpx.Response(
            200, json={"sign_in_with_two_factor_auth": "role", "sign_in_with_two_factor_auth_roles": ["0"]}
        )
    )
    active = iter(
        [
            {"users": [zoom_user("a", "Owner@tprueba.gov.py", "0")], "next_page_token": "tok2"},
            {"users": [zoom_user("b", "x@gmail.com", last="2026-07-01T00:00:00Z")], "next_page_token": ""},
        ]
    )

    def users(request):
        if request.url.params["status"] == "pending":
            return httpx.Response(
                200,
                json={
                    "users": [{"id": "p", "email": "new@tprueba.gov.py", "role_id": "2", "status": "pending"}],
                    "next_page_token": "",
                },
            )
        return httpx.Response(200, json=next(active))

    route = respx_mock.get("/v2/users").mock(side_effect=users)
    snap = fetch(ZoomConnector, request_for("zoom"))
    assert snap.two_factor.value is TwoFactorPolicy.ADMIN_REQUIRED and snap.two_factor.raw == "role"
    assert [c.request.url.params.get("next_page_token") for c in route.calls[:2]] == [None, "tok2"]
    members = {m.platform_user_id: m for m in snap.members.value}
    assert members["a"].role is PlatformRole.ADMIN and members["pending:p"].pending
    assert snap.linked_emails.value == ["owner@tprueba.gov.py"]
    assert snap.last_activity.value.month == 7


@respx.mock(base_url=ZM)
def test_zoom_invalid_token_and_throttling(respx_mock):
    respx_mock.get("/v2/accounts/me/settings").mock(
        return_value=httpx.Response(401, json={"code": 124, "message": "Invalid access token."})
    )
    with pytest.raises(CredentialError, match="code 124"):
        fetch(ZoomConnector, request_for("zoom"))
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "2"}, json={"code": 429, "message": "Too many"}),
            httpx.Response(200, json={"sign_in_with_two_factor_auth": "all"}),
        ]
    )
    respx_mock.get("/v2/accounts/me/settings").mock(side_effect=lambda r: next(answers))
    respx_mock.get("/v2/users").mock(return_value=httpx.Response(404, json={"code": 1001, "message": "no"}))
    snap = fetch(ZoomConnector, request_for("zoom"))
    assert SLEPT[0] == pytest.approx(2.0, abs=0.05) and snap.two_factor.value is TwoFactorPolicy.ALL_REQUIRED
    assert snap.members.state is ObservationState.ERROR  # users not found: not an empty list


# Mailchimp ----------------------------------------------------------------------------------------

ROOT = {
    "account_id": "8d3a",
    "account_name": "Ministerio de Prueba",
    "email": "Boletin@mprueba.gov.py",
    "role": "owner",
    "last_login": "2026-06-18T08:00:00+00:00",
}


def mc_request():
    request = request_for("mailchimp")
    from auditor.model.secret import Secret

    return request.__class__(request.institution, request.account, Secret("mc", "0123456789abcdef-us21"), "mc")


@respx.mock(base_url=MC)
def test_mailchimp_root_basic_auth_datacenter_and_app_pages(respx_mock):
    root = respx_mock.get("/3.0/").mock(return_value=httpx.Response(200, json=ROOT))
    pages = iter(
        [
            {"apps": [{"id": i, "name": f"App{i}"} for i in range(1000)], "total_items": 1001},
            {"apps": [{"id": 1000, "name": "Zapier"}], "total_items": 1001},
        ]
    )
    apps = respx_mock.get("/3.0/authorized-apps").mock(side_effect=lambda r: httpx.Response(200, json=next(pages)))
    snap = fetch(MailchimpConnector, mc_request())
    assert root.calls[0].request.headers["authorization"].startswith("Basic ")
    assert [c.request.url.params["offset"] for c in apps.calls] == ["0", "1000"]
    assert snap.linked_emails.value == ["boletin@mprueba.gov.py"] and len(snap.evidence["authorized_apps"]) == 1001
    for attribute in ("members", "two_factor", "handle"):
        assert snap.attribute(attribute).state is ObservationState.NOT_EXPOSED
    assert data_center("abc-us21") == "us21"


@respx.mock(base_url=MC)
def test_mailchimp_problem_details(respx_mock):
    respx_mock.get("/3.0/").mock(
        return_value=httpx.Response(
            401,
            json={
                "type": "https://mailchimp.com/developer/marketing/docs/errors/",
                "title": "API Key Invalid",
                "status": 401,
                "detail": "Your API key may be invalid",
                "instance": "x",
            },
        )
    )
    with pytest.raises(CredentialError, match="API Key Invalid"):
        fetch(MailchimpConnector, mc_request())
    respx_mock.get("/3.0/").mock(return_value=httpx.Response(429, json={"title": "Too Many Requests", "status": 429}))
    with pytest.raises(RateLimited):
        fetch(MailchimpConnector, mc_request())
    respx_mock.get("/3.0/").mock(return_value=httpx.Response(404, json={"title": "Resource Not Found", "status": 404}))
    from connectors.base import NotFound

    with pytest.raises(NotFound):
        fetch(MailchimpConnector, mc_request())


def test_linkedin_last_activity_is_the_newest_created_post_not_the_last_edited():
    """An old post edited yesterday is not activity: posts are asked sorted by creation."""
    old_edited = {"id": "urn:li:share:1", "createdAt": 1600000000000, "lastModifiedAt": 1750000000000}
    newest = {"id": "urn:li:share:2", "createdAt": 1700000000000, "lastModifiedAt": 1700000000000}

    def posts(request: httpx.Request) -> httpx.Response:
        by = "createdAt" if request.url.params.get("sortBy") == "CREATED" else "lastModifiedAt"
        ordered = sorted([old_edited, newest], key=lambda p: -p[by])
        return httpx.Response(200, json={"elements": ordered[:1]})

    with respx.mock(base_url=LI, assert_all_called=False) as mock:
        linkedin_routes(mock, [{"elements": [acl("Boss")], "paging": {"start": 0, "count": 50, "links": []}}])
        mock.get("/rest/posts").mock(side_effect=posts)
        snap = fetch(LinkedInConnector, request_for("linkedin", handle="aguas-de-prueba-py"))
    assert snap.last_activity.value is not None
    assert int(snap.last_activity.value.timestamp() * 1000) == newest["createdAt"]
