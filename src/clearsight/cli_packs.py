"""`clearsight pack daily|weekly|monthly|quarterly`: a committee pack as PDF, HTML or Excel (clearsight.packs)."""

from __future__ import annotations

from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from clearsight.cli import EXIT_BAD_REQUEST, AsAt, Snap, _fail, _open, app, console, state
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
         plan: Annotated[Optional[Path], typer.Option(help="Monthly: the improvement plan (CSV or XLSX: theme, "
                         "recommendation, action, owner, milestone, due_date, kpi, target); RAG from the data.")] = None,
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
