"""The sandbox answers like Graph: paging, errors, tokens, and its injected faults behave as declared."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import pytest

from connectors.sandbox import Fault, Sandbox

SCENARIO = {
    "tokens": {"TOK": {"credential": "c", "businesses": ["1"]}, "OLD": {"credential": "o", "is_valid": False}},
    "meta": {
        "businesses": {
            "1": {
                "name": "B",
                "two_factor_type": "none",
                "owned_pages": ["10"],
                "business_users": [{"id": str(i), "name": f"U{i}"} for i in range(5)],
            }
        },
        "pages": {
            "10": {
                "name": "P",
                "username": "pagepy",
                "business": "1",
                "assigned_users": [],
                "published_posts": [{"id": "10_1", "created_time": "-3d"}],
            },
            "20": {"name": "Other", "username": "otherpy", "assigned_users": []},
        },
    },
}


def get(sandbox: Sandbox, path: str, token: str | None = "TOK", **params: str) -> httpx.Response:
    query = {**params, **({"access_token": token} if token else {})}

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=sandbox.transport(), base_url="https://graph.facebook.com") as c:
            return await c.get(path, params=query)

    return asyncio.run(go())


def test_edges_page_with_next_only_while_items_remain():
    box = Sandbox(SCENARIO)
    first = get(box, "/v25.0/1/business_users", limit="2").json()
    assert len(first["data"]) == 2 and "next" in first["paging"]
    after = first["paging"]["cursors"]["after"]
    last = get(
        box,
        "/v25.0/1/business_users",
        limit="2",
        after=get(box, "/v25.0/1/business_users", limit="2", after=after).json()["paging"]["cursors"]["after"],
    ).json()
    assert len(last["data"]) == 1 and "next" not in last["paging"]
    assert "access_token" not in first["paging"]["next"]


def test_fields_are_filtered_and_relative_times_resolved():
    box = Sandbox(SCENARIO)
    page = get(box, "/v25.0/pagepy", fields="id,username").json()
    assert page == {"id": "10", "username": "pagepy"}
    post = get(box, "/v25.0/10/published_posts", fields="id,created_time", limit="1").json()["data"][0]
    assert post["created_time"].endswith("+0000") and post["created_time"][:4].isdigit()


def test_graph_error_bodies_for_tokens_permissions_and_missing_objects():
    box = Sandbox(SCENARIO)
    assert get(box, "/v25.0/10", token=None).json()["error"]["code"] == 104
    assert get(box, "/v25.0/10", token="nope").json()["error"]["code"] == 190
    expired = get(box, "/v25.0/10", token="OLD").json()["error"]
    assert (expired["code"], expired["error_subcode"]) == (190, 463)
    assert get(box, "/v25.0/20/assigned_users", business="1").json()["error"]["code"] == 200  # not ours
    missing = get(box, "/v25.0/404404404")  # an id: 100/33 («does not exist … or missing permissions»)
    assert missing.status_code == 400 and missing.json()["error"]["error_subcode"] == 33
    alias = get(box, "/v25.0/nothere").json()["error"]  # a username nobody holds: 803
    assert (alias["code"], alias["message"]) == (803, "(#803) Some of the aliases you requested do not exist: nothere")
    assert "X-App-Usage" in get(box, "/v25.0/10").headers


def test_faults_apply_the_declared_number_of_times():
    box = Sandbox(SCENARIO, faults=[Fault(path="/v25.0/10$", status=429, reset_in=30, times=1)])
    throttled = get(box, "/v25.0/10")
    assert throttled.status_code == 429 and int(throttled.headers["x-rate-limit-reset"]) >= time.time() + 25
    assert get(box, "/v25.0/10").status_code == 200


def test_timeout_latency_and_malformed_faults():
    box = Sandbox(
        SCENARIO,
        faults=[
            Fault(path="slow", latency_ms=50),
            Fault(path="/v25.0/10$", timeout=True, times=1),
            Fault(path="/v25.0/1$", malformed=True),
        ],
    )
    with pytest.raises(httpx.ReadTimeout):
        get(box, "/v25.0/10")
    assert get(box, "/v25.0/10").status_code == 200
    with pytest.raises(ValueError):
        get(box, "/v25.0/1").json()
    started = time.monotonic()
    get(box, "/v25.0/slow")
    assert time.monotonic() - started >= 0.05


def test_request_log_has_no_tokens():
    box = Sandbox(SCENARIO)
    get(box, "/v25.0/debug_token", input_token="TOK")
    (entry,) = box.request_log
    # The credential's name (whose allowance the request spent), never the token itself.
    assert entry == {"method": "GET", "path": "/v25.0/debug_token", "query": {}, "status": 200, "credential": "c"}
    assert "TOK" not in str(entry)


def test_the_sandbox_server_takes_a_burst_of_connections_without_dropping_any():
    """A client opening its connection pools at once (the bench's first second) must not have SYNs dropped:
    with socketserver's backlog of 5, each dropped connect waited for TCP's retransmissions (up to 15 s)."""
    import socket

    from connectors.sandbox.server import make_server

    server = make_server(Sandbox(SCENARIO), "127.0.0.1", 0)  # listening, but accepting nothing
    clients = []
    try:
        for _ in range(200):
            client = socket.socket()
            client.settimeout(0.5)
            client.connect(server.server_address)  # completes in the kernel's accept queue, or times out
            clients.append(client)
    finally:
        for client in clients:
            client.close()
        server.server_close()
    assert len(clients) == 200


def test_the_sandbox_server_sends_its_answers_without_waiting_for_the_client_s_ack():
    """Under Nagle's algorithm an answer written in two pieces waited for the client's delayed ACK of the first,
    40 ms added to every answer (the bench's 50 ms latency measured 94 ms). Every connection has TCP_NODELAY,
    as real servers' do, and an answer goes in one write."""
    import socket

    from connectors.sandbox.server import SandboxServer

    seen: list[int] = []

    class Recording(SandboxServer):
        async def _exchange(self, reader, writer):  # type: ignore[no-untyped-def]
            seen.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            return await super()._exchange(reader, writer)

    server = Recording(Sandbox(SCENARIO), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(server.server_address, timeout=10) as client:
            client.sendall(b"GET /__sandbox/stats HTTP/1.1\r\nhost: sandbox\r\n\r\n")
            first = client.recv(65536)  # the whole answer, in the first segment
    finally:
        server.shutdown()
        server.server_close()
    head, _, body = first.partition(b"\r\n\r\n")
    length = int(next(v for k, _, v in (h.partition(b": ") for h in head.split(b"\r\n")) if k == b"content-length"))
    assert head.startswith(b"HTTP/1.1 200 OK") and len(body) == length
    assert seen and all(seen)


def post(sandbox: Sandbox, path: str, **params: str) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=sandbox.transport(), base_url="https://graph.facebook.com") as c:
            return await c.post(path, params=params)

    return asyncio.run(go())


def test_a_graph_batch_answers_each_call_as_alone_in_one_counted_request():
    box = Sandbox(
        SCENARIO,
        faults=[Fault(path="/v25.0/10/roles$", timeout=True, times=1), Fault(path="/v25.0/gone$", status=500)],
        rate_limit=(100, 60.0),
    )
    calls = [
        {"method": "GET", "relative_url": "/v25.0/10?fields=id,username"},
        {"method": "GET", "relative_url": "/v25.0/nothere?fields=id"},
        {"method": "GET", "relative_url": "/v25.0/10/roles?fields=id,name"},  # times out: null
        {"method": "GET", "relative_url": "/v25.0/gone"},  # a fault's answer, as it would be alone
        {"method": "POST", "relative_url": "/v25.0/10/feed"},  # only reads here
    ]
    answer = post(box, "/v25.0/", batch=json.dumps(calls), include_headers="false", access_token="TOK")
    entries = answer.json()
    assert answer.status_code == 200 and len(entries) == 5
    assert entries[0]["code"] == 200 and json.loads(entries[0]["body"]) == {"id": "10", "username": "pagepy"}
    assert entries[1]["code"] >= 400 and json.loads(entries[1]["body"])["error"]["code"] == 803
    assert entries[2] is None
    assert entries[3]["code"] == 500
    assert entries[4]["code"] == 400
    assert box.counts == {"c": 1}  # one HTTP request against the credential's window, as an X-style gateway counts
    logged = [(e["method"], e["path"]) for e in box.request_log]
    assert ("POST", "/v25.0/") in logged and ("GET", "/v25.0/10/roles") in logged
    assert "TOK" not in json.dumps(box.request_log)
    with_headers = post(box, "/v25.0/", batch=json.dumps(calls[:1]), access_token="TOK").json()[0]
    assert "x-app-usage" in {h["name"] for h in with_headers["headers"]}
    assert post(box, "/v25.0/", batch="[", access_token="TOK").json()["error"]["code"] == 100
    too_many = json.dumps([calls[0]] * 51)
    assert "Maximum batch size is 50" in post(box, "/", batch=too_many, access_token="TOK").json()["error"]["message"]


def test_the_sandbox_s_indexes_follow_the_scenario_between_requests():
    """Routes find objects through indexes built once (`connectors.sandbox.lookup`): a Page added or removed
    between two audits is seen, and an object whose username changed in place is not found under the old one."""
    from connectors.sandbox.lookup import section

    sandbox = Sandbox({"meta": {"pages": {1: {"username": "uno"}, "2": {"username": "Dos"}}}})
    pages = sandbox.scenario["meta"]["pages"]

    def lookup(name: str) -> list[str]:
        found = section(sandbox, "meta.pages", pages)
        return found.find("username", lambda p: str(p.get("username", "")).lower(), name)

    assert lookup("uno") == ["1"] and lookup("dos") == ["2"]
    pages["3"] = {"username": "tres"}
    assert lookup("tres") == ["3"]
    del pages[1]
    assert lookup("uno") == []
    pages["2"]["username"] = "otro"  # edited in place: not found under its old name
    assert lookup("dos") == []
    assert section(sandbox, "meta.pages", pages).in_order(["3", "9", "2"]) == ["2", "3"]
