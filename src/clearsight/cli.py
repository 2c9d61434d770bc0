"""The `clearsight` command: generate, load, and ask the data who is waiting and who is overloaded."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from enum import Enum
from pathlib import Path
from typing import Annotated, Iterator, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from clearsight import __version__
from clearsight.config import CouncilConfig, load_config
from clearsight.store.database import connect, database_path
from clearsight.store.snapshots import SnapshotNotFound, get_snapshot, list_snapshots

app = typer.Typer(
    help="Clearsight: management information and early warning for children's social care.",
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
)
metrics_app = typer.Typer(help="The metric registry: list metrics and show the SQL behind them.")
app.add_typer(metrics_app, name="metrics")

console = Console(width=None if sys.stdout.isatty() else 170)
err = Console(stderr=True)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class Dialect(str, Enum):
    duckdb = "duckdb"
    postgres = "postgres"
    tsql = "tsql"
    spark = "spark"


class State:
    db: Optional[Path] = None
    config_path: Optional[Path] = None

    @property
    def config(self) -> CouncilConfig:
        return load_config(self.config_path)


state = State()

DbOption = Annotated[
    Optional[Path], typer.Option("--db", help="Database file (default: $CLEARSIGHT_DB or ./clearsight.duckdb).")
]
AsAtOption = Annotated[
    Optional[str], typer.Option("--as-at", help="Date the figures describe, YYYY-MM-DD (default: extract date).")
]


@app.callback()
def main(
    db: DbOption = None,
    config: Annotated[
        Optional[Path], typer.Option("--config", help="Council settings TOML (default: $CLEARSIGHT_CONFIG).")
    ] = None,
) -> None:
    state.db = db
    state.config_path = config


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def _parse_as_at(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"--as-at {value!r}: expected a date as YYYY-MM-DD") from None


@contextmanager
def _progress(description: str) -> Iterator[callable]:  # type: ignore[valid-type]
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task(description, total=1.0, stage="")

        def tick(stage: str, done: float, total: float = 1.0) -> None:
            progress.update(task, completed=done / total if total else 1.0, stage=stage)

        yield tick


@app.command()
def synth(
    out: Annotated[Path, typer.Argument(help="Directory to write the extract into.")] = Path("eastmere"),
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same council.")] = 1,
    scale: Annotated[float, typer.Option(help="Multiplies population and workforce (1 = large unitary).")] = 1.0,
    parquet: Annotated[bool, typer.Option(help="Also write Parquet files.")] = False,
) -> None:
    """Generate Eastmere, the synthetic council, as a canonical extract."""
    from clearsight.synth import generate_council

    started = time.perf_counter()
    with _progress("Generating Eastmere") as tick:
        manifest = generate_council(out, seed=seed, scale=scale, parquet=parquet, progress=tick)
    rows = sum(t.rows or 0 for t in manifest.tables.values())
    seconds = time.perf_counter() - started
    console.print(
        f"Wrote {rows:,} rows in {len(manifest.tables)} tables to {out} in {seconds:.1f}s "
        f"({rows / seconds:,.0f} rows/s); extract date {manifest.extract_date}."
    )


@app.command()
def load(
    path: Annotated[Path, typer.Argument(help="Extract directory holding manifest.json.")],
    json_report: Annotated[bool, typer.Option("--json", help="Print the load report as JSON.")] = False,
) -> None:
    """Validate an extract and load it as a new snapshot: all of it, or (on any error) nothing."""
    from clearsight.render import to_json
    from clearsight.store.load import load_extract

    con = connect(state.db)
    with _progress(f"Loading {path}") as tick:
        report = load_extract(con, path, progress=tick)
    if json_report:
        console.print_json(to_json(report.as_dict()))
    elif report.status == "rejected":
        n = sum(p.count for p in report.problems)
        err.print(f"[bold red]Load rejected[/]: {n:,} problem rows in {len(report.problems)} checks; "
                  f"the database is unchanged.")
        for problem in report.problems:
            err.print(f"  {problem}", markup=False, highlight=False)
    elif report.status == "already_loaded":
        console.print(f"Already loaded as snapshot {report.snapshot_id}: nothing changed.")
    else:
        console.print(
            f"Loaded snapshot {report.snapshot_id}: {report.council}, extract date {report.extract_date}, "
            f"{report.rows_loaded:,} rows in {report.seconds:.1f}s into {database_path(state.db)}."
        )
        extra = {t: v["extra_columns"] for t, v in report.tables.items() if v.get("extra_columns")}
        for table, cols in extra.items():
            console.print(f"  note: {table}: extra columns ignored: {', '.join(cols)}")
        for note in report.notes:
            console.print(f"  note: {note}", markup=False, highlight=False)
        if report.rejected:
            n = sum(p.count for p in report.rejected)
            err.print(f"[bold yellow]{n:,} rows were left out[/] (exit code 1):")
            for problem in report.rejected:
                err.print(f"  {problem}", markup=False, highlight=False)
    raise typer.Exit(report.exit_code)


def _open_snapshot(snapshot_id: int | None):  # type: ignore[no-untyped-def]
    try:
        con = connect(state.db)
        return con, get_snapshot(con, snapshot_id)
    except SnapshotNotFound as exc:
        raise _fail(str(exc)) from None


@app.command()
def snapshots() -> None:
    """List the snapshots loaded into the database."""
    from clearsight.render import rich_table

    con = connect(state.db)
    rows = [
        {
            "snapshot": s.snapshot_id, "council": s.council, "extract_date": s.extract_date,
            "loaded_at": s.loaded_at.strftime("%Y-%m-%d %H:%M"), "rows": sum(s.rows(t) for t in s.report["tables"]),
            "source": s.source,
        }
        for s in list_snapshots(con)
    ]
    console.print(rich_table("Snapshots", rows, ["snapshot", "council", "extract_date", "loaded_at", "rows", "source"]))


@app.command()
def position(
    as_at: AsAtOption = None,
    team: Annotated[Optional[str], typer.Option(help="One team, by name or id.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = Format.table,
    section: Annotated[
        str, typer.Option(help="For csv: unallocated, workers, teams, services or council.")
    ] = "unallocated",
    snapshot: Annotated[Optional[int], typer.Option(help="Snapshot id (default: latest).")] = None,
    workers: Annotated[bool, typer.Option("--workers", help="Table format: list every worker's caseload.")] = False,
) -> None:
    """The allocation position: unallocated cases, caseloads and team capacity, as at a date."""
    from clearsight.render import to_csv, to_json
    from clearsight.reports.position import allocation_position

    day = _parse_as_at(as_at)
    con, snap = _open_snapshot(snapshot)
    pos = allocation_position(con, snap, day, state.config, team)
    if fmt is Format.json:
        sys.stdout.write(to_json(pos.as_dict()) + "\n")
    elif fmt is Format.csv:
        if section not in pos.figures:
            raise _fail(f"--section {section!r}: expected one of {', '.join(pos.figures)}")
        sys.stdout.write(to_csv(pos.figures[section]))
    else:
        _print_position(pos, show_workers=workers or team is not None)


def _print_position(pos, show_workers: bool) -> None:  # type: ignore[no-untyped-def]
    from clearsight.render import print_warnings, provenance_line, rich_table

    prov = pos.figures["unallocated"].provenance
    console.print(f"[bold]Allocation position[/] — {prov.council}" + (f", {pos.team}" if pos.team else ""))
    console.print(provenance_line(prov), style="dim")
    print_warnings(console, prov)
    summary = pos.unallocated_summary()
    reasons = ", ".join(f"{n:,} {r}" for r, n in summary["by_reason"].items()) or "none"
    statuses = ", ".join(f"{s} {n:,}" for s, n in summary["by_legal_status"].items())
    console.print(
        f"\n[bold]{summary['total']:,} children waiting for a social worker[/] ({reasons}); "
        f"{summary['held_by_manager']:,} of them held by a manager"
        + (f"; {statuses}" if statuses else "")
        + (f"; median wait {summary['median_days_waiting']} days, longest {summary['longest_days_waiting']}"
           if summary["total"] else "")
    )
    console.print(rich_table(
        "Longest waiting", pos.unallocated,
        ["child_id", "team", "service", "legal_status", "reason", "days_waiting", "held_by"], limit=15,
    ))
    team_cols = [
        "team", "service", "workers", "fte", "cases", "average_caseload", "fte_caseload", "cases_over_capacity",
        "posts_needed", "posts_needed_rounded_up", "unallocated", "span_of_control",
    ]
    console.print(rich_table("Capacity by team", pos.figures["teams"].records(), team_cols))
    if "services" in pos.figures:
        console.print(rich_table("By service", pos.figures["services"].records(), ["service", *team_cols[2:]]))
        console.print(rich_table("Council", pos.figures["council"].records(), ["council", *team_cols[2:]]))
    if show_workers:
        console.print(rich_table(
            "Caseload by worker", pos.figures["workers"].records(),
            ["worker", "team", "role", "employment", "fte", "caseload", "fte_caseload", "standard_upper", "rag"],
        ))


def _year_ending(end: date) -> date:
    """First day of the twelve months ending on `end`."""
    try:
        return end.replace(year=end.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February
        return date(end.year - 1, 3, 1)


def _parse_period(value: str) -> tuple[date, date]:
    """'2023-04..2024-03' (whole months) or '2023-04-01..2024-03-31' (days), both ends included."""
    import calendar

    try:
        first, last = value.split("..")
        start = date.fromisoformat(first + "-01" if len(first) == 7 else first)
        if len(last) == 7:
            year, month = int(last[:4]), int(last[5:])
            end = date(year, month, calendar.monthrange(year, month)[1])
        else:
            end = date.fromisoformat(last)
    except ValueError:
        raise _fail(f"--period {value!r}: expected YYYY-MM..YYYY-MM or YYYY-MM-DD..YYYY-MM-DD") from None
    if start > end:
        raise _fail(f"--period {value!r}: starts after it ends")
    return start, end


@app.command()
def workforce(
    period: Annotated[
        Optional[str], typer.Option(help="Period for starters, leavers and turnover, e.g. 2023-04..2023-12.")
    ] = None,
    as_at: AsAtOption = None,
    team: Annotated[Optional[str], typer.Option(help="One team, by name or id.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = Format.table,
    section: Annotated[
        str, typer.Option(help="For csv: in_post, turnover, leavers, reasons or council.")
    ] = "turnover",
    snapshot: Annotated[Optional[int], typer.Option(help="Snapshot id (default: latest).")] = None,
) -> None:
    """Workforce: in post, agency and vacancy rates, starters, leavers, turnover and why people left."""
    from clearsight.metrics.figures import compute
    from clearsight.render import print_warnings, provenance_line, rich_table, to_csv, to_json

    con, snap = _open_snapshot(snapshot)
    if period:
        start, end = _parse_period(period)
    else:
        end = _parse_as_at(as_at) or snap.extract_date
        start = _year_ending(end)
    config = state.config
    figures = {
        "in_post": compute(con, snap, "workforce_by_team", end, config, team),
        "turnover": compute(con, snap, "turnover_by_team", end, config, team, period_start=start),
        "leavers": compute(con, snap, "leavers", end, config, team, period_start=start),
        "reasons": compute(con, snap, "leavers_by_reason", end, config, period_start=start),
        "council": compute(con, snap, "turnover_council", end, config, period_start=start),
        "council_in_post": compute(con, snap, "workforce_council", end, config),
    }
    if fmt is Format.json:
        sys.stdout.write(to_json({k: f.as_dict() for k, f in figures.items()}) + "\n")
        return
    if fmt is Format.csv:
        if section not in figures:
            raise _fail(f"--section {section!r}: expected one of {', '.join(figures)}")
        sys.stdout.write(to_csv(figures[section]))
        return
    prov = figures["turnover"].provenance
    console.print(f"[bold]Workforce[/] — {prov.council}, {start} to {end}" + (f", {team}" if team else ""))
    console.print(provenance_line(prov), style="dim")
    print_warnings(console, prov)
    console.print(rich_table(
        f"Starters, leavers and turnover, {start} to {end}", figures["turnover"].records(),
        ["team", "service", "starters", "leavers", "agency_leavers", "employed_leavers_fte", "employed_fte_at_end",
         "turnover_rate"],
    ))
    console.print(rich_table(
        f"Why they left, {start} to {end}", figures["reasons"].records(),
        ["service", "reason", "destination", "leavers", "fte"],
    ))
    console.print(rich_table(
        f"In post on {end}", figures["in_post"].records(),
        ["team", "service", "headcount", "employed_fte", "agency_fte", "agency_rate", "funded_fte", "vacancy_fte",
         "vacancy_rate", "asye_share", "long_term_absent"],
    ))
    [c] = figures["council"].records() or [{}]
    [p] = figures["council_in_post"].records() or [{}]
    england = config.england
    console.print(
        f"Council: {c.get('leavers', 0)} leavers, {c.get('starters', 0)} starters, turnover "
        f"{(c.get('turnover_rate') or 0):.1%} (England {england['turnover_rate']:.1%}); agency rate "
        f"{(p.get('agency_rate') or 0):.1%} against a target of {config.workforce.agency_target:.0%} "
        f"(England {england['agency_rate']:.1%}); vacancy rate {(p.get('vacancy_rate') or 0):.1%} "
        f"(England {england['vacancy_rate']:.1%})."
    )


@metrics_app.command("list")
def metrics_list() -> None:
    """Every registered metric with its definition."""
    from clearsight.metrics.registry import all_metrics
    from clearsight.render import rich_table

    rows = [{"name": m.name, "title": m.title, "unit": m.unit, "definition": m.definition} for m in all_metrics()]
    console.print(rich_table("Metrics", rows, ["name", "title", "unit", "definition"]))


@metrics_app.command("sql")
def metrics_sql(
    name: Annotated[str, typer.Argument(help="Metric name (see `clearsight metrics list`).")],
    dialect: Annotated[Dialect, typer.Option(help="SQL dialect to compile to.")] = Dialect.duckdb,
    as_at: AsAtOption = None,
    snapshot: Annotated[Optional[int], typer.Option(help="Snapshot id (default: latest).")] = None,
) -> None:
    """Print the SQL a metric runs, in the dialect of the council's own database, for audit."""
    from clearsight.metrics.figures import expression
    from clearsight.metrics.registry import Scope, get_metric
    from clearsight.metrics.sql import metric_sql

    try:
        get_metric(name)
    except KeyError as exc:
        raise _fail(str(exc.args[0])) from None
    con, snap = _open_snapshot(snapshot)
    scope = Scope(snap.snapshot_id, _parse_as_at(as_at) or snap.extract_date, state.config)
    sys.stdout.write(metric_sql(expression(name, scope), dialect.value) + "\n")


