"""What the web application writes, as the signed-in user: the same declarations, annotations and waiver
decisions as the CLI (`declare`, `annotate`, `request_waiver`, `decide_waiver`, `confirm`), each after
checking that the user sees the object's institution. The person recorded in the trail is the user
(`web:<username>` as the process user), and the role is theirs, never a form field."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from auditor.app.declare import AnnotateRequest, DeclareRequest, annotate, confirm, declare, withdraw
from auditor.app.signin import Viewer
from auditor.app.waiver_requests import WaiverAsk, decide_waiver, request_waiver
from auditor.app.web_views import annotation, finding_record, waiver_request
from auditor.config import Config
from auditor.model.declarations import Annotation, Declaration, TrailAction, TrailEntry, WaiverRequest


def declare_as(
    config: Config, viewer: Viewer, request: DeclareRequest, *, db: Path | None = None, now: datetime | None = None
) -> tuple[Declaration, TrailEntry]:
    viewer.check(request.institution)
    # A document is referenced (name and hash typed in), never read from the server's disk on a user's word.
    return declare(config, viewer.identity(), replace(request, document=None), db=db, now=now)


def annotate_as(
    config: Config, viewer: Viewer, request: AnnotateRequest, *, db: Path | None = None, now: datetime | None = None
) -> tuple[Annotation, TrailEntry]:
    record = finding_record(config, viewer, request.fingerprint, db=db)
    return annotate(config, viewer.identity(), replace(request, fingerprint=record.fingerprint), db=db, now=now)


def confirm_as(
    config: Config, viewer: Viewer, annotation_id: int, *, db: Path | None = None, now: datetime | None = None
) -> tuple[Annotation, TrailEntry]:
    annotation(config, viewer, annotation_id, db=db)
    return confirm(config, viewer.identity(), annotation_id, db=db, now=now)


def withdraw_as(
    config: Config, viewer: Viewer, annotation_id: int, *, db: Path | None = None, now: datetime | None = None
) -> tuple[Annotation, TrailEntry]:
    annotation(config, viewer, annotation_id, db=db)
    return withdraw(config, viewer.identity(), annotation_id, db=db, now=now)


def request_waiver_as(
    config: Config, viewer: Viewer, ask: WaiverAsk, *, db: Path | None = None, now: datetime | None = None
) -> tuple[WaiverRequest, TrailEntry]:
    viewer.check(ask.institution)
    return request_waiver(config, viewer.identity(), ask, db=db, now=now)


def decide_as(
    config: Config,
    viewer: Viewer,
    waiver_id: str,
    action: TrailAction,
    note: str | None = None,
    *,
    db: Path | None = None,
    now: datetime | None = None,
) -> tuple[WaiverRequest, TrailEntry]:
    waiver_request(config, viewer, waiver_id, db=db)
    return decide_waiver(config, viewer.identity(), waiver_id, action, note, db=db, now=now)
