"""The request's signed-in user and the checks every request passes: the session cookie, the CSRF token on
every unsafe request (a form field or the `X-CSRF-Token` header), the second factor, and the security
headers of every answer. Routes never read the cookie themselves: they ask for a `Viewer` here."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote

from fastapi import Request, Response
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from auditor.app.signin import Viewer, viewer
from auditor.config import Config
from auditor.i18n import Lang, as_lang

COOKIE = "auditor_session"
SECURE_COOKIE = "__Host-auditor_session"  # behind https: Secure, Path=/, no Domain (the browser enforces it)
LANG_COOKIE = "auditor_lang"
FORM_LIMIT = 64 * 1024
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Unsafe requests that need no CSRF token: signing in (there is no session yet; SameSite=Strict and the
# Origin check cover it).
NO_CSRF = frozenset({"/login", "/api/login"})
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True)
class WebSettings:
    config: Config
    db: Path | None
    secure: bool  # served behind https: Secure cookies and HSTS

    @property
    def cookie(self) -> str:
        return SECURE_COOKIE if self.secure else COOKIE


class SignInNeeded(Exception):
    """A page asked without a usable session: the browser is sent to the sign-in page."""

    def __init__(self, to: str):
        self.to = to


class CsrfRejected(Exception):
    pass


def settings(request: Request) -> WebSettings:
    found: WebSettings = request.app.state.web
    return found


def lang_of(request: Request) -> Lang:
    return as_lang(request.cookies.get(LANG_COOKIE))


def current(request: Request) -> Viewer | None:
    s = settings(request)
    return viewer(s.config, request.cookies.get(s.cookie), db=s.db)


async def form_of(request: Request) -> dict[str, str]:
    """An urlencoded form body, first value of each field; a body over `FORM_LIMIT` is refused."""
    body = await request.body()
    if len(body) > FORM_LIMIT:
        raise CsrfRejected()
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


def same_origin(request: Request) -> bool:
    """A browser says where an unsafe request comes from (`Sec-Fetch-Site`, `Origin`): another site's page is
    refused. A client that is not a browser sends neither and is judged by its CSRF token alone."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or (origin == "null" and site == "same-origin"):
        return True
    return origin.split("://", 1)[-1] == request.headers.get("host", "")


async def check_csrf(request: Request, found: Viewer | None) -> None:
    if request.method not in UNSAFE:
        return
    if not same_origin(request):
        raise CsrfRejected()
    if request.url.path in NO_CSRF:
        return
    if found is None:
        return  # the route answers 401 / sends to sign-in
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        given = (await form_of(request)).get("csrf_token")
    if not given or not hmac.compare_digest(given, found.csrf):
        raise CsrfRejected()


def set_session_cookie(response: Response, s: WebSettings, token: str) -> None:
    response.set_cookie(s.cookie, token, httponly=True, samesite="strict", secure=s.secure, path="/")


def clear_session_cookie(response: Response, s: WebSettings) -> None:
    response.delete_cookie(s.cookie, httponly=True, samesite="strict", secure=s.secure, path="/")


def sign_in_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?next=" + quote(target, safe="")


def safe_next(value: str | None) -> str:
    """Only a path of this site may follow sign-in (no `//host`, no scheme)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


class SecurityHeaders(BaseHTTPMiddleware):
    def __init__(self, app: object, secure: bool):
        super().__init__(app)  # type: ignore[arg-type]
        self.secure = secure

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "same-origin"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h.setdefault("Cache-Control", "no-store")
        if self.secure:
            h["Strict-Transport-Security"] = "max-age=31536000"
        return response
