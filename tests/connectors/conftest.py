"""Offline Graph API: respx routes answering with the recorded bodies in tests/fixtures/meta/."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from auditor.model import Institution, RegisteredAccount
from auditor.model.secret import Secret
from connectors.base import FetchRequest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "meta"
GRAPH = "https://graph.facebook.com/v25.0"
TOKEN = "EAAG-test-token-value-123456"


def body(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def reply(name: str, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body(name), headers=headers)


@pytest.fixture
def graph() -> Any:
    """A respx router for graph.facebook.com with the happy-path routes of one business-owned Page."""
    with respx.mock(base_url=GRAPH, assert_all_called=False) as router:
        router.get("/debug_token").mock(return_value=reply("debug_token"))
        router.get("/mpruebapy").mock(return_value=reply("page"))
        router.get("/102030405060708").mock(return_value=reply("page"))
        router.get("/1122334455667788").mock(return_value=reply("business"))

        def users(request: httpx.Request) -> httpx.Response:
            return reply("business_users_2" if request.url.params.get("after") else "business_users_1")

        router.get("/1122334455667788/business_users").mock(side_effect=users)
        router.get("/1122334455667788/pending_users").mock(return_value=reply("pending_users"))
        router.get("/1122334455667788/system_users").mock(return_value=reply("system_users"))
        router.get("/102030405060708/assigned_users").mock(return_value=reply("assigned_users"))
        router.get("/102030405060708/roles").mock(return_value=reply("roles"))
        router.get("/102030405060708/published_posts").mock(return_value=reply("published_posts"))
        router.get("/mprueba.py").mock(return_value=reply("error_803", 400))  # no Page has this username
        router.get("/17841400000000000").mock(return_value=reply("ig_user"))
        router.get("/17841400000000000/media").mock(return_value=reply("ig_media"))
        router.post("/").mock(side_effect=graph_batch(router))
        yield router


def graph_batch(router: Any) -> Callable[[httpx.Request], httpx.Response]:
    """Graph's batch endpoint over a router's own routes: each call answered (and recorded) as if it had been
    sent alone, so a test's routes and faults hold whether the connector batches a read or not. A call whose
    route raises (a transport error) is one Graph did not finish: null."""

    def answer(request: httpx.Request) -> httpx.Response:
        token = request.url.params["access_token"]
        entries: list[dict[str, Any] | None] = []
        for call in json.loads(request.url.params["batch"]):
            url = request.url.join(call["relative_url"]).copy_merge_params({"access_token": token})
            try:
                response = router.handler(httpx.Request(call["method"], url))
            except httpx.TransportError:
                entries.append(None)
                continue
            entries.append({"code": response.status_code, "body": response.text})
        return httpx.Response(200, json=entries)

    return answer


INSTITUTION = Institution(id="mprueba", name="Ministerio de Prueba", email_domains=["mprueba.gov.py"])


def request_for(platform: str = "facebook", **account: Any) -> FetchRequest:
    fields = {"id": "acc", "platform": platform, "handle": "mpruebapy", "credential": "meta-mprueba", **account}
    return FetchRequest(
        INSTITUTION, RegisteredAccount.model_validate(fields), Secret("meta-mprueba", TOKEN), "meta-mprueba"
    )


async def no_sleep(seconds: float) -> None:
    SLEPT.append(seconds)


SLEPT: list[float] = []


def fast_connector(factory: Callable[..., Any]) -> Any:
    """A connector whose HTTP layer does not really sleep (waits are recorded in SLEPT)."""
    from auditor.config import ConnectorSettings

    connector = factory(ConnectorSettings(backoff_seconds=0.01, max_retries=3))
    if hasattr(connector, "http"):
        connector.http.sleep = no_sleep
    else:
        connector.sleep = no_sleep  # a connector that makes its HTTP clients per host (Mailchimp)
    SLEPT.clear()
    return connector


def fetch_with(factory: Any, request: FetchRequest) -> Any:
    """One fetch, as a run makes it (a fresh connector with fast retries, closed after)."""

    async def go() -> Any:
        connector = fast_connector(factory)
        try:
            return await connector.fetch(request)
        finally:
            await connector.aclose()

    return asyncio.run(go())


def fetch_meta(request: FetchRequest) -> Any:
    from connectors.meta import MetaConnector

    return fetch_with(MetaConnector, request)
