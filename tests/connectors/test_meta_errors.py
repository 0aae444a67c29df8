"""Issue 16 point 1: what Graph's «not found» answers really mean.

- 803 («Some of the aliases you requested do not exist») answers a username nobody holds: the account is
  not found (IDN-001) — or, for an alternative handle, the handle is free.
- 100/33 («does not exist, cannot be loaded due to missing permissions, or does not support this
  operation») answers a missing object and an unreadable one alike: the account is gone only when the
  credential still reads the Business that held it at the last run and that Business no longer owns it;
  otherwise it could not be audited («no encontrada o sin permisos», OPS-001), never an incident.
- Any other 100 (a field gone after a version change) is the account's connector error.
"""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from auditor.model import AccountState, FetchError, ObservationState
from connectors.base import NotFoundOrDenied, PlatformError
from tests.connectors.conftest import fetch_meta as fetch
from tests.connectors.conftest import reply, request_for

BUSINESS = "1122334455667788"
PAGE = "102030405060708"


def pinned(**extra):
    """A Page read by its pinned id, held at the last run by the fixture's Business."""
    return dataclasses.replace(request_for(), pinned_id=PAGE, **extra)


def test_803_on_a_username_is_not_found(graph):
    graph.get("/mpruebapy").mock(return_value=reply("error_803", 400))
    snap = fetch(request_for())
    assert snap.error is None and snap.status.value is AccountState.NOT_FOUND
    assert "803" in str(snap.status.raw)
    assert snap.members.state is ObservationState.ERROR  # nothing else of a missing account is observed


def test_100_33_without_a_known_business_is_not_found_or_denied_never_an_incident(graph):
    graph.get(f"/{PAGE}").mock(return_value=reply("error_100", 400))
    with pytest.raises(NotFoundOrDenied, match="no earlier Business") as exc:
        fetch(pinned())
    assert exc.value.kind is FetchError.NOT_FOUND_OR_DENIED


def test_100_33_is_gone_when_its_readable_business_no_longer_owns_it(graph):
    graph.get(f"/{PAGE}").mock(return_value=reply("error_100", 400))
    others = {"data": [{"id": "102030405060799", "username": "mpruebaexpo"}]}
    owned = graph.get(f"/{BUSINESS}/owned_pages").mock(return_value=httpx.Response(200, json=others))
    snap = fetch(pinned(business_id=BUSINESS))
    assert snap.status.value is AccountState.NOT_FOUND
    assert owned.call_count == 1 and owned.calls[0].request.url.params["fields"] == "id,username"


def test_100_33_while_the_business_still_owns_the_page_is_a_permission_problem(graph):
    graph.get(f"/{PAGE}").mock(return_value=reply("error_100", 400))
    graph.get(f"/{BUSINESS}/owned_pages").mock(return_value=reply("owned_pages"))
    with pytest.raises(NotFoundOrDenied, match="still owns it"):
        fetch(pinned(business_id=BUSINESS))


def test_100_33_when_the_business_is_unreadable_too_is_not_found_or_denied(graph):
    graph.get(f"/{PAGE}").mock(return_value=reply("error_100", 400))
    graph.get(f"/{BUSINESS}/owned_pages").mock(return_value=reply("error_100", 400))
    with pytest.raises(NotFoundOrDenied, match="cannot be read either"):
        fetch(pinned(business_id=BUSINESS))


def test_100_33_on_an_instagram_account_is_settled_by_the_business_too(graph):
    graph.get("/17841400000000000").mock(return_value=reply("error_100", 400))
    graph.get(f"/{BUSINESS}/owned_instagram_accounts").mock(return_value=httpx.Response(200, json={"data": []}))
    ig = request_for("instagram", platform_account_id="17841400000000000")
    assert fetch(dataclasses.replace(ig, business_id=BUSINESS)).status.value is AccountState.NOT_FOUND
    with pytest.raises(NotFoundOrDenied):
        fetch(ig)


def test_an_unreadable_alternative_handle_is_not_free(graph):
    graph.get("/mprueba.py").mock(return_value=reply("error_100", 400))
    snap = fetch(request_for(alternative_handle="mprueba.py"))
    assert snap.alternative_handle_owner.state is ObservationState.ERROR
    graph.get("/mprueba.py").mock(return_value=reply("error_803", 400))
    assert fetch(request_for(alternative_handle="mprueba.py")).alternative_handle_owner.value is None


def test_a_bad_field_is_a_connector_error_never_a_missing_page(graph):
    field = {
        "error": {
            "message": "(#100) Tried accessing nonexisting field (verification_status)",
            "type": "OAuthException",
            "code": 100,
            "fbtrace_id": "Ab",
        }
    }
    graph.get("/mpruebapy").mock(return_value=httpx.Response(400, json=field))
    with pytest.raises(PlatformError, match=r"Graph error 100: .*nonexisting field"):
        fetch(request_for())
