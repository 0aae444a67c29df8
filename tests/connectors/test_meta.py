"""The Meta connector against recorded Graph API bodies (respx): fields, pagination, errors, 2FA."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from auditor.model import (
    AccountState,
    ObservationState,
    Platform,
    PlatformRole,
    TwoFactorPolicy,
    TwoFactorState,
    VerificationState,
)
from connectors.base import CredentialError, PlatformError
from connectors.meta import MetaConnector
from connectors.meta.graph import graph_usage, map_graph_error, role_from_tasks, two_factor_state
from tests.connectors.conftest import GRAPH, SLEPT, TOKEN, reply, request_for
from tests.connectors.conftest import fetch_meta as fetch


def test_page_snapshot_maps_graph_fields(graph):
    snap = fetch(request_for(alternative_handle="mprueba.py"))
    assert snap.platform_account_id == "102030405060708"
    assert snap.status.value is AccountState.ACTIVE
    assert snap.handle.value == "mpruebapy"
    assert snap.linked_emails.value == ["redes@mprueba.gov.py"]
    assert snap.phone.value == "+595 981 200100"
    assert snap.verification.value is VerificationState.VERIFIED and snap.verification.raw == "blue_verified"
    assert snap.two_factor.value is TwoFactorPolicy.ADMIN_REQUIRED
    assert snap.last_activity.value == datetime(2026, 6, 18, 8, 30, tzinfo=UTC)
    assert snap.alternative_handle_owner.state is ObservationState.OBSERVED
    assert snap.alternative_handle_owner.value is None  # @mprueba.py is free (Graph error 803)
    assert snap.credential.value.valid and snap.credential.value.expires_at.year == 2027


def test_members_join_assigned_users_with_business_users_pending_and_roles(graph):
    members = {m.platform_user_id: m for m in fetch(request_for()).members.value}
    alex = members["10158000000000001"]
    assert (alex.role, alex.email, alex.two_factor) == (PlatformRole.ADMIN, "alex@mprueba.gov.py", TwoFactorState.ON)
    sam = members["10158000000000002"]
    assert sam.role is PlatformRole.EDITOR and sam.email == "sam@gmail.com"
    assert sam.two_factor is TwoFactorState.UNKNOWN  # an undocumented value is never "enabled"
    assert members["61550000000000009"].system_user and members["61550000000000009"].on_asset
    # Business membership is access: a business admin on the second page of business_users, an employee with no
    # task on this Page and a system user of the Business are members, known through the Business only.
    owner = members["10158000000000003"]
    assert owner.role is PlatformRole.ADMIN and owner.two_factor is TwoFactorState.OFF
    assert (owner.business, owner.on_asset, owner.raw_role) == ("1122334455667788", False, "ADMIN")
    former = members["10158000000000004"]
    assert (former.business, former.on_asset, former.role) == ("1122334455667788", False, PlatformRole.OTHER)
    integration = members["61550000000000010"]
    assert integration.system_user and integration.role is PlatformRole.ADMIN and not integration.on_asset
    assert alex.business == "1122334455667788" and alex.on_asset  # a Business user with tasks on the Page
    pending = members["pending:2001"]
    assert pending.pending and pending.email == "new.cm@gmail.com" and pending.business == "1122334455667788"
    legacy = members["10000000000000077"]
    assert legacy.raw_role == "page_role" and legacy.business is None and legacy.on_asset


def test_pagination_follows_next_and_stops_when_it_is_absent(graph):
    fetch(request_for())
    calls = graph.routes[4].calls  # business_users
    assert [c.request.url.params.get("after") for c in calls] == [None, "QVFIUnh5ejEyMzQ1"]
    assert all(c.request.url.params["limit"] == "100" for c in calls)


def test_short_page_with_next_is_not_the_end(graph):
    pages = iter(
        [
            {"data": [], "paging": {"cursors": {"after": "A1"}, "next": f"{GRAPH}/x?after=A1"}},
            {"data": [{"id": "10158000000000001", "email": "a@mprueba.gov.py", "role": "ADMIN"}]},
        ]
    )
    graph.get("/1122334455667788/business_users").mock(side_effect=lambda r: httpx.Response(200, json=next(pages)))
    members = {m.platform_user_id for m in fetch(request_for()).members.value}
    assert "10158000000000001" in members


def test_token_travels_as_access_token_and_never_in_errors(graph):
    graph.get("/1122334455667788/business_users").mock(return_value=httpx.Response(500, text=f"boom {TOKEN}"))
    snap = fetch(request_for())
    assert graph.routes[0].calls[0].request.url.params["access_token"] == TOKEN
    assert snap.members.state is ObservationState.ERROR
    assert TOKEN not in snap.model_dump_json()


def test_expired_token_raises_credential_error(graph):
    graph.get("/debug_token").mock(return_value=reply("error_190", 400))
    with pytest.raises(CredentialError, match="Graph error 190/463") as exc:
        fetch(request_for())
    assert TOKEN not in str(exc.value)


def test_throttling_error_code_is_retried(graph):
    answers = iter([reply("error_4", 400), reply("page")])
    graph.get("/mpruebapy").mock(side_effect=lambda r: next(answers))
    assert fetch(request_for()).handle.value == "mpruebapy"
    assert len(SLEPT) >= 1


def test_persistent_5xx_gives_up_with_platform_error(graph):
    graph.get("/mpruebapy").mock(return_value=httpx.Response(503, json={"error": {"code": 2, "message": "down"}}))
    with pytest.raises(PlatformError, match="HTTP 503"):
        fetch(request_for())
    assert graph.get("/mpruebapy").call_count == 4  # the first try and three retries


def test_page_without_business_has_no_observable_two_factor(graph):
    page = reply("page").json()
    del page["business"]
    graph.get("/mpruebapy").mock(return_value=httpx.Response(200, json=page))
    snap = fetch(request_for())
    assert snap.two_factor.state is ObservationState.NOT_EXPOSED
    assert {m.platform_user_id for m in snap.members.value} == {"10000000000000077"}


def test_instagram_exposes_no_email_phone_badge_or_members(graph):
    snap = fetch(request_for("instagram", platform_account_id="17841400000000000"))
    assert snap.platform is Platform.INSTAGRAM
    assert snap.handle.value == "mpruebapy" and snap.two_factor.value is TwoFactorPolicy.ADMIN_REQUIRED
    assert snap.last_activity.value == datetime(2026, 6, 17, 17, 5, 41, tzinfo=UTC)
    for attribute in ("linked_emails", "phone", "verification", "members", "alternative_handle_owner"):
        assert snap.attribute(attribute).state is ObservationState.NOT_EXPOSED, attribute


def test_capabilities_match_what_snapshots_really_observe(graph):
    for platform, request in (
        ("facebook", request_for()),
        ("instagram", request_for("instagram", platform_account_id="17841400000000000")),
    ):
        snap = fetch(request)
        declared = MetaConnector.capabilities[Platform(platform)]
        observed = {a for a in declared if snap.attribute(a).state is not ObservationState.NOT_EXPOSED}
        assert observed == declared


def test_error_mapping_table():
    def mapped(code, subcode=None):
        err = {"error": {"code": code, "message": "m", "error_subcode": subcode}}
        return type(map_graph_error(httpx.Response(400, json=err), err)).__name__

    assert mapped(190, 463) == "CredentialError"
    assert mapped(10) == mapped(200) == mapped(299) == "PermissionDenied"
    assert mapped(100, 33) == "MissingOrHidden"  # gone, or not readable: settled by what else is readable
    assert mapped(803) == "NotFound"  # an alias (username) that does not exist: deleted or renamed
    # Any other «invalid parameter» (e.g. a field gone after a version change) is a connector error for that
    # account, never «not found» (which would open an IDN-001 incident per Page).
    assert mapped(100) == mapped(100, 2018) == "PlatformError"
    assert mapped(4) == mapped(17) == mapped(32) == mapped(613) == mapped(80001) == "RateLimited"
    assert map_graph_error(httpx.Response(200, json={"id": "1"}), {"id": "1"}) is None


def test_usage_headers():
    app = httpx.Response(200, headers={"X-App-Usage": '{"call_count":28,"total_time":91,"total_cputime":25}'})
    assert graph_usage(app) == 91
    buc = httpx.Response(
        200,
        headers={
            "X-Business-Use-Case-Usage": '{"1": [{"type": "pages", "call_count": 12, '
            '"total_cputime": 3, "total_time": 5, "estimated_time_to_regain_access": 7}]}'
        },
    )
    assert graph_usage(buc) == 100
    assert graph_usage(httpx.Response(200)) is None


def test_role_and_two_factor_normalisation():
    assert role_from_tasks(["ANALYZE", "MANAGE"]) is PlatformRole.ADMIN
    assert role_from_tasks(["MODERATE", "ANALYZE"]) is PlatformRole.MODERATOR
    assert role_from_tasks([], "ADMIN") is PlatformRole.ADMIN
    assert two_factor_state("ENABLED") is TwoFactorState.ON
    assert two_factor_state("disabled") is TwoFactorState.OFF
    assert two_factor_state(None) is TwoFactorState.UNKNOWN
    assert two_factor_state("partially_enabled") is TwoFactorState.UNKNOWN
