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
    "word.problem": {"es": "problema", "en": "problem"},
    "word.problems": {"es": "problemas", "en": "problems"},
}
