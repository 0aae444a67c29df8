"""The X connector against recorded API v2 bodies (respx)."""

from __future__ import annotations

import dataclasses
import time

import httpx
import pytest
import respx

from auditor.model import AccountState, ObservationState, Platform, VerificationState
from connectors.base import CredentialError
from connectors.sandbox.x import DOCUMENTED_USER_FIELDS
from connectors.x import EXPANSIONS, TWEET_FIELDS, USER_FIELDS, XConnector
from tests.connectors.conftest import SLEPT, fetch_with, request_for

API = "https://api.x.com"
# The user.fields X documents (docs.x.com "Get my User", ../shared/reference/platform_apis.md §2.2): the
# the sandbox's list (connectors.sandbox.x), which answers any other with X's «invalid request».
HEADERS = {
    "x-rate-limit-limit": "900",
    "x-rate-limit-remaining": "899",
    "x-rate-limit-reset": str(int(time.time()) + 900),
}


def user(verified_type="government", username="mpruebapy", uid="1500"):
    return {
        "data": {
            "id": uid,
            "name": "Ministerio de Prueba",
            "username": username,
            "protected": False,
            "verified": verified_type != "none",
            "verified_type": verified_type,
            "most_recent_tweet_id": "1935",
        },
        "includes": {
            "tweets": [
                {
                    "id": "1935",
                    "text": "…",
                    "created_at": "2026-06-18T08:30:00.000Z",
                    "edit_history_tweet_ids": ["1935"],
                }
            ]
        },
    }


NOT_FOUND = {
    "errors": [
        {
            "value": "mprueba_py",
            "detail": "Could not find user with username: [mprueba_py].",
            "title": "Not Found Error",
            "resource_type": "user",
            "parameter": "username",
            "resource_id": "mprueba_py",
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        }
    ]
}


def fetch(request):
    return fetch_with(XConnector, request)


def test_requested_fields_are_documented():
    assert set(USER_FIELDS.split(",")) <= DOCUMENTED_USER_FIELDS
    assert EXPANSIONS == "most_recent_tweet_id" and TWEET_FIELDS == "created_at"


@respx.mock(base_url=API, assert_all_called=False)
def test_lookup_maps_fields_last_post_and_bearer(respx_mock):
    route = respx_mock.get("/2/users/by/username/mpruebapy").mock(
        return_value=httpx.Response(200, json=user(), headers=HEADERS)
    )
    snap = fetch(request_for("x"))
    sent = route.calls[0].request
    assert sent.headers["authorization"].startswith("Bearer ")
    assert sent.url.params["user.fields"] == USER_FIELDS and sent.url.params["expansions"] == EXPANSIONS
    assert snap.platform is Platform.X and snap.platform_account_id == "1500"
    assert snap.verification.value is VerificationState.VERIFIED_GOV
    assert snap.last_activity.value.isoformat() == "2026-06-18T08:30:00+00:00"
    for attribute in ("linked_emails", "phone", "two_factor", "members"):
        assert snap.attribute(attribute).state is ObservationState.NOT_EXPOSED


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("government", VerificationState.VERIFIED_GOV),
        ("business", VerificationState.VERIFIED_ORG),
        ("blue", VerificationState.PAID_INDIVIDUAL),
        ("none", VerificationState.NOT_VERIFIED),
    ],
)
def test_verified_type_mapping_blue_is_not_institutional(raw, state):
    with respx.mock(base_url=API) as mock:
        mock.get("/2/users/by/username/mpruebapy").mock(return_value=httpx.Response(200, json=user(raw)))
        snap = fetch(request_for("x"))
    assert snap.verification.value is state
    assert state.institutional is (raw in ("government", "business"))


@respx.mock(base_url=API)
def test_unknown_handle_is_not_found_and_suspended_is_deactivated(respx_mock):
    respx_mock.get("/2/users/by/username/mpruebapy").mock(return_value=httpx.Response(200, json=NOT_FOUND))
    assert fetch(request_for("x")).status.value is AccountState.NOT_FOUND
    suspended = {
        "errors": [{**NOT_FOUND["errors"][0], "title": "Forbidden", "detail": "User has been suspended: [mpruebapy]."}]
    }
    respx_mock.get("/2/users/by/username/mpruebapy").mock(return_value=httpx.Response(200, json=suspended))
    assert fetch(request_for("x")).status.value is AccountState.DEACTIVATED


@respx.mock(base_url=API)
def test_alternative_handle_held_by_another_account(respx_mock):
    respx_mock.get("/2/users/by/username/mpruebapy").mock(return_value=httpx.Response(200, json=user()))
    respx_mock.get("/2/users/by/username/mprueba_py").mock(
        return_value=httpx.Response(200, json=user("blue", "mprueba_py", "666"))
    )
    snap = fetch(request_for("x", alternative_handle="mprueba_py"))
    assert snap.alternative_handle_owner.value == "666"
    respx_mock.get("/2/users/by/username/mprueba_py").mock(return_value=httpx.Response(200, json=NOT_FOUND))
    assert fetch(request_for("x", alternative_handle="mprueba_py")).alternative_handle_owner.value is None


@respx.mock(base_url=API)
def test_problem_objects_and_rate_limits(respx_mock):
    respx_mock.get("/2/users/by/username/mpruebapy").mock(
        return_value=httpx.Response(
            401, json={"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
        )
    )
    with pytest.raises(CredentialError, match="X API HTTP 401"):
        fetch(request_for("x"))
    reset = str(int(time.time()) + 20)
    answers = iter(
        [
            httpx.Response(
                429,
                json={
                    "title": "Too Many Requests",
                    "detail": "Too Many Requests",
                    "type": "about:blank",
                    "status": 429,
                },
                headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset},
            ),
            httpx.Response(200, json=user()),
        ]
    )
    respx_mock.get("/2/users/by/username/mpruebapy").mock(side_effect=lambda r: next(answers))
    assert fetch(request_for("x")).handle.value == "mpruebapy"
    assert 18 <= SLEPT[0] <= 21  # waited for x-rate-limit-reset


@respx.mock(base_url=API)
def test_no_requests_left_pauses_until_reset(respx_mock):
    reset = str(int(time.time()) + 30)
    respx_mock.get("/2/users/by/username/mpruebapy").mock(
        return_value=httpx.Response(
            200, json=user(), headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}
        )
    )
    respx_mock.get("/2/users/by/username/mprueba_py").mock(return_value=httpx.Response(200, json=NOT_FOUND))
    fetch(request_for("x", alternative_handle="mprueba_py"))
    assert SLEPT and 25 <= SLEPT[0] <= 31  # the second call waited for the window to reset


def test_a_handle_with_path_characters_names_one_account_only():
    """`x/../../1500` in a handle must not make the connector look up another object (issue 16, point 7)."""
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(200, json=NOT_FOUND)

    with respx.mock(base_url=API, assert_all_called=False) as mock:
        mock.route().mock(side_effect=answer)
        # The inventory refuses such a handle (tests/auditor/test_handles.py); the connector encodes the path
        # segment all the same (defence in depth: an account built past validation, a future import path).
        valid = request_for("x", credential="x-mprueba")
        hostile = valid.account.model_copy(update={"handle": "x/../../1500?expansions=x"})
        fetch(dataclasses.replace(valid, account=hostile))
    assert seen and all(path.startswith("/2/users/by/username/x%2F..%2F..%2F1500%3Fexpansions%3Dx?") for path in seen)
