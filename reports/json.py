"""The JSON report: the pydantic `Report` model, versioned by `schema_version`."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from auditor.model import Report

# The lists that grow with the country, written an item at a time; the rest of the document is small.
_IN_PIECES = ("findings", "resolved", "accounts", "pending_declarations")


def render_json(report: Report) -> bytes:
    """The whole document at once (a test's, a web page's)."""
    return b"".join(json_chunks(report))


def json_chunks(report: Report) -> Iterator[bytes]:
    """UTF-8 JSON with two-space indents, made as it is written: byte for byte what pydantic makes of the whole
    `Report`. Serializing a country's report at once held it three times over (pydantic's buffer, then its
    bytes: +123 MB at 10,000 accounts); here the document is serialized without its long lists, and each of
    their items on its own, indented to its place. (An item's JSON has no raw newline but its structure's:
    strings escape theirs.)"""
    shell = Report.__pydantic_serializer__.to_json(
        report.model_copy(update={name: [] for name in _IN_PIECES}), indent=2
    )
    # A top-level key is the only one two spaces in; nested ones are deeper.
    marks = sorted((shell.index(b'\n  "%s": []' % name.encode()), name) for name in _IN_PIECES)
    start = 0
    for at, name in marks:
        opening = b'\n  "%s": [' % name.encode()
        yield shell[start:at] + opening
        items: list[BaseModel] = getattr(report, name)
        for n, item in enumerate(items):
            piece = type(item).__pydantic_serializer__.to_json(item, indent=2)
            yield (b",\n    " if n else b"\n    ") + piece.replace(b"\n", b"\n    ")
        yield b"\n  ]" if items else b"]"
        start = at + len(opening) + 1  # past the empty list's `]`
    yield shell[start:] + b"\n"
