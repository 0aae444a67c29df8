"""The web application's users, as `auditor users` and the account page manage them: add, list, disable,
reset a password, the daily digest on or off, and the second factor (TOTP with recovery codes).

Passwords are argon2 hashes; recovery codes are random (60 bits) and kept as SHA-256 hashes, each usable
once. Any change of password, factor or state ends the user's other sessions."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import ValidationError

from auditor.app.errors import RequestError
from auditor.app.lookup import open_store, unknown
from auditor.app.people import choice, first_problem
from auditor.config import Config
from auditor.i18n import t
from auditor.model.clock import utcnow
from auditor.model.users import User, UserRole
from auditor.store import Store

MIN_PASSWORD = 12
RECOVERY_CODES = 10
ISSUER = "Auditor OEE"
HASHER = PasswordHasher()
# Verified against when the user does not exist, so an unknown name costs the same time as a wrong password.
DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise RequestError(t("web.password_short", n=MIN_PASSWORD), "password")
    return HASHER.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    try:
        return HASHER.verify(stored or DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


def add_user(
    config: Config,
    username: str,
    *,
    role: str,
    password: str,
    name: str | None = None,
    ci: str | None = None,
    institutions: Iterable[str] = (),
    email: str | None = None,
    db: Path | None = None,
    now: datetime | None = None,
) -> User:
    """A new user. Everyone but `central` names at least one institution of the store's inventory; everyone
    who acts (not `lector`) has a CI, because what they declare is sworn in their name."""
    chosen = choice(UserRole, role, "role")
    wanted = sorted(set(institutions))
    if chosen is UserRole.CENTRAL and wanted:
        raise RequestError(t("web.central_no_institution"), "institution")
    if chosen is not UserRole.CENTRAL and not wanted:
        raise RequestError(t("web.institution_required", role=chosen.value), "institution")
    if chosen is not UserRole.LECTOR and not ci:
        raise RequestError(t("web.ci_required", role=chosen.value), "ci")
    hashed = hash_password(password)
    try:
        user = User(
            username=username,
            name=name or username,
            ci=ci,
            role=chosen,
            institutions=wanted,
            email=email,
            created_at=now or utcnow(),
        )
    except ValidationError as exc:
        raise RequestError(first_problem(exc), str(exc.errors()[0]["loc"][0])) from None
    with open_store(config, db) as store:
        known = [i.institution.id for i in store.load_inventory().institutions]
        for inst in wanted:
            if inst not in known:
                raise unknown("institution", inst, known, "institution")
        if store.user(user.username) is not None:
            raise RequestError(t("web.user_exists", username=user.username), "username")
        store.add_user(user, hashed)
    return user


def list_users(config: Config, *, db: Path | None = None) -> list[User]:
    with open_store(config, db) as store:
        return store.users()


def _existing(store: Store, username: str) -> User:
    user = store.user(username)
    if user is None:
        raise unknown("user", username, (u.username for u in store.users()), "username")
    return user


def set_disabled(config: Config, username: str, disabled: bool, *, db: Path | None = None) -> User:
    with open_store(config, db) as store:
        _existing(store, username)
        store.update_user(username, disabled=disabled)
        store.end_sessions(username)
        return _existing(store, username)


def reset_password(
    config: Config, username: str, password: str, *, second_factor: bool = False, db: Path | None = None
) -> User:
    """A new password (and, with `second_factor`, no second factor: the user sets one up again)."""
    hashed = hash_password(password)
    with open_store(config, db) as store:
        _existing(store, username)
        changes: dict[str, object] = {"password_hash": hashed}
        if second_factor:
            changes.update(totp_secret=None, totp_pending=None, totp_step=None, recovery=[])
        store.update_user(username, **changes)
        store.end_sessions(username)
        return _existing(store, username)


def set_digest(config: Config, username: str, on: bool, *, db: Path | None = None) -> User:
    with open_store(config, db) as store:
        _existing(store, username)
        store.update_user(username, digest=on)
        return _existing(store, username)


def begin_second_factor(config: Config, username: str, *, db: Path | None = None) -> tuple[str, str]:
    """A new TOTP secret waiting for its first code: (secret, otpauth URI for an authenticator app)."""
    secret = pyotp.random_base32()
    with open_store(config, db) as store:
        _existing(store, username)
        store.update_user(username, totp_pending=secret)
    return secret, pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def totp_step(secret: str, code: str, at: datetime) -> int | None:
    """The time step whose code this is (this one, the one before or the one after, for clock drift)."""
    totp = pyotp.TOTP(secret)
    given = code.strip().replace(" ", "")
    for offset in (-1, 0, 1):
        moment = at + timedelta(seconds=totp.interval * offset)
        if hmac.compare_digest(totp.at(moment), given):
            return int(totp.timecode(moment))
    return None


def confirm_second_factor(
    config: Config,
    username: str,
    code: str,
    *,
    keep_session: str | None = None,
    db: Path | None = None,
    now: datetime | None = None,
) -> list[str]:
    """The first code proves the app holds the secret: it becomes the user's factor, and the recovery codes
    (shown once) are returned. The user's other sessions end."""
    with open_store(config, db) as store:
        found = store.user_secrets(username)
        step = totp_step(found.totp_pending, code, now or utcnow()) if found and found.totp_pending else None
        if found is None or step is None:
            raise RequestError(t("web.code_wrong"), "code")
        codes = [secrets.token_hex(6)[:12] for _ in range(RECOVERY_CODES)]
        shown = [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]
        store.update_user(
            username,
            totp_secret=found.totp_pending,
            totp_pending=None,
            totp_step=step,
            recovery=[_recovery_hash(c) for c in codes],
        )
        store.end_sessions(username, keep=keep_session)
    return shown


def second_factor_matches(store: Store, username: str, code: str, now: datetime | None = None) -> bool:
    """A TOTP code of a later time step than the last one accepted (a code seen once is spent), or an unused
    recovery code (which is then spent)."""
    found = store.user_secrets(username)
    if found is None or not found.totp_secret:
        return False
    step = totp_step(found.totp_secret, code, now or utcnow())
    if step is not None and step > (found.totp_step or -1):
        store.update_user(username, totp_step=step)
        return True
    hashed = _recovery_hash(code)
    if hashed in found.recovery:
        store.update_user(username, recovery=[h for h in found.recovery if h != hashed])
        return True
    return False


def recovery_left(config: Config, username: str, *, db: Path | None = None) -> int:
    with open_store(config, db) as store:
        found = store.user_secrets(username)
        return len(found.recovery) if found else 0
