"""The audit's pages: the national overview, an institution's dashboard, its findings, a finding, the
checklist, the approvals queue, downloads and runs; and the forms that answer (declare, annotate, request
a waiver, approve). Each route names its object in the path and the application layer checks that the
signed-in user sees it: another institution's object is a 404, like one that does not exist."""

from __future__ import annotations

from datetime import date
from typing import Annotated as Typed

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from auditor.app import web_actions, web_views
from auditor.app.declare import AnnotateRequest, DeclareRequest
from auditor.app.errors import RequestError
from auditor.app.signin import Viewer
from auditor.app.waiver_requests import WaiverAsk
from auditor.app.web_downloads import FORM_FILES, form_file, register_file
from auditor.app.web_views import FindingFilter
from auditor.i18n import t
from auditor.model import FindingStatus
from auditor.model.declarations import AnnotationKind, TrailAction
from auditor.web.common import checklist_sheet, done, finding_filter, new_waiver_id, page_viewer
from auditor.web.render import page
from auditor.web.session import form_of, lang_of, settings

router = APIRouter()
Signed = Typed[Viewer, Depends(page_viewer)]
Institution = Typed[str, Path(max_length=64)]
Fingerprint = Typed[str, Path(max_length=64)]
AnnotationId = Typed[int, Path(ge=1, le=2**31)]
WaiverId = Typed[str, Path(max_length=64)]
OK = frozenset(
    {"declared", "annotated", "requested", "approved", "rejected", "revoked", "confirmed", "withdrawn", "digest"}
)


def _ok(request: Request) -> str | None:
    key = request.query_params.get("ok")
    return t(f"web.ok.{key}", lang_of(request)) if key in OK else None


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RequestError(t("web.bad_date", value=value), field) from None


def _text(form: dict[str, str], key: str) -> str | None:
    return form.get(key, "").strip() or None


@router.get("/overview", response_class=HTMLResponse)
def overview(v: Signed, request: Request) -> Response:
    s = settings(request)
    run, rows = web_views.overview(s.config, v, lang_of(request), db=s.db)
    names = web_views.institutions(s.config, v, db=s.db)
    return page(request, "overview.html.j2", run=run, rows={r.institution: r for r in rows}, names=names)


@router.get("/i/{institution}", response_class=HTMLResponse)
def dashboard(v: Signed, request: Request, institution: Institution) -> Response:
    s = settings(request)
    name = web_views.institution_name(s.config, v, institution, db=s.db)
    report = web_views.institution_report(s.config, v, institution, lang_of(request), db=s.db)
    return page(request, "dashboard.html.j2", institution=institution, name=name, r=report)


@router.get("/i/{institution}/findings", response_class=HTMLResponse)
def findings(
    v: Signed,
    request: Request,
    institution: Institution,
    filt: Typed[FindingFilter, Depends(finding_filter)],
) -> Response:
    s = settings(request)
    name = web_views.institution_name(s.config, v, institution, db=s.db)
    run, found = web_views.finding_list(s.config, v, institution, lang_of(request), filt, db=s.db)
    return page(
        request,
        "findings.html.j2",
        institution=institution,
        name=name,
        run=run,
        findings=found,
        filt=filt,
        statuses=[st for st in FindingStatus if st is not FindingStatus.RESOLVED],
        kinds=list(AnnotationKind),
    )


@router.get("/i/{institution}/checklist", response_class=HTMLResponse)
def checklist(v: Signed, request: Request, institution: Institution) -> Response:
    s = settings(request)
    name = web_views.institution_name(s.config, v, institution, db=s.db)
    rows = checklist_sheet(s.config, v, institution, lang_of(request), s.db)
    return page(request, "checklist.html.j2", institution=institution, name=name, rows=rows, ok=_ok(request))


@router.post("/i/{institution}/checklist", response_class=RedirectResponse)
async def declare(v: Signed, request: Request, institution: Institution) -> Response:
    s = settings(request)
    form = await form_of(request)
    ask = DeclareRequest(
        institution=institution,
        item=form.get("item", ""),
        answer=form.get("answer", ""),
        account=_text(form, "account"),
        person=_text(form, "person"),
        reason=_text(form, "reason"),
        evidence=_text(form, "evidence"),
        document_ref=_text(form, "document_ref"),
        valid_until=_date(form.get("valid_until"), "valid_until"),
    )
    await run_in_threadpool(web_actions.declare_as, s.config, v, ask, db=s.db)
    return done(f"/i/{institution}/checklist?ok=declared")


@router.get("/i/{institution}/trail", response_class=HTMLResponse)
def trail(v: Signed, request: Request, institution: Institution) -> Response:
    s = settings(request)
    name = web_views.institution_name(s.config, v, institution, db=s.db)
    entries = web_views.trail(s.config, v, institution, db=s.db)
    return page(request, "trail.html.j2", institution=institution, name=name, entries=list(reversed(entries)))


@router.get("/i/{institution}/downloads", response_class=HTMLResponse)
def downloads(v: Signed, request: Request, institution: Institution) -> Response:
    s = settings(request)
    name = web_views.institution_name(s.config, v, institution, db=s.db)
    return page(request, "downloads.html.j2", institution=institution, name=name, files=list(FORM_FILES))


