"""Each sink against a real peer on loopback: request shapes, idempotency, failures, and no token."""

from __future__ import annotations

import asyncio
import base64
import ssl
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from auditor.engine import run_audit
from auditor.live import live_from_sandbox
from auditor.model import DeliveryStatus
from auditor.tickets.deliver import deliver
from auditor.tickets.sinks.email import EmailSink
from auditor.tickets.sinks.http_sinks import JiraSink, TheHiveSink, WebhookSink
from tests.conftest import NOW
from tests.tickets.conftest import ADMIN, TOKEN, intruder, world
from tests.tickets.peers import Peer, Seen, readme_verify

verify = readme_verify()

SECRET = "webhook-shared-secret"


def plan(store, inv, *members, day=0):
    from auditor.config import OutboxSinkConfig, TicketsConfig

    config = TicketsConfig(sinks={"x": OutboxSinkConfig(path=Path("/nonexistent"))})
    run_audit(store, inv, live=live_from_sandbox(world(*members)), tickets=config, now=NOW + timedelta(days=day))


def send(store, sink, day=0) -> Any:
    sink.name = "x"
    return asyncio.run(deliver(store, {"x": sink}, NOW + timedelta(days=day), backoff_seconds=1))


class Webhook:
    """A receiver that verifies the signature and honours Idempotency-Key, like a careful real one."""

    def __init__(self) -> None:
        self.effective: dict[str, dict] = {}
        self.peer = Peer(self.handle)

    def handle(self, seen: Seen) -> tuple[int, Any]:
        key = seen.headers["idempotency-key"]
        if not verify(SECRET, seen.headers.get("x-auditor-signature", ""), key, seen.body):
            return 401, {"error": "bad signature"}
        self.effective.setdefault(key, seen.json())
        return 200, {"id": f"WH-{list(self.effective).index(key) + 1}"}


def test_webhook_is_signed_idempotent_and_retried(store, inv):
    hook = Webhook()
    try:
        plan(store, inv, ADMIN, intruder())
        hook.peer.fail_next = 1
        first = send(store, WebhookSink("x", hook.peer.url, SECRET))
        assert first.failed == 1 and store.list_deliveries("pending")[0]["last_error"].startswith("x: webhook")
        second = send(store, WebhookSink("x", hook.peer.url, SECRET), day=1)
        assert second.delivered == 1
        (document,) = hook.effective.values()
        assert document["action"] == "create" and document["ticket"]["policy_id"] == "ACC-001"
        assert all(TOKEN.encode() not in s.body for s in hook.peer.requests)
    finally:
        hook.peer.close()


def test_webhook_wrong_secret_is_a_failure_not_a_delivery(store, inv):
    hook = Webhook()
    try:
        plan(store, inv, ADMIN, intruder())
        assert send(store, WebhookSink("x", hook.peer.url, "wrong")).failed == 1
        assert hook.effective == {}
    finally:
        hook.peer.close()


class TheHive:
    def __init__(self) -> None:
        self.alerts: dict[str, dict] = {}
        self.patches: list[dict] = []
        self.peer = Peer(self.handle)

    def handle(self, seen: Seen) -> tuple[int, Any]:
        if seen.headers.get("authorization") != "Bearer hive-key":
            return 401, {"type": "AuthenticationError"}
        body = seen.json()
        if seen.method == "POST" and seen.path == "/api/v1/alert":
            for required in ("type", "source", "sourceRef", "title", "description", "severity"):
                assert body.get(required), required
            assert body["severity"] in (1, 2, 3, 4) and any(t.startswith("rsit:") for t in body["tags"])
            assert body["observables"][0] == {"dataType": "url", "data": "https://www.facebook.com/tpruebapy"}
            if any(a["sourceRef"] == body["sourceRef"] for a in self.alerts.values()):
                return 400, {"type": "CreateError", "message": "Alert already exists"}
            alert_id = f"~{len(self.alerts) + 1}"
            self.alerts[alert_id] = {**body, "_id": alert_id, "status": "New"}
            return 201, self.alerts[alert_id]
        if seen.method == "POST" and seen.path == "/api/v1/query":
            ref = body["query"][1]["_and"][0]["_value"]
            return 200, [a for a in self.alerts.values() if a["sourceRef"] == ref]
        if seen.method == "PATCH":
            alert_id = seen.path.rsplit("/", 1)[1]
            assert body["status"] in ("New", "Updated", "Ignored", "Imported")
            self.alerts[alert_id]["status"] = body["status"]
            self.patches.append(body)
            return 200, self.alerts[alert_id]
        return 404, {}


def hive_sink(url: str) -> TheHiveSink:
    return TheHiveSink("x", url, "hive-key", "oee-social-auditor", "cuenta-oficial")


def test_thehive_alert_lifecycle_and_duplicate_source_ref(store, inv):
    hive = TheHive()
    try:
        plan(store, inv, ADMIN, intruder())
        assert send(store, hive_sink(hive.peer.url)).delivered == 1
        (alert,) = hive.alerts.values()
        assert alert["type"] == "cuenta-oficial" and alert["severity"] == 4
        assert alert["description"].startswith("```text\n")  # TheHive renders Markdown: the text is a code block
        # The ledger is lost (a crash before marking): creating again finds the alert by sourceRef.
        store.db.execute("delete from ticket_ledger")
        store.db.execute("update deliveries set status = 'pending'")
        assert send(store, hive_sink(hive.peer.url)).delivered == 1
        assert len(hive.alerts) == 1
        plan(store, inv, ADMIN, day=1)  # resolved → the alert is set aside
        send(store, hive_sink(hive.peer.url), day=1)
        assert alert["_id"] in hive.alerts and hive.alerts[alert["_id"]]["status"] == "Ignored"
        assert "auditor:resuelto" in hive.patches[-1]["tags"]
        assert all(TOKEN.encode() not in s.body for s in hive.peer.requests)
    finally:
        hive.peer.close()


