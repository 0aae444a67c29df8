"""The national register for the central office (`auditor register export`): every institution's registered
accounts with what the last audits saw of them — verification, when each was last read, open critical and
high findings, pending declarations. Read from the store: the register is what was imported and audited."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor.app.lookup import open_store
from auditor.app.reporting import chosen_formats, language
from auditor.config import Config
from auditor.i18n import Lang
from auditor.model import RegisterRow, Severity
from auditor.model.platforms import PLATFORMS
from reports.csv import CsvDialect
from reports.files import private_dir, write_private
from reports.register import register_csv, register_xlsx
from reports.render import write_atomically

FORMATS = ("xlsx", "csv")


def national_register(config: Config, *, db: Path | None = None) -> list[RegisterRow]:
    with open_store(config, db) as store:
        inventory = store.load_inventory()
        snapshots = store.latest_snapshots()
        findings = store.findings(status="open")
    open_counts: dict[tuple[str, str, Severity], int] = {}
    pending: dict[tuple[str, str], int] = {}
    for f in findings:
        if not f.account:
            continue
        key = (f.institution, f.account)
        open_counts[(*key, f.severity)] = open_counts.get((*key, f.severity), 0) + 1
        if f.policy_id == "OPS-003":
            pending[key] = len(f.evidence.get("items", []))
    rows = []
    for inst_inv in sorted(inventory.institutions, key=lambda i: i.institution.name):
        inst = inst_inv.institution
        for a in inst_inv.accounts:
            snap = snapshots.get((inst.id, a.id))
            verification = snap.verification.value if snap and snap.verification.ok else None
            rows.append(
                RegisterRow(
                    institution=inst.id,
                    institution_name=inst.name,
                    ruc=inst.ruc,
                    platform=a.platform,
                    account=a.id,
                    handle=a.handle,
                    url=PLATFORMS[a.platform].url_for(a.handle),
                    kind=a.kind,
                    status=a.status,
                    verification=verification.value if verification else None,
                    last_audit=snap.fetched_at if snap else None,
                    open_critical=open_counts.get((inst.id, a.id, Severity.CRITICAL), 0),
                    open_high=open_counts.get((inst.id, a.id, Severity.HIGH), 0),
                    # Never read by an audit: its declarations were never asked, not «none pending».
                    pending_declarations=pending.get((inst.id, a.id), 0 if snap is not None else None),
                )
            )
    return rows


@dataclass(frozen=True)
class RegisterExport:
    paths: list[Path]
    accounts: int
    institutions: int


def export_register(
    config: Config,
    out: Path,
    formats: tuple[str, ...] = FORMATS,
    *,
    lang: str | None = None,
    dialect: CsvDialect = "excel-es",
    db: Path | None = None,
) -> RegisterExport:
    formats = tuple(chosen_formats(formats, FORMATS))
    rows = national_register(config, db=db)
    chosen: Lang = language(lang, config)
    folder = private_dir(out)
    paths = []
    if "xlsx" in formats:
        path = folder / "registro-nacional.xlsx"
        write_atomically(path, register_xlsx(rows, chosen))
        paths.append(path)
    if "csv" in formats:
        path = folder / "registro-nacional.csv"
        write_private(path, register_csv(rows, chosen, dialect))
        paths.append(path)
    return RegisterExport(paths, len(rows), len({r.institution for r in rows}))
