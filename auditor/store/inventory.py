"""The registered inventory as imported: one row per institution, account, person and authorization, plus the
validated document of each institution (what `load_inventory` gives back).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from auditor.model import (
    Institution,
    InstitutionInventory,
    Inventory,
)
from auditor.store.base import StoreTables


def _contact(contact: Any) -> str | None:
    return contact.model_dump_json() if contact else None


class InventoryTables(StoreTables):
    def _write_inventory(self, inventory: Inventory, digest: str, at: datetime) -> None:
        """Replace each institution's registration, one statement per table for the whole inventory (a country's
        first import was 4,000 statements for 1,000 institutions)."""
        ids = [[i.institution.id] for i in inventory.institutions]
        for table in ("authorizations", "people", "accounts"):
            self.db.conn.executemany(f"delete from {table} where institution_id = ?", ids)
        self._append(
            "institutions",
            [
                {
                    "id": inst_inv.institution.id,
                    "name": inst_inv.institution.name,
                    "ruc": inst_inv.institution.ruc,
                    "pgn_code": inst_inv.institution.pgn_code,
                    "level": inst_inv.institution.level.value if inst_inv.institution.level else None,
                    "status": inst_inv.institution.status.value,
                    "email_domains": json.dumps(inst_inv.institution.email_domains),
                    "communications_director": _contact(inst_inv.institution.communications_director),
                    "rsi": _contact(inst_inv.institution.rsi),
                    "document": inst_inv.model_dump_json(),
                    "inventory_digest": digest,
                    "imported_at": at.isoformat(),
                }
                for inst_inv in inventory.institutions
            ],
            replacing="id",
        )
        self._append(
            "accounts",
            [
                {
                    "institution_id": inst_inv.institution.id,
                    "id": a.id,
                    "platform": a.platform.value,
                    "kind": a.kind.value,
                    "handle": a.handle,
                    "alternative_handle": a.alternative_handle,
                    "display_name": a.display_name,
                    "linked_email": a.linked_email,
                    "status": a.status.value,
                    "platform_account_id": a.platform_account_id,
                }
                for inst_inv in inventory.institutions
                for a in inst_inv.accounts
            ],
        )
        self._append(
            "people",
            [
                {
                    "institution_id": inst_inv.institution.id,
                    "id": p.id,
                    "name": p.name,
                    "ci": p.ci,
                    "link_type": p.link_type.value if p.link_type else None,
                    "email": p.email,
                    "mobile": p.mobile,
                    "status": p.status.value,
                    "status_date": p.status_date.isoformat() if p.status_date else None,
                }
                for inst_inv in inventory.institutions
                for p in inst_inv.people
            ],
        )
        self._append(
            "authorizations",
            [
                {
                    "institution_id": inst_inv.institution.id,
                    "person_id": p.id,
                    "account_id": acc.account,
                    "role": acc.role.value if acc.role else None,
                    "contact_point": int(acc.contact_point),
                }
                for inst_inv in inventory.institutions
                for p in inst_inv.people
                for acc in p.access
            ],
        )

    def import_inventory(self, inventory: Inventory, digest: str, at: datetime) -> None:
        with self.db.atomic():
            self._write_inventory(inventory, digest, at)

    def load_inventory(self) -> Inventory:
        """The inventory as last imported (one document per institution, as validated then)."""
        rows = self.db.execute("select document from institutions order by id").fetchall()
        return Inventory(institutions=[InstitutionInventory.model_validate_json(r[0]) for r in rows])

    def institution_names(self) -> dict[str, str]:
        return dict(self.db.execute("select id, name from institutions").fetchall())

    def institution(self, institution_id: str) -> Institution | None:
        inv = self.load_inventory().get(institution_id)
        return inv.institution if inv else None

    def registered_institution(self, institution_id: str, digest: str) -> InstitutionInventory | None:
        """An institution as the import of inventory `digest` registered it, if that import's row is still the
        current one (a later import that changed the inventory rewrote it: then None)."""
        row = self.db.execute(
            "select document from institutions where id = ? and inventory_digest = ?", [institution_id, digest]
        ).fetchone()
        return InstitutionInventory.model_validate_json(row[0]) if row else None

    def inventory_version(self, digest: str) -> Inventory | None:
        row = self.db.execute("select document from inventory_versions where digest = ?", [digest]).fetchone()
        return Inventory.model_validate_json(row[0]) if row else None

    def version_institutions(self, digest: str) -> Iterator[InstitutionInventory] | None:
        """The institutions of inventory version `digest`, in its order, each parsed as it is reached (SQLite
        splits the stored document): a country's report holds one registration at a time, not the 60 MB of a
        10,000-account inventory parsed whole. None when the store has no such version."""
        rows = self._version_rows(digest, "i.value")
        return None if rows is None else (InstitutionInventory.model_validate_json(row[0]) for row in rows)

    def version_institution_ids(self, digest: str) -> list[str] | None:
        """The ids of inventory version `digest`'s institutions, in its order, without parsing any of them."""
        rows = self._version_rows(digest, "json_extract(i.value, '$.institution.id')")
        return None if rows is None else [row[0] for row in rows]

    def _version_rows(self, digest: str, column: str) -> Iterator[tuple[Any, ...]] | None:
        """`column` of each institution of version `digest` (`i`: its element of the document), in order."""
        if self.db.execute("select 1 from inventory_versions where digest = ?", [digest]).fetchone() is None:
            return None
        return iter(
            self.db.execute(
                f"""select {column} from inventory_versions v, json_each(v.document, '$.institutions') i
                    where v.digest = ? order by i.key""",
                [digest],
            )
        )
