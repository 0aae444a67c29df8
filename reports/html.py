"""The HTML report: one self-contained file a communications director or RSI can read without help.

Inline CSS only (no fonts, scripts or images from anywhere), a Content-Security-Policy that forbids loading
anything, Jinja2 autoescaping for every value, links only for http(s) URLs we build ourselves, and the trend
chart drawn here as inline SVG. Prints on A4.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from auditor.i18n import Lang, days, plural, t, term, waiver_time_left
from auditor.model import FindingStatus, Report, ReportAccount, ReportFinding, Severity, TrendPoint
from auditor.model.clock import local_text
from auditor.model.platforms import PLATFORMS
from reports.escape import json_html, plain

SEVERITY_COLOURS = {
    Severity.CRITICAL: "#7f1d1d",
    Severity.HIGH: "#c2410c",
    Severity.MEDIUM: "#a16207",
    Severity.LOW: "#1d4ed8",
    Severity.INFO: "#4b5563",
}


def safe_url(url: str | None) -> str | None:
    """Only absolute http(s) URLs may become links; anything else (javascript:, data:) is shown as text."""
    if not url:
        return None
    parsed = urlparse(url)
    return url if parsed.scheme in ("http", "https") and parsed.netloc else None


def trend_svg(points: list[TrendPoint], lang: Lang) -> Markup:
    """Stacked bars of open findings per run, drawn server-side (no script, nothing to load)."""
    if not points:
        return Markup("")
    width, height, pad, legend = 640, 190, 28, 22
    totals = [sum(p.open.values()) for p in points]
    top = max(totals) or 1
    bar = min(48, (width - 2 * pad) / len(points) * 0.6)
    step = (width - 2 * pad) / len(points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + legend}" role="img" '
        f'aria-label="{escape(t("trend", lang))}" class="trend">'
    ]
    order = sorted(Severity, key=lambda s: s.rank)
    for i, point in enumerate(points):
        x = pad + i * step + (step - bar) / 2
        y = float(height - pad)
        for severity in order:
            value = point.open.get(severity, 0)
            if not value:
                continue
            h = (height - 2 * pad) * value / top
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{SEVERITY_COLOURS[severity]}"><title>#{point.run_id} '
                f"{escape(t(f'severity.{severity.value}', lang))}: {value}</title></rect>"
            )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="total">{totals[i]}</text>'
        )
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - pad + 14}" text-anchor="middle">#{point.run_id}</text>')
    for j, severity in enumerate(reversed(order)):
        lx = pad + j * 120
        parts.append(
            f'<rect x="{lx}" y="{height + 4}" width="10" height="10" fill="{SEVERITY_COLOURS[severity]}"/>'
            f'<text x="{lx + 14}" y="{height + 13}">{escape(t(f"severity.{severity.value}", lang))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def jinja_environment(package: str) -> Environment:
    """Templates of `package`/templates with autoescaping for every value and the report's filters: the HTML
    report's, and the web application's pages."""
    env = Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates ship with the package and do not change while it runs; with reloading on, every
        # `{% include %}` (one per finding) checked the template file's modification time.
        auto_reload=False,
    )
    env.filters["plain"] = plain
    env.filters["json_html"] = json_html
    env.filters["safe_url"] = safe_url
    env.filters["when"] = local_text
    return env


ENV = jinja_environment("reports")


def render_html(report: Report) -> str:
    return "".join(html_chunks(report))


def html_chunks(report: Report) -> Iterator[str]:
    """The page as the template yields it, for writing as it comes: a country's page is tens of MB, and
    joined into one string (then encoded for the file) it was held two or three times at once."""
    lang: Lang = report.lang
    by_account: dict[tuple[str, str | None], list[ReportFinding]] = defaultdict(list)
    for f in report.findings:
        by_account[(f.institution, f.account if f.platform else None)].append(f)
    accounts_of: dict[str, list[ReportAccount]] = defaultdict(list)  # a country's table, not accounts × institutions
    for a in report.accounts:
        accounts_of[a.institution].append(a)
    names = {i.id: i.name for i in report.institutions}
    context: dict[str, Any] = {
        "r": report,
        "lang": lang,
        "t": lambda key, **kw: t(key, lang, **kw),
        "term": lambda value: term(value, lang),
        "names": names,
        "platforms": PLATFORMS,
        "colours": SEVERITY_COLOURS,
        "statuses": list(FindingStatus),
        "by_account": by_account,
        "accounts_of": accounts_of,
        "incidents": report.open_incidents,
        "counted": lambda n, one, many: plural(n, one, many, lang),
        "days": lambda n: days(n, lang),
        "time_left": lambda n: waiver_time_left(n, lang),
        "attest": [f for f in report.findings if f.policy_id == "OPS-003"],
        "not_audited": [a for a in report.accounts if a.error_kind],
        # The pending-declaration table's columns: every item any account has pending (the template's
        # `sum(start=[])` of the rows' lists was quadratic in a country's thousands of rows).
        "pending_columns": sorted({item for row in report.pending_declarations for item in row.items}),
        "trend": trend_svg(report.trend, lang),
        "title": t("title", lang)
        + (f" — {names.get(report.institution, report.institution)}" if report.institution else ""),
    }
    return ENV.get_template("report.html.j2").generate(**context)
