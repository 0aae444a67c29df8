"""Naming things that exist: a store that is there, an institution, account, platform or run the request
can really mean. Asking for something that does not exist is an error that names it and the closest known
values, never a clean-looking answer about nothing (a 0-finding, 100 %-coverage report of a typo)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from auditor.app.errors import RequestError
from auditor.config import CONFIG_NAME, Config
from auditor.i18n import t
from auditor.model import Inventory, Run, RunScope, RunStatus
from auditor.store import Store
from policies.evaluate import in_scope


def closest(value: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known values that look most like `value` (a typo's likely meaning)."""
    pool = sorted(set(known))
    return difflib.get_close_matches(value, pool, n=n, cutoff=0.5) or pool[:n]


def unknown(kind: str, value: str, known: Iterable[str], field: str) -> RequestError:
    """`--institution unna`: «no existe la institución «unna»; las más parecidas: una, …»."""
    near = closest(value, known)
    hint = t("lookup.closest", near=", ".join(near)) if near else t("lookup.none_known")
    return RequestError(t("lookup.unknown", kind=t(f"lookup.kind.{kind}"), value=value, hint=hint), field)


def store_path(config: Config, db: Path | None) -> Path:
    return db or config.store.path


def open_store(config: Config, db: Path | None = None) -> Store:
    """The existing store for a command that reads it; a missing one is an error, never created empty."""
    path = store_path(config, db)
    if not path.exists():
        where = (
            t("lookup.config_used", config=config.source)
            if config.source
            else t("lookup.no_config", name=CONFIG_NAME, folder=Path.cwd())
        )
        raise RequestError(t("lookup.no_store", path=path, where=where))
    return Store(path)


def check_run(store: Store, run_id: int | None) -> Run:
    """A run that recorded its findings: the one asked for, or the latest."""
    run = store.run(run_id)
    if run is None and run_id is None:
        raise RequestError(t("lookup.no_runs", path=store.path))
    if run is None:
        raise unknown("run", str(run_id), [str(r.id) for r in store.runs(50)], "run")
    if run.status in (RunStatus.RUNNING, RunStatus.ABORTED):
        raise RequestError(t("lookup.run_not_recorded", id=run.id, status=t(f"run_status.{run.status.value}")), "run")
    return run


def check_institutions(wanted: Iterable[str], known: Iterable[str]) -> None:
    known = list(known)
    for value in wanted:
        if value not in known:
            raise unknown("institution", value, known, "institution")


def account_ids(inventory: Inventory, wanted: Iterable[str]) -> list[str]:
    """`--account` takes a registered account id or its handle (with or without @)."""
    ids = []
    for value in wanted:
        key = value.lstrip("@").lower()
        match = [
            a.id for i in inventory.institutions for a in i.accounts if a.id == value or (a.handle or "").lower() == key
        ]
        if not match:
            known = [a.id for i in inventory.institutions for a in i.accounts]
            known += [f"@{a.handle}" for i in inventory.institutions for a in i.accounts if a.handle]
            raise unknown("account", value, known, "account")
        ids.extend(match)
    return ids


def check_scope(inventory: Inventory, scope: RunScope) -> None:
    """The scope names registered things, and together they select at least one account (a platform with
    no registered account, or an account of another institution, would audit nothing and look clean)."""
    check_institutions(scope.institutions, [i.institution.id for i in inventory.institutions])
    if not (scope.platforms or scope.accounts):
        return
    selected = [
        a for i in inventory.institutions for a in i.accounts if in_scope(scope, i.institution.id, a.platform, a.id)
    ]
    if selected:
        return
    institutions = RunScope(institutions=scope.institutions)
    within = [a for i in inventory.institutions for a in i.accounts if in_scope(institutions, i.institution.id)]
    platforms = sorted({a.platform.value for a in within})
    if scope.platforms and not any(a.platform in scope.platforms for a in within):
        raise RequestError(
            t(
                "lookup.no_accounts_on",
                platforms=", ".join(p.value for p in scope.platforms),
                known=", ".join(platforms) or t("lookup.none_known"),
            ),
            "platform",
        )
    raise RequestError(t("lookup.empty_scope"), "account")
