"""Reading input files safely and remembering where every value came from.

Inventories, profiles and waivers are written by people, in YAML or exported from spreadsheets, so every
error must point at a file, a line and a field. This module turns YAML into plain Python data while
recording the line of every node (`SourceMap`), bounds what a hostile file can cost (size, nesting,
alias expansion), and formats pydantic errors as `file:line: field: message`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from auditor.i18n import t

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_NODES = 200_000  # bounds alias expansion ("billion laughs") and absurdly large documents
MAX_DEPTH = 40

Loc = tuple[str | int, ...]
_PLAIN_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


@dataclass(frozen=True, order=True)
class Problem:
    """One input error, located. `str()` gives the `file:line: field: message` form the CLI prints."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class InputError(Exception):
    """Raised with every problem found in the inputs at once; nothing has been written when it is."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class SourceMap:
    """Where each path of a loaded document came from: (file, line, how to name the field)."""

    entries: dict[Loc, tuple[str, int, str]] = field(default_factory=dict)

    def add(self, loc: Loc, file: str, line: int, label: str | None = None) -> None:
        self.entries[loc] = (file, line, label if label is not None else dotted(loc))

    def merge(self, other: SourceMap, prefix: Loc) -> None:
        for loc, (file, line, label) in other.entries.items():
            self.entries[prefix + loc] = (file, line, label)

    def locate(self, loc: Loc) -> tuple[str, int, str]:
        """The file and line of the nearest recorded ancestor, and a field name the author recognises."""
        for cut in range(len(loc), -1, -1):
            found = self.entries.get(loc[:cut])
            if found:
                file, line, label = found
                rest = dotted(loc[cut:])
                if not rest:
                    return file, line, label
                return file, line, f"{label}.{rest}" if label else rest
        return "?", 0, dotted(loc)


def dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# pydantic error types → catalogue keys: people read what to write, never a regex or a Python word.
_ERROR_KEYS = {
    "missing": "inputs.missing",
    "extra_forbidden": "inputs.unknown_field",
    "bool_parsing": "inputs.bad_bool",
    "bool_type": "inputs.bad_bool",
    "int_parsing": "inputs.bad_int",
    "int_type": "inputs.bad_int",
    "int_from_float": "inputs.bad_int",
    "float_parsing": "inputs.bad_number",
    "float_type": "inputs.bad_number",
    "string_type": "inputs.bad_text",
    "list_type": "inputs.bad_list",
    "dict_type": "inputs.bad_mapping",
    "model_type": "inputs.bad_mapping",
    "model_attributes_type": "inputs.bad_mapping",
    "string_too_short": "inputs.too_short",
}
_SLUG_PATTERN = "^[a-z0-9][a-z0-9_-]{0,63}$"


def describe(err: Any) -> str:
    """One pydantic error as a sentence in the catalogue's language."""
    kind = str(err["type"])
    ctx = err.get("ctx") or {}
    if kind in _ERROR_KEYS:
        return t(_ERROR_KEYS[kind])
    if kind.startswith(("date_", "datetime_")):
        return t("inputs.bad_date")
    if kind in ("enum", "literal_error"):
        choices = str(ctx.get("expected", "")).replace(" or ", ", ")
        return t("inputs.bad_choice", choices=choices)
    if kind == "string_too_long":
        return t("inputs.too_long", max=ctx.get("max_length", "?"))
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return t(
            "inputs.bad_slug"
            if pattern == _SLUG_PATTERN
            else "inputs.bad_rule_id"
            if "A-Z" in pattern
            else "inputs.bad_format"
        )
    if kind in ("value_error", "assertion_error"):
        return str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return t("inputs.invalid")


def problems_from_validation(error: ValidationError, source: SourceMap, prefix: Loc = ()) -> list[Problem]:
    """Turn a pydantic error into located problems, one per error, with the offending value shown."""
    problems = []
    for err in error.errors():
        loc: Loc = prefix + tuple(err["loc"])
        file, line, label = source.locate(loc)
        message = describe(err)
        value = err.get("input")
        if err["type"] not in ("missing", "extra_forbidden") and isinstance(value, str | int | float):
            message = t("inputs.got", message=message, value=f"«{str(value)[:80]}»")
        problems.append(Problem(file, line, label, message))
    return problems


