"""The pages of signing in and of one's own account: sign-in, the second factor, sign-out, the language, the
daily digest and setting up a second factor. The audit's pages are in `pages_audit`."""

from __future__ import annotations

from typing import Annotated as Typed
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from auditor.app.errors import RequestError
from auditor.app.signin import SignInRefused, Viewer, give_code, sign_in, sign_out
from auditor.app.users import begin_second_factor, confirm_second_factor, recovery_left, set_digest
from auditor.i18n import LANGS
from auditor.web import pages_audit
from auditor.web.common import client_address, done, guard, page_viewer
from auditor.web.render import page
from auditor.web.session import (
    LANG_COOKIE,
    SignInNeeded,
    clear_session_cookie,
    form_of,
    safe_next,
    set_session_cookie,
    settings,
)

router = APIRouter(dependencies=[Depends(guard)], include_in_schema=False)
router.include_router(pages_audit.router)
Signed = Typed[Viewer, Depends(page_viewer)]


@router.get("/", response_class=RedirectResponse)
def home(v: Signed) -> RedirectResponse:
    if not v.central and len(v.user.institutions) == 1:
        return done(f"/i/{v.user.institutions[0]}")
    return done("/overview")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: Typed[str | None, Query(max_length=500)] = None) -> Response:
    return page(request, "login.html.j2", next=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    s = settings(request)
    form = await form_of(request)
    target = safe_next(form.get("next"))
    try:
        signed = await run_in_threadpool(
            sign_in, s.config, form.get("username", ""), form.get("password", ""), client_address(request), db=s.db
        )
    except SignInRefused as exc:
        return page(request, "login.html.j2", status=401, next=target, error=str(exc), username=form.get("username"))
    to = (
        f"/login/code?next={quote(target, safe='/')}"
        if signed.needs_code
        else "/account"
        if signed.must_enrol
        else target
    )
    response = done(to)
    set_session_cookie(response, s, signed.token)
    return response


@router.get("/login/code", response_class=HTMLResponse)
def code_form(request: Request, next: Typed[str | None, Query(max_length=500)] = None) -> Response:
    if request.state.viewer is None:
        raise SignInNeeded("/login")
    return page(request, "code.html.j2", next=safe_next(next))


@router.post("/login/code", response_class=HTMLResponse)
async def code(request: Request) -> Response:
    found: Viewer | None = request.state.viewer
    if found is None:
        raise SignInNeeded("/login")
    s = settings(request)
    form = await form_of(request)
    try:
        await run_in_threadpool(
            give_code, s.config, found.token, form.get("code", ""), client_address(request), db=s.db
        )
    except SignInRefused as exc:
        return page(request, "code.html.j2", status=401, next=safe_next(form.get("next")), error=str(exc))
    return done(safe_next(form.get("next")))


@router.post("/logout", response_class=RedirectResponse)
def logout(v: Signed, request: Request) -> Response:
    s = settings(request)
    sign_out(s.config, v.token, db=s.db)
    response = done("/login")
    clear_session_cookie(response, s)
    return response


@router.get("/idioma", response_class=RedirectResponse)
def language(lang: Typed[str, Query(max_length=2)], next: Typed[str | None, Query(max_length=500)] = None) -> Response:
    response = done(safe_next(next))
    if lang in LANGS:
        response.set_cookie(LANG_COOKIE, lang, samesite="strict", httponly=True, max_age=365 * 86400)
    return response


@router.get("/account", response_class=HTMLResponse)
def account(v: Signed, request: Request) -> Response:
    s = settings(request)
    left = recovery_left(s.config, v.user.username, db=s.db) if v.user.totp else 0
    return page(request, "account.html.j2", user=v.user, recovery_left=left)


@router.post("/account/digest", response_class=RedirectResponse)
async def digest(v: Signed, request: Request) -> Response:
    s = settings(request)
    form = await form_of(request)
    await run_in_threadpool(set_digest, s.config, v.user.username, form.get("digest") == "on", db=s.db)
    return done("/account?ok=digest")


@router.post("/account/second-factor", response_class=HTMLResponse)
async def second_factor(v: Signed, request: Request) -> Response:
    s = settings(request)
    secret, uri = await run_in_threadpool(begin_second_factor, s.config, v.user.username, db=s.db)
    return page(request, "second_factor.html.j2", secret=secret, uri=uri)


@router.post("/account/second-factor/confirm", response_class=HTMLResponse)
async def second_factor_confirm(v: Signed, request: Request) -> Response:
    s = settings(request)
    form = await form_of(request)
    try:
        codes = await run_in_threadpool(
            confirm_second_factor, s.config, v.user.username, form.get("code", ""), keep_session=None, db=s.db
        )
    except RequestError as exc:
        return page(request, "second_factor.html.j2", status=400, error=str(exc), secret=None, uri=None)
    # Every session ended with the change, this one too: the user signs in again with the new factor.
    response = page(request, "recovery_codes.html.j2", codes=codes)
    clear_session_cookie(response, s)
    return response
