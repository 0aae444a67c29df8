"""A Page's independent reads in one Graph batch (connectors/meta/batch.py): one HTTP request for them, the same
snapshot as reading them one by one, and every answer that is not definitive asked again on its own."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from auditor.model import ObservationState
from connectors.meta import MetaConnector
from connectors.meta.batch import ASK_AGAIN, settle
from connectors.meta.graph import map_graph_error
from tests.connectors.conftest import TOKEN, fast_connector, reply, request_for

# The reads a business-owned Page leaves to its batch: its people, its Page roles, its last post, and who
# holds the alternative handle (look-alike usernames join them when the run has a budget for them).
BATCHED = ["assigned_users", "roles", "published_posts", "mprueba.py"]


def fetch_twice(batching: bool = True, **account: Any) -> tuple[Any, Any]:
    """Two fetches of the same Page by one connector (the second shows what the first left behind)."""

    async def go() -> tuple[Any, Any]:
        connector = fast_connector(MetaConnector)
        connector._batching = batching
        try:
            request = request_for(alternative_handle="mprueba.py", **account)
            return await connector.fetch(request), await connector.fetch(request)
        finally:
            await connector.aclose()

    return asyncio.run(go())


def batch_calls(graph: Any) -> list[list[str]]:
    """Per batch sent: the relative URL of each call."""
    return [
        [c["relative_url"] for c in json.loads(call.request.url.params["batch"])]
        for call in graph.calls
        if call.request.method == "POST"
    ]


def first_then(first: httpx.Response | Exception, then: httpx.Response) -> Any:
    """A route's side effect: `first` for its first call (raised if an exception), `then` for every other."""
    calls = iter([first])

    def answer(request: httpx.Request) -> httpx.Response:
        answer = next(calls, then)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return answer


def comparable(snapshot: Any) -> dict[str, Any]:
    return snapshot.model_dump(mode="json", exclude={"fetched_at"})


def test_a_pages_independent_reads_go_in_one_batch_and_observe_what_single_reads_do(graph):
    batched, _ = fetch_twice()
    sent = batch_calls(graph)
    assert len(sent) == 2  # one batch for each of the two fetches
    for urls in sent:
        assert [u.split("?")[0].rsplit("/", 1)[-1] for u in urls] == BATCHED
        assert all(u.startswith("/v25.0/") for u in urls)
        assert not any(TOKEN in u for u in urls)  # the batch's own access_token stands for every call
    assert graph.post("/").calls[0].request.url.params["include_headers"] == "false"
    single, _ = fetch_twice(batching=False)
    assert len(batch_calls(graph)) == 2  # none more
    assert comparable(single) == comparable(batched)
    assert batched.members.state is ObservationState.OBSERVED and len(batched.members.value) > 3


def test_a_call_the_batch_did_not_finish_is_asked_again_on_its_own(graph):
    graph.get("/102030405060708/roles").mock(side_effect=first_then(httpx.ConnectTimeout("slow"), reply("roles")))
    snap, _ = fetch_twice()
    assert "10000000000000077" in {m.platform_user_id for m in snap.members.value}  # the Page role, read alone


@pytest.mark.parametrize(
    "first",
    [
        reply("error_4", 400),  # throttled: waits like any throttled request
        httpx.Response(500, json={"error": {"code": 2, "message": "Service temporarily unavailable"}}),
        httpx.Response(200, text="{not json"),
    ],
    ids=["throttled", "transient", "malformed"],
)
def test_an_answer_that_is_not_definitive_is_asked_again_on_its_own(graph, first):
    route = graph.get("/102030405060708/published_posts").mock(side_effect=first_then(first, reply("published_posts")))
    snap, _ = fetch_twice()
    assert snap.last_activity.state is ObservationState.OBSERVED and snap.last_activity.value is not None
    assert route.calls[1].request.method == "GET" and "batch" not in route.calls[1].request.url.params


def test_definitive_answers_are_taken_from_the_batch(graph):
    snap, _ = fetch_twice()
    assert snap.alternative_handle_owner.state is ObservationState.OBSERVED
    assert snap.alternative_handle_owner.value is None  # 803 inside the batch: nobody holds it
    assert graph.get("/mprueba.py").call_count == 2  # once per fetch, never asked again


def test_a_refused_batch_turns_batching_off_and_the_reads_go_one_by_one(graph):
    graph.post("/").mock(return_value=httpx.Response(404, json={"error": {"message": "Unknown path", "code": 1}}))
    first, second = fetch_twice()
    assert graph.post("/").call_count == 1  # not tried again for the second Page
    assert first.members.state is ObservationState.OBSERVED and first.last_activity.value is not None
    assert comparable(first) == comparable(second)


def test_a_throttled_batch_leaves_its_reads_to_go_one_by_one_and_batching_on(graph):
    graph.post("/").mock(return_value=reply("error_4", 400))
    snap, _ = fetch_twice()
    assert snap.members.state is ObservationState.OBSERVED and snap.last_activity.value is not None
    assert graph.post("/").call_count > 1  # tried again for the next Page


def test_settle_reads_graphs_batch_entries():
    redact = str
    assert settle(None, map_graph_error, redact) is ASK_AGAIN  # did not finish
    assert settle({"code": 200, "body": '{"id": "1"}'}, map_graph_error, redact) == {"id": "1"}
    assert settle({"code": 200, "body": "[1]"}, map_graph_error, redact) is ASK_AGAIN
    assert settle({"code": "200", "body": "{}"}, map_graph_error, redact) is ASK_AGAIN
    gone = settle({"code": 404, "body": json.dumps(reply("error_803", 400).json())}, map_graph_error, redact)
    assert type(gone).__name__ == "NotFound"
    denied = {"code": 403, "body": json.dumps({"error": {"code": 10, "message": "no permission"}})}
    assert type(settle(denied, map_graph_error, redact)).__name__ == "PermissionDenied"
    unknown = {"code": 400, "body": json.dumps({"error": {"code": 100, "message": "bad field"}})}
    assert settle(unknown, map_graph_error, redact) is ASK_AGAIN  # the single read says what it is
    leaked = {"code": 190, "body": json.dumps({"error": {"code": 190, "message": f"bad token {TOKEN}"}})}
    assert TOKEN not in str(settle(leaked, map_graph_error, lambda text: text.replace(TOKEN, "***")))
