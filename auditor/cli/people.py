"""What people answer: `declare`, `checklist`, `annotate`, `waivers` and `trail`. Every command that acts
names the person (`--as NAME --ci CI --role ROLE`); the trail also records the operating-system user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.app.checklist import items, print_checklist, show, validity_text
from auditor.app.declare import (
    AnnotateRequest,
    DeclareRequest,
    annotate,
    confirm,
    declare,
    list_annotations,
    withdraw,
)
from auditor.app.people import Identity
from auditor.app.trail import trail_csv, trail_entries, trail_json
from auditor.app.waiver_requests import (
    WaiverAsk,
    decide_waiver,
    export_waivers,
    import_waivers,
    list_waivers,
    request_waiver,
)
from auditor.cli.main import cli, reports_errors
from auditor.config import Config
from auditor.i18n import as_lang, current_lang, t, term
from auditor.model.declarations import ActorRole, AnnotationKind, Answer, TrailAction
from reports.escape import plain

F = TypeVar("F", bound=Callable[..., Any])
DATE = click.DateTime(formats=["%Y-%m-%d"])


def identity(fn: F) -> F:
    """`--as NAME --ci CI --role ROLE`, given to the command as one `who`."""

    @click.option("--as", "name", required=True, help="Name of the person acting.")
    @click.option("--ci", required=True, help="Their CI (cédula).")
    @click.option("--role", required=True, type=click.Choice([r.value for r in ActorRole]), help="Their role.")
    @wraps(fn)
    def wrapper(*args: Any, name: str, ci: str, role: str, **kwargs: Any) -> Any:
        return fn(*args, who=Identity(name, ci, role), **kwargs)

    return wrapper  # type: ignore[return-value]


def _day(value: Any) -> date | None:
    return value.date() if value is not None else None


def _recorded(what: str, seq: int) -> None:
    click.echo(t("human.recorded", what=what, seq=seq))


@cli.command("declare")
@click.option("--institution", required=True, help="Institution id.")
@click.option("--item", required=True, help="Checklist item (CHK-01…, ATR-<platform>-<attribute>).")
@click.option("--answer", required=True, type=click.Choice([a.value for a in Answer]), help="The answer.")
@click.option("--account", help="Registered account id (account items).")
@click.option("--person", help="Registered person id (person items).")
@click.option("--reason", help="Why (required for no_aplica).")
@click.option("--evidence", help="Evidence, as text.")
@click.option("--document", type=click.Path(exists=True, dir_okay=False), help="Supporting document (hashed).")
@click.option("--document-ref", help="Reference of the document (default: its file name).")
@click.option("--valid-until", type=DATE, help="Shorter validity than the item's default (YYYY-MM-DD).")
@click.option("--date", "declared_on", type=DATE, help="Date of the declaration (default: today).")
@click.option("--db", type=click.Path(), help="SQLite store.")
@identity
@click.pass_obj
@reports_errors
def declare_cmd(config: Config, /, who: Identity, db: str | None, **o: Any) -> None:
    """Record a declaration (declaración jurada) on a checklist item; it supersedes the previous one."""
    request = DeclareRequest(
        institution=o["institution"],
        item=o["item"].upper() if o["item"].lower().startswith("chk") else o["item"],
        answer=o["answer"],
        account=o["account"],
        person=o["person"],
        reason=o["reason"],
        evidence=o["evidence"],
        document=Path(o["document"]) if o["document"] else None,
        document_ref=o["document_ref"],
        valid_until=_day(o["valid_until"]),
        declared_on=_day(o["declared_on"]),
    )
    declaration, entry = declare(config, who, request, db=Path(db) if db else None)
    target = declaration.account or declaration.person or declaration.institution
    until = f" → {declaration.valid_until}" if declaration.valid_until else ""
    _recorded(
        t(
            "human.recorded.declaration",
            item=declaration.item,
            target=target,
            answer=term(declaration.answer),
            until=until,
            id=declaration.id,
        ),
        entry.seq,
    )


@cli.group("checklist")
def checklist() -> None:
    """The checklist: what no platform shows and the institution declares."""


@checklist.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def checklist_list(fmt: str) -> None:
    """Every item: the CHK items and one per attribute a platform does not expose."""
    lang = current_lang()
    found = items()
    if fmt == "json":
        click.echo("[\n" + ",\n".join("  " + i.model_dump_json(exclude_none=True) for i in found) + "\n]")
        return
    for i in found:
        click.echo(f"{i.id:<32} {i.guide_ref:<16} {validity_text(i, lang):<10} {i.question(lang)}")


@checklist.command("show")
@click.argument("item_id")
@click.pass_obj
@reports_errors
def checklist_show(config: Config, item_id: str) -> None:
    """One item: its question, guide reference, scope, validity and the rule it feeds."""
    lang = current_lang()
    i = show(item_id)
    click.echo(f"{i.id} ({i.guide_ref})\n{i.question(lang)}")
    click.echo(
        t(
            "checklist.show_line",
            scope=t(f"checklist.scope.{i.scope.value}"),
            validity=validity_text(i, lang),
            rule=i.rule or "—",
        )
    )


@checklist.command("print")
@click.option("--institution", required=True, help="Institution id.")
@click.option("--out", type=click.Path(), default="checklist-output", show_default=True, help="Folder.")
@click.option("--html-only", is_flag=True, help="Write the HTML only (no PDF).")
@click.option("--db", type=click.Path(), help="SQLite store.")
@click.pass_obj
@reports_errors
def checklist_print(config: Config, institution: str, out: str, html_only: bool, db: str | None) -> None:
    """The institution's checklist to sign: questions, current answers, signature lines (PDF via Chromium)."""
    path, is_pdf = print_checklist(
        config, institution, Path(out), as_lang(current_lang()), db=Path(db) if db else None, pdf=not html_only
    )
    click.echo(t("human.printed", path=path) if is_pdf or html_only else t("human.print_html_only", path=path))


