"""Words for values people read in sentences: platform enums never reach a sentence raw."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "word.account": {"es": "cuenta", "en": "account"},
    "word.accounts": {"es": "cuentas", "en": "accounts"},
    "word.person": {"es": "persona", "en": "person"},
    "word.people": {"es": "personas", "en": "people"},
    "word.institution": {"es": "institución", "en": "institution"},
    "word.institutions": {"es": "instituciones", "en": "institutions"},
    "word.finding": {"es": "hallazgo", "en": "finding"},
    "word.findings": {"es": "hallazgos", "en": "findings"},
    "word.check": {"es": "verificación", "en": "check"},
    "word.checks": {"es": "verificaciones", "en": "checks"},
    "word.open": {"es": "abierto", "en": "open"},
    "word.opens": {"es": "abiertos", "en": "open"},
    "word.waived": {"es": "exceptuado", "en": "waived"},
    "word.waiveds": {"es": "exceptuados", "en": "waived"},
    "word.new": {"es": "nuevo", "en": "new"},
    "word.news": {"es": "nuevos", "en": "new"},
    "word.resolved": {"es": "resuelto", "en": "resolved"},
    "word.resolveds": {"es": "resueltos", "en": "resolved"},
    "word.problem": {"es": "problema", "en": "problem"},
    "word.problems": {"es": "problemas", "en": "problems"},
}
