"""The registered inventory from the front ends' side: validate files, or validate and import them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor.app.tickets import LOCK_WAIT_SECONDS
from auditor.config import Config
from auditor.inputs.inventory import inventory_digest, load_inventory
from auditor.lock import store_lock
from auditor.model import Inventory
from auditor.model.clock import utcnow
from auditor.store import Store


@dataclass(frozen=True)
class InventorySummary:
    institutions: int
    accounts: int
    people: int
    store: Path | None = None  # where it was imported, when it was

    @classmethod
    def of(cls, inventory: Inventory, store: Path | None = None) -> InventorySummary:
        return cls(
            institutions=len(inventory.institutions),
            accounts=sum(len(i.accounts) for i in inventory.institutions),
            people=sum(len(i.people) for i in inventory.institutions),
            store=store,
        )


def validate_inventory(paths: list[str], institution: str | None = None) -> InventorySummary:
    """Check inventory files (YAML, CSV, XLSX); every problem is raised at once as a located InputError.
    `institution`: the one a form belongs to when neither a column nor its folder's YAML says."""
    return InventorySummary.of(load_inventory(paths, form_institution=institution))


def import_inventory(
    config: Config, paths: list[str], db: Path | None = None, institution: str | None = None
) -> InventorySummary:
    """Validate inventory files and store them; an invalid inventory imports nothing."""
    inventory = load_inventory(paths, form_institution=institution)
    store = Store(db or config.store.path)
    with store_lock(store.path, LOCK_WAIT_SECONDS):
        store.import_inventory(inventory, inventory_digest(inventory), utcnow())
    return InventorySummary.of(inventory, store.path)
