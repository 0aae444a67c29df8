"""HTTP sinks: a signed webhook, TheHive alerts and Jira issues, over httpx.

Every request carries the ticket's idempotency key in the platform's own way: the webhook's
`Idempotency-Key` header, TheHive's `sourceRef` (unique with type and source), and a Jira label searched
before creating. That is what keeps a crash between sending and recording from making a duplicate.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from auditor.model import Severity, TicketAction, TicketContent
from auditor.tickets.content import ticket_text
from auditor.tickets.sinks import SinkError
from connectors.http import redact
from reports.escape import fenced

THEHIVE_SEVERITY = {Severity.INFO: 1, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class _HttpSink:
    def __init__(
        self,
        name: str,
        base_url: str,
        grouping: str,
        timeout: float,
        secret: str | None,
        transport: httpx.AsyncBaseTransport | None = None,
        **client: Any,
    ):
        self.name = name
        self.grouping = grouping
        self._secret = secret
        self.client = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport, **client)

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise SinkError(
                redact(f"{self.name}: {type(exc).__name__} on {method} {path}", {self._secret or ""})
            ) from None
        return response

    def _fail(self, response: httpx.Response, what: str) -> SinkError:
        body = redact(response.text[:300], {self._secret or ""})
        return SinkError(f"{self.name}: {what} answered HTTP {response.status_code}: {body}")

    async def aclose(self) -> None:
        await self.client.aclose()


def sign(secret: str, key: str, body: bytes, timestamp: int) -> str:
    signed = f"{timestamp}.{key}.".encode() + body
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


class WebhookSink(_HttpSink):
    """POSTs every ticket event as JSON with its `Idempotency-Key`, signed Stripe-style:
    `X-Auditor-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<Idempotency-Key>.<body>")>`, so a
    receiver can refuse a replayed or re-keyed body (README: verifying it with a 5-minute window)."""

    def __init__(
        self,
        name: str,
        url: str,
        secret: str | None,
        grouping: str = "finding",
        timeout: float = 10,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        super().__init__(name, url, grouping, timeout, secret, transport)
        self.url = url

    async def _post(self, document: dict[str, Any], event_key: str) -> httpx.Response:
        body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": event_key}
        if self._secret:
            headers["X-Auditor-Signature"] = sign(self._secret, event_key, body, int(time.time()))
        response = await self._call("POST", self.url, content=body, headers=headers)
        if response.status_code >= 300:
            raise self._fail(response, "webhook")
        return response

    async def find(self, key: str) -> str | None:
        return None  # a webhook has no look-up: its receiver deduplicates on Idempotency-Key

    async def create(self, ticket: TicketContent, key: str, event_key: str) -> str:
        response = await self._post(
            {
                "action": "create",
                "ticket_key": key,
                "ticket": json.loads(ticket.model_dump_json()),
                "text": ticket_text(ticket),
            },
            event_key,
        )
        try:
            answered = response.json().get("id")
        except (ValueError, AttributeError):
            answered = None
        return str(answered or key)

    async def update(
        self, external_id: str, ticket: TicketContent, action: TicketAction, note: str, event_key: str
    ) -> None:
        await self._post(
            {
                "action": action.value,
                "ticket_key": external_id,
                "note": note,
                "ticket": json.loads(ticket.model_dump_json()),
                "text": ticket_text(ticket),
            },
            event_key,
        )


class TheHiveSink(_HttpSink):
    """TheHive 5 alerts: `POST /api/v1/alert`; updates with `PATCH /api/v1/alert/{id}`."""

    def __init__(
        self,
        name: str,
        url: str,
        api_key: str,
        source: str,
        alert_type: str,
        grouping: str = "finding",
        timeout: float = 10,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        super().__init__(
            name, url, grouping, timeout, api_key, transport, headers={"Authorization": f"Bearer {api_key}"}
        )
        self.source = source
        self.alert_type = alert_type

    async def find(self, key: str) -> str | None:
        query = {
            "query": [
                {"_name": "listAlert"},
                {
                    "_name": "filter",
                    "_and": [{"_field": "sourceRef", "_value": key}, {"_field": "source", "_value": self.source}],
                },
            ]
        }
        response = await self._call("POST", "/api/v1/query", json=query)
        if response.status_code >= 300:
            raise self._fail(response, "alert query")
        found = response.json()
        return str(found[0]["_id"]) if isinstance(found, list) and found else None

    def _tags(self, t: TicketContent) -> list[str]:
        tags = [f"regla:{t.policy_id}", f"institucion:{t.institution_id}"]
        if t.platform:
            tags.append(f"plataforma:{t.platform.value}")
        if t.rsit:
            tags.append(t.rsit)
        return tags

    async def create(self, ticket: TicketContent, key: str, event_key: str) -> str:
        observables = [{"dataType": "url", "data": ticket.profile_url}] if ticket.profile_url else []
        if ticket.handle:
            observables.append({"dataType": "other", "data": ticket.handle, "message": "handle"})
        alert = {
            "type": self.alert_type,
            "source": self.source,
            "sourceRef": key,
            "title": ticket.summary,
            "description": fenced(ticket_text(ticket)),  # TheHive renders Markdown: platform text stays text
            "severity": THEHIVE_SEVERITY[ticket.severity],
            "date": int(ticket.detected_at.timestamp() * 1000),
            "tags": self._tags(ticket),
            "tlp": 2,
            "pap": 2,
            "observables": observables,
        }
        response = await self._call("POST", "/api/v1/alert", json=alert)
        if response.status_code == 400 and "exist" in response.text.lower():
            existing = await self.find(key)  # created before a crash: the sourceRef is already taken
            if existing:
                return existing
        if response.status_code >= 300:
            raise self._fail(response, "alert creation")
        return str(response.json()["_id"])

    async def update(
        self, external_id: str, ticket: TicketContent, action: TicketAction, note: str, event_key: str
    ) -> None:
        status = {TicketAction.RESOLVE: "Ignored", TicketAction.REOPEN: "New"}.get(action, "Updated")
        tags = self._tags(ticket) + (["auditor:resuelto"] if action is TicketAction.RESOLVE else [])
        patch = {"status": status, "tags": tags, "description": f"{note}\n\n{fenced(ticket_text(ticket))}"}
        response = await self._call("PATCH", f"/api/v1/alert/{external_id}", json=patch)
        if response.status_code >= 300:
            raise self._fail(response, "alert update")


def adf(text: str, note: str | None = None) -> dict[str, Any]:
    """Atlassian Document Format (Jira Cloud's v3 API requires it): the auditor's note as a paragraph, the
    ticket text as a code block, where Jira makes no link, smart link or mention of platform text."""
    content: list[dict[str, Any]] = []
    if note:
        content.append({"type": "paragraph", "content": [{"type": "text", "text": note}]})
    content.append({"type": "codeBlock", "attrs": {"language": "text"}, "content": [{"type": "text", "text": text}]})
    return {"type": "doc", "version": 1, "content": content}


def jira_label(key: str) -> str:
    return "oee-auditor-" + hashlib.sha256(key.encode()).hexdigest()[:20]


class JiraSink(_HttpSink):
    """Jira Cloud v3: `POST /rest/api/3/issue` (ADF description, summary ≤ 255), a label searched first."""

    def __init__(
        self,
        name: str,
        url: str,
        email: str,
        api_token: str,
        project_key: str,
        issue_type: str,
        resolve_transition_id: str | None,
        reopen_transition_id: str | None,
        grouping: str = "finding",
        timeout: float = 10,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        super().__init__(name, url, grouping, timeout, api_token, transport, auth=(email, api_token))
        self.project_key = project_key
        self.issue_type = issue_type
        self.transitions = {TicketAction.RESOLVE: resolve_transition_id, TicketAction.REOPEN: reopen_transition_id}

    async def find(self, key: str) -> str | None:
        response = await self._call(
            "GET", "/rest/api/3/search/jql", params={"jql": f'labels = "{jira_label(key)}"', "fields": "key"}
        )
        if response.status_code >= 300:
            raise self._fail(response, "issue search")
        issues = response.json().get("issues") or []
        return str(issues[0]["key"]) if issues else None

    async def create(self, ticket: TicketContent, key: str, event_key: str) -> str:
        fields = {
            "project": {"key": self.project_key},
            "issuetype": {"name": self.issue_type},
            "summary": ticket.summary[:255],
            "labels": [jira_label(key), f"regla-{ticket.policy_id}"],
            "description": adf(ticket_text(ticket)),
        }
        response = await self._call("POST", "/rest/api/3/issue", json={"fields": fields})
        if response.status_code >= 300:
            raise self._fail(response, "issue creation")
        return str(response.json()["key"])

    async def update(
        self, external_id: str, ticket: TicketContent, action: TicketAction, note: str, event_key: str
    ) -> None:
        response = await self._call(
            "POST", f"/rest/api/3/issue/{external_id}/comment", json={"body": adf(ticket_text(ticket), note)}
        )
        if response.status_code >= 300:
            raise self._fail(response, "comment")
        transition = self.transitions.get(action)
        if transition:
            response = await self._call(
                "POST", f"/rest/api/3/issue/{external_id}/transitions", json={"transition": {"id": transition}}
            )
            if response.status_code >= 300:
                raise self._fail(response, "transition")
