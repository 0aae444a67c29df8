"""Object-level authorization on every route, built from the application's own route table: a route added
tomorrow is checked without anyone remembering to. A user of institution A gets 404 for every object of
institution B (the same answer as for an object that does not exist), through pages and API alike; no
session is 401 (API) or a trip to the sign-in page; every unsafe request needs the session's CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from auditor.app.declare import AnnotateRequest, annotate
from auditor.app.people import Identity
from auditor.app.waiver_requests import WaiverAsk, request_waiver
from auditor.model.clock import local_date, utcnow
from auditor.store import Store
from auditor.web import create_app, route_table
from tests.web.conftest import CONFIG, A, B, People
from tests.web.helpers import api_login, client

# Answer without a session: signing in, the public OpenAPI, the style sheet, the language switch.
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/api/login"),
    ("GET", "/api/openapi.json"),
    ("GET", "/static/{path}"),
    ("GET", "/idioma"),
}
NO_CSRF = {("POST", "/login"), ("POST", "/api/login")}
ROUTES = route_table(create_app(CONFIG))
PARAM = re.compile(r"{(\w+)}")


def b_objects(people: People) -> dict[str, str]:
    """One object of institution B for every kind of path parameter the application has."""
    with Store(people.db) as store:
        finding = next(f for f in store.findings(status="open", institution=B))
    rsi_b = Identity("RSI B", "4000004", "rsi", os_user="test")
    annotation, _ = annotate(
        CONFIG, rsi_b, AnnotateRequest(finding.fingerprint, "resultado_incorrecto", "no"), db=people.db
    )
    waiver, _ = request_waiver(
        CONFIG,
        rsi_b,
        WaiverAsk(
            id="b-waiver",
            rule=finding.policy_id,
            institution=B,
            rationale="motivo",
            expires=local_date(utcnow()) + timedelta(days=30),
            account=finding.account,
        ),
        db=people.db,
    )
    return {
        "institution": B,
        "fingerprint": finding.fingerprint,
        "annotation_id": str(annotation.id),
        "waiver_id": waiver.id,
        "name": "formulario-a.xlsx",
        "fmt": "csv",
        "path": "web.css",
    }


def fill(path: str, values: dict[str, str]) -> str:
    return PARAM.sub(lambda m: values[m.group(1)], path)


def test_every_path_parameter_has_an_object_of_another_institution(people: People):
    """A new kind of path parameter fails here until the matrix below knows an object of B to try."""
    names = {p for _, path in ROUTES for p in PARAM.findall(path)}
    assert names <= set(b_objects(people)), f"add a B object for: {names - set(b_objects(people))}"
    assert len(ROUTES) >= 40  # the table really walked the included routers


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r not in PUBLIC])
def test_no_session_is_refused(people: People, method: str, path: str):
    c = client(people)
    values = {
        "institution": A,
        "fingerprint": "0" * 24,
        "annotation_id": "1",
        "waiver_id": "x",
        "name": "x",
        "fmt": "csv",
        "path": "x",
    }
    r = c.request(
        method,
        fill(path, values),
        follow_redirects=False,
        json={} if path.startswith("/api/") and method == "POST" else None,
    )
    if path.startswith("/api/"):
        assert r.status_code == 401, r.text
    else:
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), (r.status_code, r.text[:200])


NOWHERE = {"institution": "nada", "fingerprint": "f" * 24, "annotation_id": "999999", "waiver_id": "no-hay"}


def test_user_of_a_gets_404_for_every_object_of_b(people: People):
    """For each route naming an object: B's object answers exactly what a made-up one answers."""
    objects = b_objects(people)
    c = client(people)
    csrf = api_login(c, people, "rsi-a")

    def ask(method: str, path: str, values: dict[str, str]) -> tuple[int, str]:
        url = fill(path, {**objects, **values})
        body = {"json": VALID.get(path, {})} if path.startswith("/api/") else {"data": {"csrf_token": csrf}}
        r = c.request(method, url, headers={"X-CSRF-Token": csrf}, follow_redirects=False, **body)
        return r.status_code, r.text

    checked = []
    for method, path in ROUTES:
        named = set(PARAM.findall(path)) & set(NOWHERE)
        if (method, path) in PUBLIC or not named:
            continue
        status, text = ask(method, path, {})
        assert status == 404, (method, path, status, text[:300])
        made_up_status, made_up = ask(method, path, {k: NOWHERE[k] for k in named})
        text = text.replace(fill(path, objects), fill(path, {**objects, **{k: NOWHERE[k] for k in named}}))
        assert (status, text) == (made_up_status, made_up), (method, path)
        checked.append((method, path))
    assert len(checked) >= 20


