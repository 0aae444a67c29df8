"""The `auditor` command group, and how every command reports a failed request: one place that turns the
application layer's errors into messages and exit codes.

Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 usage or input error, 3 audit incomplete (or a
ticket delivery failed), 4 the store is busy (another audit holds its lock).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from auditor.app.errors import InputError, RequestError, StoreBusy, StoreError
from auditor.config import CONFIG_NAME, find_config, load_config

EXIT_INPUT = 2
EXIT_BUSY = 4
F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(fn: F) -> F:
    """Located input errors (one `file:line: field: message` per line) and bad requests exit 2; a busy
    store exits 4. Nothing was written when any of them is raised."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(f"{len(exc.problems)} problem(s); nothing was imported or written.", err=True)
            sys.exit(EXIT_INPUT)
        except RequestError as exc:
            if exc.field:
                raise click.BadParameter(str(exc), param_hint=f"--{exc.field}") from None
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_INPUT)
        except StoreError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_INPUT)
        except StoreBusy as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_BUSY)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", metavar="FILE", help=f"Configuration file (default: ./{CONFIG_NAME}).")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug); tokens are redacted.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", help="json: one object per line.")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int, log_format: str) -> None:
    """Auditor of the official social-media accounts of the State (MITIC Res. 678/2022)."""
    from auditor.logs import setup_logging

    setup_logging(verbose, log_format)
    path = find_config(config_path)
    try:
        ctx.obj = load_config(path)
    except InputError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(EXIT_INPUT)
