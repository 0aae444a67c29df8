"""Pages as HTML: one Jinja2 environment with autoescaping for every value (platform text is data), the
report's filters (`plain`, `safe_url`, `when`) and the message catalogue in the request's language."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from auditor.app.signin import Viewer
from auditor.i18n import Lang, days, t, term
from auditor.model import Severity
from auditor.model.clock import local_text
from auditor.model.platforms import PLATFORMS
from auditor.web.session import lang_of
from reports.escape import plain
from reports.html import jinja_environment


def _environment() -> Environment:
    env = jinja_environment("auditor.web")
    env.filters["when_text"] = _when_text
    env.filters["pretty"] = lambda value: json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True)
    return env


def _when_text(value: str) -> str:
    """A stored ISO timestamp as people read it (left as it is when it is not one)."""
    try:
        return local_text(datetime.fromisoformat(value))
    except ValueError:
        return plain(value, 40)


ENV = _environment()


def context(request: Request, lang: Lang) -> dict[str, Any]:
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    return {
        "lang": lang,
        "t": lambda key, **kw: t(key, lang, **kw),
        "term": lambda value: term(value, lang),
        "days": lambda n: days(n, lang),
        "platforms": PLATFORMS,
        "severities": sorted(Severity, key=lambda s: -s.rank),
        "viewer": viewer,
        "csrf": viewer.csrf if viewer else "",
        "overdue_of": lambda findings: [
            f for f in findings if any(a.overdue and not a.withdrawn for a in f.annotations)
        ],
        "path": request.url.path,
        "query": request.url.query,
    }


def page(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    lang = lang_of(request)
    html = ENV.get_template(template).render(**context(request, lang), **values)
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return page(request, "error.html.j2", status=status, status_code=status, message=message)
