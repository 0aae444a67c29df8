"""Credentials by reference: the inventory and config name a credential, its value comes from elsewhere.

A value is read from an environment variable or a file, never from the config itself, and a file that
group or others can read is refused (the way ssh refuses a private key). A `Secret` hides its value from
repr/str so it cannot leak into logs, reports, tickets or the store by accident.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from auditor.i18n import t
from auditor.model.secret import Secret


class CredentialRef(BaseModel):
    """Where a credential's value lives: exactly one of an environment variable or a file."""

    model_config = ConfigDict(extra="forbid")

    env: str | None = None
    file: Path | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> CredentialRef:
        if (self.env is None) == (self.file is None):
            raise ValueError(t("inputs.credential_ref"))
        return self


_RESOLVED: set[str] = set()


def known_secret_values() -> frozenset[str]:
    """Every secret value resolved in this process, so log filters can remove them wherever they appear."""
    return frozenset(_RESOLVED)


class CredentialUnavailable(Exception):
    """The named credential cannot be resolved (unset variable, missing or exposed file)."""


class Credentials:
    """Resolves credential names to secrets, from references (config) or literal values (sandbox/demo)."""

    def __init__(self, refs: Mapping[str, CredentialRef] | None = None, literals: Mapping[str, str] | None = None):
        self._refs = dict(refs or {})
        self._literals = dict(literals or {})

    def names(self) -> list[str]:
        return sorted({*self._refs, *self._literals})

    def resolve(self, name: str) -> Secret:
        secret = self._resolve(name)
        _RESOLVED.add(secret.value)
        return secret

    def _resolve(self, name: str) -> Secret:
        if name in self._literals:
            return Secret(name, self._literals[name])
        ref = self._refs.get(name)
        if ref is None:
            raise CredentialUnavailable(t("credential.undefined", name=name))
        if ref.env is not None:
            value = os.environ.get(ref.env)
            if not value:
                raise CredentialUnavailable(t("credential.env_unset", name=name, env=ref.env))
            return Secret(name, value.strip())
        assert ref.file is not None
        return Secret(name, read_secret_file(ref.file, name))


def read_secret_file(path: Path, name: str) -> str:
    try:
        info = path.stat()
    except OSError as exc:
        raise CredentialUnavailable(t("credential.unreadable", name=name, path=path, reason=exc.strerror)) from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialUnavailable(
            t("credential.exposed", name=name, path=path, mode=f"{stat.S_IMODE(info.st_mode):o}")
        )
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise CredentialUnavailable(t("credential.empty", name=name, path=path))
    return value
