"""Signing in: one answer for every refusal, throttling, expiring sessions, the second factor, cookies."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest

from auditor.app.errors import RequestError
from auditor.app.signin import ABSOLUTE, IDLE, PER_USER, SignInRefused, sign_in, viewer
from auditor.app.users import add_user, begin_second_factor, confirm_second_factor, reset_password, set_disabled
from auditor.model.clock import utcnow
from tests.web.conftest import CONFIG, PASSWORD, A, People
from tests.web.helpers import api_login, client


def _refusal(c, username: str, password: str) -> tuple[int, str]:
    r = c.post("/api/login", json={"username": username, "password": password})
    return r.status_code, r.text


def test_unknown_user_wrong_password_and_disabled_user_get_the_same_answer(people: People):
    set_disabled(CONFIG, "director-a", True, db=people.db)
    c = client(people)
    answers = {
        _refusal(c, "nadie", PASSWORD),
        _refusal(c, "rsi-a", "otra clave cualquiera"),
        _refusal(c, "director-a", PASSWORD),
    }
    assert len(answers) == 1 and next(iter(answers))[0] == 401
    page = c.post("/login", data={"username": "nadie", "password": "x"})
    assert page.status_code == 401 and "Usuario o contraseña incorrectos" in page.text


def test_sign_in_is_throttled_per_user_then_recovers(people: People):
    now = utcnow()
    for _ in range(PER_USER):
        with pytest.raises(SignInRefused):
            sign_in(CONFIG, "rsi-a", "mal", "10.0.0.1", db=people.db, now=now)
    with pytest.raises(SignInRefused):  # the right password too, from another address: same answer
        sign_in(CONFIG, "rsi-a", PASSWORD, "10.0.0.2", db=people.db, now=now)
    assert sign_in(CONFIG, "rsi-a", PASSWORD, "10.0.0.2", db=people.db, now=now + timedelta(minutes=16)).token


def test_sign_in_is_throttled_per_address(people: People):
    now = utcnow()
    for i in range(20):
        with pytest.raises(SignInRefused):
            sign_in(CONFIG, f"nadie{i}", "mal", "10.9.9.9", db=people.db, now=now)
    with pytest.raises(SignInRefused):
        sign_in(CONFIG, "rsi-a", PASSWORD, "10.9.9.9", db=people.db, now=now)
    assert sign_in(CONFIG, "rsi-a", PASSWORD, "10.0.0.3", db=people.db, now=now).token


def test_sessions_expire_idle_and_absolute(people: People):
    start = utcnow()
    token = sign_in(CONFIG, "rsi-a", PASSWORD, "1.1.1.1", db=people.db, now=start).token
    assert viewer(CONFIG, token, db=people.db, now=start + IDLE - timedelta(minutes=1)) is not None
    assert viewer(CONFIG, token, db=people.db, now=start + IDLE * 2 + timedelta(minutes=1)) is None  # idle
    token = sign_in(CONFIG, "rsi-a", PASSWORD, "1.1.1.1", db=people.db, now=start).token
    at = start
    while at < start + ABSOLUTE - timedelta(minutes=20):  # kept busy, still ends at the absolute limit
        at += timedelta(minutes=20)
        assert viewer(CONFIG, token, db=people.db, now=at) is not None
    assert viewer(CONFIG, token, db=people.db, now=start + ABSOLUTE + timedelta(minutes=1)) is None


def test_disabling_or_a_new_password_ends_sessions(people: People):
    c = client(people)
    api_login(c, people, "rsi-a")
    assert c.get("/api/me").status_code == 200
    set_disabled(CONFIG, "rsi-a", True, db=people.db)
    assert c.get("/api/me").status_code == 401
    set_disabled(CONFIG, "rsi-a", False, db=people.db)
    api_login(c, people, "rsi-a")
    reset_password(CONFIG, "rsi-a", "otra clave bien larga", db=people.db)
    assert c.get("/api/me").status_code == 401


def test_cookies_are_httponly_strict_and_secure_behind_https(people: People):
    c = client(people)
    r = c.post("/api/login", json={"username": "rsi-a", "password": PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    s = client(people, secure=True)
    r = s.post("/api/login", json={"username": "rsi-a", "password": PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert cookie.startswith("__host-auditor_session=") and "secure" in cookie and "path=/" in cookie
    assert "strict-transport-security" in {k.lower() for k in r.headers}


def test_central_must_set_up_a_second_factor_before_anything(people: People):
    add_user(CONFIG, "central2", role="central", password=PASSWORD, ci="5000005", db=people.db)
    c = client(people)
    r = c.post("/api/login", json={"username": "central2", "password": PASSWORD})
    assert r.json()["second_factor_setup_required"]
    assert c.get("/api/approvals").status_code == 403
    page = c.get("/overview", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/account"
    csrf = r.json()["csrf_token"]
    setup = c.post("/account/second-factor", data={"csrf_token": csrf})
    secret = setup.text.split('id="totp-secret">')[1].split("<")[0]
    done = c.post("/account/second-factor/confirm", data={"csrf_token": csrf, "code": pyotp.TOTP(secret).now()})
    codes = [
        line.split("</li>")[0]
        for line in done.text.split('<ul class="codes" id="recovery-codes"><li>')[1].split("<li>")
    ]
    assert len(codes) == 10
    assert c.get("/api/me").status_code == 401  # every session ended with the change: sign in again
    r = c.post("/api/login", json={"username": "central2", "password": PASSWORD})
    assert r.json()["second_factor_required"] and c.get("/api/me").status_code == 401
    h = {"X-CSRF-Token": r.json()["csrf_token"]}
    assert c.post("/api/login/code", json={"code": "000000"}, headers=h).status_code == 401
    assert c.post("/api/login/code", json={"code": codes[0]}, headers=h).status_code == 200
    assert c.get("/api/approvals").status_code == 200
    r = c.post("/api/login", json={"username": "central2", "password": PASSWORD, "code": codes[0]})
    assert r.status_code == 401  # a recovery code works once


def test_the_second_factor_is_offered_to_everyone_and_then_asked(people: People):
    secret, uri = begin_second_factor(CONFIG, "rsi-a", db=people.db)
    assert uri.startswith("otpauth://totp/") and "secret=" in uri
    with pytest.raises(RequestError):
        confirm_second_factor(CONFIG, "rsi-a", "123", db=people.db)
    confirm_second_factor(CONFIG, "rsi-a", pyotp.TOTP(secret).now(), db=people.db)
    c = client(people)
    r = c.post("/login", data={"username": "rsi-a", "password": PASSWORD}, follow_redirects=False)
    assert r.headers["location"].startswith("/login/code")
    assert c.get(f"/i/{A}", follow_redirects=False).headers["location"] == "/login/code"
    form = c.get("/login/code")
    csrf = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = c.post(
        "/login/code",
        # the setup spent this time step's code: the next step's (accepted for clock drift) is still unused
        data={"csrf_token": csrf, "code": pyotp.TOTP(secret).at(time.time() + 30), "next": f"/i/{A}"},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/i/{A}"
    assert c.get(f"/i/{A}").status_code == 200


def test_sign_in_only_goes_on_to_this_site(people: People):
    c = client(people)
    r = c.post(
        "/login", data={"username": "rsi-a", "password": PASSWORD, "next": "//evil.example/x"}, follow_redirects=False
    )
    assert r.headers["location"] == "/"


def test_a_code_is_accepted_once(people: People):
    c = client(people)
    code = pyotp.TOTP(people.central_secret).now()
    assert c.post("/api/login", json={"username": "central", "password": PASSWORD, "code": code}).status_code == 200
    other = client(people)
    r = other.post("/api/login", json={"username": "central", "password": PASSWORD, "code": code})
    assert r.status_code == 401  # replayed within its 30 s: refused
    assert other.get("/api/me").status_code == 401