def check_size(path: Path) -> None:
    """An input file that exists, is readable and is no larger than MAX_FILE_BYTES (refused before reading)."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError([Problem(name, 0, "", t("inputs.cannot_read", reason=exc.strerror))]) from None
    if size > MAX_FILE_BYTES:
        raise InputError([Problem(name, 0, "", t("inputs.too_large", size=size, limit=MAX_FILE_BYTES))])


def read_text(path: Path, *, allow_cp1252: bool = False) -> str:
    """Read a small text file: size bounded, NUL-free, UTF-8 (BOM tolerated) or, for CSV, Windows-1252."""
    name = str(path)
    check_size(path)
    data = path.read_bytes()
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise InputError([Problem(name, 0, "", t("inputs.empty_file"))])
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError([Problem(name, line, "", t("inputs.nul_byte"))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if not allow_cp1252:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError([Problem(name, line, "", t("inputs.not_utf8"))]) from None
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError([Problem(name, line, "", t("inputs.not_text"))]) from None


class _Walker:
    """Builds plain data from composed YAML nodes, recording lines and bounding the work."""

    def __init__(self, loader: yaml.SafeLoader, file: str):
        self.loader = loader
        self.file = file
        self.nodes = 0
        self.source = SourceMap()
        self.problems: list[Problem] = []

    def build(self, node: yaml.Node, loc: Loc, depth: int) -> Any:
        self.nodes += 1
        line = node.start_mark.line + 1
        if self.nodes > MAX_NODES:
            raise InputError([Problem(self.file, line, "", t("inputs.too_many_values", limit=MAX_NODES))])
        if depth > MAX_DEPTH:
            raise InputError([Problem(self.file, line, dotted(loc), t("inputs.too_deep", limit=MAX_DEPTH))])
        self.source.add(loc, self.file, line)
        if isinstance(node, yaml.CollectionNode) and node.tag not in _PLAIN_COLLECTION_TAGS:
            self.problems.append(Problem(self.file, line, dotted(loc), t("inputs.tag", tag=node.tag)))
            return None
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.problems.append(Problem(self.file, line, dotted(loc), t("inputs.merge_keys")))
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append(Problem(self.file, line, dotted(loc), t("inputs.plain_keys")))
                    continue
                key = str(key_node.value)
                if key in out:
                    key_line = key_node.start_mark.line + 1
                    self.problems.append(Problem(self.file, key_line, dotted((*loc, key)), t("inputs.duplicate_key")))
                    continue
                out[key] = self.build(value_node, (*loc, key), depth + 1)
                # A nested block starts on the line after its key; people look for the key.
                self.source.add((*loc, key), self.file, key_node.start_mark.line + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i), depth + 1) for i, item in enumerate(node.value)]
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError) as exc:
            if str(node.tag).endswith(":timestamp"):  # 2026-02-30: a date that does not exist
                message = t("inputs.got", message=t("inputs.bad_date"), value=f"«{node.value}»")
            else:
                message = t("inputs.invalid_value", reason=getattr(exc, "problem", None) or str(exc))
            self.problems.append(Problem(self.file, line, dotted(loc), message))
            return None


def load_yaml(path: Path) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse one YAML document with safe semantics only (no Python tags).

    Returns the data, the line of every value, and the values that could not be read (left as None so
    that validation can go on and report every other problem too). Syntax errors raise InputError.
    """
    text = read_text(path)
    name = str(path)
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise InputError([Problem(name, 0, "", t("inputs.empty_file"))])
        walker = _Walker(loader, name)
        data = walker.build(root, (), 0)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise InputError([Problem(name, line, "", t("inputs.yaml_syntax", reason=exc.problem or exc))]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(name, 0, "", t("inputs.yaml", reason=exc))]) from None
    except RecursionError:
        raise InputError([Problem(name, 0, "", t("inputs.nesting"))]) from None
    finally:
        loader.dispose()
    return data, walker.source, walker.problems
