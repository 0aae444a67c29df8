"""Users, sessions and failed sign-ins of the web application. Hashes and secrets stay in these tables: the
rows leave as `User` (no hash, no secret) except through the few methods that check them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from auditor.model.users import User
from auditor.store.base import StoreTables


class Secrets(NamedTuple):
    password_hash: str
    totp_secret: str | None
    totp_pending: str | None  # a secret being set up, waiting for its first code
    recovery: list[str]  # SHA-256 of the unused recovery codes
    totp_step: int | None  # the last time step accepted


def _user(row: dict[str, Any]) -> User:
    return User(
        username=row["username"],
        name=row["name"],
        ci=row["ci"],
        role=row["role"],
        institutions=json.loads(row["institutions"]),
        email=row["email"],
        disabled=bool(row["disabled"]),
        totp=bool(row["totp_secret"]),
        digest=bool(row["digest"]),
        created_at=datetime.fromisoformat(row["created_at"]),
    )


class UserRecords(StoreTables):
    def add_user(self, user: User, password_hash: str) -> None:
        self.db.table("users").insert(
            {
                "username": user.username,
                "name": user.name,
                "ci": user.ci,
                "role": user.role.value,
                "institutions": json.dumps(sorted(user.institutions)),
                "email": user.email,
                "disabled": int(user.disabled),
                "digest": int(user.digest),
                "created_at": user.created_at.isoformat(),
                "password_hash": password_hash,
                "recovery": "[]",
            }
        )

    def user(self, username: str) -> User | None:
        row = self._user_row(username)
        return _user(row) if row else None

    def _user_row(self, username: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select * from users where username = ?", [username]))
        return rows[0] if rows else None

    def users(self) -> list[User]:
        return [_user(r) for r in self.db.query("select * from users order by username")]

    def user_secrets(self, username: str) -> Secrets | None:
        row = self._user_row(username)
        if row is None:
            return None
        return Secrets(
            row["password_hash"],
            row["totp_secret"],
            row["totp_pending"],
            json.loads(row["recovery"] or "[]"),
            row["totp_step"],
        )

    def update_user(self, username: str, **changes: Any) -> None:
        """Change a user's columns; any change of password, factor or state ends their sessions (`end_sessions`)."""
        encoded = {
            k: json.dumps(v) if isinstance(v, list) else int(v) if isinstance(v, bool) else v
            for k, v in changes.items()
        }
        with self.db.atomic():
            self.db.table("users").update(username, encoded)

    def end_sessions(self, username: str, keep: str | None = None) -> None:
        with self.db.atomic():
            self.db.execute(
                "delete from web_sessions where username = ? and token_hash != coalesce(?, '')", [username, keep]
            )

    def open_session(self, token_hash: str, username: str, at: datetime, verified: bool, address: str) -> None:
        with self.db.atomic():
            self.db.table("web_sessions").insert(
                {
                    "token_hash": token_hash,
                    "username": username,
                    "created_at": at.isoformat(),
                    "seen_at": at.isoformat(),
                    "verified": int(verified),
                    "address": address,
                }
            )

    def web_session(self, token_hash: str) -> tuple[str, datetime, datetime, bool] | None:
        """(username, created at, last seen, second factor passed)."""
        rows = list(self.db.query("select * from web_sessions where token_hash = ?", [token_hash]))
        if not rows:
            return None
        r = rows[0]
        return (
            r["username"],
            datetime.fromisoformat(r["created_at"]),
            datetime.fromisoformat(r["seen_at"]),
            bool(r["verified"]),
        )

    def touch_session(self, token_hash: str, at: datetime, *, verified: bool | None = None) -> None:
        changes: dict[str, Any] = {"seen_at": at.isoformat()}
        if verified is not None:
            changes["verified"] = int(verified)
        with self.db.atomic():
            self.db.table("web_sessions").update(token_hash, changes)

    def close_session(self, token_hash: str) -> None:
        with self.db.atomic():
            self.db.execute("delete from web_sessions where token_hash = ?", [token_hash])

    def forget_before(self, at: datetime) -> None:
        """Sessions not seen and failed sign-ins not made since `at`: gone, so neither table grows forever."""
        with self.db.atomic():
            self.db.execute("delete from web_sessions where seen_at < ?", [at.isoformat()])
            self.db.execute("delete from sign_in_failures where at < ?", [at.isoformat()])

    def record_sign_in_failure(self, username: str, address: str, at: datetime) -> None:
        with self.db.atomic():
            self.db.table("sign_in_failures").insert({"username": username, "address": address, "at": at.isoformat()})

    def failures_since(self, since: datetime, *, username: str | None = None, address: str | None = None) -> int:
        column, value = ("username", username) if username is not None else ("address", address)
        row = self.db.execute(
            f"select count(*) from sign_in_failures where {column} = ? and at >= ?",  # column: one of two literals
            [value, since.isoformat()],
        ).fetchone()
        return int(row[0])

    def clear_failures(self, username: str) -> None:
        with self.db.atomic():
            self.db.execute("delete from sign_in_failures where username = ?", [username])
