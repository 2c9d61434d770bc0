"""Accounts of the web application: who may sign in, with which role, over which team or services.

Passwords are kept only as argon2id hashes (argon2-cffi's defaults, RFC 9106); a disabled account keeps its row
so the audit log's names stay meaningful. The roles follow ../shared/design/audiences.md: an administrator and
a performance analyst see everything; a director or head of service sees their services (every service when
none is set: a director of children's services); a team manager their own team's children and workers only;
an elected member aggregates only, with small numbers suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from clearsight.canonical.roles import ROLE_WORDS, ROLES, Role  # noqa: F401  (the web application's names)

MIN_PASSWORD = 12  # characters (NCSC password guidance: length over complexity)

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so a wrong name costs the same time as a wrong password.
    Hashed on first use, not at import: a third of a second every process importing this module would pay."""
    return _hasher.hash("clearsight-no-such-user")


class AccountError(ValueError):
    """An account cannot be made or changed as asked; the message says why in one line."""


@dataclass(frozen=True)
class Principal:
    """A signed-in user as the access rules see them."""

    username: str
    role: Role
    team: str | None = None  # team manager: their team's name or id
    services: tuple[str, ...] = ()  # director / head of service: service codes (empty: every service)

    @property
    def sees_people(self) -> bool:
        """May see records that identify a child or worker (never an elected member)."""
        return self.role != "member"


def _check(role: str, team: str | None, services: tuple[str, ...]) -> None:
    if role not in ROLES:
        raise AccountError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if role == "team_manager" and not team:
        raise AccountError("a team manager needs --team (their team's name or id)")
    if role != "team_manager" and team:
        raise AccountError("--team is for a team manager")
    if role != "director" and services:
        raise AccountError("--service is for a director or head of service")


def add_user(con: Any, username: str, password: str, role: str, *, team: str | None = None,
             services: tuple[str, ...] = ()) -> Principal:
    username = username.strip()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise AccountError("a username is 1-100 characters without spaces")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    _check(role, team, services)
    if con.execute("SELECT 1 FROM app_user WHERE username = ?", [username]).fetchone():
        raise AccountError(f"user {username!r} exists; use set-role or disable")
    con.execute("INSERT INTO app_user VALUES (?, ?, ?, ?, ?, FALSE, ?)",
                [username, _hasher.hash(password), role, team, ",".join(services) or None, datetime.now()])
    return Principal(username, role, team, services)  # type: ignore[arg-type]


def set_role(con: Any, username: str, role: str, *, team: str | None = None, services: tuple[str, ...] = ()) -> None:
    _check(role, team, services)
    _require(con, username)
    con.execute("UPDATE app_user SET role = ?, team = ?, services = ? WHERE username = ?",
                [role, team, ",".join(services) or None, username])


def set_disabled(con: Any, username: str, disabled: bool = True) -> None:
    _require(con, username)
    con.execute("UPDATE app_user SET disabled = ? WHERE username = ?", [disabled, username])


def _require(con: Any, username: str) -> None:
    if not con.execute("SELECT 1 FROM app_user WHERE username = ?", [username]).fetchone():
        raise AccountError(f"no user {username!r}")


def list_users(con: Any) -> list[dict[str, Any]]:
    rows = con.execute("SELECT username, role, team, services, disabled, created_at FROM app_user "
                       "ORDER BY username").fetchall()
    return [{"username": u, "role": r, "team": t, "services": s or "", "disabled": d, "created_at": c}
            for u, r, t, s, d, c in rows]


def principal(con: Any, username: str) -> Principal | None:
    """The enabled account named `username`, or None."""
    row = con.execute("SELECT role, team, services FROM app_user WHERE username = ? AND NOT disabled",
                      [username]).fetchone()
    if row is None:
        return None
    return Principal(username, row[0], row[1], tuple(s for s in (row[2] or "").split(",") if s))


def authenticate(con: Any, username: str, password: str) -> Principal | None:
    """The account when the password matches and the account is enabled; None otherwise (the same time taken
    whether or not the name exists)."""
    row = con.execute("SELECT password_hash FROM app_user WHERE username = ? AND NOT disabled",
                      [username]).fetchone()
    try:
        _hasher.verify(row[0] if row else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    return principal(con, username) if row else None
