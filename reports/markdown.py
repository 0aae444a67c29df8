"""The Markdown report: what a communications director reads in an email or a chat.

Every value that comes from an inventory or a platform goes through `md()`; the report's own words come
from the message catalogue in one language.
"""

from __future__ import annotations

from collections import defaultdict

from auditor.i18n import Lang, plural, t, term
from auditor.i18n import days as days_text
from auditor.model import FindingStatus, Report, ReportFinding
from auditor.model.clock import local_text
from auditor.model.platforms import PLATFORMS
from reports.annotations import annotation_text
from reports.escape import md


def _account_title(f: ReportFinding, lang: Lang) -> str:
    info = PLATFORMS[f.platform] if f.platform else None
    platform = info.name if info else ""
    prefix = "@" if info and info.has_public_handle else ""
    handle = f" {prefix}{md(f.handle)}" if f.handle else ""
    return f"{platform}{handle} ({md(f.account)})"


def _finding_lines(f: ReportFinding, lang: Lang) -> list[str]:
    status = t(f"status.{f.status.value}", lang)
    lines = [
        f"- **{f.policy_id}** · {t(f'severity.{f.severity.value}', lang)} · _{status}_ — {md(f.title)}",
        f"  - {t('message', lang)}: {md(f.message)}",
        f"  - {t('guide_ref', lang)}: {md(f.guide_ref)} · {t('remediation', lang)}: {md(f.remediation)}",
    ]
    if f.waiver:
        lines.append(
            "  - "
            + t(
                "waiver_note",
                lang,
                id=md(f.waiver.id),
                approver=md(f.waiver.approver),
                expires=f.waiver.expires.isoformat(),
            )
        )
    lines += [f"  - {md(annotation_text(a, lang))}" for a in f.annotations]
    lines += [f"  - {t('trail', lang)}: {md(line)}" for line in f.trail]
    return lines


def _replay(report: Report, lang: Lang) -> str:
    run = report.run
    return t("replay_of", lang, run=run.replay_of, profile=md(run.profile or "default"), waivers=len(report.waivers))


def _days(days: int | None, lang: Lang) -> str:
    return days_text(days, lang) if days is not None else "—"


def _triage_lines(report: Report, lang: Lang, names: dict[str, str]) -> list[str]:
    """The first page: why the run is incomplete, the institutions to look at, the oldest urgent findings."""
    out: list[str] = []
    if report.incomplete_because:
        out += [f"> **{t('incomplete_title', lang)}** {t('incomplete_help', lang)}", ">"]
        out += [f"> - {md(reason)}" for reason in report.incomplete_because]
        out += [""]
    if report.run.mode.value == "inventory":
        out += [f"> {t('coverage_inventory_only', lang)}", ""]
    out += [
        f"## {t('triage', lang)}",
        "",
        f"| {t('institution', lang)} | {t('severity.critical', lang)} | {t('severity.high', lang)} | "
        f"{t('incidents_short', lang)} | {t('coverage', lang)} | {t('pending_declarations', lang)} | "
        f"{t('oldest_open', lang)} | {t('overdue_plans', lang)} |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    out += [
        f"| {md(r.name)} ({r.institution}) | {r.critical} | {r.high} | {r.incidents} | {r.coverage.ratio:.0%} | "
        f"{r.pending_declarations} | {_days(r.oldest_open_days, lang)} | {r.overdue_plans} |"
        for r in report.triage
    ]
    out += ["", f"### {t('priority', lang)}", ""]
    out += [
        f"- {t(f'severity.{f.severity.value}', lang)} · **{f.policy_id}** · "
        f"{md(names.get(f.institution, f.institution))} · {md(f.account or '')}: {md(f.message)} "
        f"({t('age', lang)}: {_days(f.age_days, lang)}; {t('ticket', lang)}: {md(f.ticket or t('no_ticket', lang))})"
        for f in report.priority
    ] or [t("no_priority", lang)]
    return [*out, ""]


