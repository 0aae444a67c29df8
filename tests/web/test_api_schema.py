"""The JSON API against its own OpenAPI (`/api/openapi.json`), with schemathesis: generated requests, signed in
as an RSI of institution A with the session's CSRF token, must never get a 500 nor an answer the schema does
not describe. Bounded (`max_examples`) so it stays a test, not a fuzzing campaign."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from auditor.web import create_app
from tests.web.conftest import CONFIG, People
from tests.web.helpers import api_login, client

schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_app(CONFIG))


@pytest.fixture
def signed(people: People) -> tuple[object, dict[str, str], dict[str, str]]:
    c = client(people)
    csrf = api_login(c, people, "rsi-a")
    return create_app(CONFIG, people.db), {"X-CSRF-Token": csrf}, dict(c.cookies)


def test_the_openapi_is_public_and_names_every_api_route(people: People):
    c = client(people)
    r = c.get("/api/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/login" in paths and "/api/findings/{fingerprint}" in paths
    assert not any(not p.startswith("/api/") for p in paths)  # pages are not API


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, signed):
    app, headers, cookies = signed
    if case.path == "/api/logout":
        return  # signing out would end the session the other operations use
    # A schema-valid body may still break a rule no schema states (a past expiry, an item asked per person):
    # that is a 400 with the reason, not a failure. Every other check stays: no 500, answers as documented.
    case.call_and_validate(
        headers=headers,
        cookies=cookies,
        app=app,  # this test's store
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )
