"""Waivers as a request and a decision: the institution's RSI requests, the central office (never the same
person) approves, rejects or later revokes; approved waivers live in the store and every audit applies them.
A `waivers.yaml` stays importable (recorded as approved by whoever imports it) and exportable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml
from pydantic import ValidationError

from auditor.app.errors import RequestError
from auditor.app.lookup import open_store
from auditor.app.people import Identity, actor_of, check_target, choice, first_problem, institution_of, require
from auditor.config import Config
from auditor.i18n import t, term
from auditor.inputs.tuning import load_waivers
from auditor.model import Platform, WaiverFile, WaiverScope
from auditor.model.clock import local_date, months_after, utcnow
from auditor.model.declarations import Actor, Answer, TrailAction, TrailEntry, WaiverRequest, WaiverRequestState
from auditor.store import Store
from policies.registry import get_rule
from reports.files import write_private


@dataclass(frozen=True)
class WaiverAsk:
    id: str
    rule: str
    institution: str
    rationale: str
    expires: date
    platform: str | None = None
    account: str | None = None
    subject: str | None = None
    protocol_ref: str | None = None


def _check_protocol(store: Store, ask: WaiverAsk, today: date) -> None:
    """INV-014 (a shared login) is waived only on the RSI usage protocol: a current CHK-12 «cumple» declaration
    of the institution (of the account, when the waiver names one), referenced as `declaracion:<n>`."""
    ref = (ask.protocol_ref or "").strip()
    number = ref.removeprefix("declaracion:").removeprefix("declaración:")
    current = store.human_state().current()
    ok = number.isdigit() and any(
        d.id == int(number)
        and d.item == "CHK-12"
        and d.institution == ask.institution
        and (ask.account is None or d.account == ask.account)
        and d.answer is Answer.COMPLIES
        and not d.expired(today)
        for d in current.values()
    )
    if not ok:
        raise RequestError(t("human.protocol_required"), "protocol_ref")


def request_waiver(
    config: Config, who: Identity, ask: WaiverAsk, *, db: Path | None = None, now: datetime | None = None
) -> tuple[WaiverRequest, TrailEntry]:
    actor = actor_of(who)
    require(actor, "request")
    if get_rule(ask.rule) is None:
        raise RequestError(t("human.unknown_rule", rule=ask.rule), "rule")
    now = now or utcnow()
    today = local_date(now)
    if ask.expires < today:
        raise RequestError(t("human.expiry_past", expires=ask.expires), "expires")
    if ask.expires > months_after(today, 12):
        raise RequestError(t("human.expiry_too_far", expires=ask.expires, limit=months_after(today, 12)), "expires")
    with open_store(config, db) as store:
        inst = institution_of(store.load_inventory(), ask.institution)
        check_target(inst, ask.account, None)
        if store.waiver_request(ask.id) is not None:
            raise RequestError(t("human.waiver_exists", id=ask.id), "id")
        if ask.rule == "INV-014":
            _check_protocol(store, ask, today)
        try:
            request = WaiverRequest(
                id=ask.id,
                rule=ask.rule,
                scope=WaiverScope(
                    institution=ask.institution,
                    platform=choice(Platform, ask.platform, "platform") if ask.platform else None,
                    account=ask.account,
                    subject=ask.subject,
                ),
                rationale=ask.rationale,
                protocol_ref=ask.protocol_ref,
                expires=ask.expires,
                requested_by=actor,
                requested_on=today,
            )
        except ValidationError as exc:
            raise RequestError(first_problem(exc), str(exc.errors()[0]["loc"][0])) from None
        return request, store.save_waiver_request(request, TrailAction.REQUEST, actor, now)


_DECISIONS = {
    TrailAction.APPROVE: (WaiverRequestState.REQUESTED, WaiverRequestState.APPROVED),
    TrailAction.REJECT: (WaiverRequestState.REQUESTED, WaiverRequestState.REJECTED),
    TrailAction.REVOKE: (WaiverRequestState.APPROVED, WaiverRequestState.REVOKED),
}


def decide_waiver(
    config: Config,
    who: Identity,
    waiver_id: str,
    action: TrailAction,
    note: str | None = None,
    *,
    db: Path | None = None,
    now: datetime | None = None,
) -> tuple[WaiverRequest, TrailEntry]:
    """Approve or reject a request, or revoke an approved waiver: the central office, never the requester."""
    actor = actor_of(who)
    require(actor, "decide")
    now = now or utcnow()
    origin, target = _DECISIONS[action]
    with open_store(config, db) as store:
        request = store.waiver_request(waiver_id)
        if request is None:
            raise RequestError(t("human.unknown_waiver", id=waiver_id), "id")
        if request.state is not origin:
            raise RequestError(
                t(
                    "human.waiver_state",
                    id=waiver_id,
                    state=term(request.state),
                    action=t(f"human.action.{action.name.lower()}"),
                ),
                "id",
            )
        if request.requested_by.same_person(actor):
            raise RequestError(
                t(
                    "human.same_person",
                    action=t(f"human.action.{action.name.lower()}"),
                    name=actor.name,
                    ci=actor.ci,
                    id=waiver_id,
                ),
                "ci",
            )
        decided = request.model_copy(
            update={"state": target, "decided_by": actor, "decided_on": local_date(now), "decision_note": note}
        )
        return decided, store.save_waiver_request(decided, action, actor, now)


def list_waivers(config: Config, institution: str | None = None, *, db: Path | None = None) -> list[WaiverRequest]:
    with open_store(config, db) as store:
        requests = store.human_state().waiver_requests.values()
        return sorted((r for r in requests if not institution or r.institution == institution), key=lambda r: r.id)


def import_waivers(
    config: Config, who: Identity, path: Path, *, db: Path | None = None, now: datetime | None = None
) -> tuple[int, int, Actor]:
    """Every waiver of a file not yet in the store, as approved by the importer (the trail says so). Returns
    (imported, already there, importer)."""
    actor = actor_of(who)
    require(actor, "import")
    now = now or utcnow()
    with open_store(config, db) as store:
        waivers = load_waivers(path, store.load_inventory())
        imported = skipped = 0
        for waiver in waivers:
            if store.waiver_request(waiver.id) is not None:
                skipped += 1
                continue
            request = WaiverRequest.from_waiver(waiver, actor, local_date(now))
            store.save_waiver_request(request, TrailAction.IMPORT, actor, now)
            imported += 1
        return imported, skipped, actor


def export_waivers(config: Config, path: Path, *, db: Path | None = None) -> int:
    """The approved waivers (revoked and rejected left out) as a waivers file `import` reads back."""
    with open_store(config, db) as store:
        waivers = store.human_state().waivers()
    document = WaiverFile(waivers=waivers).model_dump(mode="json", exclude_none=True)
    write_private(path, yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    return len(waivers)
