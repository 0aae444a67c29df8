"""The email sink: SMTP with STARTTLS, plain text and HTML, to the institution's owners (communications
director and RSI from the inventory) plus a configured fallback. Follow-ups thread under the first message.
"""

from __future__ import annotations

import asyncio
import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from markupsafe import escape

from auditor.model import TicketAction, TicketContent
from auditor.tickets.content import ticket_text
from auditor.tickets.sinks import SinkError


def message_id(key: str, event_key: str) -> str:
    digest = hashlib.sha256(f"{key}:{event_key}".encode()).hexdigest()[:24]
    return f"<{digest}@oee-social-auditor>"


class EmailSink:
    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        sender: str,
        *,
        starttls: bool = True,
        implicit_tls: bool = False,
        username: str | None = None,
        password: str | None = None,
        to_owners: bool = True,
        fallback_to: list[str] | None = None,
        grouping: str = "finding",
        timeout: float = 20,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.name = name
        self.grouping = grouping
        self.host, self.port, self.sender = host, port, sender
        self.starttls, self.username, self._password = starttls, username, password
        self.implicit_tls = implicit_tls
        self.to_owners, self.fallback_to = to_owners, list(fallback_to or [])
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()

    def _recipients(self, ticket: TicketContent) -> list[str]:
        owners = [c.email for c in ticket.contacts if c.email] if self.to_owners else []
        return sorted(set(owners)) or self.fallback_to or sorted(set(owners + self.fallback_to))

    def _message(self, ticket: TicketContent, key: str, event_key: str, note: str) -> EmailMessage:
        recipients = self._recipients(ticket)
        if not recipients:
            raise SinkError(f"{self.name}: no recipient (no owner email in the inventory and no fallback_to)")
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = ", ".join(recipients)
        if self.fallback_to and self.to_owners:
            msg["Cc"] = ", ".join(a for a in self.fallback_to if a not in recipients)
        msg["Subject"] = ticket.summary
        msg["Date"] = format_datetime(ticket.detected_at)
        msg["Message-ID"] = message_id(key, event_key) if event_key else make_msgid()
        if ticket.action is not TicketAction.CREATE:
            thread = message_id(key, "create")
            msg["In-Reply-To"] = thread
            msg["References"] = thread
        msg["X-Auditor-Ticket"] = key
        text = (f"{note}\n\n" if note else "") + ticket_text(ticket)
        msg.set_content(text)
        html = (
            '<html><body><pre style="font-family: sans-serif; white-space: pre-wrap">'
            + str(escape(text))
            + "</pre></body></html>"
        )
        msg.add_alternative(html, subtype="html")
        return msg

    def send(self, msg: EmailMessage) -> None:
        """Send one message over the configured SMTP (TLS as configured); the daily digests use it too."""
        try:
            connect = (
                smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.ssl_context)
                if self.implicit_tls
                else smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            )
            with connect as smtp:
                smtp.ehlo()
                if self.starttls and not self.implicit_tls:
                    smtp.starttls(context=self.ssl_context)
                    smtp.ehlo()
                if self.username and self._password:
                    smtp.login(self.username, self._password)
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise SinkError(f"{self.name}: SMTP {self.host}:{self.port}: {type(exc).__name__}: {exc}") from None

    async def find(self, key: str) -> str | None:
        return None  # mail has no look-up; the deterministic Message-ID lets receivers deduplicate

    async def create(self, ticket: TicketContent, key: str, event_key: str) -> str:
        await asyncio.to_thread(self.send, self._message(ticket, key, "create", ""))
        return key

    async def update(
        self, external_id: str, ticket: TicketContent, action: TicketAction, note: str, event_key: str
    ) -> None:
        await asyncio.to_thread(self.send, self._message(ticket, external_id, event_key, note))

    async def aclose(self) -> None:
        return None
