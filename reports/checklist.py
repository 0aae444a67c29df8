"""The printable checklist (lista de verificación) of one institution: its accounts' questions, the current
answers, and signature lines for the director of communications and the RSI. Autoescaped like the report:
account ids, names and answers are data."""

from __future__ import annotations

from datetime import date

from jinja2 import Environment, PackageLoader, select_autoescape

from auditor.i18n import Lang, t

_env = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_checklist(name: str, institution: str, rows: list[dict[str, str]], today: date, lang: Lang) -> str:
    def tr(key: str, **values: object) -> str:
        return t(key, lang, **values)

    return _env.get_template("checklist.html.j2").render(
        name=name, institution=institution, rows=rows, today=today.strftime("%d/%m/%Y"), t=tr, lang=lang
    )
