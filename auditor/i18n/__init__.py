"""The one message catalogue: every sentence a person reads (CLI output, input errors, reports, tickets),
in Spanish by default and in English on request.

Messages are grouped by where they are shown (`cli`, `inputs`, `report`, `words`), merged here into one
table; a key present in two groups is an error at import. `t(key, lang)` formats one message; without
`lang` it uses the process's language (`set_lang`, chosen once by the front end: `auditor --lang en`).
File names, JSON keys and enum values stay English (machines read them); only sentences are translated.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Literal

from auditor.i18n import bench, cli, human, inputs, report, tickets, web, words

Lang = Literal["es", "en"]
LANGS: tuple[Lang, ...] = ("es", "en")

MESSAGES: dict[str, dict[str, str]] = {}
for _group in (
    bench.MESSAGES,
    cli.MESSAGES,
    human.MESSAGES,
    inputs.MESSAGES,
    report.MESSAGES,
    tickets.MESSAGES,
    web.MESSAGES,
    words.MESSAGES,
):
    _twice = MESSAGES.keys() & _group.keys()
    if _twice:
        raise RuntimeError(f"message keys defined twice: {sorted(_twice)}")
    MESSAGES.update(_group)

_current: ContextVar[Lang] = ContextVar("auditor_lang", default="es")


def as_lang(value: object) -> Lang:
    """`"en"` → English; anything else (None, "es", a typo already rejected upstream) → Spanish."""
    return "en" if value == "en" else "es"


def set_lang(lang: Lang) -> None:
    _current.set(lang)


def current_lang() -> Lang:
    return _current.get()


def t(key: str, lang: Lang | None = None, **values: object) -> str:
    """The message for `key`; a missing key is a bug, so it raises rather than falls back."""
    text = MESSAGES[key][lang or _current.get()]
    return text.format(**values) if values else text


def term(value: object, lang: Lang | None = None) -> str:
    """A value people read in a sentence, never a raw enum: `not_verified` → «sin verificar». An enum value
    the catalogue does not know (a platform answered something undocumented) is shown as such, raw."""
    from enum import Enum

    if isinstance(value, Enum):
        key = f"enum.{type(value).__name__}.{value.value}"
        if key in MESSAGES:
            return t(key, lang)
        value = value.value
    return t("enum.undocumented", lang, raw=value)


def raw_term(kind: str, raw: str, lang: Lang | None = None) -> str:
    """A value a platform names in its own words (`EMPLOYEE`): its words when the catalogue knows it, else
    shown as undocumented."""
    key = f"enum.{kind}.{raw}"
    return t(key, lang) if key in MESSAGES else t("enum.undocumented", lang, raw=raw)


def days(n: int, lang: Lang | None = None) -> str:
    """«1 día», «153 días»."""
    return t("days.one" if abs(n) == 1 else "days.many", lang, n=n)


def waiver_time_left(days_left: int, lang: Lang | None = None) -> str:
    """«quedan 12 días», «vence hoy», «vencida hace 153 días» (never «-153»)."""
    if days_left > 0:
        return t("waiver_days.left", lang, days=days(days_left, lang))
    if days_left == 0:
        return t("waiver_days.today", lang)
    return t("waiver_days.ago", lang, days=days(-days_left, lang))


def plural(n: int, singular_key: str, plural_key: str, lang: Lang | None = None) -> str:
    """«1 cuenta», «2 cuentas»: the count and the word that agrees with it."""
    return f"{n} {t(singular_key if n == 1 else plural_key, lang)}"