@cli.group("annotate")
def annotate_group() -> None:
    """Annotations on findings: false positive, legitimate person, in treatment, comment."""


@annotate_group.command("add")
@click.argument("fingerprint")
@click.option("--kind", required=True, type=click.Choice([k.value for k in AnnotationKind]), help="What it says.")
@click.option("--text", required=True, help="Rationale, plan or comment.")
@click.option("--planned", type=DATE, help="Planned date (en_tratamiento), YYYY-MM-DD.")
@click.option("--db", type=click.Path(), help="SQLite store.")
@identity
@click.pass_obj
@reports_errors
def annotate_add(
    config: Config, who: Identity, fingerprint: str, kind: str, text: str, planned: Any, db: str | None
) -> None:
    """Annotate a finding (by fingerprint, or a unique prefix of 8 characters or more)."""
    annotation, entry = annotate(
        config, who, AnnotateRequest(fingerprint, kind, text, _day(planned)), db=Path(db) if db else None
    )
    _recorded(
        t(
            "human.recorded.annotation",
            kind=term(annotation.kind),
            finding=f"{annotation.policy_id} {annotation.fingerprint}",
            id=annotation.id,
        ),
        entry.seq,
    )


@annotate_group.command("confirm")
@click.argument("annotation_id", type=int)
@click.option("--db", type=click.Path(), help="SQLite store.")
@identity
@click.pass_obj
@reports_errors
def annotate_confirm(config: Config, who: Identity, annotation_id: int, db: str | None) -> None:
    """Confirm a false positive (central office): out of the counts, its ticket resolved."""
    annotation, entry = confirm(config, who, annotation_id, db=Path(db) if db else None)
    _recorded(
        t("human.recorded.confirmed", kind=term(annotation.kind), finding=annotation.policy_id, id=annotation.id),
        entry.seq,
    )


@annotate_group.command("withdraw")
@click.argument("annotation_id", type=int)
@click.option("--db", type=click.Path(), help="SQLite store.")
@identity
@click.pass_obj
@reports_errors
def annotate_withdraw(config: Config, who: Identity, annotation_id: int, db: str | None) -> None:
    """Withdraw an annotation (its author or the central office); the trail keeps it."""
    annotation, entry = withdraw(config, who, annotation_id, db=Path(db) if db else None)
    _recorded(t("human.recorded.withdrawn", kind=term(annotation.kind), id=annotation.id), entry.seq)


@annotate_group.command("list")
@click.option("--institution", help="Only this institution.")
@click.option("--pending", is_flag=True, help="Only false positives awaiting the central office.")
@click.option("--db", type=click.Path(), help="SQLite store.")
@click.pass_obj
@reports_errors
def annotate_list(config: Config, institution: str | None, pending: bool, db: str | None) -> None:
    """One line per annotation: id, finding, kind, planned date, confirmation, author and text."""
    for a in list_annotations(config, institution, pending_only=pending, db=Path(db) if db else None):
        planned = f" → {a.planned_date}" if a.planned_date else ""
        confirmed = " ✓" if a.confirmed_by else ""
        click.echo(
            f"{a.id:>4}  {a.fingerprint[:12]}  {a.policy_id}  {term(a.kind)}{planned}{confirmed}  {a.by.name}: {a.text}"
        )


