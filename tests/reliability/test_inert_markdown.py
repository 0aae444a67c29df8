"""Issue 17 class 8: Markdown and TheHive/Jira text is inert. Platform text cannot form links, images,
autolinks or mentions in the Markdown report (escaped and defanged), in TheHive's description (a code block)
or in Jira (an ADF code block); a finding's evidence in an HTML page is JSON with nothing HTML could read."""

from __future__ import annotations

import re

from auditor.tickets.sinks.http_sinks import adf
from reports.escape import fenced, md

HOSTILE = [
    "[clic](https://evil.example)",
    "![x](https://evil.example/p.png)",
    "https://evil.example",
    "www.evil.example",
    "<https://evil.example>",
    "<img src=x onerror=alert(1)>",
    "@channel @here",
    "soporte@evil.example",
]
ACTIVE = re.compile(r"(?<!\\)\[|(?<!\\)!\[|://|www\.|<|(?<!\[)@")


def test_the_markdown_report_escape_leaves_nothing_active():
    for text in HOSTILE:
        shown = md(text)
        assert not ACTIVE.search(shown), (text, shown)


def test_thehive_text_is_one_code_block_whatever_backticks_it_holds():
    text = "nombre ```` con fence\n" + "\n".join(HOSTILE)
    block = fenced(text)
    fence = block.split("text", 1)[0]
    assert len(fence) == 5 and block.endswith("\n" + fence)  # longer than any run of backticks inside
    assert block.count(fence) == 2


def test_jira_gets_a_code_block_and_the_note_as_a_paragraph():
    doc = adf("\n".join(HOSTILE), note="Reabierto")
    paragraph, code = doc["content"]
    assert paragraph["content"][0]["text"] == "Reabierto"
    assert code["type"] == "codeBlock" and code["content"][0]["text"].startswith("[clic]")


def test_evidence_json_in_a_page_is_inert_and_reads_back_the_same():
    import json

    from reports.escape import json_html

    evidence = {
        "page": {"name": "<script>alert(1)</script>", "about": "a & 'b' </pre><img src=x onerror=alert(1)>"},
        "bidi": "admin\u202egnp.exe \u2066x\u2069 \u2028 \x85",
        "names": ["Ñandutí", None, 3, 2.5, True],
    }
    shown = str(json_html(evidence))
    assert not re.search("[<>&'\u202a-\u202e\u2066-\u2069\u2028\u2029\x7f-\x9f]", shown), shown
    assert "Ñandutí" in shown  # readable, not \u escapes
    assert json.loads(shown) == evidence
