"""The daily reminder by email: to each institution's RSI and director, what needs them (new critical findings,
pending declarations, plans and declarations about to expire); to the central office, what waits for its
decision. Sent through the configured email sink's SMTP settings, only to users who keep it on and have an
address, and only when there is something to say. `auditor digest send` sends it; `auditor schedule` sends
it every day at `schedule.digest_cron`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

from auditor.app.errors import RequestError
from auditor.app.lookup import open_store
from auditor.app.report_document import RunDocuments
from auditor.app.web_views import latest_run
from auditor.config import Config, EmailSinkConfig, TicketsConfig
from auditor.i18n import Lang, t
from auditor.model import FindingStatus, Run, Severity
from auditor.model.clock import local_date, utcnow
from auditor.model.declarations import AnnotationKind, WaiverRequestState
from auditor.model.users import UserRole
from auditor.store import Store
from reports.escape import plain

SOON_PLAN = timedelta(days=7)
SOON_DECLARATION = timedelta(days=30)


@dataclass
class Digest:
    to: list[str]
    institution: str | None  # None: the central office's
    lines: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.lines


def _institution_lines(
    store: Store, institution: str, today: date, lang: Lang, runs: list[Run], documents: dict[int, RunDocuments]
) -> list[str]:
    """`runs`, `documents`: the store's latest runs and each run's documents, read once for every institution."""
    lines: list[str] = []
    run = latest_run(store, institution, runs)
    if run is not None:
        if run.id not in documents:
            documents[run.id] = RunDocuments(store, run.id, lang)
        report = documents[run.id].report(institution)
        new = [
            f
            for f in report.findings
            if f.severity is Severity.CRITICAL and f.status in (FindingStatus.NEW, FindingStatus.REGRESSED)
        ]
        for f in new:
            lines.append(
                t("digest.new_critical", lang, rule=f.policy_id, account=f.account or "—", text=plain(f.message, 200))
            )
        if report.pending_declarations:
            lines.append(t("digest.pending", lang, n=len(report.pending_declarations)))
    state = store.human_state(institution)
    for a in state.annotations.values():
        if (
            a.institution == institution
            and a.kind is AnnotationKind.IN_TREATMENT
            and not a.withdrawn
            and a.planned_date is not None
            and a.planned_date <= today + SOON_PLAN
        ):
            key = "digest.plan_overdue" if a.planned_date < today else "digest.plan_soon"
            lines.append(t(key, lang, rule=a.policy_id, date=a.planned_date.strftime("%d/%m/%Y")))
    for d in state.current().values():
        if (
            d.institution == institution
            and d.valid_until is not None
            and today <= d.valid_until <= today + SOON_DECLARATION
        ):
            lines.append(
                t(
                    "digest.declaration_soon",
                    lang,
                    item=d.item,
                    target=d.account or d.person or "—",
                    date=d.valid_until.strftime("%d/%m/%Y"),
                )
            )
    return lines


def _central_lines(store: Store, lang: Lang) -> list[str]:
    state = store.human_state()
    waiting = [r for r in state.waiver_requests.values() if r.state is WaiverRequestState.REQUESTED]
    unconfirmed = [
        a
        for a in state.annotations.values()
        if a.kind is AnnotationKind.FALSE_POSITIVE and a.confirmed_by is None and not a.withdrawn
    ]
    lines = [t("digest.waiver_waiting", lang, id=r.id, institution=r.institution, rule=r.rule) for r in waiting]
    lines += [t("digest.fp_waiting", lang, id=a.id, institution=a.institution, rule=a.policy_id) for a in unconfirmed]
    return lines


def compose_digests(
    config: Config, *, db: Path | None = None, lang: Lang = "es", today: date | None = None
) -> list[Digest]:
    """Every digest with something to say, one per institution with recipients, and the central office's."""
    today = today or local_date(utcnow())
    out: list[Digest] = []
    with open_store(config, db) as store:
        users = [u for u in store.users() if u.digest and u.email and not u.disabled]
        runs = store.runs(200)
        documents: dict[int, RunDocuments] = {}
        for inst in store.load_inventory().institutions:
            iid = inst.institution.id
            to = sorted(
                {
                    u.email
                    for u in users
                    if u.role in (UserRole.RSI, UserRole.DIRECTOR) and iid in u.institutions
                    if u.email
                }
            )
            if to:
                out.append(Digest(to, iid, _institution_lines(store, iid, today, lang, runs, documents)))
        central = sorted({u.email for u in users if u.role is UserRole.CENTRAL and u.email})
        if central:
            out.append(Digest(central, None, _central_lines(store, lang)))
    return [d for d in out if not d.empty]


def email_settings(tickets: TicketsConfig) -> tuple[str, EmailSinkConfig]:
    for name, sink in tickets.sinks.items():
        if isinstance(sink, EmailSinkConfig):
            return name, sink
    raise RequestError(t("digest.no_email_sink"))


def message(digest: Digest, sender: str, lang: Lang) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(digest.to)
    who = digest.institution or t("digest.central", lang)
    msg["Subject"] = t("digest.subject", lang, who=who, n=len(digest.lines))
    msg.set_content(
        "\n".join([t("digest.intro", lang), "", *[f"- {line}" for line in digest.lines], "", t("digest.footer", lang)])
    )
    return msg


def send_digests(
    config: Config, *, db: Path | None = None, lang: Lang = "es", dry_run: bool = False
) -> tuple[list[Digest], list[str]]:
    """Compose and send: (the digests, one error line per digest that could not be sent). One failing
    digest does not stop the others."""
    from auditor.tickets.deliver import build_sinks
    from auditor.tickets.sinks import SinkError
    from auditor.tickets.sinks.email import EmailSink

    digests = compose_digests(config, db=db, lang=lang)
    if dry_run or not digests:
        return digests, []
    name, settings = email_settings(config.tickets)
    sink = build_sinks(TicketsConfig(sinks={name: settings}))[name]
    assert isinstance(sink, EmailSink)
    errors = []
    for digest in digests:
        try:
            sink.send(message(digest, settings.sender, lang))
        except SinkError as exc:
            errors.append(f"{digest.institution or t('digest.central', lang)}: {exc}")
    return digests, errors
