"""The JSON API under `/api/`: the same reads and actions as the pages, for the central office's tools.

Sign in with `POST /api/login` (no CSRF token: there is no session yet); its answer carries `csrf_token`,
to send as `X-CSRF-Token` on every other unsafe request. No session → 401; an object of an institution the
user does not see → 404, as if it did not exist."""

from __future__ import annotations

from typing import Annotated as Typed

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from auditor.app import web_actions, web_views
from auditor.app.declare import AnnotateRequest, DeclareRequest
from auditor.app.signin import Viewer, give_code, sign_in, sign_out
from auditor.app.waiver_requests import WaiverAsk
from auditor.app.web_views import FindingFilter
from auditor.i18n import t
from auditor.model.api import (
    AnnotateBody,
    Annotated,
    ApprovalsAnswer,
    ChecklistRow,
    CodeBody,
    DecisionBody,
    DeclareBody,
    Declared,
    ErrorBody,
    FindingDetail,
    FindingList,
    HistoryPoint,
    InstitutionSummary,
    LoginAnswer,
    LoginBody,
    Me,
    RunRow,
    TicketRef,
    WaiverAnswer,
    WaiverBody,
)
from auditor.model.declarations import TrailAction
from auditor.web.common import checklist_sheet, client_address, finding_filter, guard, new_waiver_id, ready
from auditor.web.session import clear_session_cookie, lang_of, set_session_cookie, settings

ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "The request names something that does not exist or is impossible"},
    401: {"model": ErrorBody, "description": "Not signed in (or the second factor is missing)"},
    403: {"model": ErrorBody, "description": "CSRF token missing or wrong, or the role may not do this"},
    404: {"model": ErrorBody, "description": "No such object, or one of an institution the user does not see"},
}
router = APIRouter(prefix="/api", dependencies=[Depends(guard)], responses=ERRORS)

