"""respx for the platforms' own HTTP/1.1 pools (connectors.http11) as well as httpx's and httpcore's.

respx intercepts requests where httpcore's pools take them (`handle_async_request`); a platform's direct
requests never reach one — `Http11Pool.exchange` writes them to the socket itself. This mocker is respx's
httpcore mocker with that method as one more target: a test's routes answer an `Outgoing` as they answer any
httpx request (matched on its URL, method, headers and body), and the answer is decoded and bounded as the
pool bounds a real one. tests/conftest.py makes it respx's default.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx
from respx.mocks import HTTPCoreMocker

from connectors.answer_body import AnswerBody
from connectors.http11 import Answer, Outgoing


class Http11Mocker(HTTPCoreMocker):
    name = "httpcore+http11"
    targets: ClassVar[list[str]] = [*HTTPCoreMocker.targets, "connectors.http11.Http11Pool"]
    target_methods: ClassVar[list[str]] = [*HTTPCoreMocker.target_methods, "exchange"]

    @classmethod
    async def prepare_async_request(cls, httpx_request: httpx.Request, **kwargs: Any) -> Any:
        if "outgoing" not in kwargs:
            return await super().prepare_async_request(httpx_request, **kwargs)
        await httpx_request.aread()
        return httpx_request, kwargs

    @classmethod
    def to_httpx_request(cls, **kwargs: Any) -> httpx.Request:
        outgoing: Outgoing | None = kwargs.get("outgoing")
        if outgoing is None:
            return super().to_httpx_request(**kwargs)
        return httpx.Request(outgoing.method.decode(), outgoing.url, headers=outgoing.headers, content=outgoing.body)

    @classmethod
    async def from_async_httpx_response(cls, httpx_response: httpx.Response, target: Any, **kwargs: Any) -> Any:
        if "outgoing" not in kwargs:
            return await super().from_async_httpx_response(httpx_response, target, **kwargs)
        return cls.answer(httpx_response, kwargs["limit"])

    @staticmethod
    def answer(response: httpx.Response, limit: int) -> Answer:
        """What the pool hands on: the body decoded (httpx did) and bounded by `limit`."""
        headers = list(response.headers.raw)
        body = AnswerBody.announced(headers, limit, decoded=True)
        body.feed(response.content)
        return response.status_code, headers, body.content()