def render_markdown(report: Report) -> str:
    lang: Lang = report.lang
    run = report.run
    cov = report.coverage
    names = {i.id: i.name for i in report.institutions}
    scope = ", ".join(md(names.get(i, i)) for i in run.scope.institutions) or t("scope_all", lang)
    previous = f"#{report.previous_run_id}" if report.previous_run_id else t("none", lang)
    out = [
        f"# {t('title', lang)}",
        "",
        f"_{t('guide', lang)}_",
        "",
        f"- {t('run', lang)}: #{run.id} ({t(f'run_type.{run.run_type.value}', lang)}, "
        f"{t(f'run_status.{run.status.value}', lang)})" + (f" · {_replay(report, lang)}" if run.replay_of else ""),
        f"- {t('mode', lang)}: {t(f'run_mode.{run.mode.value}', lang)}",
        f"- {t('run_time', lang)}: {local_text(run.started_at)}",
        f"- {t('scope', lang)}: {scope}",
        f"- {t('previous_run', lang)}: {previous}",
        f"- {t('coverage', lang)}: "
        + t(
            "coverage_text",
            lang,
            evaluated=cov.evaluated,
            applicable=cov.applicable,
            ratio=cov.ratio,
            not_observable=cov.not_observable,
            errors=cov.errors,
        ),
        "",
        *_triage_lines(report, lang, names),
        f"## {t('summary', lang)}",
        "",
        f"| {t('severity', lang)} | {t('open', lang)} | {t('waived', lang)} |",
        "|---|---:|---:|",
    ]
    out += [f"| {t(f'severity.{c.severity.value}', lang)} | {c.open} | {c.waived} |" for c in report.summary]
    counts: dict[FindingStatus, int] = defaultdict(int)
    for f in report.findings:
        counts[f.status] += 1
    counts[FindingStatus.RESOLVED] = len(report.resolved)
    out += [
        "",
        f"## {t('changes', lang)}",
        "",
        " · ".join(f"{t(f'status.{s.value}', lang)}: {counts[s]}" for s in FindingStatus),
        "",
    ]
    incidents = report.open_incidents
    out += [f"## {t('incidents', lang)}", ""]
    out += [
        f"- **{f.policy_id}** {t(f'severity.{f.severity.value}', lang)} · "
        f"{md(names.get(f.institution, f.institution))} · {md(f.account or '')}: {md(f.message)} "
        f"({md(f.cert_category or '')}; {md(f.rsit or '')}) — {t(f'status.{f.status.value}', lang)}"
        for f in incidents
    ] or [t("no_incidents", lang)]
    out += ["", f"## {t('findings', lang)}"]
    if not report.findings:
        out += ["", t("no_findings", lang)]
    by_institution: dict[str, list[ReportFinding]] = defaultdict(list)
    for f in report.findings:
        by_institution[f.institution].append(f)
    for inst in report.institutions:
        items = by_institution.get(inst.id, [])
        out += [
            "",
            f"### {md(inst.name)}",
            "",
            f"{plural(inst.accounts, 'word.account', 'word.accounts', lang)} · "
            f"{plural(inst.people, 'word.person', 'word.people', lang)}",
        ]
        by_account: dict[str | None, list[ReportFinding]] = defaultdict(list)
        for f in items:
            by_account[f.account if f.platform else None].append(f)
        for account, group in sorted(by_account.items(), key=lambda kv: (kv[0] is None, kv[0] or "")):
            title = _account_title(group[0], lang) if account else t("institution_level", lang)
            out += ["", f"#### {title}", ""]
            for f in group:
                out += _finding_lines(f, lang)
    out += ["", f"## {t('drift', lang)}", ""]
    if report.drift:
        out += [
            f"| {t('account', lang)} | {t('attribute', lang)} | {t('before', lang)} | {t('after', lang)} |",
            "|---|---|---|---|",
        ]
        out += [
            f"| {md(names.get(d.institution, d.institution))} · {PLATFORMS[d.platform].name} ({md(d.account)}) | "
            f"{d.attribute} | {md(d.before)} | {md(d.after)} |"
            for d in report.drift
        ]
    else:
        out.append(t("no_drift", lang))
    not_audited = [a for a in report.accounts if a.error_kind]
    attest = [f for f in report.findings if f.policy_id == "OPS-003"]
    out += ["", f"## {t('attest', lang)}", ""]
    out += [f"- {md(names.get(f.institution, f.institution))} · {md(f.account)}: {md(f.message)}" for f in attest]
    out += [
        f"- {md(names.get(a.institution, a.institution))} · {md(a.account)}: "
        f"{t('fetch_error.' + a.error_kind.value, lang)}"
        for a in not_audited
        if a.error_kind
    ]
    if not attest and not not_audited:
        out.append(t("nothing_to_attest", lang))
    if report.waivers:
        out += [
            "",
            f"## {t('waivers', lang)}",
            "",
            f"| {t('waiver', lang)} | {t('rule', lang)} | {t('approver', lang)} | {t('expires', lang)} | "
            f"{t('status', lang)} |",
            "|---|---|---|---|---|",
        ]
        out += [
            f"| {md(w.id)} | {w.rule} | {md(w.approver)} | {w.expires.isoformat()} | "
            f"{t('waiver_state.' + w.state.value, lang)} |"
            for w in report.waivers
        ]
    out += _people_lines(report, lang, names)
    if report.resolved:
        out += ["", f"## {t('resolved', lang)}", ""]
        for f in report.resolved:
            where = _account_title(f, lang) if f.platform else md(names.get(f.institution, f.institution))
            out.append(f"- **{f.policy_id}** {where}: {md(f.message)}")
    return "\n".join(out) + "\n"


def _people_lines(report: Report, lang: Lang, names: dict[str, str]) -> list[str]:
    """«Declaraciones pendientes» (one row per account, items as columns) and the waiver requests."""
    out: list[str] = []
    if report.pending_declarations:
        columns = sorted({c for row in report.pending_declarations for c in row.items})
        out += ["", f"## {t('pending_declarations', lang)}", ""]
        out.append(f"| {t('account', lang)} | " + " | ".join(columns) + f" | {t('attributes', lang)} |")
        out.append("|---|" + "---|" * (len(columns) + 1))
        for row in report.pending_declarations:
            cells = [t(f"declaration_state.{row.items[c]}", lang) if c in row.items else "—" for c in columns]
            where = f"{md(names.get(row.institution, row.institution))} · {md(row.account)}"
            out.append(f"| {where} | " + " | ".join(cells) + f" | {row.attributes or '—'} |")
    if report.waiver_requests:
        out += ["", f"## {t('waiver_requests', lang)}", ""]
        for w in report.waiver_requests:
            decided = f" · {md(w.decided_by.name)} {w.decided_on}" if w.decided_by else ""
            out.append(
                f"- {md(w.id)} · {w.rule} · {md(w.scope.account or w.scope.institution)} · "
                f"{term(w.state, lang)} ({md(w.requested_by.name)}){decided}: {md(w.rationale)}"
            )
    return out
