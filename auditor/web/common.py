"""What the pages and the API share: the guard every route passes, the checklist as rows, and small helpers."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated as Typed

from fastapi import Query, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from auditor.app.checklist import checklist_rows
from auditor.app.signin import Viewer
from auditor.app.web_views import FindingFilter, institution_name
from auditor.config import Config
from auditor.i18n import Lang
from auditor.model.api import ChecklistRow
from auditor.web.session import SignInNeeded, check_csrf, current, safe_next, sign_in_url


async def guard(request: Request) -> None:
    """Every route's first step: who is signed in, and the CSRF token of an unsafe request."""
    found = await run_in_threadpool(current, request)
    request.state.viewer = found
    await check_csrf(request, found)


def ready(viewer: Viewer) -> bool:
    """Signed in with every factor the role needs: a central user without a second factor only sets one up."""
    return viewer.verified and not (viewer.central and not viewer.user.totp)


def client_address(request: Request) -> str:
    """The peer's address (behind the reverse proxy, uvicorn's --proxy-headers makes it the client's)."""
    return request.client.host if request.client else "?"


def new_waiver_id(institution: str, rule: str) -> str:
    return f"{institution[:40]}-{rule.lower()[:8]}-{secrets.token_hex(3)}"


def checklist_sheet(
    config: Config, viewer: Viewer, institution: str, lang: Lang, db: Path | None
) -> list[ChecklistRow]:
    institution_name(config, viewer, institution, db=db)
    _, rows = checklist_rows(config, institution, db=db)
    return [
        ChecklistRow(
            item=r.item.id,
            question=r.item.question_es if lang == "es" else r.item.question_en,
            account=r.account,
            person=r.person_id,
            person_name=r.person,
            state=r.state,
            declaration=r.declaration,
        )
        for r in rows
    ]


def page_viewer(request: Request) -> Viewer:
    """The signed-in user of a page, or off to sign in (then the code, then setting up a second factor)."""
    found: Viewer | None = request.state.viewer
    if found is None:
        raise SignInNeeded(sign_in_url(request))
    if not found.verified:
        raise SignInNeeded("/login/code")
    if not ready(found) and not request.url.path.startswith("/account"):
        raise SignInNeeded("/account")
    return found


def done(to: str) -> RedirectResponse:
    """After a successful form: back to a page of this site (303: the browser asks it with GET)."""
    return RedirectResponse(safe_next(to), status_code=303)


Filter = Typed[str | None, Query(max_length=64)]


def finding_filter(
    severity: Filter = None,
    rule: Filter = None,
    platform: Filter = None,
    status: Filter = None,
    annotation: Filter = None,
) -> FindingFilter:
    """The findings list's filters, from the query string (pages and API alike)."""
    return FindingFilter(severity, rule, platform, status, annotation)
