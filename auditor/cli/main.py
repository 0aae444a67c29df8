"""The `auditor` command group, and how every command reports a failed request: one place that turns the
application layer's errors into messages and exit codes (`auditor.app.outcome`).

Exit codes: 0 clean, 1 an open finding at or above `--fail-on`, 2 usage or input error (an unknown name, a
missing store, a bad file), 3 incomplete or a ticket delivery failed (and nothing reaches `--fail-on`),
4 the store is busy (another audit holds its lock), 5 aborted (the store unusable, an internal error).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import wraps
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar

import click

from auditor.app.errors import InputError, RequestError, StoreBusy, StoreError, UnsafePath
from auditor.app.outcome import EXIT_ABORTED, EXIT_BUSY, EXIT_INPUT
from auditor.config import CONFIG_NAME, find_config, load_config
from auditor.i18n import plural, set_lang, t

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("auditor.cli")


def echo_problems(exc: InputError) -> None:
    for problem in exc.problems:
        click.echo(str(problem), err=True)


def reports_errors(fn: F) -> F:
    """Located input errors (one `file:line: field: message` per line) and bad requests exit 2; a busy
    store exits 4. Nothing was written when any of them is raised."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            echo_problems(exc)
            counted = plural(len(exc.problems), "word.problem", "word.problems")
            click.echo(t("cli.problems", counted=counted), err=True)
            sys.exit(EXIT_INPUT)
        except RequestError as exc:
            if exc.field:
                raise click.BadParameter(str(exc), param_hint=f"--{exc.field}") from None
            click.echo(t("cli.error", message=exc), err=True)
            sys.exit(EXIT_INPUT)
        except StoreBusy as exc:
            click.echo(t("cli.error", message=exc), err=True)
            sys.exit(EXIT_BUSY)
        except UnsafePath as exc:  # nothing was written through it
            click.echo(t("cli.error", message=exc), err=True)
            sys.exit(EXIT_INPUT)

    return wrapper  # type: ignore[return-value]


def use_lang(lang: str | None) -> str | None:
    """The language of a command's reports: its own `--lang`, else `auditor --lang`, else None (the
    configuration's). A command's own `--lang` also sets the language of what the command line says."""
    if lang is not None:
        set_lang("en" if lang == "en" else "es")
        return lang
    chosen = click.get_current_context().find_root().meta.get("lang")
    return str(chosen) if chosen else None


class AuditorGroup(click.Group):
    """Whatever goes wrong below the command line never looks like findings (exit 1): an unusable store or
    an internal error is exit 5, with one line saying so."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except StoreError as exc:
            click.echo(t("cli.store_unusable", message=exc), err=True)
            sys.exit(EXIT_ABORTED)
        except UnsafePath as exc:
            click.echo(t("cli.error", message=exc), err=True)
            sys.exit(EXIT_INPUT)
        except Exception as exc:
            log.debug("internal error", exc_info=True)
            click.echo(t("cli.internal_error", kind=type(exc).__name__, message=exc), err=True)
            sys.exit(EXIT_ABORTED)


def _version() -> str:
    try:
        return version("oee-social-auditor")
    except PackageNotFoundError:
        return "unknown"


@click.group(cls=AuditorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", prog_name="auditor", message="%(prog)s %(version)s")
@click.option("--config", "config_path", metavar="FILE", help=f"Configuration file (default: ./{CONFIG_NAME}).")
@click.option(
    "--lang",
    type=click.Choice(["es", "en"]),
    default=None,
    help="Language of messages and reports (default: Spanish; reports: a command's --lang, else this, else the "
    "config's).",
)
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug); tokens are redacted.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", help="json: one object per line.")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, lang: str | None, verbose: int, log_format: str) -> None:
    """Auditor of the official social-media accounts of the State (MITIC Res. 678/2022)."""
    from auditor.logs import setup_logging

    set_lang("en" if lang == "en" else "es")
    ctx.meta["lang"] = lang
    setup_logging(verbose, log_format)
    path = find_config(config_path)
    try:
        ctx.obj = load_config(path)
    except InputError as exc:
        echo_problems(exc)
        sys.exit(EXIT_INPUT)
