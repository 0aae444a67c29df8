"""The pages do what the CLI does, as the signed-in user: every action in the trail with their name, hostile
platform text shown as text, no script anywhere, Spanish first and English on request."""

from __future__ import annotations

import json
from datetime import timedelta

from auditor.model.clock import local_date, utcnow
from auditor.store import Store
from tests.web.conftest import A, People
from tests.web.helpers import api_login, client

HOSTILE = '<script>alert("x")</script>=HYPERLINK("http://evil")'


def _fingerprint(c, rule: str | None = None) -> str:
    found = c.get(f"/api/institutions/{A}/findings").json()["findings"]
    return next(f["fingerprint"] for f in found if rule is None or f["policy_id"] == rule)


def test_actions_through_pages_land_in_the_trail_with_the_signed_in_user(people: People):
    c = client(people)
    csrf = api_login(c, people, "rsi-a")
    row = c.get(f"/api/institutions/{A}/checklist").json()
    item = next(r for r in row if r["person"] is None and r["state"] == "missing")
    r = c.post(
        f"/i/{A}/checklist",
        data={
            "csrf_token": csrf,
            "item": item["item"],
            "account": item["account"],
            "answer": "cumple",
            "evidence": "acta 12",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("ok=declared")
    assert "Declaración registrada" in c.get(r.headers["location"]).text
    fingerprint = _fingerprint(c)
    r = c.post(
        f"/f/{fingerprint}/annotate",
        data={"csrf_token": csrf, "kind": "comentario", "text": "lo vemos"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    expires = (local_date(utcnow()) + timedelta(days=60)).isoformat()
    r = c.post(
        f"/f/{fingerprint}/waiver",
        data={"csrf_token": csrf, "rationale": "plan", "expires": expires},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with Store(people.db) as store:
        mine = [e for e in store.trail(A) if e.actor.os_user == "web:rsi-a"]
    assert [e.action.value for e in mine] == ["declarar", "anotar", "solicitar"]
    assert {e.actor.ci for e in mine} == {"2000002"} and {e.actor.role.value for e in mine} == {"rsi"}
    page = c.get(f"/i/{A}/trail").text
    assert page.count("web:rsi-a") == 3


def test_a_bad_answer_is_a_spanish_error_and_nothing_is_written(people: People):
    c = client(people)
    csrf = api_login(c, people, "rsi-a")
    with Store(people.db) as store:
        before = len(store.trail())
    r = c.post(
        f"/i/{A}/checklist", data={"csrf_token": csrf, "item": "CHK-99", "account": "mprueba-fb", "answer": "cumple"}
    )
    assert r.status_code == 400 and "CHK-99" in r.text and "desconocido" in r.text
    r = c.post(
        f"/api/institutions/{A}/declarations",
        json={"item": "CHK-01", "answer": "cumple"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 400 and r.json()["field"] == "person"
    with Store(people.db) as store:
        assert len(store.trail()) == before


def test_hostile_platform_text_is_shown_as_text(people: People):
    c = client(people)
    api_login(c, people, "rsi-a")
    fingerprint = _fingerprint(c)
    with Store(people.db) as store:
        store.db.execute(
            "update findings set message_es = ?, handle = ?, evidence = ? where fingerprint = ?",
            [HOSTILE, "<img src=x onerror=alert(1)>", json.dumps({"bio": HOSTILE}), fingerprint],
        )
        store.db.execute("update finding_events set message_es = ? where fingerprint = ?", [HOSTILE, fingerprint])
        store.db.conn.commit()
    for url in (f"/f/{fingerprint}", f"/i/{A}/findings", f"/i/{A}"):
        page = c.get(url).text
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "<script" not in page  # none of ours either: the policy forbids inline script
    page = c.get(f"/f/{fingerprint}").text
    assert "&lt;script&gt;alert(" in page and "&lt;img src=x" in page
    assert c.get(f"/api/findings/{fingerprint}").json()["record"]["message_es"] == HOSTILE  # data, unchanged


def test_every_page_carries_the_security_headers(people: People):
    c = client(people)
    api_login(c, people, "rsi-a")
    for url in ("/login", f"/i/{A}", "/overview", "/api/me", "/static/web.css", "/nope"):
        h = c.get(url).headers
        assert "default-src 'none'" in h["content-security-policy"] and "script-src" not in h["content-security-policy"]
        assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"


def test_spanish_first_english_on_request(people: People):
    c = client(people)
    api_login(c, people, "rsi-a")
    assert "Hallazgos" in c.get(f"/i/{A}").text
    r = c.get(f"/idioma?lang=en&next=/i/{A}", follow_redirects=False)
    assert r.headers["location"] == f"/i/{A}"
    page = c.get(f"/i/{A}").text
    assert "Findings" in page and 'lang="en"' in page and "Hallazgos" not in page
    assert "Open critical findings" in page


def test_downloads_are_attachments_of_the_right_kind(people: People):
    c = client(people)
    api_login(c, people, "director-a")
    r = c.get(f"/i/{A}/downloads/formulario-a.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK" and "attachment" in r.headers["content-disposition"]
    r = c.get(f"/i/{A}/downloads/formularios.html")
    assert r.status_code == 200 and "Formulario A" in r.text and "attachment" in r.headers["content-disposition"]
    assert c.get(f"/i/{A}/downloads/../../etc/passwd").status_code == 404


def test_runs_and_coverage_are_listed(people: People):
    c = client(people)
    api_login(c, people, "rsi-a")
    runs = c.get("/api/runs").json()
    assert len(runs) == 2 and all(r["coverage"]["evaluated"] > 0 for r in runs)
    assert 'data-run="2"' in c.get("/runs").text