@router.get("/i/{institution}/downloads/{name}")
def download(v: Signed, request: Request, institution: Institution, name: Typed[str, Path(max_length=64)]) -> Response:
    s = settings(request)
    found = form_file(s.config, v, institution, name, db=s.db)
    return _attachment(found.filename, found.content, found.media_type)


@router.get("/register/{fmt}")
def register(v: Signed, request: Request, fmt: Typed[str, Path(max_length=8)]) -> Response:
    s = settings(request)
    found = register_file(s.config, v, fmt, lang_of(request), db=s.db)
    return _attachment(found.filename, found.content, found.media_type)


def _attachment(filename: str, content: bytes, media_type: str) -> Response:
    # A downloaded HTML form is opened from disk, never rendered as a page of this site.
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/f/{fingerprint}", response_class=HTMLResponse)
def finding(v: Signed, request: Request, fingerprint: Fingerprint) -> Response:
    s = settings(request)
    found = web_views.finding_page(s.config, v, fingerprint, lang_of(request), db=s.db)
    return page(request, "finding.html.j2", p=found, kinds=list(AnnotationKind), ok=_ok(request))


@router.post("/f/{fingerprint}/annotate", response_class=RedirectResponse)
async def annotate(v: Signed, request: Request, fingerprint: Fingerprint) -> Response:
    s = settings(request)
    form = await form_of(request)
    ask = AnnotateRequest(
        fingerprint=fingerprint,
        kind=form.get("kind", ""),
        text=form.get("text", "").strip(),
        planned=_date(form.get("planned"), "planned"),
    )
    await run_in_threadpool(web_actions.annotate_as, s.config, v, ask, db=s.db)
    return done(f"/f/{fingerprint}?ok=annotated")


@router.post("/f/{fingerprint}/waiver", response_class=RedirectResponse)
async def request_waiver(v: Signed, request: Request, fingerprint: Fingerprint) -> Response:
    """A waiver of this finding's rule for its account and subject, as the RSI asks it from the finding."""
    s = settings(request)
    form = await form_of(request)
    record = web_views.finding_record(s.config, v, fingerprint, db=s.db)
    expires = _date(form.get("expires"), "expires")
    if expires is None:
        raise RequestError(t("web.expires_required"), "expires")
    ask = WaiverAsk(
        id=new_waiver_id(record.institution, record.policy_id),
        rule=record.policy_id,
        institution=record.institution,
        rationale=form.get("rationale", "").strip(),
        expires=expires,
        platform=record.platform.value if record.platform else None,
        account=record.account,
        subject=record.subject,
        protocol_ref=_text(form, "protocol_ref"),
    )
    await run_in_threadpool(web_actions.request_waiver_as, s.config, v, ask, db=s.db)
    return done(f"/f/{fingerprint}?ok=requested")


@router.get("/approvals", response_class=HTMLResponse)
def approvals(v: Signed, request: Request) -> Response:
    s = settings(request)
    queue = web_views.approvals(s.config, v, db=s.db)
    return page(request, "approvals.html.j2", q=queue, ok=_ok(request))


DECISIONS = {"approve": TrailAction.APPROVE, "reject": TrailAction.REJECT, "revoke": TrailAction.REVOKE}
DONE = {"approve": "approved", "reject": "rejected", "revoke": "revoked"}


@router.post("/approvals/waivers/{waiver_id}", response_class=RedirectResponse)
async def decide(v: Signed, request: Request, waiver_id: WaiverId) -> Response:
    s = settings(request)
    form = await form_of(request)
    await run_in_threadpool(web_views.waiver_request, s.config, v, waiver_id, db=s.db)  # 404 before anything
    action = form.get("action", "")
    if action not in DECISIONS:
        raise RequestError(t("web.bad_request"), "action")
    await run_in_threadpool(
        web_actions.decide_as, s.config, v, waiver_id, DECISIONS[action], _text(form, "note"), db=s.db
    )
    return done(f"/approvals?ok={DONE[action]}")


@router.post("/annotations/{annotation_id}/confirm", response_class=RedirectResponse)
async def confirm(v: Signed, request: Request, annotation_id: AnnotationId) -> Response:
    s = settings(request)
    await run_in_threadpool(web_actions.confirm_as, s.config, v, annotation_id, db=s.db)
    return done("/approvals?ok=confirmed")


@router.post("/annotations/{annotation_id}/withdraw", response_class=RedirectResponse)
async def withdraw(v: Signed, request: Request, annotation_id: AnnotationId) -> Response:
    s = settings(request)
    withdrawn, _ = await run_in_threadpool(web_actions.withdraw_as, s.config, v, annotation_id, db=s.db)
    return done(f"/f/{withdrawn.fingerprint}?ok=withdrawn")


@router.get("/runs", response_class=HTMLResponse)
def runs(v: Signed, request: Request) -> Response:
    s = settings(request)
    return page(request, "runs.html.j2", runs=web_views.runs(s.config, v, db=s.db))