Institution = Typed[str, Path(max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", examples=["mprueba"])]
Fingerprint = Typed[str, Path(max_length=64, pattern=r"^[0-9a-f]{8,64}$")]
AnnotationId = Typed[int, Path(ge=1, le=2**31)]
WaiverId = Typed[str, Path(max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


def api_viewer(request: Request) -> Viewer:
    found: Viewer | None = request.state.viewer
    if found is None or not found.verified:
        raise HTTPException(401, t("web.sign_in_needed", lang_of(request)))
    if not ready(found):
        raise HTTPException(403, t("web.second_factor_setup", lang_of(request)))
    return found


Signed = Typed[Viewer, Depends(api_viewer)]


def session_viewer(request: Request) -> Viewer:
    """A session that may still owe its second factor (giving it is what it may do)."""
    found: Viewer | None = request.state.viewer
    if found is None:
        raise HTTPException(401, t("web.sign_in_needed", lang_of(request)))
    return found


def _me(v: Viewer) -> Me:
    u = v.user
    return Me(
        username=u.username,
        name=u.name,
        role=u.role,
        institutions=u.institutions,
        second_factor=u.totp,
        digest=u.digest,
    )


@router.post("/login", response_model=LoginAnswer)
def login(body: LoginBody, request: Request, response: Response) -> LoginAnswer:
    s = settings(request)
    done = sign_in(s.config, body.username, body.password, client_address(request), db=s.db)
    set_session_cookie(response, s, done.token)
    verified = not done.needs_code
    if done.needs_code and body.code:
        give_code(s.config, done.token, body.code, client_address(request), db=s.db)
        verified = True
    viewer = Viewer(user=done.user, token=done.token, verified=verified)
    return LoginAnswer(
        csrf_token=done.csrf,
        second_factor_required=not verified,
        second_factor_setup_required=done.must_enrol,
        user=_me(viewer),
    )


@router.post("/login/code", response_model=Me)
def login_code(found: Typed[Viewer, Depends(session_viewer)], body: CodeBody, request: Request) -> Me:
    s = settings(request)
    user = give_code(s.config, found.token, body.code, client_address(request), db=s.db)
    return _me(Viewer(user=user, token=found.token, verified=True))


@router.post("/logout", status_code=204)
def logout(v: Signed, request: Request, response: Response) -> None:
    s = settings(request)
    sign_out(s.config, v.token, db=s.db)
    clear_session_cookie(response, s)


@router.get("/me", response_model=Me)
def me(v: Signed) -> Me:
    return _me(v)


@router.get("/institutions", response_model=list[InstitutionSummary])
def institutions(v: Signed, request: Request) -> list[InstitutionSummary]:
    s = settings(request)
    _, rows = web_views.overview(s.config, v, lang_of(request), db=s.db)
    by_id = {r.institution: r for r in rows}
    return [
        InstitutionSummary(id=i, name=name, triage=by_id.get(i))
        for i, name in web_views.institutions(s.config, v, db=s.db)
    ]


@router.get("/institutions/{institution}/findings", response_model=FindingList)
def findings(
    v: Signed,
    request: Request,
    institution: Institution,
    filt: Typed[FindingFilter, Depends(finding_filter)],
) -> FindingList:
    s = settings(request)
    run, found = web_views.finding_list(s.config, v, institution, lang_of(request), filt, db=s.db)
    return FindingList(run=run, findings=found)


@router.get("/institutions/{institution}/checklist", response_model=list[ChecklistRow])
def checklist(v: Signed, request: Request, institution: Institution) -> list[ChecklistRow]:
    s = settings(request)
    return checklist_sheet(s.config, v, institution, lang_of(request), s.db)


@router.get("/findings/{fingerprint}", response_model=FindingDetail)
def finding(v: Signed, request: Request, fingerprint: Fingerprint) -> FindingDetail:
    s = settings(request)
    page = web_views.finding_page(s.config, v, fingerprint, lang_of(request), db=s.db)
    return FindingDetail(
        record=page.record,
        latest=page.finding,
        history=[HistoryPoint(run_id=r, started_at=at, status=st) for r, at, st in page.history],
        trail=page.trail,
        tickets=[
            TicketRef(ticket=a, action=b, created_at=c, sink=d, external_id=e, delivery=f)
            for a, b, c, d, e, f in page.tickets
        ],
        annotations=page.annotations,
    )


@router.post("/institutions/{institution}/declarations", response_model=Declared, status_code=201)
async def declare(v: Signed, request: Request, institution: Institution, body: DeclareBody) -> Declared:
    s = settings(request)
    ask = DeclareRequest(institution=institution, **body.model_dump())
    declaration, trail = await run_in_threadpool(web_actions.declare_as, s.config, v, ask, db=s.db)
    return Declared(declaration=declaration, trail=trail)


@router.post("/findings/{fingerprint}/annotations", response_model=Annotated, status_code=201)
async def annotate(v: Signed, request: Request, fingerprint: Fingerprint, body: AnnotateBody) -> Annotated:
    s = settings(request)
    ask = AnnotateRequest(fingerprint=fingerprint, kind=body.kind, text=body.text, planned=body.planned)
    annotation, trail = await run_in_threadpool(web_actions.annotate_as, s.config, v, ask, db=s.db)
    return Annotated(annotation=annotation, trail=trail)


@router.post("/annotations/{annotation_id}/confirm", response_model=Annotated)
async def confirm(v: Signed, request: Request, annotation_id: AnnotationId) -> Annotated:
    s = settings(request)
    annotation, trail = await run_in_threadpool(web_actions.confirm_as, s.config, v, annotation_id, db=s.db)
    return Annotated(annotation=annotation, trail=trail)


@router.post("/annotations/{annotation_id}/withdraw", response_model=Annotated)
async def withdraw(v: Signed, request: Request, annotation_id: AnnotationId) -> Annotated:
    s = settings(request)
    annotation, trail = await run_in_threadpool(web_actions.withdraw_as, s.config, v, annotation_id, db=s.db)
    return Annotated(annotation=annotation, trail=trail)


@router.post("/institutions/{institution}/waiver-requests", response_model=WaiverAnswer, status_code=201)
async def request_waiver(v: Signed, request: Request, institution: Institution, body: WaiverBody) -> WaiverAnswer:
    s = settings(request)
    ask = WaiverAsk(id=new_waiver_id(institution, body.rule), institution=institution, **body.model_dump())
    saved, trail = await run_in_threadpool(web_actions.request_waiver_as, s.config, v, ask, db=s.db)
    return WaiverAnswer(request=saved, trail=trail)


@router.post("/waiver-requests/{waiver_id}/decision", response_model=WaiverAnswer)
async def decide(v: Signed, request: Request, waiver_id: WaiverId, body: DecisionBody) -> WaiverAnswer:
    s = settings(request)
    action = {"approve": TrailAction.APPROVE, "reject": TrailAction.REJECT, "revoke": TrailAction.REVOKE}[body.action]
    saved, trail = await run_in_threadpool(web_actions.decide_as, s.config, v, waiver_id, action, body.note, db=s.db)
    return WaiverAnswer(request=saved, trail=trail)


@router.get("/approvals", response_model=ApprovalsAnswer)
def approvals(v: Signed, request: Request) -> ApprovalsAnswer:
    s = settings(request)
    queue = web_views.approvals(s.config, v, db=s.db)
    return ApprovalsAnswer(
        waiver_requests=queue.waivers, false_positives=queue.false_positives, waivers_in_force=queue.in_force
    )


@router.get("/runs", response_model=list[RunRow])
def runs(v: Signed, request: Request) -> list[RunRow]:
    s = settings(request)
    return [RunRow(run=run, coverage=cov) for run, cov in web_views.runs(s.config, v, db=s.db)]
