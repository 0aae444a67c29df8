"""`policies list` and `policies show`: the rule catalogue."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from auditor.app.catalogue import rule, rules, rules_markdown_table, severity_notes, update_readme
from auditor.app.outcome import EXIT_INPUT
from auditor.cli.docs import readme_with_commands
from auditor.cli.main import cli, use_lang
from auditor.i18n import t


@cli.group()
def policies() -> None:
    """The rule catalogue."""


@policies.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table")
@click.option("--update-readme", "readme", type=click.Path(exists=True), help="Rewrite the rule table in this README.")
@click.option("--lang", type=click.Choice(["es", "en"]), default=None)
def policies_list(fmt: str, readme: str | None, lang: str | None) -> None:
    """List every rule with its severity and guide reference."""
    lang = use_lang(lang) or "es"
    if readme:
        update_readme(Path(readme))
        path = Path(readme)
        path.write_text(readme_with_commands(path.read_text(encoding="utf-8")), encoding="utf-8")
        click.echo(t("cli.readme_updated", path=readme))
        return
    if fmt == "json":
        click.echo(json.dumps([r.as_dict() for r in rules()], ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(rules_markdown_table())
    else:
        for r in rules():
            click.echo(
                f"{r.id}  {t(f'severity.{r.severity.value}'):<12}  {t('cli.incident_mark') if r.incident else '':<10}"
                f"{r.title(lang)}  [{r.guide_ref}]"
            )


@policies.command("show")
@click.argument("rule_id")
@click.option("--lang", type=click.Choice(["es", "en"]), default=None)
def policies_show(rule_id: str, lang: str | None) -> None:
    """Show one rule: rationale, remediation, parameters."""
    lang = use_lang(lang) or "es"
    found = rule(rule_id)
    if found is None:
        click.echo(t("cli.unknown_rule", id=rule_id), err=True)
        sys.exit(EXIT_INPUT)
    click.echo(f"{found.id} — {found.title(lang)}")
    severity = t(f"severity.{found.severity.value}")
    click.echo(t("cli.rule_facts", severity=severity, guide=found.guide_ref, needs=", ".join(found.needs)))
    for line in severity_notes(found):
        click.echo(line)
    if found.incident:
        click.echo(t("cli.rule_incident", category=found.cert_category, rsit=found.rsit))
    click.echo(f"\n{found.rationale}\n\n{t('remediation')}: {found.remediation(lang)}")
    if found.params:
        click.echo("\n" + t("cli.rule_params", params=json.dumps(found.params, ensure_ascii=False)))
