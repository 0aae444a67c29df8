"""Graph batch requests (developers.facebook.com/docs/graph-api/batch-requests): the reads of one Page that do
not depend on each other — who holds tasks on it, its Page roles, its last post, who holds its alternative
handle, the look-alike usernames — go in one HTTP request instead of one each.

Why: a Page took about eight requests, and the round trips and the client's work per request set the pace of
a run (docs/benchmarks.md, issue 21). Meta counts every call in a batch against the rate limits as it would
count it alone, so a batch saves no quota and changes no answer: each call keeps its own status and body.

Only definitive answers are taken from a batch: a body (2xx), and an error that says what the object is (not
found, missing or hidden, permission denied, the credential refused). Anything else — a call Meta did not
finish (null), a throttle, a transient or unknown error, a body that is not JSON — is asked again on its own,
with every policy of a single request (pacing, retries, redaction). The readers do not know a batch went:
they ask `GraphClient._node` as before, which answers from this account's batch when it holds the answer.

The wire format is the one Meta's PHP SDK sends (`FacebookBatchRequest`): `relative_url` carries the version
(`/v25.0/{node}?{query}`) and the batch's `access_token` stands for every call.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlencode

import httpx

from connectors.base import ConnectorError, CredentialError, NotFound, PermissionDenied

MAX_CALLS = 50  # Meta's limit per batch

Key = tuple[str, tuple[tuple[str, str], ...]]
ASK_AGAIN: Any = object()  # not answered by the batch: the reader sends the request on its own

# This account's answers (key → body or error). A context variable, not a field: Pages are read concurrently
# by one connector, each in its own task, and a Page's readers must see only its own batch.
_answers: ContextVar[dict[Key, Any] | None] = ContextVar("graph_batch_answers", default=None)


def read_key(node: str, params: Mapping[str, Any]) -> Key:
    """A read as the readers ask it (`_node(node, **params)`): the same node and parameters, in any order."""
    return node.lstrip("/"), tuple(sorted((k, str(v)) for k, v in params.items()))


def relative_url(version: str, node: str, params: Mapping[str, Any]) -> str:
    return f"/{version}/{node.lstrip('/')}?{urlencode({k: str(v) for k, v in params.items()})}"


def calls(version: str, reads: list[tuple[str, dict[str, Any]]]) -> str:
    """The `batch` parameter: one GET per read."""
    return json.dumps(
        [{"method": "GET", "relative_url": relative_url(version, node, params)} for node, params in reads],
        separators=(",", ":"),
    )


def settle(
    entry: Any, error_mapper: Callable[[httpx.Response, Any], ConnectorError | None], redact: Callable[[str], str]
) -> Any:
    """One call's answer in a batch (`{"code", "body"}` or null): its body, its definitive error, or ASK_AGAIN."""
    if not isinstance(entry, dict) or not isinstance(entry.get("code"), int):
        return ASK_AGAIN  # null: Meta did not finish it in time (a partially completed batch)
    code, raw = entry["code"], entry.get("body")
    try:
        body = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return ASK_AGAIN
    mapped = error_mapper(httpx.Response(code), body)
    if isinstance(mapped, NotFound | PermissionDenied | CredentialError):
        return type(mapped)(redact(str(mapped)))
    if mapped is None and 200 <= code < 300 and isinstance(body, dict):
        return body
    return ASK_AGAIN


def taken(node: str, params: Mapping[str, Any]) -> Any:
    """This account's batch answer to a read, once; ASK_AGAIN when the batch does not hold it."""
    answers = _answers.get()
    if not answers:
        return ASK_AGAIN
    return answers.pop(read_key(node, params), ASK_AGAIN)


@contextmanager
def answering(answers: dict[Key, Any]) -> Iterator[None]:
    """The readers called within answer from `answers` first (this task only)."""
    token = _answers.set(answers)
    try:
        yield
    finally:
        _answers.reset(token)
