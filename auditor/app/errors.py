"""What the application layer raises when a request cannot be carried out; each front end maps it to its
own answer (the CLI to an exit code, the web application to a status).

Besides `RequestError` below, the application layer lets these through unchanged: `InputError` (located
problems in files people wrote: `auditor.inputs.sources`), `StoreError` (an unusable store) and
`StoreBusy` (another audit holds the store's lock: `auditor.lock`).
"""

from __future__ import annotations


class RequestError(Exception):
    """The request names something that does not exist or asks for something impossible; `field` is the
    request's field (a CLI option, a form field) to point at."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
