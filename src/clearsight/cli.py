"""The `clearsight` command: generate, load, and ask the data who is waiting and who is overloaded."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from enum import Enum
from pathlib import Path
from typing import Annotated, Iterator, Optional

import pyarrow.compute as pc
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
err = Console(stderr=True, soft_wrap=True)  # messages name files and rows: never wrap them


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class OutFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


class Target(str, Enum):
    upper = "upper"
    lower = "lower"
    mid = "mid"


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
TeamOption = Annotated[Optional[str], typer.Option(help="One team, by name or id.")]
SnapshotOption = Annotated[Optional[int], typer.Option(help="Snapshot id (default: latest).")]
FormatOption = Annotated[Format, typer.Option("--format", help="table, csv or json.")]
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


class SourceFormat(str, Enum):
    auto = "auto"
    canonical = "canonical"
    ssd = "ssd"
    annex_a = "annex-a"
    ssda903 = "ssda903"
    cin = "cin"
    csww = "csww"
    hr = "hr"


@app.command()
def load(
    paths: Annotated[list[Path], typer.Argument(help="Extract directory (manifest.json) or council files.")],
    json_report: Annotated[bool, typer.Option("--json", help="Print the load report as JSON.")] = False,
    fmt: Annotated[SourceFormat, typer.Option("--format", help="Input format; auto detects each file.")] = (
        SourceFormat.auto
    ),
    extract_date: Annotated[
        Optional[str], typer.Option("--extract-date", help="As-at date of the files, YYYY-MM-DD (default: inferred).")
    ] = None,
    council: Annotated[Optional[str], typer.Option(help="Council name (default: from the files).")] = None,
) -> None:
    """Validate an extract (or council files: SSD, Annex A, SSDA903, CIN or workforce census) and load it as one
    new snapshot; a canonical extract loads all or nothing, council files load what can be read and report
    the rest."""
    from clearsight.formats.detect import read_sources
    from clearsight.formats.errors import ReaderError
    from clearsight.canonical.manifest import MANIFEST_NAME
    from clearsight.render import to_json
    from clearsight.store.load import load as load_rows
    from clearsight.store.load import load_extract

    day = None
    if extract_date is not None:
        try:
            day = date.fromisoformat(extract_date)
        except ValueError:
            raise _fail(f"--extract-date {extract_date!r}: expected a date as YYYY-MM-DD", 2) from None
    canonical = fmt is SourceFormat.canonical or (
        fmt is SourceFormat.auto and len(paths) == 1 and (paths[0] / MANIFEST_NAME).is_file()
    )
    con = connect(state.db)
    with _progress(f"Loading {', '.join(str(p) for p in paths)}") as tick:
        if canonical:
            if len(paths) != 1:
                raise _fail("a canonical extract is one directory; load other sources separately", 2)
            report = load_extract(con, paths[0], progress=tick)
        else:
            try:
                extract = read_sources(paths, fmt.value, con, day, council)
            except ReaderError as exc:
                raise _fail(f"{exc}; the database is unchanged", 2) from None
            report = load_rows(con, extract, progress=tick)
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


class ExportFormat(str, Enum):
    annex_a = "annex-a"
    ssda903 = "ssda903"
    ssd = "ssd"


@app.command()
def export(
    out: Annotated[Path, typer.Argument(help="Workbook (annex-a) or directory (ssda903, ssd) to write.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="annex-a (xlsx), ssda903 or ssd (CSV tables).")] = (
        ExportFormat.annex_a
    ),
    as_at: AsAtOption = None,
    snapshot: SnapshotOption = None,
) -> None:
    """Write a snapshot in a council return format, as the council's case system would produce it."""
    con, snap = _open_snapshot(snapshot)
    if fmt is ExportFormat.annex_a:
        from clearsight.formats.annex_a_writer import write_annex_a

        counts = {f"List {k}": v for k, v in write_annex_a(con, snap, out, _parse_as_at(as_at)).items()}
    elif fmt is ExportFormat.ssd:
        from clearsight.formats.ssd_writer import write_ssd

        counts = write_ssd(con, snap, out)
    else:
        from clearsight.formats.ssda903_writer import write_ssda903

        counts = write_ssda903(con, snap, out)
    console.print(f"Wrote {out}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


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
    team: TeamOption = None,
    fmt: FormatOption = Format.table,
    section: Annotated[
        str, typer.Option(help="For csv: unallocated, workers, teams, services or council.")
    ] = "unallocated",
    snapshot: SnapshotOption = None,
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
    if (gap := pos.reported_discrepancy()) is not None:
        console.print(
            f"[bold red]Team returns disagree with the records:[/] on {gap['report_date']} "
            f"{gap['teams_reporting']} teams reported {gap['reported']:,.0f} unallocated cases; the records show "
            f"{gap['from_records']:,} that day ({gap['teams_differing']} teams differ). "
            "`clearsight position --format json` lists them under 'reported'."
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


def _period_or_year(period: str | None, as_at: str | None, extract_date: date) -> tuple[date, date]:
    """The period asked for, else the twelve months ending on the as-at date (default: the extract date)."""
    if period:
        return _parse_period(period)
    end = _parse_as_at(as_at) or extract_date
    return _year_ending(end), end


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
    team: TeamOption = None,
    fmt: FormatOption = Format.table,
    section: Annotated[
        str, typer.Option(help="For csv: in_post, turnover, leavers, reasons or council.")
    ] = "turnover",
    snapshot: SnapshotOption = None,
    monthly: Annotated[bool, typer.Option("--monthly", help="Also a month-by-month council series.")] = False,
) -> None:
    """Workforce: in post, agency and vacancy rates, starters, leavers, turnover and why people left."""
    from clearsight.metrics.figures import compute
    from clearsight.render import print_warnings, provenance_line, rich_table, to_csv, to_json

    con, snap = _open_snapshot(snapshot)
    start, end = _period_or_year(period, as_at, snap.extract_date)
    config = state.config
    figures = {
        "in_post": compute(con, snap, "workforce_by_team", end, config, team),
        "turnover": compute(con, snap, "turnover_by_team", end, config, team, period_start=start),
        "leavers": compute(con, snap, "leavers", end, config, team, period_start=start),
        "reasons": compute(con, snap, "leavers_by_reason", end, config, period_start=start),
        "council": compute(con, snap, "turnover_council", end, config, period_start=start),
        "council_in_post": compute(con, snap, "workforce_council", end, config),
        "signals": compute(con, snap, "workforce_signals", end, config, team),
        "absence": compute(con, snap, "absence", end, config, period_start=start),
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
         "vacancy_rate", "asye_share", "new_to_council_share", "qualified_5_years_share", "long_term_absent"],
    ))
    alerts = [
        {**r, "signals": ", ".join(k.removesuffix("_alert").replace("_", " ") for k in r if k.endswith("_alert") and r[k])}
        for r in figures["signals"].records()
    ]
    console.print(rich_table(
        f"Early-warning signals on {end}", [r for r in alerts if r["signals"]],
        ["team", "service", "signals", "leavers_in_window", "vacancy_rate", "vacancy_rate_before", "agency_rate",
         "asye_share", "weeks_caseload_above_standard"],
    ))
    if monthly:
        from clearsight.reports.series import monthly_series

        series = monthly_series(con, snap, start, end, as_at_metric="workforce_council",
                                period_metric="turnover_council", config=config)
        console.print(rich_table(
            "Month by month (in post at the month's end; starters, leavers and turnover in the month)", series,
            ["month", "headcount", "fte", "agency_rate", "vacancy_rate", "starters", "leavers", "employed_leavers_fte",
             "turnover_rate"],
        ))
    [c] = figures["council"].records() or [{}]
    [p] = figures["council_in_post"].records() or [{}]
    england = config.england
    absence = next((r for r in figures["absence"].records() if r["level"] == "council"), None)
    if absence:
        lost = ", ".join(f"{k.removesuffix('_days')} {absence[k]:,.0f}" for k in absence
                         if k.endswith("_days") and k != "available_days" and absence[k])
        rate = absence["sickness_rate"] or 0
        console.print(f"Absence: working days lost {absence['days_lost']:,.0f} ({lost or 'none'}); sickness rate "
                      f"{rate:.1%} of {absence['available_days']:,.0f} working days available "
                      f"(England {england['absence_rate']:.1%}).")
    console.print(
        f"Council: {c.get('leavers', 0)} leavers, {c.get('starters', 0)} starters, turnover "
        f"{(c.get('turnover_rate') or 0):.1%} (England {england['turnover_rate']:.1%}); agency rate "
        f"{(p.get('agency_rate') or 0):.1%} against a target of {config.workforce.agency_target:.0%} "
        f"(England {england['agency_rate']:.1%}); vacancy rate {(p.get('vacancy_rate') or 0):.1%} "
        f"(England {england['vacancy_rate']:.1%})."
    )


