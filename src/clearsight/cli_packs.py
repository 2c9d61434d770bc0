"""`clearsight pack daily|weekly|monthly|quarterly`: a committee pack as PDF, HTML or Excel (clearsight.packs)."""

from __future__ import annotations

from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from clearsight.cli import EXIT_BAD_REQUEST, AsAt, Snap, _fail, _open, app, console, state
from clearsight.reports.request import BadRequest, make_request


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
         snapshot: Snap = None) -> None:
    """Write a committee pack: every figure a view's, with its confidence grade and snapshot."""
    from clearsight.packs import write_pack
    from clearsight.reports.packs import build

    if team and kind in (PackKind.monthly, PackKind.quarterly):
        raise _fail("--team is for the daily and weekly packs (the member packs are the council's)", EXIT_BAD_REQUEST)
    con, snap = _open(snapshot)
    config = state.config
    try:
        req = make_request(con, snap, config, as_at=as_at)
        teams = [make_request(con, snap, config, team=t).team or t for t in team] if team else None
        built = build(req, kind.value, today=date.today(), teams=teams)
        path = write_pack(built, config, out, fmt.value)
    except BadRequest as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None
    console.print(f"Wrote {path}")
