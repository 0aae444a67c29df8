"""What each platform accepts as a public handle, so a registered handle that cannot exist is a located input
error instead of a lookup of something else (a handle `x/../../123` once made the X connector read another
account).

Sources (docs/platforms.md): X — «Your username cannot be longer than 15 characters… can only contain
alphanumeric characters (letters A-Z, numbers 0-9) with the exception of underscores» (help.x.com, Help with
username registration); Instagram — 30 characters, letters, numbers, periods and underscores (Instagram Help
Center); Facebook — «Usernames can only contain alphanumeric characters (A-Z, 0-9) or a period (".")… at least
5 characters» (Facebook Help Center, Username guidelines); TikTok — letters, numbers, underscores and periods,
up to 24 characters (TikTok Support, Username); YouTube handles — 3 to 30 characters: letters or numbers of
any script, underscores, hyphens and periods (YouTube Help, Handle guidelines). LinkedIn's vanity name rules
are not published: only what a URL path segment cannot hold is refused there (inferred; kept permissive).
"""

from __future__ import annotations

import re

from auditor.model.common import Platform

HANDLE_PATTERNS: dict[Platform, re.Pattern[str]] = {
    Platform.X: re.compile(r"[A-Za-z0-9_]{1,15}"),
    Platform.INSTAGRAM: re.compile(r"[A-Za-z0-9._]{1,30}"),
    Platform.FACEBOOK: re.compile(r"[A-Za-z0-9.]{5,50}"),
    Platform.TIKTOK: re.compile(r"[A-Za-z0-9._]{2,24}"),
    Platform.YOUTUBE: re.compile(r"[\w.-]{3,30}"),
    Platform.LINKEDIN: re.compile(r"[\w.-]{1,100}"),
}


def handle_problem(platform: Platform, handle: str) -> str | None:
    """The catalogue key of the platform's handle rule when `handle` breaks it, else None. Platforms without a
    public handle (Google, Zoom, Mailchimp) take any value: it is only a label there."""
    pattern = HANDLE_PATTERNS.get(platform)
    if pattern is None or pattern.fullmatch(handle):
        return None
    return f"handle_rule.{platform.value}"


# Single look-alike substitutions an impostor uses (IDN-009): digits for letters, «rn» for «m», «vv» for «w».
_SWAPS = (("o", "0"), ("0", "o"), ("l", "1"), ("1", "l"), ("i", "l"), ("l", "i"), ("m", "rn"), ("rn", "m"), ("w", "vv"))
_SUFFIXES = ("py", "_py", ".py", "-py", "paraguay", "_paraguay", ".paraguay", "-paraguay", "_")


def lookalike_variants(platform: Platform, handle: str) -> list[str]:
    """Spellings that read like `handle` and the platform accepts, most likely first: the country suffix
    varied, separators added or dropped, then one look-alike substitution. Never the handle itself."""
    own = handle.lstrip("@").lower()
    base = re.sub(r"[._-]?(py|paraguay)$", "", own)
    stems = [base, *(base.replace(sep, "") for sep in "._-" if sep in base)]
    found: list[str] = []
    for stem in dict.fromkeys(stems):
        found += [stem, *(stem + suffix for suffix in _SUFFIXES)]
    for old, new in _SWAPS:
        start = own.find(old)
        while start != -1:
            found.append(own[:start] + new + own[start + len(old) :])
            start = own.find(old, start + 1)
    pattern = HANDLE_PATTERNS.get(platform)
    return [v for v in dict.fromkeys(found) if v != own and v and (pattern is None or pattern.fullmatch(v))]
