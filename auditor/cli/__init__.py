"""The `auditor` command line: parses arguments, calls the application layer (`auditor.app`), prints.

One module per group of commands; importing this package registers them all on `cli`.
"""

from __future__ import annotations

from auditor.cli import audit, forms, inventory, operations, people, policies, tickets, web
from auditor.cli.main import cli

__all__ = ["audit", "cli", "forms", "inventory", "main", "operations", "people", "policies", "tickets", "web"]


def main() -> None:
    cli(prog_name="auditor")
