"""A credential's value as a type that cannot be printed, so no layer can leak it into a log or a report.

Resolving a credential (environment, files) is I/O and lives in `auditor.credentials`; the value type is
part of the model because connectors, which must not import the engine, receive it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Secret:
    """A token value. Never printed: repr and str show only the credential's name."""

    name: str
    value: str = field(repr=False)

    def __str__(self) -> str:
        return f"<secret {self.name}>"
