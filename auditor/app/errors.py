"""Everything the application layer raises when a request cannot be carried out, in one place, so a front
end maps each to its own answer (the CLI to an exit code, the web application to a status) without
reaching below the application layer:

- `RequestError`: the request names something that does not exist or asks for something impossible;
- `InputError`: located problems in files people wrote (`file:line: field: message`), nothing written;
- `StoreError`: the store cannot be used (a newer schema, a broken file);
- `StoreBusy`: another audit holds the store's single-writer lock;
- `UnsafePath`: a file or folder the auditor would write is a symlink, someone else's, or open to others.
"""

from __future__ import annotations

from auditor.inputs.sources import InputError
from auditor.lock import StoreBusy
from auditor.store import StoreError
from reports.files import UnsafePath

__all__ = ["InputError", "RequestError", "StoreBusy", "StoreError", "UnsafePath"]


class RequestError(Exception):
    """The request names something that does not exist or asks for something impossible; `field` is the
    request's field (a CLI option, a form field) to point at."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