VALID = {
    "/api/institutions/{institution}/declarations": {"item": "CHK-01", "answer": "cumple", "person": "x"},
    "/api/findings/{fingerprint}/annotations": {"kind": "comentario", "text": "x"},
    "/api/institutions/{institution}/waiver-requests": {"rule": "ACC-001", "rationale": "x", "expires": "2099-01-01"},
    "/api/waiver-requests/{waiver_id}/decision": {"action": "approve"},
}


def test_lists_of_a_user_of_a_show_nothing_of_b(people: People):
    objects = b_objects(people)
    c = client(people)
    api_login(c, people, "rsi-a")
    for method, path in ROUTES:
        if method != "GET" or PARAM.findall(path) or (method, path) in PUBLIC:
            continue
        r = c.get(path, follow_redirects=True)
        assert r.status_code == 200, (path, r.status_code)
        for marker in (f"/i/{B}", f'"{B}"', objects["fingerprint"], objects["waiver_id"]):
            assert marker not in r.text, (path, marker)
    for fmt in ("csv", "xlsx"):
        r = c.get(f"/register/{fmt}")
        assert r.status_code == 200
        if fmt == "csv":
            assert "aguas" not in r.text.lower() and A in r.text


def test_central_sees_b_and_the_same_urls_answer(people: People):
    objects = b_objects(people)
    c = client(people)
    api_login(c, people, "central")
    assert c.get(f"/i/{B}").status_code == 200
    assert c.get(f"/api/findings/{objects['fingerprint']}").status_code == 200
    assert objects["waiver_id"] in c.get("/api/approvals").text


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r[0] == "POST" and r not in NO_CSRF])
def test_every_unsafe_request_needs_the_csrf_token(people: People, method: str, path: str):
    c = client(people)
    api_login(c, people, "rsi-a")
    values = {"institution": A, "fingerprint": "0" * 24, "annotation_id": "1", "waiver_id": "x"}
    url = fill(path, values)
    kwargs = {"json": {}} if path.startswith("/api/") else {"data": {"csrf_token": "wrong"}}
    r = c.post(url, follow_redirects=False, **kwargs)
    assert r.status_code == 403, (url, r.status_code, r.text[:200])
    other = client(people)
    stolen = api_login(other, people, "director-a")  # a token of another session does not do either
    r = c.post(url, headers={"X-CSRF-Token": stolen}, follow_redirects=False, **kwargs)
    assert r.status_code == 403


def test_a_form_from_another_site_is_refused_even_with_the_token(people: People):
    c = client(people)
    csrf = api_login(c, people, "rsi-a")
    r = c.post("/logout", data={"csrf_token": csrf}, headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert r.status_code == 403
    r = c.post("/logout", data={"csrf_token": csrf}, headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False)
    assert r.status_code == 403
    assert c.get("/api/me").status_code == 200  # still signed in


def test_a_reader_reads_and_may_not_act(people: People):
    c = client(people)
    csrf = api_login(c, people, "lector-a")
    assert c.get(f"/api/institutions/{A}/findings").status_code == 200
    fingerprint = c.get(f"/api/institutions/{A}/findings").json()["findings"][0]["fingerprint"]
    h = {"X-CSRF-Token": csrf}
    assert (
        c.post(
            f"/api/findings/{fingerprint}/annotations", json={"kind": "comentario", "text": "x"}, headers=h
        ).status_code
        == 403
    )
    r = c.post(
        f"/api/institutions/{A}/declarations", json={"item": "CHK-01", "answer": "cumple", "person": "x"}, headers=h
    )
    assert r.status_code == 403


def test_only_central_decides(people: People):
    objects = b_objects(people)
    c = client(people)
    csrf = api_login(c, people, "rsi-b")
    r = c.post(
        f"/api/waiver-requests/{objects['waiver_id']}/decision",
        json={"action": "approve"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 403
