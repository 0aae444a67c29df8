"""The README's generated parts and promises stay true."""

from __future__ import annotations

from pathlib import Path

from auditor.app.catalogue import (
    CAPS_END,
    CAPS_START,
    README_END,
    README_START,
    capabilities_markdown_table,
    rules_markdown_table,
)

ROOT = Path(__file__).resolve().parents[1]


def test_readme_rule_table_matches_the_registry():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index(README_START) + len(README_START) : text.index(README_END)].strip()
    assert table == rules_markdown_table(), "README rule table is stale: run `make readme`"


def test_readme_capability_table_matches_the_connectors():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index(CAPS_START) + len(CAPS_START) : text.index(CAPS_END)].strip()
    assert table == capabilities_markdown_table(), "README capability table is stale: run `make readme`"


def test_quick_start_is_the_two_make_commands_and_ci_runs_the_test_one():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = text[text.index("## Quick start") :].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_command_table_lists_every_command_and_option():
    from auditor.cli.docs import COMMANDS_END, COMMANDS_START, commands_markdown_table

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index(COMMANDS_START) + len(COMMANDS_START) : text.index(COMMANDS_END)].strip()
    assert table == commands_markdown_table(), "README command table is stale: run `make readme`"
    assert "`--csv-dialect excel-es\\|rfc4180`" in table and "`auditor tickets retry`" in table


def test_readme_checklist_table_matches_the_catalogue():
    from auditor.app.checklist import CHECKLIST_END, CHECKLIST_START, checklist_markdown_table

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = text.index(CHECKLIST_START) + len(CHECKLIST_START), text.index(CHECKLIST_END)
    assert text[start:end].strip() == checklist_markdown_table(), "run `make readme`"
