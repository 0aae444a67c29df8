"""Issue 16 point 3: an enumerated value a connector does not know — or a missing one — is unknown, with the
platform's raw answer in the evidence, never a guess. One helper (`connectors.base.enum_answer`), checked here
for every connector that reads an enum."""

from __future__ import annotations

import httpx
import pytest
import respx

from auditor.model import AccountState, ObservationState, VerificationState
from connectors.base import enum_answer
from connectors.tiktok import TikTokConnector
from connectors.zoom import ZoomConnector
from tests.connectors.conftest import fetch_meta, reply, request_for
from tests.connectors.test_linkedin_tiktok_zoom_mailchimp import OK, TT, TT_USER, ZM
from tests.connectors.test_linkedin_tiktok_zoom_mailchimp import fetch as fetch_with
from tests.connectors.test_x import API, user
from tests.connectors.test_x import fetch as fetch_x


def unknown(observed, raw):
    assert observed.state is ObservationState.NOT_EXPOSED and observed.value is None, observed
    assert observed.raw == raw and observed.error == "undocumented value"


def test_the_helper():
    table = {"a": AccountState.ACTIVE, True: AccountState.PROTECTED}
    assert enum_answer(table, "a", field="f").value is AccountState.ACTIVE
    assert enum_answer(table, True, field="f").raw is True
    unknown(enum_answer(table, "b", field="f"), "f=b")
    unknown(enum_answer(table, None, field="f"), "f=null")
    unknown(enum_answer(table, ["a"], field="f"), "f=['a']")  # unhashable: not a crash


@pytest.mark.parametrize(
    ("change", "attribute", "raw"),
    [
        ({"verification_status": "pending_review"}, "verification", "verification_status=pending_review"),
        ({"verification_status": None}, "verification", "verification_status=null"),
        ({"is_published": None}, "status", "is_published=null"),
        ({"is_published": "yes"}, "status", "is_published=yes"),
    ],
)
def test_meta_page(graph, change, attribute, raw):
    page = reply("page").json()
    page.update(change)
    page = {k: v for k, v in page.items() if v is not None}
    graph.get("/mpruebapy").mock(return_value=httpx.Response(200, json=page))
    unknown(fetch_meta(request_for()).attribute(attribute), raw)


def test_meta_business_two_factor_type(graph):
    business = reply("business").json()
    business["two_factor_type"] = "passkeys_required"
    graph.get("/1122334455667788").mock(return_value=httpx.Response(200, json=business))
    unknown(fetch_meta(request_for()).two_factor, "two_factor_type=passkeys_required")


def test_meta_instagram_is_published(graph):
    ig = reply("ig_user").json()
    ig.pop("is_published", None)
    graph.get("/17841400000000000").mock(return_value=httpx.Response(200, json=ig))
    unknown(fetch_meta(request_for("instagram", platform_account_id="17841400000000000")).status, "is_published=null")


@pytest.mark.parametrize(("verified_type", "raw"), [("celebrity", "verified_type=celebrity")])
def test_x_verified_type_and_protected(verified_type, raw):
    body = user(verified_type)
    with respx.mock(base_url=API) as mock:
        mock.get("/2/users/by/username/mpruebapy").mock(return_value=httpx.Response(200, json=body))
        unknown(fetch_x(request_for("x")).verification, raw)
    del body["data"]["protected"]
    with respx.mock(base_url=API) as mock:
        mock.get("/2/users/by/username/mpruebapy").mock(return_value=httpx.Response(200, json=body))
        unknown(fetch_x(request_for("x")).status, "protected=null")


def test_tiktok_is_verified_missing():
    body = {"data": {"user": {k: v for k, v in TT_USER["data"]["user"].items() if k != "is_verified"}}, "error": OK}
    with respx.mock(base_url=TT) as mock:
        mock.get("/v2/user/info/").mock(return_value=httpx.Response(200, json=body))
        mock.post("/v2/video/list/").mock(
            return_value=httpx.Response(200, json={"data": {"videos": [], "has_more": False}, "error": OK})
        )
        snap = fetch_with(TikTokConnector, request_for("tiktok"))
    unknown(snap.verification, "is_verified=null")
    assert snap.verification.value is not VerificationState.NOT_VERIFIED


def test_zoom_two_factor_setting():
    with respx.mock(base_url=ZM) as mock:
        mock.get("/v2/accounts/me/settings").mock(
            return_value=httpx.Response(200, json={"sign_in_with_two_factor_auth": "sometimes"})
        )
        mock.get("/v2/users").mock(return_value=httpx.Response(200, json={"users": [], "next_page_token": ""}))
        unknown(fetch_with(ZoomConnector, request_for("zoom")).two_factor, "sign_in_with_two_factor_auth=sometimes")
