"""docs/web.md's route × role matrix names every route the application answers."""

from __future__ import annotations

import re
from pathlib import Path

from auditor.web import create_app, route_table
from tests.web.conftest import CONFIG

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def test_every_route_has_a_row_in_the_matrix():
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 8 and cells[0] in ("GET", "POST"):
            for path in re.findall(r"`([^`]+)`", cells[1]):
                rows.setdefault(cells[0], set()).add(path)
    missing = [f"{m} {p}" for m, p in route_table(create_app(CONFIG)) if p not in rows.get(m, set())]
    assert not missing, f"add these routes to docs/web.md: {missing}"


ROLES = {"central": "central", "rsi of A": "rsi-a", "director of A": "director-a", "lector of A": "lector-a"}


def _matrix() -> dict[tuple[str, str], dict[str, str]]:
    out = {}
    header: list[str] = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[:2] == ["method", "route"]:
            header = cells
        elif len(cells) == 8 and cells[0] == "POST" and header:
            for path in re.findall(r"`([^`]+)`", cells[1]):
                out[(cells[0], path)] = dict(zip(header, cells, strict=True))
    return out


def test_the_matrix_says_what_each_role_may_do_through_the_api(people):
    """Every API write, tried by every role on a fresh object of its own institution: «W» acts, «—» is 403."""
    from datetime import timedelta

    from auditor.app.declare import AnnotateRequest, annotate
    from auditor.app.people import Identity
    from auditor.app.waiver_requests import WaiverAsk, request_waiver
    from auditor.model.clock import local_date, utcnow
    from tests.web.conftest import A
    from tests.web.helpers import api_login, client

    someone = Identity("Otra persona", "7000007", "rsi", os_user="test")
    matrix = {k: v for k, v in _matrix().items() if k[1].startswith("/api/") and "{" in k[1]}
    assert len(matrix) >= 6
    checked = 0
    for role, username in ROLES.items():
        c = client(people)
        csrf = api_login(c, people, username)
        findings = c.get(f"/api/institutions/{A}/findings").json()["findings"]
        me = Identity(
            username,
            {"central": "1000001", "rsi-a": "2000002", "director-a": "3000003"}.get(username, "7000008"),
            "rsi",
        )
        for (_, path), row in matrix.items():
            expected = row[role]
            fingerprint = findings[checked % len(findings)]["fingerprint"]
            body: dict[str, object] = {}
            if "{annotation_id}" in path:
                author = me if "own" in expected and username != "central" else someone
                if author is me:
                    author = Identity(
                        username, me.ci, "director" if username == "director-a" else "rsi", os_user="test"
                    )
                note, _ = annotate(
                    CONFIG, author, AnnotateRequest(fingerprint, "resultado_incorrecto", "x"), db=people.db
                )
                url = path.replace("{annotation_id}", str(note.id))
            elif "{waiver_id}" in path:
                ask = WaiverAsk(f"w-{checked}", "IDN-006", A, "x", local_date(utcnow()) + timedelta(days=9))
                request_waiver(CONFIG, someone, ask, db=people.db)
                url, body = path.replace("{waiver_id}", ask.id), {"action": "approve"}
            elif path.endswith("/declarations"):
                row_ = next(r for r in c.get(f"/api/institutions/{A}/checklist").json() if r["person"] is None)
                url, body = (
                    path.replace("{institution}", A),
                    {"item": row_["item"], "answer": "cumple", "account": row_["account"]},
                )
            elif path.endswith("/waiver-requests"):
                url, body = (
                    path.replace("{institution}", A),
                    {"rule": "IDN-006", "rationale": "x", "expires": str(local_date(utcnow()) + timedelta(days=9))},
                )
            else:
                url, body = path.replace("{fingerprint}", fingerprint), {"kind": "comentario", "text": "x"}
            r = c.post(url, json=body, headers={"X-CSRF-Token": csrf})
            if expected == "—":
                assert r.status_code == 403, (role, path, r.status_code, r.text)
            else:
                assert r.status_code in (200, 201), (role, path, r.status_code, r.text)
            checked += 1
    assert checked == len(matrix) * len(ROLES)