def _financial_year_start(day: date) -> date:
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


@app.command()
def cost(
    as_at: AsAtOption = None,
    fmt: FormatOption = Format.table,
    snapshot: SnapshotOption = None,
) -> None:
    """Staff spend this financial year to date, the agency premium, and the year-end forecast against budget."""
    from clearsight.metrics.figures import compute
    from clearsight.render import print_warnings, provenance_line, rich_table, to_csv, to_json

    con, snap = _open_snapshot(snapshot)
    config = state.config
    end = _parse_as_at(as_at) or snap.extract_date
    start = _financial_year_start(end)
    label = f"{start.year}-{str(start.year + 1)[2:]}"
    figures = {
        "by_team": compute(con, snap, "staff_cost_by_team", end, config, period_start=start),
        "by_service": compute(con, snap, "staff_cost_by_service", end, config, period_start=start),
        "forecast": compute(con, snap, "spend_forecast", end, config, period_start=start),
    }
    budget = config.costs.budgets.get(label)
    if fmt is Format.json:
        sys.stdout.write(to_json({"financial_year": label, "budget": budget,
                                  **{k: f.as_dict() for k, f in figures.items()}}) + "\n")
        return
    if fmt is Format.csv:
        sys.stdout.write(to_csv(figures["by_team"]))
        return
    prov = figures["forecast"].provenance
    console.print(f"[bold]Staff cost[/] — {prov.council}, financial year {label}, {start} to {end}")
    console.print(provenance_line(prov), style="dim")
    print_warnings(console, prov)
    cols = ["average_fte", "cost", "employed_cost", "agency_cost", "agency_premium"]
    console.print(rich_table("By service", figures["by_service"].records(), ["service", *cols]))
    console.print(rich_table("By team", figures["by_team"].records(), ["team", "service", *cols]))
    [f] = figures["forecast"].records() or [{}]
    if f:
        line = (f"Spend to date £{f['spend_to_date']:,.0f} ({f['days_elapsed']} of {f['days_in_year']} days); "
                f"year-end forecast £{f['straight_line']:,.0f} straight line, £{f['run_rate']:,.0f} at the "
                f"current run rate")
        if budget:
            line += (f"; budget £{budget:,.0f}: forecast variance £{f['run_rate'] - budget:+,.0f} (run rate), "
                     f"£{f['straight_line'] - budget:+,.0f} (straight line)")
        else:
            line += f"; no budget set for {label} (costs.budgets in the council config)"
        console.print(line + ".")