@cli.group("waivers")
def waivers() -> None:
    """Waivers: requested by the RSI, decided by the central office, kept in the store."""


@waivers.command("request")
@click.argument("waiver_id")
@click.option("--rule", required=True, help="Rule id (e.g. INV-014).")
@click.option("--institution", required=True, help="Institution id.")
@click.option("--platform", help="Only this platform.")
@click.option("--account", help="Only this registered account.")
@click.option("--subject", help="Only this finding subject.")
@click.option("--rationale", required=True, help="Why the exception is acceptable.")
@click.option("--protocol-ref", help="RSI usage protocol (INV-014: declaracion:<n> of a CHK-12 declaration).")
@click.option("--expires", required=True, type=DATE, help="Expiry (at most 12 months), YYYY-MM-DD.")
@click.option("--db", type=click.Path(), help="SQLite store.")
@identity
@click.pass_obj
@reports_errors
def waivers_request(config: Config, /, who: Identity, waiver_id: str, db: str | None, **o: Any) -> None:
    """Request a waiver (the institution's RSI)."""
    ask = WaiverAsk(
        id=waiver_id,
        rule=o["rule"].upper(),
        institution=o["institution"],
        rationale=o["rationale"],
        expires=o["expires"].date(),
        platform=o["platform"],
        account=o["account"],
        subject=o["subject"],
        protocol_ref=o["protocol_ref"],
    )
    request, entry = request_waiver(config, who, ask, db=Path(db) if db else None)
    _recorded(f"{request.id} {request.rule}: {term(request.state)}", entry.seq)


def _decision(action: TrailAction, help_text: str) -> None:
    @waivers.command(action.name.lower(), help=help_text)
    @click.argument("waiver_id")
    @click.option("--note", help="Why (shown with the decision).")
    @click.option("--db", type=click.Path(), help="SQLite store.")
    @identity
    @click.pass_obj
    @reports_errors
    def decide(config: Config, who: Identity, waiver_id: str, note: str | None, db: str | None) -> None:
        request, entry = decide_waiver(config, who, waiver_id, action, note, db=Path(db) if db else None)
        _recorded(f"{request.id} {request.rule}: {term(request.state)}", entry.seq)


_decision(TrailAction.APPROVE, "Approve a requested waiver (central office; never the requester).")
_decision(TrailAction.REJECT, "Reject a requested waiver (central office).")
_decision(TrailAction.REVOKE, "Revoke an approved waiver (central office).")


@waivers.command("list")
@click.option("--institution", help="Only this institution.")
@click.option("--db", type=click.Path(), help="SQLite store.")
@click.pass_obj
@reports_errors
def waivers_list(config: Config, institution: str | None, db: str | None) -> None:
    """Every waiver request and its state."""
    for r in list_waivers(config, institution, db=Path(db) if db else None):
        decided = f" · {plain(r.decided_by.name, 80)} {r.decided_on}" if r.decided_by else ""
        click.echo(f"{r.id:<24} {r.rule}  {r.institution:<16} {term(r.state):<10} → {r.expires}{decided}")


@waivers.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--db", type=click.Path(), help="SQLite store.")
@identity
@click.pass_obj
@reports_errors
def waivers_import(config: Config, who: Identity, path: str, db: str | None) -> None:
    """Import a waivers.yaml: each new waiver recorded as approved by whoever imports it."""
    count, skipped, actor = import_waivers(config, who, Path(path), db=Path(db) if db else None)
    click.echo(t("human.imported", count=count, skipped=skipped, name=actor.name, ci=actor.ci))


@waivers.command("export")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--db", type=click.Path(), help="SQLite store.")
@click.pass_obj
@reports_errors
def waivers_export(config: Config, path: str, db: str | None) -> None:
    """Write the approved waivers as a waivers.yaml."""
    count = export_waivers(config, Path(path), db=Path(db) if db else None)
    click.echo(t("human.exported", count=count, path=path))


@cli.command("trail")
@click.option("--institution", help="Only this institution.")
@click.option("--since", type=DATE, help="From this date (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--db", type=click.Path(), help="SQLite store.")
@click.pass_obj
@reports_errors
def trail(config: Config, institution: str | None, since: Any, fmt: str, db: str | None) -> None:
    """The audit trail of human actions (declare, annotate, request, approve, reject, import)."""
    entries = trail_entries(config, institution=institution, since=_day(since), db=Path(db) if db else None)
    click.echo(trail_json(entries) if fmt == "json" else trail_csv(entries), nl=False)
