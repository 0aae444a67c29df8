"""A scenario's objects as the sandbox's routes look them up, indexed once per scenario.

The routes found a Page, an X user, a YouTube channel or a LinkedIn organization by scanning the whole
section, and re-keyed it, on every request: work in proportion to the country on each of them. At 10,000
accounts that was most of the platform double's CPU, and the bench measured the double, not the auditor.

An index is rebuilt when its section is replaced or gains or loses an object (tests delete a Page between
two audits). Every hit is checked against the object as it is now, so an object whose key was edited in place
is not found under its old key — but it is not found under its new one either, until the index is rebuilt:
a scenario edits its keys by replacing the section or adding or removing an object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox

Key = Callable[[dict[str, Any]], str]
_EMPTY: dict[str, Any] = {}


@dataclass
class Section:
    """One section of a scenario (`meta.pages`, `x.users`…) by id, and by any key a route looks it up by."""

    objects: dict[str, dict[str, Any]]  # by id, as a string (YAML reads numeric ids as numbers)
    source: tuple[int, int]
    _indexes: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    _positions: dict[str, int] | None = None

    def find(self, by: str, key: Key, value: str) -> list[str]:
        """The ids of the objects whose `key` is `value`, in the scenario's order. `by` names the key."""
        index = self._indexes.get(by)
        if index is None:  # built whole, then published: routes answer from several threads (Google's client)
            index = {}
            for object_id, obj in self.objects.items():
                index.setdefault(key(obj), []).append(object_id)
            self._indexes[by] = index
        return [i for i in index.get(value, ()) if i in self.objects and key(self.objects[i]) == value]

    def in_order(self, ids: Iterable[str]) -> list[str]:
        """`ids` that are in the section, in the scenario's order."""
        positions = self._positions
        if positions is None:
            positions = self._positions = {object_id: n for n, object_id in enumerate(self.objects)}
        return sorted((i for i in set(ids) if i in positions), key=positions.__getitem__)


def section(sandbox: Sandbox, name: str, objects: Mapping[Any, Any] | None) -> Section:
    """The sandbox's index of `objects` (the scenario's section called `name`), built on first use."""
    objects = objects or _EMPTY
    source = (id(objects), len(objects))
    cached = sandbox.derived.get(name)
    if isinstance(cached, Section) and cached.source == source:
        return cached
    built = Section({str(k): v for k, v in objects.items()}, source)
    sandbox.derived[name] = built
    return built