@app.command()
def capacity(
    as_at: AsAtOption = None,
    target: Annotated[
        Target, typer.Option(help="Aim at the upper or lower end of each caseload standard, or its middle.")
    ] = Target.upper,
    fmt: Annotated[OutFormat, typer.Option("--format", help="table, csv, json or xlsx.")] = OutFormat.table,
    out: Annotated[Optional[Path], typer.Option(help="File for xlsx output.")] = None,
    snapshot: SnapshotOption = None,
) -> None:
    """What it takes to bring caseloads within standard: posts, their cost, and managers, by team."""
    from clearsight.metrics.figures import compute
    from clearsight.metrics.registry import get_metric
    from clearsight.render import print_warnings, provenance_line, rich_table, to_csv, to_json, to_xlsx

    con, snap = _open_snapshot(snapshot)
    config = state.config.model_copy(update={"capacity_target": target.value})
    day = _parse_as_at(as_at)
    every_level = compute(con, snap, "capacity", day, config)
    rows = every_level.rows
    figures = {
        f"{level} capacity": every_level.subset(get_metric(f"{level}_capacity"), pc.equal(rows["level"], level))
        for level in ("team", "service", "council")
    }
    if fmt is OutFormat.xlsx:
        path = to_xlsx(figures, out or Path("clearsight-capacity.xlsx"))
        console.print(f"Wrote {path}")
        return
    if fmt is OutFormat.json:
        sys.stdout.write(to_json({k: f.as_dict() for k, f in figures.items()}) + "\n")
        return
    if fmt is OutFormat.csv:
        sys.stdout.write(to_csv(every_level))
        return
    prov = every_level.provenance
    aim = {r: s.target(target.value) for r, s in config.caseload_standards.items()}
    console.print(f"[bold]Capacity[/] — {prov.council}, aiming at the {target.value} end of each standard "
                  f"(social worker {aim['social_worker']:g}, ASYE {aim['asye']:g}, IRO {aim['iro']:g})")
    console.print(provenance_line(prov), style="dim")
    print_warnings(console, prov)
    cols = ["workers", "fte", "cases", "average_caseload", "cases_over_capacity", "posts_needed",
            "posts_needed_rounded_up", "annual_cost_permanent", "annual_cost_agency", "span_of_control",
            "managers_needed"]
    console.print(rich_table("By team", figures["team capacity"].records(), ["team", "service", *cols]))
    console.print(rich_table("By service", figures["service capacity"].records(), ["service", *cols]))
    console.print(rich_table("Council", figures["council capacity"].records(), ["council", *cols]))


