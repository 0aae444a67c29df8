"""docs/platforms.md's error tables are checked against the connectors: every row `<platform> <answer>` names
the error kind the connector's own mapping gives that answer (issue 16 point 9)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httplib2
import httpx
import pytest
from googleapiclient.errors import HttpError

from auditor.model.secret import Secret
from connectors.google_api import map_http_error
from connectors.linkedin import map_linkedin_error
from connectors.mailchimp import map_mailchimp_error
from connectors.meta.graph import map_graph_error
from connectors.tiktok import map_tiktok_error
from connectors.x import map_problem
from connectors.zoom import map_zoom_error
from tests.connectors.test_http import client, run, sequence

DOC = Path(__file__).parents[2] / "docs" / "platforms.md"
ROW = re.compile(r"^\| `(?P<platform>[a-z]+) (?P<answer>[^`]+)` \| (?P<kind>\w+) \|")
ROWS = [m.groupdict() for line in DOC.read_text(encoding="utf-8").splitlines() if (m := ROW.match(line))]


def mapped(platform: str, answer: str) -> str:
    """The error kind the connector gives this answer (its class name)."""
    parts = answer.split()
    status = int(parts[0]) if parts[0].isdigit() else 400
    extra = parts[1] if len(parts) > 1 else None
    error: Any
    if platform == "meta":
        code, _, subcode = answer.partition("/")
        body = {"error": {"code": int(code), "message": "m", **({"error_subcode": int(subcode)} if subcode else {})}}
        error = map_graph_error(httpx.Response(400, json=body), body)
    elif platform == "x":
        body = {"title": "t", "detail": "d", "type": f"https://api.twitter.com/2/problems/{extra or 'about'}"}
        error = map_problem(httpx.Response(status, json=body), body)
    elif platform == "google":
        content = {"error": {"code": status, "message": "m", "errors": [{"reason": extra or "backendError"}]}}
        exc = HttpError(httplib2.Response({"status": status}), json.dumps(content).encode())
        error = map_http_error(exc, Secret("g", "token-value"))
    elif platform == "linkedin":
        body = {"status": status, "code": extra, "message": "m"}
        error = map_linkedin_error(httpx.Response(status, json=body), body)
    elif platform == "tiktok":
        body = {"data": {}, "error": {"code": extra, "message": "m", "log_id": "L"}}
        error = map_tiktok_error(httpx.Response(status, json=body), body)
    elif platform == "zoom":
        body = {"code": int(extra) if extra else None, "message": "m"}
        error = map_zoom_error(httpx.Response(status, json=body), body)
    elif platform == "mailchimp":
        body = {"type": "about:blank", "title": "t", "status": status, "detail": "d"}
        error = map_mailchimp_error(httpx.Response(status, json=body), body)
    elif platform == "http":
        http, _ = client(sequence(httpx.Response(status, headers={"Location": "https://elsewhere.example/"})))
        try:
            run(http)
        except Exception as exc:
            return type(exc).__name__
        return "no error"
    else:
        raise AssertionError(f"docs/platforms.md names an unknown platform {platform!r}")
    return type(error).__name__ if error is not None else "no error"


def test_the_page_has_a_table_for_every_connector():
    assert {r["platform"] for r in ROWS} == {"meta", "x", "google", "linkedin", "tiktok", "zoom", "mailchimp", "http"}
    assert len(ROWS) >= 45


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['platform']} {r['answer']}")
def test_each_documented_answer_maps_to_the_documented_kind(row):
    assert mapped(row["platform"], row["answer"]) == row["kind"]
