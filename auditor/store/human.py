"""What people say, kept: each action writes its object and one trail entry in one transaction. The trail is
never edited; declarations are never updated (a newer one supersedes); annotations and waiver requests
change state, each change a trail entry with the object before and after."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from auditor.model.declarations import (
    Actor,
    Annotation,
    Declaration,
    HumanState,
    TrailAction,
    TrailEntry,
    WaiverRequest,
)
from auditor.store.base import StoreTables


def _dump(model: Any) -> dict[str, Any]:
    return dict(model.model_dump(mode="json"))


class HumanRecords(StoreTables):
    def _append_trail(
        self,
        actor: Actor,
        institution: str,
        action: TrailAction,
        obj: str,
        after: dict[str, Any],
        before: dict[str, Any] | None,
        fingerprint: str | None,
        at: datetime,
    ) -> TrailEntry:
        row = {
            "at": at.isoformat(),
            "institution_id": institution,
            "actor": actor.model_dump_json(),
            "os_user": actor.os_user,
            "action": action.value,
            "object": obj,
            "fingerprint": fingerprint,
            "before": json.dumps(before, sort_keys=True) if before is not None else None,
            "after": json.dumps(after, sort_keys=True),
        }
        seq = self.db.table("trail").insert(row).last_pk
        assert seq is not None
        return TrailEntry(
            seq=int(seq),
            at=at,
            actor=actor,
            institution=institution,
            action=action,
            object=obj,
            fingerprint=fingerprint,
            before=before,
            after=after,
        )

    def add_declaration(self, declaration: Declaration) -> tuple[Declaration, TrailEntry]:
        """A new declaration (it supersedes the one in force for its key, which stays as history)."""
        with self.db.atomic():
            next_id = int(self.db.execute("select coalesce(max(id), 0) + 1 from declarations").fetchone()[0])
            stored = declaration.model_copy(update={"id": next_id})
            key = stored.key
            before = self._current_declaration(key)
            self.db.table("declarations").insert(
                {
                    "id": next_id,
                    "institution_id": stored.institution,
                    "item": stored.item,
                    "account_id": stored.account,
                    "person_id": stored.person,
                    "answer": stored.answer.value,
                    "declared_on": stored.declared_on.isoformat(),
                    "valid_until": stored.valid_until.isoformat() if stored.valid_until else None,
                    "record": stored.model_dump_json(),
                }
            )
            entry = self._append_trail(
                stored.declared_by,
                stored.institution,
                TrailAction.DECLARE,
                f"declaration:{next_id}",
                _dump(stored),
                _dump(before) if before else None,
                None,
                stored.recorded_at,
            )
        return stored, entry

    def _current_declaration(self, key: tuple[str, str, str | None, str | None]) -> Declaration | None:
        institution, item, account, person = key
        row = self.db.execute(
            "select record from declarations where institution_id = ? and item = ? and account_id is ? "
            "and person_id is ? order by declared_on desc, id desc limit 1",
            [institution, item, account, person],
        ).fetchone()
        return Declaration.model_validate_json(row[0]) if row else None

    def save_annotation(self, annotation: Annotation, action: TrailAction, actor: Actor, at: datetime) -> TrailEntry:
        """A new annotation (id 0) or a change of one (confirmed, withdrawn), with its trail entry."""
        with self.db.atomic():
            before = None
            if annotation.id == 0:
                next_id = int(self.db.execute("select coalesce(max(id), 0) + 1 from annotations").fetchone()[0])
                annotation = annotation.model_copy(update={"id": next_id})
            else:
                old = self.annotation(annotation.id)
                before = _dump(old) if old else None
            self.db.table("annotations").upsert(
                {
                    "id": annotation.id,
                    "fingerprint": annotation.fingerprint,
                    "institution_id": annotation.institution,
                    "kind": annotation.kind.value,
                    "record": annotation.model_dump_json(),
                },
                pk="id",
            )
            return self._append_trail(
                actor,
                annotation.institution,
                action,
                f"annotation:{annotation.id}",
                _dump(annotation),
                before,
                annotation.fingerprint,
                at,
            )

    def annotation(self, annotation_id: int) -> Annotation | None:
        row = self.db.execute("select record from annotations where id = ?", [annotation_id]).fetchone()
        return Annotation.model_validate_json(row[0]) if row else None

    def save_waiver_request(
        self, request: WaiverRequest, action: TrailAction, actor: Actor, at: datetime
    ) -> TrailEntry:
        with self.db.atomic():
            old = self.waiver_request(request.id)
            self.db.table("waiver_requests").upsert(
                {
                    "id": request.id,
                    "institution_id": request.institution,
                    "rule": request.rule,
                    "state": request.state.value,
                    "record": request.model_dump_json(),
                },
                pk="id",
            )
            return self._append_trail(
                actor,
                request.institution,
                action,
                f"waiver:{request.id}",
                _dump(request),
                _dump(old) if old else None,
                None,
                at,
            )

    def waiver_request(self, request_id: str) -> WaiverRequest | None:
        row = self.db.execute("select record from waiver_requests where id = ?", [request_id]).fetchone()
        return WaiverRequest.model_validate_json(row[0]) if row else None

    def human_state(self, institution: str | None = None) -> HumanState:
        """The materialised view: every declaration, annotation and waiver request as stored (of one institution:
        its report, built for each institution of a country, reads only its own)."""
        where, args = (" where institution_id = ?", [institution]) if institution else ("", [])
        state = HumanState()
        for (record,) in self.db.execute("select record from declarations" + where, args):
            d = Declaration.model_validate_json(record)
            state.declarations[d.id] = d
        for (record,) in self.db.execute("select record from annotations" + where, args):
            a = Annotation.model_validate_json(record)
            state.annotations[a.id] = a
        for (record,) in self.db.execute("select record from waiver_requests" + where, args):
            r = WaiverRequest.model_validate_json(record)
            state.waiver_requests[r.id] = r
        return state

    def trail(self, institution: str | None = None, since: date | None = None) -> list[TrailEntry]:
        sql = "select * from trail where 1 = 1"
        args: list[Any] = []
        if institution:
            sql += " and institution_id = ?"
            args.append(institution)
        if since:
            sql += " and at >= ?"
            args.append(since.isoformat())
        entries = []
        for r in self.db.query(sql + " order by seq", args):
            entries.append(
                TrailEntry(
                    seq=r["seq"],
                    at=datetime.fromisoformat(r["at"]),
                    actor=Actor.model_validate_json(r["actor"]),
                    institution=r["institution_id"],
                    action=TrailAction(r["action"]),
                    object=r["object"],
                    fingerprint=r["fingerprint"],
                    before=json.loads(r["before"]) if r["before"] else None,
                    after=json.loads(r["after"]),
                )
            )
        return entries