@app.command()
def audits(
    period: Annotated[Optional[str], typer.Option(help="Period, e.g. 2023-04..2023-12 (default: 12 months).")] = None,
    as_at: AsAtOption = None,
    fmt: FormatOption = Format.table,
    snapshot: SnapshotOption = None,
) -> None:
    """Case audits against the monthly target, and how much rosier managers' grades are than independent ones."""
    from clearsight.metrics.figures import compute
    from clearsight.render import print_warnings, provenance_line, rich_table, to_csv, to_json

    con, snap = _open_snapshot(snapshot)
    start, end = _period_or_year(period, as_at, snap.extract_date)
    figures = {name: compute(con, snap, name, end, state.config, period_start=start)
               for name in ("case_audits", "optimism_gap", "optimism_gap_by_quarter")}
    if fmt is Format.json:
        sys.stdout.write(to_json({k: f.as_dict() for k, f in figures.items()}) + "\n")
        return
    if fmt is Format.csv:
        sys.stdout.write(to_csv(figures["case_audits"]))
        return
    prov = figures["case_audits"].provenance
    console.print(f"[bold]Case audits[/] — {prov.council}, {start} to {end}")
    console.print(provenance_line(prov), style="dim")
    print_warnings(console, prov)
    console.print(rich_table("Audits and grades", figures["case_audits"].records(), [
        "level", "service", "team", "manager_audits", "independent_audits", "independent_target",
        "manager_good_share", "independent_good_share", "manager_inadequate_share", "independent_inadequate_share",
    ]))
    console.print(rich_table(
        "Optimism gap: independent grade minus manager's on the same case (positive: managers rosier)",
        figures["optimism_gap"].records(),
        ["level", "service", "team", "pairs", "mean_gap", "ci_low", "ci_high", "manager_better_share"],
    ))
    by_quarter = [r for r in figures["optimism_gap_by_quarter"].records() if r["level"] != "team"]
    console.print(rich_table(
        "Where cases were not audited by both: independent mean minus managers' mean, service and council by quarter",
        by_quarter, ["quarter", "level", "service", "manager_audits", "independent_audits", "manager_mean",
                     "independent_mean", "gap", "ci_low", "ci_high"],
    ))


@app.command()
def confidence(
    as_at: AsAtOption = None,
    records: Annotated[bool, typer.Option("--records", help="List the implausible records themselves.")] = False,
    fmt: FormatOption = Format.table,
    snapshot: SnapshotOption = None,
) -> None:
    """How far the data can be trusted: records failing plausibility rules, each KPI's data-confidence grade with
    its least complete field and least plausible rule, and team returns that disagree with the records."""
    from clearsight.metrics.figures import compute
    from clearsight.reports.kpis import kpi_table
    from clearsight.reports.returns import reconciled_returns
    from clearsight.render import print_warnings, provenance_line, rich_table, to_csv, to_json

    con, snap = _open_snapshot(snapshot)
    if records:
        figure = compute(con, snap, "implausible_records_children", snap.extract_date, state.config)
        if fmt is Format.json:
            sys.stdout.write(to_json(figure.as_dict()) + "\n")
        elif fmt is Format.csv:
            sys.stdout.write(to_csv(figure))
        else:
            console.print(rich_table(figure.metric.title, figure.records(), figure.rows.column_names, limit=50))
        return
    start, end = _kpi_window(None, as_at, snap)
    rules = compute(con, snap, "implausible_records", snap.extract_date, state.config)
    kpis = kpi_table(con, snap, start, end, state.config)
    returns = reconciled_returns(con, snap, end, state.config)
    if fmt is Format.json:
        sys.stdout.write(to_json({"plausibility": rules.as_dict(), "kpis": kpis.rows,
                                  "team_returns": returns}) + "\n")
        return
    if fmt is Format.csv:
        sys.stdout.write(to_csv(rules))
        return
    console.print(f"[bold]Data confidence[/] — {rules.provenance.council}, snapshot {snap.snapshot_id}")
    console.print(provenance_line(rules.provenance), style="dim")
    print_warnings(console, rules.provenance)
    console.print(rich_table("Plausibility rules (records that loaded but cannot be true)", rules.records(),
                             ["rule", "says", "table", "checked", "failing", "plausible_share"]))
    console.print(rich_table(f"KPIs as at {end}", kpis.rows,
                             ["kpi", "confidence", "least_complete", "least_plausible"]))
    differing = [r for r in returns if r["discrepancy"] is not False]
    console.print(rich_table(f"Team returns that disagree with the records or cannot be checked ({len(differing)} "
                             f"of {len(returns)})", differing,
                             ["team", "report_date", "measure", "reported", "from_records", "difference", "note"],
                             limit=20))


