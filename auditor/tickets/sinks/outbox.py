"""The outbox sink: one JSON file per ticket event in a folder, written atomically, named by the event.

Re-delivering an event rewrites the same file, so a crash between writing and marking never duplicates.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from auditor.model import TicketAction, TicketContent
from auditor.tickets.content import ticket_text
from auditor.tickets.sinks import SinkError
from reports.render import write_atomically


def slug(key: str) -> str:
    readable = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")[:40]
    return f"{readable}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


class OutboxSink:
    def __init__(self, name: str, path: Path, grouping: str = "finding"):
        self.name = name
        self.path = path
        self.grouping = grouping

    def _write(self, event_key: str, action: str, ticket_slug: str, ticket: TicketContent, note: str) -> Path:
        # The detection time first: a folder listing is the events in the order they happened; the event key
        # (stable across retries) keeps a re-delivery on the same file.
        target = self.path / f"{ticket.detected_at:%Y%m%dT%H%M%S}-{event_key}-{action}-{ticket_slug}.json"
        document = {
            "action": action,
            "ticket_key": ticket_slug,
            "note": note,
            "ticket": json.loads(ticket.model_dump_json()),
            "text": ticket_text(ticket),
        }
        try:
            write_atomically(target, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        except OSError as exc:
            raise SinkError(f"outbox {self.path}: {exc.strerror}") from exc
        return target

    async def find(self, key: str) -> str | None:
        return slug(key) if any(self.path.glob(f"*-create-{slug(key)}.json")) else None

    async def create(self, ticket: TicketContent, key: str, event_key: str) -> str:
        self._write(event_key, "create", slug(key), ticket, "")
        return slug(key)

    async def update(
        self, external_id: str, ticket: TicketContent, action: TicketAction, note: str, event_key: str
    ) -> None:
        self._write(event_key, action.value, external_id, ticket, note)

    async def aclose(self) -> None:
        return None
