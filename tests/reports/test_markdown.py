"""The Markdown report shows hostile inventory text as text, and stays in one language."""

from __future__ import annotations

from auditor.app.report_document import build_report
from auditor.engine import run_audit
from auditor.model import Inventory
from reports.escape import md, plain
from reports.markdown import render_markdown
from tests.conftest import NOW, clean_doc, institution


def test_md_escape_neutralises_markup_links_tables_and_controls():
    assert md("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert md("[clic](javascript:alert(1))") == "\\[clic\\](javascript:alert(1))"
    # Autolinks, images and mentions cannot form either (GFM autolinking ignores escapes: defanged instead).
    assert md("![i](https://x/p.png)") == "\\!\\[i\\](https\\[:\\]//x/p.png)"
    assert md("www.evil.example y a@gmail.com @channel") == (
        "www\\[.\\]evil.example y a\\[@\\]gmail.com \\[@\\]channel"
    )
    assert md("<https://evil.example>") == "&lt;https\\[:\\]//evil.example&gt;"
    assert md("a | b") == "a \\| b"
    assert md("# título") == "\\# título"
    assert md('=HYPERLINK("x")').startswith("\\=")
    assert plain("abc\u202eevil\x00\nnext") == "abcevil next"
    assert len(plain("x" * 10_000)) == 500


def test_hostile_names_are_escaped_in_the_report(store):
    doc = clean_doc()
    doc["institution"]["name"] = "<img src=x onerror=alert(1)>"
    doc["accounts"][0]["platform"] = "mailchimp"  # no public handle there: any label is accepted, and shown
    doc["accounts"][0]["handle"] = "**bold**|py"
    doc["accounts"][0]["linked_email"] = "a@gmail.com"
    doc["people"][0]["name"] = "[Juan](http://evil.example)"
    doc["people"][0]["email"] = "juan@gmail.com"
    result = run_audit(store, Inventory(institutions=[institution(doc)]), now=NOW)
    text = render_markdown(build_report(store, result.run_id, "es"))
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "**bold**" not in text and "\\*\\*bold\\*\\*\\|py" in text
    # No link forms, and no bare URL either: autolinking would make one (issue 17 class 8).
    assert "[Juan](http" not in text and "http://evil" not in text
    assert "\\[Juan\\](http\\[:\\]//evil.example)" in text


def test_report_lists_resolved_findings_of_the_run(store):
    doc = clean_doc()
    doc["accounts"][0]["linked_email"] = "a@gmail.com"
    run_audit(store, Inventory(institutions=[institution(doc)]), now=NOW)
    second = run_audit(store, Inventory(institutions=[institution()]), now=NOW).run_id
    report = build_report(store, second, "en")
    assert report.findings == []
    assert [f.policy_id for f in report.resolved] == ["INV-002"]
    text = render_markdown(report)
    assert "## Resolved in this run" in text and "No findings." in text
    assert report.previous_run_id == second - 1
