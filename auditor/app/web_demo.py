"""`auditor serve --demo`: users for the demo's institutions, each with a new random password, written to a
private file (0600) whose path is printed; never a fixed password a demo left running would share."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from auditor.app.lookup import open_store
from auditor.app.users import add_user, reset_password
from auditor.config import Config
from reports.files import write_private

# (username, role, institutions, CI, name): an RSI and a director of the demo's test ministry, an RSI of
# another institution (to see that neither sees the other's), a reader, and the central office.
DEMO_USERS = (
    ("central", "central", (), "1000001", "Oficina central (demo)"),
    ("rsi-mprueba", "rsi", ("mprueba",), "2000002", "RSI del Ministerio de Prueba (demo)"),
    ("director-mprueba", "director", ("mprueba",), "3000003", "Dirección de Comunicación, Ministerio de Prueba (demo)"),
    ("rsi-aguas", "rsi", ("aguas",), "4000004", "RSI de Aguas (demo)"),
    ("lector-una", "lector", ("una",), None, "Lector de la UNA (demo)"),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    institutions: tuple[str, ...]
    password: str


def seed_demo_users(db: Path, credentials: Path) -> list[DemoUser]:
    """Create the demo users (or give the existing ones new passwords) and write who signs in with what."""
    config = Config()
    made = []
    with open_store(config, db) as store:
        existing = {u.username for u in store.users()}
    for username, role, institutions, ci, name in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        if username in existing:
            reset_password(config, username, password, db=db)
        else:
            add_user(config, username, role=role, password=password, name=name, ci=ci, institutions=institutions, db=db)
        made.append(DemoUser(username, role, institutions, password))
    lines = ["# auditor serve --demo: usuarios de demostración (contraseñas nuevas en cada arranque)", ""]
    lines += [f"{u.username}\t{u.password}\t{u.role}\t{','.join(u.institutions) or '*'}" for u in made]
    write_private(credentials, "\n".join(lines) + "\n")
    return made
