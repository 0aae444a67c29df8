"""Making platform- and inventory-controlled text safe to show: it is data, never markup or formulas."""

from __future__ import annotations

import re

import pydantic_core
from markupsafe import Markup

# C0/C1 controls and the Unicode bidirectional overrides that can make text display reversed.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SEPARATORS = re.compile("[\u2028\u2029]")  # line and paragraph separators: folded like newlines
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~!])")
# What renderers turn into links or mentions with no markup at all (GFM autolinks, TheHive, Slack-style
# mentions): defanged the way incident reports write indicators, visibly and inertly («http[:]//», «www[.]»,
# «a[@]b»). Escaping is not enough: autolinking runs on the text after escapes are resolved.
_AUTOLINK = re.compile(r"(?i)(://|\bwww\.|@)")
_DEFANGED = {"://": "[:]//", "@": "[@]"}
MAX_SHOWN = 500
# In JSON shown in a page: what HTML could read as markup, and what displays deceptively (C1 controls, bidi
# overrides, line separators; JSON itself escapes C0), each written as its \u escape, which JSON reads alike.
_JSON_IN_HTML = re.compile("[&<>'\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def plain(text: object, limit: int = MAX_SHOWN) -> str:
    """One line of visible text: controls and bidi overrides removed, newlines folded, length bounded."""
    value = _CONTROL.sub("", str(text)).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    value = _SEPARATORS.sub(" ", value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def json_html(value: object, indent: int = 1) -> Markup:
    """A JSON value (a finding's evidence) for a page's `<pre>`: inert as Jinja's `tojson` makes it, through
    pydantic's serializer — `tojson` indents with the standard library's pure-Python encoder, the larger part
    of rendering a country's evidence. Keys keep the order the connector gave them; other text is UTF-8."""
    text = pydantic_core.to_json(value, indent=indent, fallback=str).decode("utf-8")
    return Markup(_JSON_IN_HTML.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def fenced(text: str) -> str:
    """A whole text as a Markdown code block: nothing in it renders (links, images, mentions, HTML)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def md(text: object, limit: int = MAX_SHOWN) -> str:
    """Text for a Markdown document or table cell: no link, emphasis, heading, table or HTML can form."""
    value = plain(text, limit)
    value = _AUTOLINK.sub(lambda m: _DEFANGED.get(m.group(1).lower(), m.group(1)[:-1] + "[.]"), value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _MD_SPECIAL.sub(r"\\\1", value)
    return "\\" + value if value[:1] in ("#", "-", "+", "=") else value
