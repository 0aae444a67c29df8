"""The officers' web application (`auditor serve`): server-rendered pages and a JSON API over the application
layer, the same store as the nightly job. Front end only: it parses, asks the application layer, renders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.routing import Mount

from auditor.app.errors import RequestError
from auditor.app.signin import NotVisible, SignInRefused
from auditor.config import Config
from auditor.i18n import t
from auditor.web import api, pages
from auditor.web.render import error_page
from auditor.web.session import CsrfRejected, SecurityHeaders, SignInNeeded, WebSettings, lang_of

STATIC = Path(__file__).parent / "static"


def _status(exc: Exception) -> int:
    if isinstance(exc, NotVisible):
        return 404
    if isinstance(exc, SignInRefused):
        return 401
    if isinstance(exc, CsrfRejected):
        return 403
    if isinstance(exc, RequestError) and exc.field == "role":
        return 403
    return 400


def _answer(
    request: Request, status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    if request.url.path.startswith("/api/"):
        response: Response = JSONResponse({"detail": message, "field": field}, status_code=status)
    else:
        response = error_page(request, status, message)
    response.headers.update(headers or {})  # e.g. `Allow` on a 405
    return response


def route_table(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the application answers, routers included at any depth: what the authorization
    test walks, so a new route is checked the day it is added."""
    found: list[tuple[str, str]] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if hasattr(route, "effective_route_contexts"):  # an included router (FastAPI ≥ 0.13x)
                for ctx in route.effective_route_contexts():
                    found.extend((m, ctx.path) for m in sorted(ctx.methods or ()) if m != "HEAD")
            elif isinstance(route, Mount):
                found.append(("GET", f"{route.path}/{{path}}"))
            elif hasattr(route, "methods") and route.methods:
                found.extend((m, route.path) for m in sorted(route.methods) if m != "HEAD")
            elif hasattr(route, "routes"):
                walk(list(route.routes))

    walk(list(app.routes))
    return sorted(set(found))


def create_app(config: Config, db: Path | None = None, *, secure: bool = False) -> FastAPI:
    """The application for one store. `secure`: it is served behind https (Secure cookies, HSTS)."""
    app = FastAPI(
        title="Auditor de cuentas oficiales — API",
        version="1.0",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = WebSettings(config=config, db=db, secure=secure)
    app.add_middleware(SecurityHeaders, secure=secure)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)

    @app.exception_handler(RequestError)
    async def _request_error(request: Request, exc: RequestError) -> Response:
        return _answer(request, _status(exc), str(exc), exc.field)

    @app.exception_handler(CsrfRejected)
    async def _csrf(request: Request, exc: CsrfRejected) -> Response:
        return _answer(request, 403, t("web.csrf", lang_of(request)))

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, exc: SignInNeeded) -> Response:
        return RedirectResponse(exc.to, status_code=303)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        # Starlette's own answers (an unknown path, a method the route has not) carry English phrases: people
        # read the catalogue's; ours already carry a catalogue message.
        lang = lang_of(request)
        if exc.status_code == 404:
            message = t("web.not_found", lang)
        elif exc.status_code == 405:
            message = t("web.method_not_allowed", lang)
        else:
            message = exc.detail if isinstance(exc.detail, str) else t("web.bad_request", lang)
        return _answer(request, exc.status_code, message, headers=dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            return await request_validation_exception_handler(request, exc)
        return error_page(request, 400, t("web.bad_request", lang_of(request)))

    return app