class Jira:
    def __init__(self) -> None:
        self.issues: dict[str, dict] = {}
        self.comments: list[tuple[str, dict]] = []
        self.transitions: list[tuple[str, str]] = []
        self.peer = Peer(self.handle)

    def handle(self, seen: Seen) -> tuple[int, Any]:
        auth = base64.b64decode(seen.headers["authorization"].split()[1]).decode()
        if auth != "bot@tprueba.gov.py:jira-token":
            return 401, {"errorMessages": ["unauthorized"]}
        url = urlparse(seen.path)
        if seen.method == "POST" and url.path == "/rest/api/3/issue":
            fields = seen.json()["fields"]
            assert fields["project"] == {"key": "SEC"} and fields["issuetype"] == {"name": "Task"}
            assert len(fields["summary"]) <= 255
            assert fields["description"]["type"] == "doc" and fields["description"]["version"] == 1
            key = f"SEC-{len(self.issues) + 1}"
            self.issues[key] = fields
            return 201, {"id": str(len(self.issues)), "key": key}
        if seen.method == "GET" and url.path == "/rest/api/3/search/jql":
            jql = parse_qs(url.query)["jql"][0]
            label = jql.split('"')[1]
            return 200, {"issues": [{"key": k} for k, f in self.issues.items() if label in f["labels"]]}
        if url.path.endswith("/comment"):
            self.comments.append((url.path.split("/")[5], seen.json()["body"]))
            return 201, {"id": "c1"}
        if url.path.endswith("/transitions"):
            self.transitions.append((url.path.split("/")[5], seen.json()["transition"]["id"]))
            return 200, {}
        return 404, {}


def jira_sink(url: str) -> JiraSink:
    return JiraSink("x", url, "bot@tprueba.gov.py", "jira-token", "SEC", "Task", "31", "11")


def test_jira_issue_label_search_comment_and_transitions(store, inv):
    jira = Jira()
    try:
        plan(store, inv, ADMIN, intruder())
        send(store, jira_sink(jira.peer.url))
        store.db.execute("delete from ticket_ledger")  # a crash before marking: the label search finds it
        store.db.execute("update deliveries set status = 'pending'")
        send(store, jira_sink(jira.peer.url))
        assert list(jira.issues) == ["SEC-1"]
        plan(store, inv, ADMIN, day=1)
        send(store, jira_sink(jira.peer.url), day=1)
        plan(store, inv, ADMIN, intruder(), day=2)
        send(store, jira_sink(jira.peer.url), day=2)
        assert jira.transitions == [("SEC-1", "31"), ("SEC-1", "11")]  # resolved, then reopened
        assert len(jira.comments) == 2
        assert all(TOKEN.encode() not in s.body for s in jira.peer.requests)
    finally:
        jira.peer.close()


@pytest.fixture
def smtp_server(localhost_certificate):
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    cert, key = localhost_certificate
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    received: list[tuple[list[str], bytes]] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append((list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    import socket

    with socket.socket() as probe:  # aiosmtpd needs a concrete port to check its own start
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    controller = aiosmtpd.Controller(
        Handler(), hostname="localhost", port=free_port, tls_context=server_ctx, require_starttls=True
    )
    controller.start()
    client_ctx = ssl.create_default_context(cafile=str(cert))
    yield controller, received, client_ctx
    controller.stop()


def test_email_over_starttls_to_owners_and_fallback_threads_follow_ups(store, inv, smtp_server):
    controller, received, client_ctx = smtp_server
    port = controller.port

    def sink():
        return EmailSink(
            "x",
            "localhost",
            port,
            "auditor@tprueba.gov.py",
            starttls=True,
            fallback_to=["soc@tprueba.gov.py"],
            ssl_context=client_ctx,
        )

    plan(store, inv, ADMIN, intruder())
    assert send(store, sink()).delivered == 1
    plan(store, inv, ADMIN, day=1)
    assert send(store, sink(), day=1).delivered == 1
    (to_first, first), (_, second) = received
    assert sorted(to_first) == ["lbenitez@tprueba.gov.py", "rsi@tprueba.gov.py", "soc@tprueba.gov.py"]
    message = message_from_bytes(first, policy=default_policy)
    assert message["Subject"].startswith("[Incidente] Institución de Prueba")
    types = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in types and "text/html" in types
    follow_up = message_from_bytes(second, policy=default_policy)
    assert follow_up["In-Reply-To"] == message["Message-ID"]
    assert TOKEN.encode() not in first + second


def test_email_without_starttls_server_support_fails_cleanly(store, inv):
    plan(store, inv, ADMIN, intruder())
    report = send(store, EmailSink("x", "127.0.0.1", 9, "a@b.py", starttls=True, timeout=2))
    assert report.failed == 1
    row = store.list_deliveries()[0]
    assert row["status"] == DeliveryStatus.PENDING and "SMTP 127.0.0.1:9" in row["last_error"]
