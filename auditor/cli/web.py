"""The web application and what goes with it: `users`, `serve`, `backup` and `digest send`."""

from __future__ import annotations

import ipaddress
import json
import sys
from pathlib import Path

import click

from auditor.app.backup import backup as make_backup
from auditor.app.digests import send_digests
from auditor.app.lookup import store_path
from auditor.app.outcome import EXIT_INCOMPLETE
from auditor.app.users import add_user, list_users, reset_password, set_digest, set_disabled
from auditor.cli.main import cli, reports_errors
from auditor.config import Config
from auditor.i18n import current_lang, t, term
from auditor.model.users import UserRole

DB = click.option("--db", type=click.Path(path_type=Path), help="SQLite store (default: the config's).")


def _password(stdin: bool) -> str:
    """One line from standard input (scripts), or typed twice without echo."""
    if stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt(t("cli.users.password_prompt"), hide_input=True, confirmation_prompt=True))


@cli.group()
def users() -> None:
    """Who may sign in to the web application (`auditor serve`), and for which institutions."""


@users.command("add")
@click.argument("username")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in UserRole]), help="central, rsi, director or lector."
)
@click.option("--institution", "institutions", multiple=True, help="An institution they see (repeat for more).")
@click.option("--name", help="Full name (default: the user name).")
@click.option("--ci", help="Their CI: required to act (declarations are sworn in their name).")
@click.option("--email", help="Address for the daily digest.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@DB
@click.pass_obj
@reports_errors
def users_add(
    config: Config,
    username: str,
    role: str,
    institutions: tuple[str, ...],
    name: str | None,
    ci: str | None,
    email: str | None,
    password_stdin: bool,
    db: Path | None,
) -> None:
    """Add a user."""
    user = add_user(
        config,
        username,
        role=role,
        password=_password(password_stdin),
        name=name,
        ci=ci,
        institutions=institutions,
        email=email,
        db=db,
    )
    click.echo(
        t(
            "cli.users.added",
            username=user.username,
            role=term(user.role),
            institutions=", ".join(user.institutions) or "*",
        )
    )


@users.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@DB
@click.pass_obj
@reports_errors
def users_list(config: Config, fmt: str, db: Path | None) -> None:
    """The users, without any secret."""
    found = list_users(config, db=db)
    if fmt == "json":
        click.echo(json.dumps([u.model_dump(mode="json") for u in found], ensure_ascii=False, indent=1))
        return
    for u in found:
        state = t("cli.users.disabled") if u.disabled else ""
        factor = "2FA" if u.totp else "—"
        click.echo(f"{u.username:20} {u.role.value:9} {factor:4} {','.join(u.institutions) or '*':30} {state}")


@users.command("disable")
@click.argument("username")
@DB
@click.pass_obj
@reports_errors
def users_disable(config: Config, username: str, db: Path | None) -> None:
    """Disable a user (their sessions end at once; the trail keeps what they did)."""
    set_disabled(config, username, True, db=db)
    click.echo(t("cli.users.disabled_done", username=username))


@users.command("enable")
@click.argument("username")
@DB
@click.pass_obj
@reports_errors
def users_enable(config: Config, username: str, db: Path | None) -> None:
    """Enable a disabled user again."""
    set_disabled(config, username, False, db=db)
    click.echo(t("cli.users.enabled_done", username=username))


@users.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@click.option("--reset-second-factor", is_flag=True, help="Also remove their second factor (a lost phone).")
@DB
@click.pass_obj
@reports_errors
def users_reset(
    config: Config, username: str, password_stdin: bool, reset_second_factor: bool, db: Path | None
) -> None:
    """Give a user a new password (their sessions end)."""
    reset_password(config, username, _password(password_stdin), second_factor=reset_second_factor, db=db)
    click.echo(t("cli.users.reset_done", username=username))


@users.command("digest")
@click.argument("username")
@click.argument("state", type=click.Choice(["on", "off"]))
@DB
@click.pass_obj
@reports_errors
def users_digest(config: Config, username: str, state: str, db: Path | None) -> None:
    """Turn a user's daily email digest on or off."""
    set_digest(config, username, state == "on", db=db)
    click.echo(t("cli.users.digest_done", username=username, state=state))


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@DB
@click.option("--behind-https", is_flag=True, help="A TLS reverse proxy is in front: Secure cookies and HSTS.")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), help="Serve https directly: certificate.")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="Serve https directly: private key.")
@click.option("--demo", is_flag=True, help="Serve the demo's store (after `make demo`) with new demo users.")
@click.pass_obj
@reports_errors
def serve(
    config: Config,
    host: str,
    port: int,
    db: Path | None,
    behind_https: bool,
    tls_cert: str | None,
    tls_key: str | None,
    demo: bool,
) -> None:
    """The officers' web application, on the same store as `auditor schedule`."""
    import uvicorn

    from auditor.app.web_demo import seed_demo_users
    from auditor.app.web_views import prepare
    from auditor.web import create_app

    secure = behind_https or bool(tls_cert)
    if not secure and not _loopback(host):
        raise click.UsageError(t("cli.serve.needs_tls", host=host))
    if bool(tls_cert) != bool(tls_key):
        raise click.UsageError(t("cli.serve.cert_and_key"))
    if demo:
        db = db or Path("demo-output") / "audit.db"
        if not db.exists():
            raise click.UsageError(t("cli.serve.demo_first", db=db))
        credentials = db.parent / "web-users.txt"
        seed_demo_users(db, credentials)
        click.echo(t("cli.serve.demo_users", path=credentials))
    path = store_path(config, db)
    if not path.exists():
        raise click.UsageError(t("cli.serve.no_store", db=path))
    prepare(config, db)
    scheme = "https" if tls_cert else "http"
    click.echo(t("cli.serve.listening", url=f"{scheme}://{host}:{port}/", db=path))
    app = create_app(config, db, secure=secure)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=behind_https,
        forwarded_allow_ips="127.0.0.1",
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        server_header=False,
    )


@cli.command()
@click.argument("dest", type=click.Path(path_type=Path))
@DB
@click.pass_obj
@reports_errors
def backup(config: Config, dest: Path, db: Path | None) -> None:
    """A consistent copy of the store (SQLite online backup) while audits and the web application run."""
    done = make_backup(config, dest, db=db)
    click.echo(t("cli.backup.done", path=done.path, size=done.size, runs=done.runs, version=done.schema_version))


@cli.group()
def digest() -> None:
    """The daily email digest of the web application's users."""


@digest.command("send")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing.")
@DB
@click.pass_obj
@reports_errors
def digest_send(config: Config, dry_run: bool, db: Path | None) -> None:
    """Send today's digests now (`auditor schedule` sends them every day at schedule.digest_cron)."""
    digests, errors = send_digests(config, db=db, lang=current_lang(), dry_run=dry_run)
    for d in digests:
        click.echo(f"{d.institution or t('digest.central')} → {', '.join(d.to)}: {len(d.lines)}")
        if dry_run:
            for line in d.lines:
                click.echo(f"  - {line}")
    for error in errors:
        click.echo(t("cli.error", message=error), err=True)
    if errors:
        sys.exit(EXIT_INCOMPLETE)  # some digests were not sent
