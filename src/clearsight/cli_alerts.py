"""`clearsight alerts ...`: the inbox, evaluating the rules (also after each load), replaying history, and the
owner's answers (acknowledge, record an action, resolve). Views come from clearsight.reports.alerts."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from clearsight.cli import (
    EXIT_BAD_REQUEST,
    AsAt,
    Fmt,
    Out,
    Records,
    SectionOpt,
    Snap,
    Team,
    _fail,
    _open,
    _show,
    app,
    console,
    err,
    state,
)
from clearsight.render import OutputFormat, render
from clearsight.render.terminal import progress_bar
from clearsight.reports.request import BadRequest, Request, make_request, parse_day
from clearsight.store.snapshots import SnapshotNotFound, get_snapshot, latest_snapshot

alerts_app = typer.Typer(help="Early warning: alerts with an owner and a deadline that climb until answered.",
                         invoke_without_command=True)
app.add_typer(alerts_app, name="alerts")

Role = Annotated[str | None, typer.Option(help="Only the alerts now with this role (e.g. director).")]
By = Annotated[str, typer.Option("--by", help="Who is answering (recorded in the alert's history).")]
On = Annotated[str | None, typer.Option("--on", help="The day, YYYY-MM-DD (default: today).")]
As = Annotated[str | None, typer.Option("--as", help="The answerer's role (e.g. team_manager): refused unless it "
                                        "is the alert's owner's or above it in its chain (default: an "
                                        "administrator, who holds the database).")]


def _day(value: str | None, option: str, default: date | None = None) -> date:
    try:
        return parse_day(value, option) if value else (default or date.today())
    except BadRequest as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None


@alerts_app.callback()
def inbox(ctx: typer.Context, role: Role = None, all_: Annotated[bool, typer.Option("--all", help="Resolved "
          "alerts too.")] = False, kind: Annotated[str | None, typer.Option(help="rule, concern, scrutiny or "
          "change.")] = None, records: Annotated[bool, typer.Option("--records", help="Include alerts naming a "
          "worker.")] = False, team: Team = None, service: Annotated[list[str] | None, typer.Option(
          help="Only alerts of this service, e.g. cin (repeat for several).")] = None, as_at: AsAt = None,
          fmt: Fmt = OutputFormat.table, out: Out = None, section: SectionOpt = None, snapshot: Snap = None) -> None:
    """Open alerts, the worst and oldest first: what, whose, the figure, who must answer by when, the records;
    one team's (a team manager's inbox) or some services' (a head of service's) when asked."""
    from clearsight.reports.alerts import build_inbox

    if ctx.invoked_subcommand is None:
        _show(lambda req: build_inbox(req, role=role, include_resolved=all_, kind=kind, services=service,
                                      on_day=as_at is not None),
              as_at=as_at, team=team, snapshot=snapshot, fmt=fmt, out=out, section=section, records=records)


def after_load(snapshot_ids: list[int], *, quiet: bool = False) -> None:
    """Evaluate the rules on each snapshot a load made (`lifecycle.evaluate_loads`). A database a server holds
    was loaded by the server, which evaluated them itself."""
    from clearsight.alerts.lifecycle import evaluate_loads
    from clearsight.store.database import DatabaseBusy, DatabaseError, open_database

    if not snapshot_ids:
        return
    try:
        con = open_database(state.db, write=True, config=state.config)
    except DatabaseBusy:
        return
    except DatabaseError as exc:
        err.print(f"Alerts not evaluated: {exc}")
        return
    try:
        for line in evaluate_loads(con, state.config, snapshot_ids):
            if line.startswith("Alerts not"):
                err.print(line)
            elif not quiet:
                console.print(line)
    finally:
        con.close()  # readers in this process (`demo`, tests) open the file afresh


@alerts_app.command("run")
def run_command(as_at: AsAt = None, fmt: Fmt = OutputFormat.table, out: Out = None, snapshot: Snap = None) -> None:
    """Evaluate every rule on the latest snapshot (as at its extract date, or --as-at): raise, update, resolve
    and escalate alerts; running it again the same day changes nothing."""
    from clearsight.alerts.lifecycle import run
    from clearsight.alerts.rules import RuleError
    from clearsight.reports.alerts import build_inbox

    con = _open(write=True)[0]
    try:
        snap = latest_snapshot(con, state.council) if snapshot is None else _open(snapshot)[1]
        req = make_request(con, snap, state.config, as_at=as_at)
        result = run(con, snap, state.config, req.as_at)
    except (BadRequest, RuleError, SnapshotNotFound) as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None
    render(build_inbox(req, run=result).without_personal(), fmt, console, out=out)


@alerts_app.command("replay")
def replay_command(
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    step: Annotated[int | None, typer.Option(help="Read the rules every this many days (default: the "
                    "settings' alerts.reading_days); deadlines and escalation move every day.")] = None,
    rule: Annotated[list[str] | None, typer.Option(help="Only these rules (repeat for several).")] = None,
    save: Annotated[bool, typer.Option("--save", help="Keep the replay's alerts and their history as the "
                    "council's own, replacing those it has (e.g. so packs for past months show the alerts open "
                    "then).")] = False,
    records: Annotated[bool, typer.Option("--records", help="Include the alerts naming a worker.")] = False,
    fmt: Fmt = OutputFormat.table, out: Out = None, section: SectionOpt = None, snapshot: Snap = None,
) -> None:
    """Replay history day by day as if Clearsight had run every day: when each alert would have fired,
    escalated and cleared, the counts first and no worker named (--records adds the alerts about one worker).
    Writes nothing to the database unless --save."""
    from clearsight.alerts.lifecycle import keep, replay
    from clearsight.alerts.rules import RuleError
    from clearsight.reports.alerts import build_replay

    first, last = _day(start, "--from"), _day(end, "--to")
    con, snap = _open(snapshot) if not save else (_open(write=True)[0], None)
    if snap is None:
        try:
            snap = latest_snapshot(con, state.council) if snapshot is None else get_snapshot(con, snapshot)
        except SnapshotNotFound as exc:
            raise _fail(str(exc), EXIT_BAD_REQUEST) from None
    config = state.config
    if rule:
        unknown = [r for r in rule if r not in config.alerts.rules]
        if unknown:
            raise _fail(f"--rule {unknown[0]}: no such rule; rules: {', '.join(config.alerts.rules)}",
                        EXIT_BAD_REQUEST)
        config = config.model_copy(update={"alerts": config.alerts.model_copy(
            update={"rules": {k: v for k, v in config.alerts.rules.items() if k in rule}})})
    if step is not None and step < 1:
        raise _fail("--step must be 1 or more", EXIT_BAD_REQUEST)
    try:
        with progress_bar(err, "Replaying") as tick:
            result = replay(con, snap, config, first, last, step, tick)
        req = Request(con, snap, config, last)
    except (ValueError, RuleError) as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None
    view = build_replay(req, result)
    render(view if records else view.without_personal(), fmt, console, out=out, section=section)
    if save:
        err.print(f"Kept {keep(con, req.council, result):,} alerts and their history as {req.council}'s own.")


def _answer(action: str, alert_id: int, role: str | None, **kwargs: Any) -> None:
    from clearsight.alerts.store import AlertStore

    if role is not None and role not in state.config.alerts.roles:
        raise _fail(f"--as {role}: no such role; roles: {', '.join(state.config.alerts.roles)}", EXIT_BAD_REQUEST)
    store = AlertStore(_open(write=True)[0], state.config)
    try:
        alert = getattr(store, action)(alert_id, **kwargs, roles=None if role is None else (role,))
    except (LookupError, ValueError, PermissionError) as exc:
        raise _fail(str(exc.args[0]), EXIT_BAD_REQUEST) from None
    console.print(f"Alert {alert.alert_id} ({alert.title}, {alert.entity_name}): {alert.status}; "
                  f"with the {alert.owner_role.replace('_', ' ')}, answer by {alert.due_on}.")


@alerts_app.command("ack")
def acknowledge(alert_id: Annotated[int, typer.Argument(help="The alert's number.")], by: By,
                note: Annotated[str | None, typer.Option(help="A note.")] = None, on: On = None,
                as_: As = None) -> None:
    """Acknowledge an alert (its deadline still stands until an action is recorded)."""
    _answer("acknowledge", alert_id, as_, day=_day(on, "--on"), by_user=by, note=note)


@alerts_app.command("action")
def action(alert_id: Annotated[int, typer.Argument(help="The alert's number.")], by: By,
           text: Annotated[str, typer.Option(help="What will be done.")],
           owner: Annotated[str, typer.Option(help="Who will do it.")],
           due: Annotated[str, typer.Option(help="By when, YYYY-MM-DD: the alert's new deadline.")],
           on: On = None, as_: As = None) -> None:
    """Record an action (what, whose, by when): the alert escalates only if that date passes unanswered."""
    _answer("record_action", alert_id, as_, day=_day(on, "--on"), by_user=by, text=text, owner=owner,
            due_on=_day(due, "--due"))


@alerts_app.command("resolve")
def resolve(alert_id: Annotated[int, typer.Argument(help="The alert's number.")], by: By,
            reason: Annotated[str, typer.Option(help="Why it is resolved.")], on: On = None,
            as_: As = None) -> None:
    """Resolve an alert by hand, with a reason."""
    _answer("resolve", alert_id, as_, day=_day(on, "--on"), reason=reason, by_user=by)


@alerts_app.command("history")
def history(alert_id: Annotated[int, typer.Argument(help="The alert's number.")],
            fmt: Fmt = OutputFormat.table, out: Out = None) -> None:
    """Everything that happened to one alert: raised, acknowledged, actions, escalations, resolution."""
    from clearsight.alerts.store import AlertStore
    from clearsight.reports.alerts import history_view

    con = _open()[0]
    store = AlertStore(con, state.config)
    try:
        view = history_view(store, state.config, alert_id)
    except LookupError as exc:
        raise _fail(str(exc.args[0]), EXIT_BAD_REQUEST) from None
    render(view, fmt, console, out=out)


@alerts_app.command("deliver")
def deliver_command(digest: Annotated[bool, typer.Option("--digest", help="Send the daily digest too (run it "
                    "once a day).")] = False) -> None:
    """Send undelivered alert events by email and webhook (immediate severities; the daily ones with --digest)."""
    from clearsight.alerts.delivery import deliver
    from clearsight.alerts.store import AlertStore

    try:
        emails, posts = deliver(AlertStore(_open(write=True)[0], state.config), digest=digest)
    except (OSError, RuntimeError) as exc:
        raise _fail(f"delivery failed: {exc}; nothing was marked delivered") from None
    console.print(f"Sent {emails} emails and {posts} webhook posts.")


registers_app = typer.Typer(help="Staff concerns, scrutiny requests and proposed service changes: owners, "
                            "deadlines and escalation as alerts have.", invoke_without_command=True)
app.add_typer(registers_app, name="registers")
Register = Annotated[str, typer.Argument(help="concern, scrutiny or change.")]


@registers_app.callback()
def registers_list(ctx: typer.Context, kind: Annotated[str | None, typer.Option(help="concern, scrutiny or "
                   "change (default: all three).")] = None, as_at: AsAt = None, fmt: Fmt = OutputFormat.table,
                   out: Out = None, section: SectionOpt = None, records: Records = False, team: Team = None,
                   snapshot: Snap = None) -> None:
    """The registers: their counts, staff concerns beside their team's leavers (--records: they are about
    colleagues), requests with their age, changes with their KPIs' alerts; one team's with --team. Answer an
    entry with `clearsight alerts ack|action|resolve ID`."""
    from clearsight.reports.alerts import build_registers

    if ctx.invoked_subcommand is None:
        _show(lambda req: build_registers(req, kind, on_day=as_at is not None), as_at=as_at, team=team,
              snapshot=snapshot, fmt=fmt, out=out, section=section, records=records)


def _record(entries: list[Any]) -> None:
    from clearsight.alerts.registers import record
    from clearsight.alerts.store import AlertStore

    con = _open(write=True)[0]
    try:
        council = state.config.council_name or latest_snapshot(con, state.council).council
    except SnapshotNotFound:
        council = state.config.council_name or state.council or "the council"
    store = AlertStore(con, state.config)
    for entry in entries:
        for alert in record(store, council, entry):
            console.print(f"Entry {alert.alert_id}: {alert.title} ({alert.entity_name}); with the "
                          f"{alert.owner_role.replace('_', ' ')}, due {alert.due_on}.")


@registers_app.command("add")
def registers_add(
    register: Register, title: Annotated[str, typer.Option(help="What: the concern, the information asked for, "
                                                           "the change.")],
    on: On = None, team: Annotated[str | None, typer.Option(help="Team id (concerns).")] = None,
    team_name: Annotated[str | None, typer.Option(help="Team name, as shown.")] = None,
    category: Annotated[str | None, typer.Option(help="Concern: workload, grievance, union, ...")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who raised or asked.")] = None,
    due: Annotated[str | None, typer.Option(help="Due date (default: the register's working days).")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner role (default: the register's first).")] = None,
    effective: Annotated[str | None, typer.Option(help="Change: the day it takes effect.")] = None,
    risk: Annotated[list[str] | None, typer.Option(help="Change: a risk (repeat).")] = None,
    kpi: Annotated[list[str] | None, typer.Option(help="Change: a metric or rule to watch (repeat).")] = None,
) -> None:
    """Enter a staff concern, a scrutiny request or a proposed service change."""
    from clearsight.alerts.registers import REGISTERS, Entry

    if register not in REGISTERS:
        raise _fail(f"register must be one of {', '.join(REGISTERS)}", EXIT_BAD_REQUEST)
    _record([Entry(register, _day(on, "--on"), title, team, team_name or team, category, by,  # type: ignore[arg-type]
                   _day(due, "--due") if due else None, None, None, owner,
                   _day(effective, "--effective") if effective else None, tuple(risk or ()), tuple(kpi or ()))])


@registers_app.command("import")
def registers_import(path: Annotated[Path, typer.Argument(help="JSON list of entries (e.g. the registers.json "
                                                          "Eastmere's generator writes).")]) -> None:
    """Enter every entry of a file (all or nothing checked first)."""
    from clearsight.alerts.registers import read_entries

    try:
        entries = read_entries(path)
    except (OSError, ValueError, TypeError) as exc:
        raise _fail(f"{path}: {exc}", EXIT_BAD_REQUEST) from None
    _record(entries)
