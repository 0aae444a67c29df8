"""Signing in from tests, as a browser or an API client would."""

from __future__ import annotations

import pyotp
from fastapi.testclient import TestClient

from auditor.web import create_app
from tests.web.conftest import CONFIG, PASSWORD, People


def client(people: People, *, secure: bool = False) -> TestClient:
    return TestClient(
        create_app(CONFIG, people.db, secure=secure), base_url="https://testserver" if secure else "http://testserver"
    )


def api_login(c: TestClient, people: People, username: str) -> str:
    """Sign in through the API (with the code for central); returns the CSRF token."""
    body: dict[str, str] = {"username": username, "password": PASSWORD}
    if username == "central":
        body["code"] = pyotp.TOTP(people.central_secret).now()
    r = c.post("/api/login", json=body)
    assert r.status_code == 200, r.text
    assert not r.json()["second_factor_required"]
    return str(r.json()["csrf_token"])
