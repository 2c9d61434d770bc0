"""`clearsight users add|list|disable|enable|set-role`: the web application's accounts.

Accounts live in the database beside the audit log. While `clearsight serve` holds the database, change
accounts on its Users page (administrators) instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from clearsight.canonical.roles import ROLE_WORDS, ROLES
from clearsight.cli import EXIT_BAD_REQUEST, _fail, app, console, state
from clearsight.render import OutputFormat, render
from clearsight.reports.sections import section
from clearsight.reports.view import View, col
from clearsight.store.database import DatabaseError, open_database

if TYPE_CHECKING:
    from types import ModuleType

users_app = typer.Typer(help="Web accounts: add, list, disable, enable, set-role.", no_args_is_help=True)
app.add_typer(users_app, name="users")

RoleArg = Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")]
TeamOpt = Annotated[Optional[str], typer.Option("--team", help="A team manager's team (name or id).")]
ServiceOpt = Annotated[Optional[list[str]], typer.Option("--service", help="A director's service code; repeat for "
                                                         "several (none: every service).")]


def _accounts() -> ModuleType:
    """The web application's accounts module, imported only by these commands: a report command never loads
    the web application (nor argon2)."""
    from clearsight.web import accounts

    return accounts


def _writer():  # noqa: ANN202  (a DuckDB connection)
    try:
        return open_database(state.db, write=True, create=True, config=state.config)
    except DatabaseError as exc:
        raise _fail(f"{exc} (while `clearsight serve` runs, use its Users page)", exc.exit_code) from None


@users_app.command("add")
def add(username: str, role: RoleArg, team: TeamOpt = None, service: ServiceOpt = None,
        password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                              envvar="CLEARSIGHT_PASSWORD",
                                              help="Prompted for when not given (or $CLEARSIGHT_PASSWORD).")] = "",
        ) -> None:
    """Add an account with a password (hashed with argon2id; at least 12 characters)."""
    accounts = _accounts()
    try:
        accounts.add_user(_writer(), username, password, role, team=team, services=tuple(service or ()))
    except accounts.AccountError as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None
    console.print(f"Added {username} ({ROLE_WORDS[role]}).")


@users_app.command("list")
def list_(fmt: Annotated[OutputFormat, typer.Option("--format", help="table, json or csv.")] = OutputFormat.table
          ) -> None:
    """Every account with its role, team or services, and whether it is disabled."""
    try:
        con = open_database(state.db)
    except DatabaseError as exc:
        raise _fail(str(exc), exc.exit_code) from None
    rows = _accounts().list_users(con)
    columns = (col("username", "Username"), col("role", "Role"), col("team", "Team"), col("services", "Services"),
               col("disabled", "Disabled"), col("created_at", "Created"))
    render(View("users", "Web accounts", f"{len(rows)} accounts", (), (section("users", "Accounts", rows, columns),),
                None), fmt, console)


def _change(action: str, username: str, **kwargs: object) -> None:
    accounts = _accounts()
    try:
        {"disable": lambda con: accounts.set_disabled(con, username, True),
         "enable": lambda con: accounts.set_disabled(con, username, False),
         "set-role": lambda con: accounts.set_role(con, username, **kwargs)}[action](_writer())  # type: ignore[arg-type]
    except accounts.AccountError as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None
    console.print(f"{action}: {username} done.")


@users_app.command("disable")
def disable(username: str) -> None:
    """Stop an account signing in (its row stays, so the audit log's names stay meaningful)."""
    _change("disable", username)


@users_app.command("enable")
def enable(username: str) -> None:
    """Let a disabled account sign in again."""
    _change("enable", username)


@users_app.command("set-role")
def set_role(username: str, role: RoleArg, team: TeamOpt = None, service: ServiceOpt = None) -> None:
    """Change an account's role (and its team or services)."""
    _change("set-role", username, role=role, team=team, services=tuple(service or ()))
