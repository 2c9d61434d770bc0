"""`clearsight demo`, the README's main job on the embedded default: Eastmere generated, loaded and run as a
council running Clearsight would have run it — its registers and recovery plan entered, the alerts replayed day by
day from a year before the restructure, the position printed, the summary and the December scrutiny pack written.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from clearsight.cli import AsAt, _open, app, err, load, position, state, summary, synth
from clearsight.cli_packs import PackKind, pack, plan_import
from clearsight.render.terminal import progress_bar
from clearsight.canonical.calendar import month_end
from clearsight.reports.request import Request, financial_year_start, parse_day


@app.command()
def demo(out: Annotated[Path, typer.Option(help="Where the synthetic extract is written.")] = Path("out/eastmere"),
         seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
         scale: Annotated[float, typer.Option(help="Council size.")] = 1.0, as_at: AsAt = "2023-12-15") -> None:
    """The main job on the embedded default: generate Eastmere, load it with its registers and recovery plan,
    replay its alerts, print the position, write the summary and the month's scrutiny pack."""
    from clearsight.canonical.improvement_plan import PLAN_FILE
    from clearsight.synth.registers import REGISTERS_FILE

    synth(out, seed=seed, scale=scale, parquet=False)
    try:
        load([out])
    except typer.Exit as exit_:
        if exit_.exit_code:
            raise
    plan_import(out / PLAN_FILE)
    day = parse_day(as_at, "--as-at")
    year_before = financial_year_start(day)
    alert_history(out / REGISTERS_FILE, year_before.replace(year=year_before.year - 1))
    position(as_at=as_at)
    summary(out=out.parent / "summary.html", as_at=as_at)
    pack(PackKind.monthly, out=out.parent, as_at=month_end(day.year, day.month).isoformat())


def alert_history(registers: Path, start: date) -> None:
    """The alerts Clearsight would have raised, escalated and cleared had it run every day from `start` to the
    extract date, with the register entries on their days, kept as the council's own (so past months' packs and
    inboxes show what was open then); prints the replay's headline."""
    from clearsight.alerts.lifecycle import keep, replay
    from clearsight.alerts.registers import read_entries
    from clearsight.reports.alerts import build_replay
    from clearsight.store.snapshots import latest_snapshot

    con = _open(write=True)[0]
    snap = latest_snapshot(con, state.council)
    with progress_bar(err, "Replaying the alerts") as tick:
        result = replay(con, snap, state.config, start, snap.extract_date, progress=tick,
                        entries=read_entries(registers))
    kept = keep(con, snap.council, result)
    for line in build_replay(Request(con, snap, state.config, snap.extract_date), result).headline[:4]:
        err.print(line)
    err.print(f"Kept {kept:,} alerts and their history as {snap.council}'s own (`clearsight alerts` lists them).")
