"""`clearsight pack daily|weekly|monthly|quarterly`: a committee pack as PDF, HTML or Excel (clearsight.packs);
`clearsight commentary`: the service's words for a chapter; `clearsight plan ...`: the improvement plan tracker."""

from __future__ import annotations

from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from clearsight.cli import EXIT_BAD_REQUEST, AsAt, Fmt, Out, Snap, _fail, _open, _show, app, console, state
from clearsight.render import OutputFormat
from clearsight.reports.request import BadRequest, make_request
from clearsight.store.snapshots import SnapshotNotFound, latest_snapshot


class PackKind(str, Enum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"
    quarterly = "quarterly"


class PackFormat(str, Enum):
    pdf = "pdf"
    html = "html"
    xlsx = "xlsx"


@app.command()
def pack(kind: Annotated[PackKind, typer.Argument(help="daily (allocation log, a page per team), weekly "
                                                        "(performance meeting), monthly (scrutiny, member-safe) "
                                                        "or quarterly (safeguarding assurance, member-safe).")],
         out: Annotated[Path, typer.Option(help="Directory to write the pack into.")],
         as_at: AsAt = None,
         team: Annotated[Optional[list[str]], typer.Option(help="Daily and weekly: only this team (repeatable).")] = None,
         fmt: Annotated[PackFormat, typer.Option("--format", help="pdf, html or xlsx.")] = PackFormat.pdf,
         plan: Annotated[Optional[Path], typer.Option(help="Monthly: an improvement plan file to rate instead of the "
                         "stored one (`clearsight plan import`); RAG from the data.")] = None,
         snapshot: Snap = None) -> None:
    """Write a committee pack: every figure a view's, with its confidence grade and snapshot."""
    from clearsight.packs import write_pack
    from clearsight.reports.packs import build
    from clearsight.reports.plan import read_plan

    if plan and kind is not PackKind.monthly:
        raise _fail("--plan is for the monthly pack", EXIT_BAD_REQUEST)
    if team and kind in (PackKind.monthly, PackKind.quarterly):
        raise _fail("--team is for the daily and weekly packs (the member packs are the council's)", EXIT_BAD_REQUEST)
    con, snap = _open(snapshot)
    config = state.config
    try:
        req = make_request(con, snap, config, as_at=as_at)
        teams = [make_request(con, snap, config, team=t).team or t for t in team] if team else None
        actions = read_plan(plan) if plan else None
        built = build(req, kind.value, today=date.today(), teams=teams, plan=actions)
        path = write_pack(built, config, out, fmt.value)
    except (BadRequest, OSError) as exc:
        raise _fail(str(exc)[:300], EXIT_BAD_REQUEST) from None
    console.print(f"Wrote {path}")


@app.command()
def commentary(kind: Annotated[PackKind, typer.Argument(help="The pack the commentary is for.")],
               chapter: Annotated[str, typer.Argument(help="The chapter (its view's name, e.g. workforce).")],
               month: Annotated[str, typer.Option(help="The month of the pack, YYYY-MM.")],
               author: Annotated[str, typer.Option(help="Who wrote it (printed with it).")],
               text: Annotated[Optional[str], typer.Option(help="The commentary.")] = None,
               file: Annotated[Optional[Path], typer.Option(help="Or a text file holding it.")] = None) -> None:
    """Store the service's commentary on a pack's chapter for a month; the pack prints it as written."""
    from clearsight.reports.packs import chapter_names
    from clearsight.store.commentary import save_commentary

    chapters = chapter_names(kind.value)
    if chapter not in chapters:
        raise _fail(f"no chapter {chapter!r} in the {kind.value} pack; chapters: {', '.join(chapters)}", EXIT_BAD_REQUEST)
    if (text is None) == (file is None):
        raise _fail("give --text or --file (one of them)", EXIT_BAD_REQUEST)
    try:
        date.fromisoformat(month + "-01")
        body = text if text is not None else file.read_text(encoding="utf-8")  # type: ignore[union-attr]
    except (ValueError, OSError) as exc:
        raise _fail(f"{str(exc)[:200]}", EXIT_BAD_REQUEST) from None
    con, _ = _open(write=True)
    try:
        council = state.config.council_name or latest_snapshot(con, state.council).council
    except SnapshotNotFound as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None
    save_commentary(con, council, kind.value, chapter, month, body.strip(), author)
    console.print(f"Saved the {kind.value} pack's commentary on {chapter} for {month}.")


plan_app = typer.Typer(help="The improvement plan: actions linked to KPIs with targets and due dates, RAG from the "
                       "data, progress recorded month by month.", invoke_without_command=True)
app.add_typer(plan_app, name="plan")


def _council(con: object) -> str:
    try:
        return state.config.council_name or latest_snapshot(con, state.council).council
    except SnapshotNotFound as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None


@plan_app.callback()
def plan_tracker(ctx: typer.Context, as_at: AsAt = None, fmt: Fmt = OutputFormat.table, out: Out = None,
                 snapshot: Snap = None) -> None:
    """The tracker: every action with its figure, target, due date and RAG as at the date, the plan on a page,
    and the months recorded before it, as recorded then."""
    from clearsight.reports import plan as improvement_plan
    from clearsight.store import improvement_plan as plan_store

    if ctx.invoked_subcommand is not None:
        return

    def tracker(req):  # type: ignore[no-untyped-def]
        actions = plan_store.read_actions(req.con, req.council)
        if not actions:
            raise BadRequest("no improvement plan is stored: clearsight plan import FILE")
        history = plan_store.progress(req.con, req.council, *improvement_plan.history_window(req.as_at))
        return improvement_plan.build(actions, req.as_at, improvement_plan.measured_at(req), history)

    _show(tracker, as_at=as_at, snapshot=snapshot, fmt=fmt, out=out)


@plan_app.command("import")
def plan_import(file: Annotated[Path, typer.Argument(help="CSV or XLSX: theme, recommendation, action, owner, "
                "milestone, due_date, kpi, target and an optional id (else A1, A2, ... in row order).")]) -> None:
    """Store the plan's actions (an action of the same id is replaced; recorded progress is kept)."""
    from clearsight.reports.plan import read_plan
    from clearsight.store.improvement_plan import save_actions

    try:
        actions = read_plan(file)
    except (BadRequest, OSError) as exc:
        raise _fail(str(exc)[:300], EXIT_BAD_REQUEST) from None
    con, _ = _open(write=True)
    console.print(f"Stored {save_actions(con, _council(con), actions):,} actions of the improvement plan.")


@plan_app.command("edit")
def plan_edit(action_id: Annotated[str, typer.Argument(help="The action's id (clearsight plan lists them).")],
              target: Annotated[Optional[float], typer.Option(help="New target (rates as fractions: 0.85).")] = None,
              due_date: Annotated[Optional[str], typer.Option(help="New due date, YYYY-MM-DD.")] = None,
              owner: Annotated[Optional[str], typer.Option(help="New owner.")] = None,
              milestone: Annotated[Optional[str], typer.Option(help="New milestone.")] = None,
              kpi: Annotated[Optional[str], typer.Option(help="New measure: a practice KPI, caseload or "
                                                         "waiting.")] = None) -> None:
    """Change an action; months already recorded keep the target and due date they were rated against."""
    from clearsight.reports.plan import MEASURES
    from clearsight.metrics.kpi import KPIS
    from clearsight.reports.kpis import practice_kpis
    from clearsight.store.improvement_plan import edit_action

    changes: dict[str, object] = {k: v for k, v in (("target", target), ("owner", owner), ("milestone", milestone),
                                                    ("kpi", kpi)) if v is not None}
    try:
        if due_date is not None:
            changes["due_date"] = date.fromisoformat(due_date)
    except ValueError:
        raise _fail("--due-date as YYYY-MM-DD", EXIT_BAD_REQUEST) from None
    practice_kpis()
    if kpi is not None and kpi not in KPIS and kpi not in MEASURES:
        raise _fail(f"kpi {kpi!r} is no practice KPI, caseload or waiting", EXIT_BAD_REQUEST)
    if not changes:
        raise _fail("nothing to change: give --target, --due-date, --owner, --milestone or --kpi", EXIT_BAD_REQUEST)
    con, _ = _open(write=True)
    if not edit_action(con, _council(con), action_id, changes):
        raise _fail(f"no action {action_id!r} in the plan", EXIT_BAD_REQUEST)
    console.print(f"Changed {', '.join(changes)} of action {action_id}.")


@plan_app.command("record")
def plan_record(as_at: AsAt = None, snapshot: Snap = None) -> None:
    """Rate every action from the data as at the date (default: the extract date) and keep it as that month's
    progress, replacing the month's record; run monthly beside the pack (e.g. by cron on the 2nd)."""
    from clearsight.reports.plan import measured_at, rate
    from clearsight.store.improvement_plan import read_actions, record_progress

    con, snap = _open(snapshot)
    try:
        req = make_request(con, snap, state.config, as_at=as_at)
    except BadRequest as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None
    actions = read_actions(con, req.council)
    if not actions:
        raise _fail("no improvement plan is stored: clearsight plan import FILE", EXIT_BAD_REQUEST)
    rated = rate(actions, req.as_at, measured_at(req))
    con.close()
    writer, _ = _open(write=True)
    record_progress(writer, req.council, f"{req.as_at:%Y-%m}", rated, snap.snapshot_id)
    counts = {k: sum(r["rag"] == k for r in rated) for k in ("green", "amber", "red", "not measured")}
    console.print(f"Recorded {req.as_at:%B %Y}: " + ", ".join(f"{v} {k}" for k, v in counts.items()) + ".")