@app.command()
def summary(
    out: Annotated[Path, typer.Option(help="HTML file to write.")] = Path("clearsight-summary.html"),
    as_at: AsAtOption = None,
    snapshot: Annotated[Optional[int], typer.Option(help="Snapshot id (default: latest).")] = None,
) -> None:
    """Write a one-page HTML summary of the allocation position."""
    from clearsight.reports.position import allocation_position
    from clearsight.reports.summary import write_summary

    con, snap = _open_snapshot(snapshot)
    pos = allocation_position(con, snap, _parse_as_at(as_at), state.config)
    write_summary(pos, out, state.config)
    console.print(f"Wrote {out}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Where the synthetic extract is written.")] = Path("out/eastmere"),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    scale: Annotated[float, typer.Option(help="Council size.")] = 1.0,
    as_at: AsAtOption = "2023-12-15",
) -> None:
    """The main job on the embedded default: generate Eastmere, load it, print the position, write a summary."""
    synth(out, seed=seed, scale=scale, parquet=False)
    try:
        load(out)
    except typer.Exit as exit_:
        if exit_.exit_code:
            raise
    position(as_at=as_at, team=None, fmt=Format.table, section="unallocated", snapshot=None, workers=False)
    summary(out=out.parent / "summary.html", as_at=as_at, snapshot=None)


@app.command()
def doctor() -> None:
    """Versions in use, the database location and what it holds: what a council's IT team checks first."""
    import duckdb
    import ibis
    import sqlglot

    path = database_path(state.db)
    console.print(f"clearsight {__version__}; Python {sys.version.split()[0]}")
    console.print(f"duckdb {duckdb.__version__}; ibis {ibis.__version__}; sqlglot {sqlglot.__version__}")
    console.print(f"database: {path.resolve()} ({'exists' if path.exists() else 'not created yet'})")
    if path.exists():
        con = connect(state.db)
        console.print(f"snapshots: {len(list_snapshots(con))}")


if __name__ == "__main__":  # pragma: no cover
    app()