benchmarks_app = typer.Typer(help="Benchmarks: England, region and statistical-neighbour figures.")
app.add_typer(benchmarks_app, name="benchmarks")


@benchmarks_app.command("load")
def benchmarks_load(
    path: Annotated[Path, typer.Argument(help="CSV: indicator, area, area_type (england|region|neighbour), "
                                              "period, value.")],
) -> None:
    """Load published benchmarks (replacing rows for the same indicator, area and period); all or nothing."""
    from clearsight.store.benchmarks import load_benchmarks

    if not path.is_file():
        raise _fail(f"{path}: no such file")
    loaded, problems = load_benchmarks(connect(state.db), path)
    if problems:
        for problem in problems:
            err.print(f"  {problem}", markup=False, highlight=False)
        raise _fail(f"{len(problems)} problems in {path}; no benchmark was loaded", code=2)
    console.print(f"Loaded {loaded} benchmark values from {path}.")


@benchmarks_app.command("show")
def benchmarks_show(indicator: Annotated[str, typer.Argument(help="Indicator or KPI name.")]) -> None:
    """England, region and the median of the statistical neighbours for one indicator."""
    from clearsight.store.benchmarks import benchmark

    b = benchmark(connect(state.db), state.config, indicator)
    console.print(f"{b.indicator}: England {b.england} ({b.england_period}); region {b.region}; "
                  f"statistical neighbours' median {b.neighbours} (of {b.neighbour_count})")


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
    snapshot: SnapshotOption = None,
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
    config = state.config
    scope = Scope(
        snap.snapshot_id, _parse_as_at(as_at) or snap.extract_date, config,
        council=config.council_name or snap.council,
    )
    sys.stdout.write(metric_sql(expression(name, scope), dialect.value) + "\n")


@app.command()
def summary(
    out: Annotated[Path, typer.Option(help="HTML file to write.")] = Path("clearsight-summary.html"),
    as_at: AsAtOption = None,
    snapshot: SnapshotOption = None,
) -> None:
    """Write a one-page HTML summary of the allocation position and the practice KPIs (three months to the
    as-at date, and each of the last twelve months)."""
    from clearsight.reports.kpis import kpi_monthly, kpi_table
    from clearsight.reports.position import allocation_position
    from clearsight.reports.summary import write_summary

    con, snap = _open_snapshot(snapshot)
    pos = allocation_position(con, snap, _parse_as_at(as_at), state.config)
    start, end = _kpi_window(None, as_at, snap)
    with _progress("Computing the practice KPIs"):
        kpis = kpi_table(con, snap, start, end, state.config)
        monthly = kpi_monthly(con, snap, _months_back(end, 11), end, state.config)
    write_summary(pos, out, state.config, kpis, monthly)
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
        load([out])
    except typer.Exit as exit_:
        if exit_.exit_code:
            raise
    position(as_at=as_at, team=None, fmt=Format.table, section="unallocated", snapshot=None, workers=False)
    summary(out=out.parent / "summary.html", as_at=as_at, snapshot=None)


@app.command()
def schema() -> None:
    """Print the canonical data model (tables, columns, codes, keys, references) as Markdown."""
    from clearsight.store.docs import data_model_markdown

    sys.stdout.write(data_model_markdown() + "\n")


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


