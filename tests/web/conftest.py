"""The web application's tests share one demo store (audited once per session, copied per test) and users
of two institutions: A = mprueba (the demo's test ministry), B = aguas. Central has a second factor."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest

from auditor.app.audit import DemoRequest, demo
from auditor.app.backup import backup
from auditor.app.users import add_user, begin_second_factor, confirm_second_factor
from auditor.config import Config
from auditor.store import Store

A, B = "mprueba", "aguas"
PASSWORD = "una clave larga de prueba"
CONFIG = Config()


@dataclass(frozen=True)
class People:
    db: Path
    central_secret: str  # the central user's TOTP secret


USERS = (
    ("central", "central", (), "1000001"),
    ("rsi-a", "rsi", (A,), "2000002"),
    ("director-a", "director", (A,), "3000003"),
    ("lector-a", "lector", (A,), None),
    ("rsi-b", "rsi", (B,), "4000004"),
)


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("web-demo")
    folder.chmod(0o700)
    demo(DemoRequest(out=folder / "demo"))
    base = folder / "base.db"
    backup(CONFIG, base, db=folder / "demo" / "audit.db")
    secret_of: dict[str, str] = {}
    for username, role, institutions, ci in USERS:
        add_user(CONFIG, username, role=role, password=PASSWORD, ci=ci, institutions=institutions, db=base)
    secret, _ = begin_second_factor(CONFIG, "central", db=base)
    confirm_second_factor(CONFIG, "central", pyotp.TOTP(secret).now(), db=base)
    with Store(base) as store:  # each test's copy may sign central in with the current code once
        store.update_user("central", totp_step=None)
    secret_of["central"] = secret
    (folder / "central.secret").write_text(secret)
    return base


@pytest.fixture
def people(demo_store: Path, tmp_path: Path) -> People:
    """A private copy of the demo store with its users, for one test to change at will."""
    tmp_path.chmod(0o700)
    db = tmp_path / "audit.db"
    backup(CONFIG, db, db=demo_store)
    Store(db).close()  # a store in use is in WAL mode (a backup is a single self-contained file)
    return People(db=db, central_secret=(demo_store.parent / "central.secret").read_text())
