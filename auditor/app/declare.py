"""Declarations and annotations, as every front end asks for them: validated against the checklist, the
store's inventory and the findings, then recorded with their trail entry (`auditor declare`, `auditor
annotate`; the web application calls the same functions)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pydantic import ValidationError

from auditor.app.errors import RequestError
from auditor.app.lookup import open_store
from auditor.app.people import Identity, actor_of, check_target, choice, first_problem, institution_of, require
from auditor.config import Config
from auditor.i18n import t
from auditor.model import FindingRecord
from auditor.model.clock import local_date, months_after, utcnow
from auditor.model.declarations import (
    Annotation,
    AnnotationKind,
    Answer,
    Declaration,
    TrailAction,
    TrailEntry,
)
from auditor.store import Store
from policies.checklist import applies_to_account
from policies.checklist import item as checklist_item
from policies.declared import has_outsourced_cm, item_scope_error

DOCUMENT_LIMIT = 50 * 1024 * 1024


@dataclass(frozen=True)
class DeclareRequest:
    institution: str
    item: str
    answer: str
    account: str | None = None
    person: str | None = None
    reason: str | None = None
    evidence: str | None = None
    document: Path | None = None  # hashed (SHA-256); its name is the reference unless `document_ref` is given
    document_ref: str | None = None
    valid_until: date | None = None
    declared_on: date | None = None  # default: today


def _document_hash(path: Path) -> str:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            read = 0
            while chunk := fh.read(1 << 20):
                read += len(chunk)
                if read > DOCUMENT_LIMIT:
                    raise OSError(t("inputs.too_large", size=read, limit=DOCUMENT_LIMIT))
                digest.update(chunk)
        return digest.hexdigest()
    except OSError as exc:
        raise RequestError(t("human.document_unreadable", path=path, reason=exc.strerror or exc), "document") from None


def declare(
    config: Config, who: Identity, request: DeclareRequest, *, db: Path | None = None, now: datetime | None = None
) -> tuple[Declaration, TrailEntry]:
    """Record one declaration (it supersedes the one in force for the same item and target)."""
    actor = actor_of(who)
    require(actor, "declare")
    entry = checklist_item(request.item)
    if entry is None:
        raise RequestError(t("human.unknown_item", item=request.item), "item")
    answer = choice(Answer, request.answer, "answer")
    problem = item_scope_error(entry, request.account, request.person)
    if problem:
        raise RequestError(t(problem, item=entry.id), "account" if "account" in problem else "person")
    now = now or utcnow()
    today = local_date(now)
    declared_on = request.declared_on or today
    with open_store(config, db) as store:
        inst = institution_of(store.load_inventory(), request.institution)
        check_target(inst, request.account, request.person)
        account = inst.account(request.account) if request.account else None
        not_by_register = entry.attribute is not None or entry.id == "CHK-11" or entry.scope.value != "account"
        if (
            account is not None
            and not not_by_register
            and not applies_to_account(entry, account, has_outsourced_cm(inst, account))
        ):
            why = ", ".join(filter(None, [account.platform.value, account.kind.value, account.status.value]))
            raise RequestError(t("human.item_not_for_account", item=entry.id, account=account.id, why=why), "item")
        if account is not None and entry.platforms and account.platform not in entry.platforms:
            raise RequestError(
                t("human.item_not_for_account", item=entry.id, account=account.id, why=account.platform.value), "item"
            )
        limit = months_after(declared_on, entry.validity_months) if entry.validity_months else None
        valid_until = request.valid_until or limit
        if limit is not None and valid_until is not None and valid_until > limit:
            raise RequestError(t("human.validity_too_long", given=valid_until, limit=limit), "valid_until")
        sha = _document_hash(request.document) if request.document else None
        try:
            declaration = Declaration(
                institution=inst.institution.id,
                item=entry.id,
                account=request.account,
                person=request.person,
                answer=answer,
                reason=request.reason,
                evidence=request.evidence,
                document_ref=request.document_ref or (request.document.name if request.document else None),
                document_sha256=sha,
                declared_by=actor,
                declared_on=declared_on,
                valid_until=valid_until,
                recorded_at=now,
            )
        except ValidationError as exc:
            raise RequestError(first_problem(exc), "answer") from None
        return store.add_declaration(declaration)


def find_finding(store: Store, fingerprint: str, institution: str | None = None) -> FindingRecord:
    """A finding by its fingerprint (or a unique prefix of at least 8 characters)."""
    found = store.finding(fingerprint) if len(fingerprint) >= 8 and fingerprint.isalnum() else None
    if found is None or (institution and found.institution != institution):
        raise RequestError(
            t("human.unknown_finding", fingerprint=fingerprint, institution=institution or "—"), "finding"
        )
    return found


@dataclass(frozen=True)
class AnnotateRequest:
    fingerprint: str
    kind: str
    text: str
    planned: date | None = None


def annotate(
    config: Config, who: Identity, request: AnnotateRequest, *, db: Path | None = None, now: datetime | None = None
) -> tuple[Annotation, TrailEntry]:
    """Annotate a finding. A false positive is a proposal until the central office confirms it."""
    actor = actor_of(who)
    require(actor, "annotate")
    kind = choice(AnnotationKind, request.kind, "kind")
    now = now or utcnow()
    with open_store(config, db) as store:
        finding = find_finding(store, request.fingerprint)
        if kind is AnnotationKind.LEGITIMATE_PERSON and finding.policy_id != "ACC-001":
            raise RequestError(t("human.legitimate_only_acc001", policy=finding.policy_id), "kind")
        try:
            annotation = Annotation(
                fingerprint=finding.fingerprint,
                institution=finding.institution,
                policy_id=finding.policy_id,
                kind=kind,
                text=request.text,
                planned_date=request.planned,
                by=actor,
                at=now,
            )
        except ValidationError as exc:
            raise RequestError(first_problem(exc), "text") from None
        trail = store.save_annotation(annotation, TrailAction.ANNOTATE, actor, now)
        saved = store.annotation(int(trail.object.split(":")[1]))
        assert saved is not None
        return saved, trail


def _annotation(store: Store, annotation_id: int) -> Annotation:
    annotation = store.annotation(annotation_id)
    if annotation is None:
        raise RequestError(t("human.unknown_annotation", id=annotation_id), "annotation")
    return annotation


def confirm(
    config: Config, who: Identity, annotation_id: int, *, db: Path | None = None, now: datetime | None = None
) -> tuple[Annotation, TrailEntry]:
    """The central office confirms a «resultado incorrecto»: from the next run the finding is out of the counts
    and its ticket is resolved with the rationale."""
    actor = actor_of(who)
    require(actor, "confirm")
    now = now or utcnow()
    with open_store(config, db) as store:
        annotation = _annotation(store, annotation_id)
        if annotation.kind is not AnnotationKind.FALSE_POSITIVE:
            raise RequestError(t("human.not_false_positive", id=annotation_id), "annotation")
        if annotation.confirmed_by is not None:
            raise RequestError(t("human.already_confirmed", id=annotation_id), "annotation")
        if annotation.by.same_person(actor):
            raise RequestError(
                t(
                    "human.same_person",
                    action=t("human.action.confirm"),
                    name=actor.name,
                    ci=actor.ci,
                    id=annotation_id,
                ),
                "ci",
            )
        confirmed = annotation.model_copy(update={"confirmed_by": actor, "confirmed_at": now})
        return confirmed, store.save_annotation(confirmed, TrailAction.CONFIRM, actor, now)


def withdraw(
    config: Config, who: Identity, annotation_id: int, *, db: Path | None = None, now: datetime | None = None
) -> tuple[Annotation, TrailEntry]:
    """Withdraw an annotation (its author, or the central office): it stops counting; the trail keeps it."""
    actor = actor_of(who)
    require(actor, "annotate")
    now = now or utcnow()
    with open_store(config, db) as store:
        annotation = _annotation(store, annotation_id)
        if not (annotation.by.same_person(actor) or actor.role.value == "central"):
            raise RequestError(
                t("human.role_forbidden", role=actor.role.value, action=t("human.action.withdraw"), allowed="central"),
                "role",
            )
        withdrawn = annotation.model_copy(update={"withdrawn": True})
        return withdrawn, store.save_annotation(withdrawn, TrailAction.WITHDRAW, actor, now)


def list_annotations(
    config: Config, institution: str | None = None, *, pending_only: bool = False, db: Path | None = None
) -> list[Annotation]:
    """The annotations (withdrawn ones left out); `pending_only`: the false positives awaiting the central
    office's confirmation."""
    with open_store(config, db) as store:
        found = sorted(store.human_state().annotations.values(), key=lambda a: a.id)
    return [
        a
        for a in found
        if not a.withdrawn
        and (not institution or a.institution == institution)
        and (not pending_only or (a.kind is AnnotationKind.FALSE_POSITIVE and a.confirmed_by is None))
    ]