def _months_back(day: date, months: int) -> date:
    """The first day of the calendar month `months` months before `day`'s."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, 1)


def _kpi_window(period: str | None, as_at: str | None, snap) -> tuple[date, date]:  # type: ignore[no-untyped-def]
    """(first, last) day of a KPI period: --period, else the three months ending on the as-at date."""
    if period:
        return _parse_period(period)
    end = _parse_as_at(as_at) or snap.extract_date
    month = end.month - 3 + (12 if end.month <= 3 else 0)
    year = end.year - (1 if end.month <= 3 else 0)
    try:
        start = end.replace(year=year, month=month) + timedelta(days=1)
    except ValueError:  # 29-31 of a shorter month: start on the 1st of the following one
        start = date(year + (month == 12), month % 12 + 1, 1)
    return start, end


KpiPeriodOption = Annotated[
    Optional[str], typer.Option(help="Period for event KPIs, e.g. 2023-04..2023-12 (default: three months to "
                                "the as-at date, which is then the period's last day).")
]


@app.command("kpis")
def kpis_command(
    as_at: AsAtOption = None,
    period: KpiPeriodOption = None,
    team: TeamOption = None,
    level: Annotated[str, typer.Option(help="council, service or team (ignored with --team).")] = "council",
    monthly: Annotated[bool, typer.Option("--monthly", help="A series: each KPI for every month of the period "
                                          "(default: the 12 months to the as-at date).")] = False,
    fmt: Annotated[OutFormat, typer.Option("--format", help="table, csv, json or xlsx.")] = OutFormat.table,
    out: Annotated[Optional[Path], typer.Option(help="File for xlsx output.")] = None,
    snapshot: SnapshotOption = None,
) -> None:
    """Practice KPIs (contacts, assessments, ICPC, visits, reviews, supervision, recording): rate, numerator and
    denominator beside England's figure, the neighbours' median and the data-confidence grade."""
    from clearsight.reports.kpis import kpi_monthly, kpi_table, rates_by_month
    from clearsight.render import print_warnings, rich_table, rows_to_xlsx, to_json

    if level not in ("council", "service", "team"):
        raise _fail(f"--level {level!r}: expected council, service or team")
    con, snap = _open_snapshot(snapshot)
    start, end = _kpi_window(period, as_at, snap)
    if monthly and not period:  # the twelve calendar months ending with the as-at date's
        start = _months_back(end, 11)
    run = kpi_monthly if monthly else kpi_table
    table = run(con, snap, start, end, state.config, team=team, level=level)
    prov = next(iter(table.figures.values())).provenance
    if fmt is OutFormat.xlsx:
        from clearsight.render import provenance_line

        sheets = {"KPIs by month" if monthly else "KPIs": (list(table.rows[0]) if table.rows else ["kpi"], table.rows)}
        about = [[name, f.metric.title, f.metric.definition, provenance_line(f.provenance)]
                 for name, f in table.figures.items()]
        path = rows_to_xlsx(out or Path("clearsight-kpis.xlsx"), sheets, about)
        console.print(f"Wrote {path}")
        return
    if fmt is OutFormat.json:
        sys.stdout.write(to_json({"as_at": end.isoformat(), "period_start": start.isoformat(), "rows": table.rows,
                                  "provenance": {k: f.provenance.as_dict() for k, f in table.figures.items()}})
                         + "\n")
        return
    if fmt is OutFormat.csv:
        import csv as _csv

        writer = _csv.DictWriter(sys.stdout, fieldnames=list(table.rows[0]) if table.rows else ["kpi"])
        writer.writeheader()
        writer.writerows(table.rows)
        return
    console.print(f"[bold]Practice KPIs[/] — {prov.council}, as at {end}; events {start} to {end}"
                  + (f", {team}" if team else ""))
    print_warnings(console, prov)
    keys = [] if level == "council" and not team else ["service", "team"]
    if monthly:
        pivot = rates_by_month(table)
        month_columns = sorted({r["month"] for r in table.rows})
        shown = [{**r, **{m: None if r.get(m) is None else f"{r[m]:.0%}" for m in month_columns}} for r in pivot]
        console.print(rich_table("Rate by month", shown, ["kpi", *keys, *month_columns]))
        return
    columns = ["kpi", "over", *keys, "denominator", "numerator", "kpi_rate", "england_rate", "neighbours_rate",
               "gap_to_england", "confidence", "least_complete"]
    console.print(rich_table("Timeliness", table.rows, columns))


@app.command("kpi")
def kpi_command(
    name: Annotated[str, typer.Argument(help="KPI name (see `clearsight kpis`).")],
    children: Annotated[bool, typer.Option("--children", help="List the records behind the figure.")] = False,
    failing: Annotated[bool, typer.Option("--failing", help="With --children: only records outside the standard "
                                          "(or counted as overdue).")] = False,
    as_at: AsAtOption = None,
    period: KpiPeriodOption = None,
    team: TeamOption = None,
    monthly: Annotated[bool, typer.Option("--monthly", help="The KPI for every month of the period (default: the "
                                          "12 months to the as-at date), at council level or for --team.")] = False,
    fmt: FormatOption = Format.table,
    snapshot: SnapshotOption = None,
) -> None:
    """One KPI by team, service and council, or with --children the records behind it, or with --monthly its
    series."""
    import pyarrow.compute as pc

    from clearsight.metrics.figures import compute, compute_monthly
    from clearsight.metrics.kpi import KPIS
    from clearsight.metrics.registry import all_metrics
    from clearsight.render import print_warnings, provenance_line, rich_table, to_csv, to_json

    all_metrics()
    if name not in KPIS:
        raise _fail(f"no KPI named {name!r}; known KPIs: {', '.join(sorted(KPIS))}")
    k = KPIS[name]
    con, snap = _open_snapshot(snapshot)
    start, end = _kpi_window(period, as_at, snap)
    if monthly and children:
        raise _fail("--monthly and --children: list the records of one month with --period or --as-at")
    if monthly:
        start = start if period else _months_back(end, 11)
        figure = compute_monthly(con, snap, k.name, start, end, period=k.period, config=state.config, team=team)
        figure = figure.subset(figure.metric, pc.equal(figure.rows["level"], "team" if team else "council"))
    else:
        figure = compute(con, snap, k.children if children else k.name, end, state.config, team,
                         period_start=start if k.period else None)
    if children and failing:
        flag = pc.fill_null(figure.rows[k.flag], False)
        figure = figure.subset(figure.metric, pc.invert(flag) if k.flag_is_good else flag)
    if fmt is Format.json:
        sys.stdout.write(to_json(figure.as_dict()) + "\n")
    elif fmt is Format.csv:
        sys.stdout.write(to_csv(figure))
    else:
        when = f"each month {start} to {end}" if monthly else f"{start} to {end}" if k.period else f"as at {end}"
        console.print(f"[bold]{k.title}[/] — {when}" + (f", {team}" if team else ""))
        console.print(provenance_line(figure.provenance), style="dim")
        print_warnings(console, figure.provenance)
        console.print(rich_table(figure.metric.title, figure.records(), figure.rows.column_names,
                                 limit=50 if children else None))


# (label, metric, column, England key in config.england or None, unit: count | share | per 10,000)
_FLOW_HEADLINES: tuple[tuple[str, str, str, str | None, str], ...] = (
    ("Contacts", "flow_funnel", "contacts", None, "count"),
    ("Referrals", "flow_funnel", "referrals", None, "count"),
    ("Contacts leading to a referral", "flow_funnel", "contact_to_referral_rate", None, "share"),
    ("Referrals leading to an assessment", "flow_funnel", "referral_to_assessment_rate", None, "share"),
    ("Assessments leading to a section 47", "flow_funnel", "assessment_to_s47_rate", None, "share"),
    ("Section 47s leading to an ICPC", "flow_funnel", "s47_to_icpc_rate", None, "share"),
    ("ICPCs leading to a CP plan", "flow_funnel", "icpc_to_cp_plan_rate", None, "share"),
    ("CP plans started", "flow_funnel", "cp_plans", None, "count"),
    ("Periods of care started", "flow_funnel", "cla_periods_started", None, "count"),
    ("Periods of care ended", "flow_funnel", "cla_periods_ended", None, "count"),
    ("Re-referrals within 12 months", "re_referrals", "rate", "re_referral_rate", "share"),
    ("Repeat CP plans", "repeat_cp_plans", "rate", "repeat_cp_plan_rate", "share"),
    ("CP plans open 2 years or more", "cp_plans_two_years", "rate", "cp_two_years", "share"),
    ("Looked after with 3+ placements in the year", "placement_stability", "three_or_more_rate",
     "placement_3plus", "share"),
    ("Long-term placement stability", "placement_stability", "long_term_stability_rate", "long_term_stability",
     "share"),
    ("Care leavers in touch", "care_leavers_outcomes", "in_touch_rate", None, "share"),
    ("Care leavers in suitable accommodation", "care_leavers_outcomes", "suitable_accommodation_rate", None,
     "share"),
    ("Care leavers in education, employment or training", "care_leavers_outcomes", "eet_rate", None, "share"),
    ("Children in need per 10,000", "rates_per_10000", "children_in_need_rate", "cin_rate", "per 10,000"),
    ("CP plans per 10,000", "rates_per_10000", "cp_plans_rate", "cp_rate", "per 10,000"),
    ("Looked after per 10,000", "rates_per_10000", "looked_after_rate", "cla_rate", "per 10,000"),
    ("Referrals in the period per 10,000", "rates_per_10000", "referrals_rate", "referral_rate", "per 10,000"),
)
_FLOW_PERIOD_METRICS = ("flow_funnel", "re_referrals", "repeat_cp_plans", "rates_per_10000")
_FLOW_PERIOD_COLUMNS = ("referrals_rate",)  # the one period count among the as-at rates per 10,000
_FLOW_AS_AT_METRICS = ("cp_plans_two_years", "placement_stability", "care_leavers_outcomes")


def _flow_value(value: float | int | None, unit: str) -> str:
    from clearsight.render import format_value

    return f"{value:.1%}" if unit == "share" and value is not None else format_value(value)


@app.command()
def flow(
    as_at: AsAtOption = None,
    period: Annotated[
        Optional[str], typer.Option(help="Period for events, e.g. 2023-04..2024-03 (default: the 12 months to the "
                                    "as-at date, which is then the period's last day).")
    ] = None,
    monthly: Annotated[bool, typer.Option("--monthly", help="The council's funnel for each month of the period, "
                                          "with its conversion rates.")] = False,
    fmt: FormatOption = Format.table,
    snapshot: SnapshotOption = None,
) -> None:
    """Flow and outcomes (DfE definitions): the funnel, re-referrals, repeat and long CP plans, placement
    stability, care leavers and rates per 10,000 children, each beside England's figure."""
    from clearsight.metrics.figures import compute, compute_monthly
    from clearsight.render import print_warnings, provenance_line, rich_table, to_csv, to_json

    con, snap = _open_snapshot(snapshot)
    start, end = _period_or_year(period, as_at, snap.extract_date)
    config = state.config
    if monthly:
        series = compute_monthly(con, snap, "flow_funnel", start, end, period=True, config=config)
        series = series.subset(series.metric, pc.equal(series.rows["level"], "council"))
        if fmt is Format.json:
            sys.stdout.write(to_json(series.as_dict()) + "\n")
        elif fmt is Format.csv:
            sys.stdout.write(to_csv(series))
        else:
            console.print(f"[bold]The funnel by month[/] — {series.provenance.council}, {start} to {end}")
            console.print(provenance_line(series.provenance), style="dim")
            console.print(rich_table("Council", series.records(), [
                "month_start", "contacts", "contact_to_referral_rate", "referrals", "referral_to_assessment_rate",
                "assessments", "assessment_to_s47_rate", "s47s", "s47_to_icpc_rate", "icpcs",
                "icpc_to_cp_plan_rate", "cp_plans", "cla_periods_started", "cla_periods_ended"]))
        return
    figures = {
        name: compute(con, snap, name, end, config, period_start=start if name in _FLOW_PERIOD_METRICS else None)
        for name in (*_FLOW_PERIOD_METRICS, *_FLOW_AS_AT_METRICS)
    }
    council = {
        name: next((r for r in f.records() if r["level"] == "council" and r.get("age_group", "all") == "all"), {})
        for name, f in figures.items()
    }
    rows = [
        {"indicator": label, "value": council[name].get(column), "england": config.england.get(key) if key else None,
         "unit": unit, "metric": name, "column": column,
         "over": f"{start}..{end}" if column in _FLOW_PERIOD_COLUMNS or (
             name in _FLOW_PERIOD_METRICS and name != "rates_per_10000") else f"on {end}"}
        for label, name, column, key, unit in _FLOW_HEADLINES
    ]
    population = council["rates_per_10000"]
    if fmt is Format.json:
        sys.stdout.write(to_json({"as_at": end.isoformat(), "period_start": start.isoformat(), "rows": rows,
                                  "figures": {k: f.as_dict() for k, f in figures.items()}}) + "\n")
        return
    if fmt is Format.csv:
        import csv as _csv

        writer = _csv.DictWriter(sys.stdout, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        return
    prov = figures["flow_funnel"].provenance
    console.print(f"[bold]Flow and outcomes[/] — {prov.council}, events {start} to {end}, as at {end}")
    console.print(provenance_line(prov), style="dim")
    print_warnings(console, prov)
    shown = [{**r, "value": _flow_value(r["value"], r["unit"]), "england": _flow_value(r["england"], r["unit"])}
             for r in rows]
    console.print(rich_table("Council", shown, ["indicator", "over", "value", "england"]))
    if population.get("population_year") is not None:
        console.print(f"Rates per 10,000 use {population['population']:,} children aged 0-17 "
                      f"(mid-{population['population_year']} estimate); referrals are for the period, not annualised.",
                      style="dim")
    funnel = [r for r in figures["flow_funnel"].records() if r["level"] != "council"]
    console.print(rich_table("Funnel by service and team (contacts belong to no team)", funnel, [
        "level", "service", "team", "referrals", "referral_to_assessment_rate", "assessments",
        "assessment_to_s47_rate", "s47s", "s47_to_icpc_rate", "icpcs", "icpc_to_cp_plan_rate", "cp_plans",
    ]))


if __name__ == "__main__":  # pragma: no cover
    app()
