"""`auditor users`, `serve`, `backup`: what the operator types."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.store import Store
from tests.web.conftest import PASSWORD, A, People


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.output


def test_users_add_list_disable_reset(people: People):
    db = str(people.db)

    def add(name: str, *options: str, password: str = PASSWORD) -> tuple[int, str]:
        return run("users", "add", name, *options, "--password-stdin", "--db", db, stdin=password + "\n")

    code, out = add("ana", "--role", "rsi", "--institution", A, "--ci", "1234567")
    assert code == 0 and "«ana» agregado" in out
    code, out = add("ana", "--role", "rsi", "--institution", A, "--ci", "1234567")
    assert code == 2 and "ya existe" in out
    code, out = add("beto", "--role", "rsi", "--institution", "unna", "--ci", "7654321")
    assert code == 2 and "una" in out  # the closest institutions are named
    code, out = add("caro", "--role", "rsi", "--institution", A, "--ci", "7654321", password="corta")
    assert code == 2 and "al menos 12" in out
    code, out = add("dani", "--role", "director", "--institution", A)
    assert code == 2 and "--ci" in out
    code, out = run("users", "list", "--format", "json", "--db", db)
    listed = json.loads(out)
    assert "ana" in {u["username"] for u in listed} and "password" not in out and "argon2" not in out
    assert run("users", "disable", "ana", "--db", db)[0] == 0
    assert next(
        u for u in json.loads(run("users", "list", "--format", "json", "--db", db)[1]) if u["username"] == "ana"
    )["disabled"]
    assert run("users", "reset-password", "ana", "--password-stdin", "--db", db, stdin="otra clave muy larga\n")[0] == 0
    with Store(people.db) as store:
        secrets = store.user_secrets("ana")
    assert secrets is not None and secrets.password_hash.startswith("$argon2") and "otra" not in secrets.password_hash


def test_serve_refuses_clear_text_beyond_this_machine(people: People, monkeypatch: pytest.MonkeyPatch):
    started: list[dict[str, object]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: started.append(kw))
    code, out = run("serve", "--host", "0.0.0.0", "--db", str(people.db))
    assert code == 2 and "--behind-https" in out and not started
    code, out = run("serve", "--host", "0.0.0.0", "--behind-https", "--db", str(people.db))
    assert code == 0 and started[-1]["proxy_headers"] is True


def test_serve_demo_makes_users_with_random_passwords_in_a_private_file(
    people: People, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: None)
    code, out = run("serve", "--demo", "--db", str(people.db))
    credentials = people.db.parent / "web-users.txt"
    assert code == 0 and str(credentials) in out
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    first = credentials.read_text()
    run("serve", "--demo", "--db", str(people.db))
    assert credentials.read_text() != first  # new passwords at every start
    lines = [line.split("\t") for line in credentials.read_text().splitlines() if "\t" in line]
    assert {line[0] for line in lines} >= {"central", "rsi-mprueba", "rsi-aguas", "lector-una"}


def test_backup_is_a_consistent_private_copy_while_the_store_is_in_use(people: People, tmp_path: Path):
    writer = sqlite3.connect(people.db)
    writer.execute("begin immediate")  # a write transaction is open (an audit writing its run)
    try:
        code, out = run("backup", str(tmp_path / "copias" / "audit-copia.db"), "--db", str(people.db))
    finally:
        writer.rollback()
        writer.close()
    dest = tmp_path / "copias" / "audit-copia.db"
    assert code == 0 and "copia de seguridad" in out, out
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    with Store(dest) as copy, Store(people.db) as original:
        assert [r.id for r in copy.runs()] == [r.id for r in original.runs()]
        assert len(copy.users()) == len(original.users())
    link = tmp_path / "copias" / "link.db"
    link.symlink_to(tmp_path / "elsewhere.db")
    code, out = run("backup", str(link), "--db", str(people.db))
    assert not (tmp_path / "elsewhere.db").exists()
