"""The daily digest: each institution's RSI and director get what needs them, the central office what waits
for its decision; a user who turned it off gets nothing; one failed digest does not stop the others."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

import pytest

from auditor.app.declare import AnnotateRequest, annotate
from auditor.app.digests import compose_digests, send_digests
from auditor.app.errors import RequestError
from auditor.app.people import Identity
from auditor.app.users import add_user, set_digest
from auditor.config import Config, EmailSinkConfig, TicketsConfig
from auditor.model.clock import local_date, utcnow
from auditor.store import Store
from auditor.tickets.sinks import SinkError
from auditor.tickets.sinks.email import EmailSink
from tests.web.conftest import CONFIG, PASSWORD, A, B, People


def _with_addresses(people: People) -> None:
    add_user(
        CONFIG,
        "rsi-a-mail",
        role="rsi",
        password=PASSWORD,
        ci="6000006",
        institutions=[A],
        email="rsi@mprueba.gov.py",
        db=people.db,
    )
    add_user(
        CONFIG,
        "dir-a-mail",
        role="director",
        password=PASSWORD,
        ci="6000007",
        institutions=[A],
        email="dir@mprueba.gov.py",
        db=people.db,
    )
    add_user(
        CONFIG,
        "rsi-b-mail",
        role="rsi",
        password=PASSWORD,
        ci="6000008",
        institutions=[B],
        email="rsi@aguas.gov.py",
        db=people.db,
    )
    add_user(
        CONFIG,
        "central-mail",
        role="central",
        password=PASSWORD,
        ci="6000009",
        email="auditoria@mitic.gov.py",
        db=people.db,
    )


def test_digests_say_what_waits_for_each_reader(people: People):
    _with_addresses(people)
    with Store(people.db) as store:
        fingerprint = next(f.fingerprint for f in store.findings(status="open", institution=A))
    soon = local_date(utcnow()) + timedelta(days=3)
    annotate(
        CONFIG,
        Identity("RSI", "6000006", "rsi"),
        AnnotateRequest(fingerprint, "en_tratamiento", "plan", soon),
        db=people.db,
    )
    digests = {d.institution: d for d in compose_digests(CONFIG, db=people.db)}
    mine = digests[A]
    assert mine.to == ["dir@mprueba.gov.py", "rsi@mprueba.gov.py"]
    text = "\n".join(mine.lines)
    assert "declaraciones pendientes" in text and f"vence el {soon.strftime('%d/%m/%Y')}" in text
    assert digests[B].to == ["rsi@aguas.gov.py"] and "vence el" not in "\n".join(digests[B].lines)
    central = digests[None]
    assert central.to == ["auditoria@mitic.gov.py"] and any("espera" in line for line in central.lines)
    set_digest(CONFIG, "dir-a-mail", False, db=people.db)
    assert {d.institution: d for d in compose_digests(CONFIG, db=people.db)}[A].to == ["rsi@mprueba.gov.py"]


def test_sending_needs_an_email_sink_and_one_failure_stays_alone(people: People, monkeypatch: pytest.MonkeyPatch):
    _with_addresses(people)
    with pytest.raises(RequestError, match="correo"):
        send_digests(CONFIG, db=people.db)
    sent: list[EmailMessage] = []

    def fake_send(self: EmailSink, msg: EmailMessage) -> None:
        if "aguas" in msg["To"]:
            raise SinkError("smtp: refused")
        sent.append(msg)

    monkeypatch.setattr(EmailSink, "send", fake_send)
    config = Config(
        tickets=TicketsConfig(
            sinks={"mail": EmailSinkConfig(type="email", host="smtp.example", sender="auditor@mitic.gov.py")}
        )
    )
    digests, errors = send_digests(config, db=people.db)
    assert len(digests) == 3 and len(sent) == 2 and errors == ["aguas: smtp: refused"]
    assert sent[0]["Subject"].startswith("Auditor de cuentas oficiales — ") and "Mi cuenta" in sent[0].get_content()
