"""`clearsight alerts ...`: the inbox, evaluating the rules (also after each load), replaying history, and the
owner's answers (acknowledge, record an action, resolve). Views come from clearsight.reports.alerts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Optional

import typer

from clearsight.cli import EXIT_BAD_REQUEST, AsAt, Fmt, Out, SectionOpt, Snap, _fail, _open, _show, app, console, err, state
from clearsight.render import OutputFormat, render
from clearsight.render.terminal import progress_bar
from clearsight.reports.request import BadRequest, Request, make_request, parse_day
from clearsight.store.snapshots import SnapshotNotFound, latest_snapshot

alerts_app = typer.Typer(help="Early warning: alerts with an owner and a deadline that climb until answered.",
                         invoke_without_command=True)
app.add_typer(alerts_app, name="alerts")

Role = Annotated[Optional[str], typer.Option(help="Only the alerts now with this role (e.g. director).")]
By = Annotated[str, typer.Option("--by", help="Who is answering (recorded in the alert's history).")]
On = Annotated[Optional[str], typer.Option("--on", help="The day, YYYY-MM-DD (default: today).")]


def _day(value: str | None, option: str, default: date | None = None) -> date:
    try:
        return parse_day(value, option) if value else (default or date.today())
    except BadRequest as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None


@alerts_app.callback()
def inbox(ctx: typer.Context, role: Role = None, all_: Annotated[bool, typer.Option("--all", help="Resolved "
          "alerts too.")] = False, kind: Annotated[Optional[str], typer.Option(help="rule, concern, scrutiny or "
          "change.")] = None, records: Annotated[bool, typer.Option("--records", help="Include alerts naming a "
          "worker.")] = False, as_at: AsAt = None, fmt: Fmt = OutputFormat.table, out: Out = None,
          section: SectionOpt = None, snapshot: Snap = None) -> None:
    """Open alerts, the worst and oldest first: what, whose, the figure, who must answer by when, the records."""
    from clearsight.reports.alerts import build_inbox

    if ctx.invoked_subcommand is None:
        _show(lambda req: build_inbox(req, role=role, include_resolved=all_, kind=kind), as_at=as_at,
              snapshot=snapshot, fmt=fmt, out=out, section=section, records=records)


def after_load(snapshot_ids: list[int], *, quiet: bool = False) -> None:
    """Evaluate the rules on each snapshot a load made, as at its extract date. The load stands whatever the
    rules say: a rule that cannot be read, or a database a server holds (it evaluates its own loads), is
    reported, not fatal."""
    from clearsight.alerts.lifecycle import run
    from clearsight.alerts.rules import RuleError
    from clearsight.store.database import DatabaseError, open_database
    from clearsight.store.snapshots import get_snapshot

    if not snapshot_ids:
        return
    try:
        con = open_database(state.db, write=True, config=state.config)
    except DatabaseError as exc:
        err.print(f"Alerts not evaluated: {exc}")
        return
    try:
        for snapshot_id in snapshot_ids:
            snap = get_snapshot(con, snapshot_id)
            result = run(con, snap, state.config)
            if not quiet:
                console.print(f"Alerts for {snap.council} on {snap.extract_date}: {len(result.raised)} raised, "
                              f"{len(result.escalated)} escalated, {len(result.resolved)} resolved, "
                              f"{result.holding} still holding (`clearsight alerts` lists them).")
    except RuleError as exc:
        err.print(f"Alerts not evaluated: {exc}")
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
    step: Annotated[Optional[int], typer.Option(help="Read the rules every this many days (default: the "
                    "settings' alerts.reading_days); deadlines and escalation move every day.")] = None,
    rule: Annotated[Optional[list[str]], typer.Option(help="Only these rules (repeat for several).")] = None,
    fmt: Fmt = OutputFormat.table, out: Out = None, section: SectionOpt = None, snapshot: Snap = None,
) -> None:
    """Replay history day by day as if Clearsight had run every day: when each alert would have fired,
    escalated and cleared. Writes nothing to the database."""
    from clearsight.alerts.lifecycle import replay
    from clearsight.alerts.rules import RuleError
    from clearsight.reports.alerts import build_replay

    first, last = _day(start, "--from"), _day(end, "--to")
    con, snap = _open(snapshot)
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
    render(build_replay(req, result), fmt, console, out=out, section=section)


def _answer(action: str, alert_id: int, **kwargs: Any) -> None:
    from clearsight.alerts.store import AlertStore

    store = AlertStore(_open(write=True)[0], state.config)
    try:
        alert = getattr(store, action)(alert_id, **kwargs)
    except (LookupError, ValueError) as exc:
        raise _fail(str(exc.args[0]), EXIT_BAD_REQUEST) from None
    console.print(f"Alert {alert.alert_id} ({alert.title}, {alert.entity_name}): {alert.status}; "
                  f"with the {alert.owner_role.replace('_', ' ')}, answer by {alert.due_on}.")


@alerts_app.command("ack")
def acknowledge(alert_id: Annotated[int, typer.Argument(help="The alert's number.")], by: By,
                note: Annotated[Optional[str], typer.Option(help="A note.")] = None, on: On = None) -> None:
    """Acknowledge an alert (its deadline still stands until an action is recorded)."""
    _answer("acknowledge", alert_id, day=_day(on, "--on"), by_user=by, note=note)


@alerts_app.command("action")
def action(alert_id: Annotated[int, typer.Argument(help="The alert's number.")], by: By,
           text: Annotated[str, typer.Option(help="What will be done.")],
           owner: Annotated[str, typer.Option(help="Who will do it.")],
           due: Annotated[str, typer.Option(help="By when, YYYY-MM-DD: the alert's new deadline.")],
           on: On = None) -> None:
    """Record an action (what, whose, by when): the alert escalates only if that date passes unanswered."""
    _answer("record_action", alert_id, day=_day(on, "--on"), by_user=by, text=text, owner=owner,
            due_on=_day(due, "--due"))


@alerts_app.command("resolve")
def resolve(alert_id: Annotated[int, typer.Argument(help="The alert's number.")], by: By,
            reason: Annotated[str, typer.Option(help="Why it is resolved.")], on: On = None) -> None:
    """Resolve an alert by hand, with a reason."""
    _answer("resolve", alert_id, day=_day(on, "--on"), reason=reason, by_user=by)


@alerts_app.command("history")
def history(alert_id: Annotated[int, typer.Argument(help="The alert's number.")],
            fmt: Fmt = OutputFormat.table, out: Out = None) -> None:
    """Everything that happened to one alert: raised, acknowledged, actions, escalations, resolution."""
    from clearsight.alerts.store import AlertStore
    from clearsight.reports.alerts import history_view

    con, snap = _open()
    store = AlertStore(con, state.config)
    try:
        view = history_view(store, state.config, alert_id)
    except LookupError as exc:
        raise _fail(str(exc.args[0]), EXIT_BAD_REQUEST) from None
    render(view, fmt, console, out=out)
