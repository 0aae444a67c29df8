"""Signing in to the web application, and who is signed in.

A session is a random token in a cookie; the store keeps only its SHA-256, so a copy of the database opens
no session. The CSRF token is derived from the session token (HMAC), so it needs no storage and dies with
the session. Sessions end after `IDLE` without a request and `ABSOLUTE` after sign-in, whatever happens.

Sign-in answers the same for an unknown user, a wrong password and a disabled user, and costs the same time
(a dummy hash is verified). Failures are counted per user name and per address: past `PER_USER` or
`PER_ADDRESS` in `WINDOW`, sign-in is refused with the same answer, password right or not.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from auditor.app.errors import RequestError
from auditor.app.lookup import open_store, store_path
from auditor.app.people import Identity
from auditor.app.users import password_matches, second_factor_matches
from auditor.config import Config
from auditor.i18n import t
from auditor.model.clock import utcnow
from auditor.model.users import User, UserRole
from auditor.store import Store

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
WINDOW = timedelta(minutes=15)
PER_USER = 5
PER_ADDRESS = 20
TOUCH_EVERY = timedelta(seconds=60)  # a page view writes the session's last-seen at most once a minute


class SignInRefused(RequestError):
    """Wrong user, password, code, disabled user or too many attempts: one answer for all."""


class NotVisible(RequestError):
    """An object that does not exist, or that belongs to an institution the user does not see: the same
    answer for both, so a user of one institution cannot learn what exists in another."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_for(token: str) -> str:
    return hmac.new(token.encode(), b"csrf", hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of one request."""

    user: User
    token: str
    verified: bool  # the second factor was given (or the user has none and need not)

    @property
    def csrf(self) -> str:
        return csrf_for(self.token)

    @property
    def central(self) -> bool:
        return self.user.role is UserRole.CENTRAL

    def sees(self, institution: str) -> bool:
        return self.user.sees(institution)

    def visible(self, institutions: list[str]) -> list[str]:
        return [i for i in institutions if self.sees(i)]

    def check(self, institution: str | None) -> None:
        """404 rather than 403: the object may as well not exist."""
        if institution is None or not self.sees(institution):
            raise NotVisible(t("web.not_found"))

    def identity(self) -> Identity:
        """The person the application layer records in the trail; a reader may not act."""
        role = self.user.role.actor_role
        if role is None or not self.user.ci:
            raise RequestError(t("web.read_only"), "role")
        return Identity(name=self.user.name, ci=self.user.ci, role=role.value, os_user=f"web:{self.user.username}")


@dataclass(frozen=True)
class SignIn:
    token: str
    csrf: str
    user: User
    needs_code: bool  # the session is not usable until the second factor is given
    must_enrol: bool  # a central user without a second factor must set one up first


def _throttled(store: Store, username: str, address: str, now: datetime) -> bool:
    since = now - WINDOW
    return (
        store.failures_since(since, username=username) >= PER_USER
        or store.failures_since(since, address=address) >= PER_ADDRESS
    )


def sign_in(
    config: Config, username: str, password: str, address: str, *, db: Path | None = None, now: datetime | None = None
) -> SignIn:
    now = now or utcnow()
    name = username.strip().lower()[:64]
    with open_store(config, db) as store:
        secrets_row = store.user_secrets(name)
        user = store.user(name)
        ok = password_matches(secrets_row.password_hash if secrets_row else None, password)
        if _throttled(store, name, address, now) or not ok or user is None or user.disabled:
            store.record_sign_in_failure(name, address, now)
            raise SignInRefused(t("web.sign_in_refused"))
        store.clear_failures(name)
        token = secrets.token_urlsafe(32)
        store.forget_before(now - ABSOLUTE)  # longer than any session and any throttling window
        store.open_session(_hash(token), name, now, verified=not user.totp, address=address)
    return SignIn(
        token=token,
        csrf=csrf_for(token),
        user=user,
        needs_code=user.totp,
        must_enrol=user.role is UserRole.CENTRAL and not user.totp,
    )


def give_code(
    config: Config, token: str, code: str, address: str, *, db: Path | None = None, now: datetime | None = None
) -> User:
    """The second factor for a signed-in session: a TOTP code or a recovery code."""
    now = now or utcnow()
    with open_store(config, db) as store:
        found = store.web_session(_hash(token))
        if found is None:
            raise SignInRefused(t("web.sign_in_refused"))
        username = found[0]
        if _throttled(store, username, address, now) or not second_factor_matches(store, username, code, now):
            store.record_sign_in_failure(username, address, now)
            raise SignInRefused(t("web.code_wrong"))
        store.clear_failures(username)
        store.touch_session(_hash(token), now, verified=True)
        user = store.user(username)
        assert user is not None
        return user


def viewer(config: Config, token: str | None, *, db: Path | None = None, now: datetime | None = None) -> Viewer | None:
    """The session's user, or None when there is no such session, it expired or the user was disabled."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    path = store_path(config, db)
    if not path.exists():
        return None
    with Store.read_only(path) as reader:
        found = reader.web_session(_hash(token))
        user = reader.user(found[0]) if found else None
    if found is None or user is None or user.disabled:
        return None
    _, created, seen, verified = found
    if now - seen > IDLE or now - created > ABSOLUTE:
        sign_out(config, token, db=db)
        return None
    if now - seen > TOUCH_EVERY:
        with Store(path) as store:
            store.touch_session(_hash(token), now)
    return Viewer(user=user, token=token, verified=verified)


def sign_out(config: Config, token: str, *, db: Path | None = None) -> None:
    with Store(store_path(config, db)) as store:
        store.close_session(_hash(token))
