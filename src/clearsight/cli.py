"""The `clearsight` command: parse options, build a view (clearsight.reports), render it (clearsight.render).

No figure is worked out here. Exit codes: 0 done; 1 loaded with rows left out; 2 bad input or a wrong argument
(one line saying which); 3 the database is busy with a load.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.text import Text

from clearsight import __version__
from clearsight.cli_typer import OneCommandTyper
from clearsight.config import CouncilConfig, load_config
from clearsight.render import OutputFormat, render
from clearsight.render.terminal import progress_bar, terminal_console
from clearsight.render.values import clip
from clearsight.reports import admin
from clearsight.reports.request import BadRequest, make_request, parse_day
from clearsight.reports.view import View
from clearsight.store.database import DatabaseError, database_path, open_database
from clearsight.store.snapshots import SnapshotNotFound, get_snapshot, latest_snapshot

app = OneCommandTyper(help="Clearsight: management information and early warning for children's social care.",
                      no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
                      options_with_values=("--db", "--config", "--council"), exiting=("--version",))
app.add_typer(metrics_app := typer.Typer(help="The metric registry: metrics and the SQL behind them."), name="metrics")
app.add_typer(benchmarks_app := typer.Typer(help="England, region and statistical-neighbour figures."),
              name="benchmarks")
console = terminal_console()
err = terminal_console(stderr=True)
EXIT_BAD_REQUEST = 2


class State:
    db: Optional[str] = None
    config_path: Optional[Path] = None
    council: Optional[str] = None

    @property
    def config(self) -> CouncilConfig:
        try:
            return load_config(self.config_path)
        except (OSError, ValueError) as exc:  # a missing file, bad TOML, a setting pydantic refuses
            raise _fail(f"--config {self.config_path}: {clip(exc)}", EXIT_BAD_REQUEST) from None


state = State()

AsAt = Annotated[Optional[str], typer.Option("--as-at", help="Date the figures describe, YYYY-MM-DD (default: "
                                             "the extract date).")]
Period = Annotated[Optional[str], typer.Option(help="Period, e.g. 2023-04..2023-12 or 2023-04-01..2023-12-31.")]
Team = Annotated[Optional[str], typer.Option(help="One team, by name or id.")]
Snap = Annotated[Optional[int], typer.Option(help="Snapshot id (default: latest).")]
Fmt = Annotated[OutputFormat, typer.Option("--format", help="table, json, csv, xlsx or html.")]
Out = Annotated[Optional[Path], typer.Option(help="File for xlsx or html output.")]
SectionOpt = Annotated[Optional[str], typer.Option(help="For csv: which section (default: the first).")]
Records = Annotated[bool, typer.Option("--records", help="Include the lists of children and workers.")]
Verbose = Annotated[bool, typer.Option("--verbose", help="Full provenance: records read, completeness.")]
Monthly = Annotated[bool, typer.Option("--monthly", help="Month by month over the period.")]


def _version(value: bool) -> None:
    if value:
        console.print(f"clearsight {__version__}")
        raise typer.Exit()


@app.callback()
def main(db: Annotated[Optional[str], typer.Option(help="DuckDB file or postgresql:// URL (default: "
                                                   "$CLEARSIGHT_DB or ./clearsight.duckdb).")] = None,
         config: Annotated[Optional[Path], typer.Option(help="Council settings TOML (default: "
                                                        "$CLEARSIGHT_CONFIG).")] = None,
         council: Annotated[Optional[str], typer.Option(help="Which council, where the database holds "
                                                        "several.")] = None,
         version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False) -> None:
    state.db, state.config_path, state.council = db, config, council


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(Text("error: ", style="bold red") + Text(message))
    return typer.Exit(code)


def _open(snapshot: int | None = None, metric: str | None = None, *, write: bool = False) -> tuple[Any, Any]:
    """The database (read-only unless `write`, which may create it) and a snapshot; one line if missing or busy."""
    if metric:
        admin.check_metric(metric)
    try:
        con = open_database(state.db, write=write, create=write, config=state.config if write else None)
        return con, None if write else get_snapshot(con, snapshot) if snapshot else latest_snapshot(con, state.council)
    except DatabaseError as exc:
        raise _fail(str(exc), exc.exit_code) from None
    except SnapshotNotFound as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None


def _show(build: Callable[..., View], *, as_at: str | None = None, period: str | None = None,
          team: str | None = None, snapshot: int | None = None, fmt: OutputFormat = OutputFormat.table,
          out: Path | None = None, section: str | None = None, records: bool = False, verbose: bool = False,
          window: str = "as_at", **options: Any) -> None:
    """Check the arguments, build the view, render it: the body of every report command."""
    if out is not None and fmt not in (OutputFormat.xlsx, OutputFormat.html):
        raise _fail("--out is for --format xlsx or html", EXIT_BAD_REQUEST)
    if section is not None and fmt is not OutputFormat.csv:
        raise _fail("--section is for --format csv (the other formats show every section)", EXIT_BAD_REQUEST)
    con, snap = _open(snapshot)
    try:
        req = make_request(con, snap, state.config, as_at=as_at, period=period, team=team, default_window=window)
        with err.status("Computing…") if err.is_terminal else nullcontext():
            view = build(req, **options)
        hidden = not records and any(s.personal for s in view.sections)
        if hidden and not (section and view.section(section).personal):
            view = view.without_personal()
        path = render(view, fmt, console, out=out, section=section, verbose=verbose)
    except (BadRequest, LookupError) as exc:
        raise _fail(str(exc.args[0] if exc.args else exc), EXIT_BAD_REQUEST) from None
    if path is not None:
        console.print(f"Wrote {path}")
    elif fmt is OutputFormat.table and hidden:
        console.print(Text("--records lists the children and workers behind these figures.", style="dim"))


@app.command()
def position(as_at: AsAt = None, team: Team = None, monthly: Monthly = False, weekly: Annotated[bool, typer.Option(
             "--weekly", help="Week by week over the period.")] = False, period: Period = None,
             fmt: Fmt = OutputFormat.table, out: Out = None, section: SectionOpt = None, records: Records = False,
             verbose: Verbose = False, snapshot: Snap = None) -> None:
    """Who waits for a social worker, how long; caseloads and posts by team; over time with --monthly/--weekly."""
    from clearsight.reports import position as view
    from clearsight.reports import trend

    if period and not (monthly or weekly):
        raise _fail("--period is for --monthly or --weekly here", EXIT_BAD_REQUEST)
    build = partial(trend.build_series, step="weekly" if weekly else "monthly") if monthly or weekly else view.build
    _show(build, as_at=as_at, period=period, team=team, snapshot=snapshot, fmt=fmt, out=out, section=section,
          records=records, verbose=verbose)


@app.command()
def compare(before: Annotated[int, typer.Argument(help="The earlier snapshot's id.")],
            after: Annotated[Optional[int], typer.Argument(help="The later snapshot's id (default: latest).")] = None,
            team: Team = None, fmt: Fmt = OutputFormat.table, out: Out = None, section: SectionOpt = None,
            records: Records = False, verbose: Verbose = False) -> None:
    """What changed between two loads: children now waiting, workers gone or joined, figures moved."""
    from clearsight.reports import trend

    _show(lambda req: trend.build_compare(req, _open(before)[1]), team=team, snapshot=after, fmt=fmt, out=out,
          section=section, records=records, verbose=verbose)


@app.command()
def capacity(as_at: AsAt = None, target: Annotated[str, typer.Option(help="Aim at the upper or lower end of each "
             "caseload standard, or its middle (upper, lower, mid).")] = "upper", fmt: Fmt = OutputFormat.table,
             out: Out = None, section: SectionOpt = None, verbose: Verbose = False, snapshot: Snap = None) -> None:
    """What it takes to bring caseloads within standard: posts, their cost, and managers, by team."""
    from clearsight.reports import capacity as view

    _show(view.build, as_at=as_at, snapshot=snapshot, fmt=fmt, out=out, section=section, verbose=verbose,
          target=target)


@app.command()
def workforce(period: Period = None, as_at: AsAt = None, team: Team = None, monthly: Monthly = False,
              fmt: Fmt = OutputFormat.table, out: Out = None, section: SectionOpt = None,
              verbose: Verbose = False, snapshot: Snap = None) -> None:
    """Leavers, starters and turnover by team and why people left; agency, vacancies, early-warning signals."""
    from clearsight.reports import workforce as view

    _show(view.build, as_at=as_at, period=period, team=team, snapshot=snapshot, fmt=fmt, out=out, section=section,
          verbose=verbose, window="year", monthly=monthly)


@app.command()
def cost(as_at: AsAt = None, fmt: Fmt = OutputFormat.table, out: Out = None, section: SectionOpt = None,
         verbose: Verbose = False, snapshot: Snap = None) -> None:
    """Staff spend this financial year, the agency premium, and the year-end forecast against budget."""
    from clearsight.reports import cost as view

    _show(view.build, as_at=as_at, snapshot=snapshot, fmt=fmt, out=out, section=section, verbose=verbose,
          window="financial_year")


@app.command()
def kpis(as_at: AsAt = None, period: Period = None, team: Team = None,
         level: Annotated[str, typer.Option(help="council, service or team.")] = "council", monthly: Monthly = False,
         fmt: Fmt = OutputFormat.table, out: Out = None, section: SectionOpt = None, verbose: Verbose = False,
         snapshot: Snap = None) -> None:
    """Practice KPIs (contacts, assessments, ICPC, visits, reviews, supervision, recording) beside England's."""
    from clearsight.reports import kpis as view

    _show(view.build, as_at=as_at, period=period, team=team, snapshot=snapshot, fmt=fmt, out=out, section=section,
          verbose=verbose, window="as_at" if monthly else "quarter", level=level, monthly=monthly)


@app.command()
def kpi(name: Annotated[str, typer.Argument(help="KPI name (see `clearsight kpis --format json`).")],
        children: Annotated[bool, typer.Option("--children", help="The records behind the figure.")] = False,
        failing: Annotated[bool, typer.Option("--failing", help="With --children: only those outside the "
                                              "standard.")] = False,
        as_at: AsAt = None, period: Period = None, team: Team = None, monthly: Monthly = False,
        fmt: Fmt = OutputFormat.table, out: Out = None, verbose: Verbose = False, snapshot: Snap = None) -> None:
    """One KPI by team, service and council; its records (--children) or its monthly series (--monthly)."""
    from clearsight.reports import kpis as view

    _show(view.build_one, as_at=as_at, period=period, team=team, snapshot=snapshot, fmt=fmt, out=out,
          records=children, verbose=verbose, window="as_at" if monthly else "quarter", name=name, children=children,
          failing=failing, monthly=monthly)


@app.command()
def flow(as_at: AsAt = None, period: Period = None, monthly: Monthly = False, fmt: Fmt = OutputFormat.table,
         out: Out = None, section: SectionOpt = None, verbose: Verbose = False, snapshot: Snap = None) -> None:
    """The funnel from contacts to plans, re-referrals, repeat plans, stability, care leavers, rates per 10,000."""
    from clearsight.reports import flow as view

    _show(view.build, as_at=as_at, period=period, snapshot=snapshot, fmt=fmt, out=out, section=section,
          verbose=verbose, window="year", monthly=monthly)


@app.command()
def audits(period: Period = None, as_at: AsAt = None, fmt: Fmt = OutputFormat.table, out: Out = None,
           section: SectionOpt = None, verbose: Verbose = False, snapshot: Snap = None) -> None:
    """Case audits against the monthly target, and how much rosier managers' grades are than independent ones."""
    from clearsight.reports import audits as view

    _show(view.build, as_at=as_at, period=period, snapshot=snapshot, fmt=fmt, out=out, section=section,
          verbose=verbose, window="year")


@app.command()
def confidence(as_at: AsAt = None, records: Annotated[bool, typer.Option("--records", help="List the "
               "implausible records themselves.")] = False, fmt: Fmt = OutputFormat.table, out: Out = None,
               section: SectionOpt = None, verbose: Verbose = False, snapshot: Snap = None) -> None:
    """Records failing plausibility rules, each KPI's confidence grade, and team returns that disagree."""
    from clearsight.reports import confidence as view

    _show(view.build, as_at=as_at, snapshot=snapshot, fmt=fmt, out=out, section=section, verbose=verbose,
          records=records, implausible=records)


@app.command()
def summary(out: Annotated[Path, typer.Option(help="File to write.")] = Path("clearsight-summary.html"),
            as_at: AsAt = None, fmt: Annotated[OutputFormat, typer.Option("--format", help="html or xlsx.")] = (
                OutputFormat.html), snapshot: Snap = None) -> None:
    """A one-page summary (aggregates only): position, capacity, practice KPIs and their last twelve months."""
    from clearsight.reports import summary as view

    if fmt not in (OutputFormat.html, OutputFormat.xlsx):
        raise _fail("summary writes a file: --format html or xlsx", EXIT_BAD_REQUEST)
    _show(view.build, as_at=as_at, snapshot=snapshot, fmt=fmt, out=out)


@app.command()
def synth(out: Annotated[Path, typer.Argument(help="Directory to write the extract into.")] = Path("eastmere"),
          seed: Annotated[int, typer.Option(help="The same seed gives the same council.")] = 1,
          scale: Annotated[float, typer.Option(help="Multiplies population and workforce (1 = large unitary).")] = 1.0,
          parquet: Annotated[bool, typer.Option(help="Also write Parquet files.")] = False) -> None:
    """Generate Eastmere, the synthetic council, as a canonical extract."""
    from clearsight.synth import generate_council

    started = time.perf_counter()
    with progress_bar(err, "Generating Eastmere") as tick:
        manifest = generate_council(out, seed=seed, scale=scale, parquet=parquet, progress=tick)
    rows, seconds = sum(t.rows or 0 for t in manifest.tables.values()), time.perf_counter() - started
    console.print(f"Wrote {rows:,} rows in {len(manifest.tables)} tables to {out} in {seconds:.1f}s "
                  f"({rows / seconds:,.0f} rows/s); extract date {manifest.extract_date}.")


@app.command()
def load(paths: Annotated[list[Path], typer.Argument(help="Extract directory (manifest.json) or council files.")],
         json_report: Annotated[bool, typer.Option("--json", help="Print the load report as JSON.")] = False,
         fmt: Annotated[str, typer.Option("--format", help="auto (detect each file), canonical, ssd, annex-a, "
                                          "ssda903, cin, csww or hr.")] = "auto",
         extract_date: Annotated[Optional[str], typer.Option("--extract-date", help="As-at date of the files, "
                                 "YYYY-MM-DD (default: inferred).")] = None,
         council: Annotated[Optional[str], typer.Option(help="Council name (default: the files').")] = None) -> None:
    """Validate an extract (or council files: SSD, Annex A, SSDA903, CIN or workforce census) and load it as one
    new snapshot; a canonical extract loads all or nothing, council files load what can be read and name the rest."""
    from clearsight.reports.load import load_lines, report_json
    from clearsight.store.without_pandas import without_pandas
    from clearsight.web.handoff import load_or_hand_over  # a running `serve` holding the database loads them

    with progress_bar(err, f"Loading {', '.join(str(p) for p in paths)}") as tick, without_pandas():
        try:
            day = parse_day(extract_date, "--extract-date") if extract_date else None
            reports = load_or_hand_over(state.db, state.config, paths, fmt, day, council or state.council, tick)
        except (BadRequest, DatabaseError) as exc:  # busy with no server to hand the files to: exit 3
            raise _fail(str(exc), getattr(exc, "exit_code", EXIT_BAD_REQUEST)) from None
    if json_report:
        console.file.write(report_json(reports) + "\n")
    for line, kind in [] if json_report else load_lines(reports, database_path(state.db)):
        (err if kind else console).print(Text(line, style={"error": "bold red", "warning": "yellow"}.get(kind, "")))
    cli_alerts.after_load([r.snapshot_id for r in reports if r.status == "loaded"], quiet=json_report)
    raise typer.Exit(max(r.exit_code for r in reports))


@app.command()
def export(out: Annotated[Path, typer.Argument(help="Workbook (annex-a), directory or file to write.")],
           fmt: Annotated[str, typer.Option("--format", help="annex-a, ssda903, ssd, csc-api or cin.")] = "annex-a",
           as_at: AsAt = None, snapshot: Snap = None) -> None:
    """Write a snapshot in a council return format, as the council's case system would produce it."""
    from clearsight.formats.export import export_snapshot

    con, snap = _open(snapshot)
    try:
        counts = export_snapshot(con, snap, fmt, out, make_request(con, snap, state.config, as_at=as_at).as_at)
    except ValueError as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None
    console.print(f"Wrote {out}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


@app.command()
def snapshots(fmt: Fmt = OutputFormat.table, out: Out = None) -> None:
    """List the snapshots loaded into the database."""
    render(admin.snapshots(_open(None)[0]), fmt, console, out=out)


@benchmarks_app.command("load")
def benchmarks_load(path: Annotated[Path, typer.Argument(help="CSV: indicator, area, area_type "
                                                         "(england|region|neighbour), period, value.")]) -> None:
    """Load published benchmarks (replacing rows for the same indicator, area and period); all or nothing."""
    from clearsight.store.benchmarks import load_benchmarks

    if not path.is_file():
        raise _fail(f"{path}: no such file", EXIT_BAD_REQUEST)
    loaded, problems = load_benchmarks(_open(write=True)[0], path)  # reference data: may come before any extract
    for problem in problems:
        err.print(Text(f"  {problem}"))
    if problems:
        raise _fail(f"{len(problems)} problems in {path}; no benchmark was loaded", EXIT_BAD_REQUEST)
    console.print(f"Loaded {loaded} benchmark values from {path}.")


@benchmarks_app.command("show")
def benchmarks_show(indicator: Annotated[str, typer.Argument(help="Indicator or KPI name.")], on: Annotated[
        Optional[str], typer.Option("--for", help="Date: the publication year holding it (default: today).")] = None,
) -> None:
    """England, region and the median of the statistical neighbours for one indicator, for the matching year."""
    try:
        console.print(Text(admin.benchmark_line(_open(None)[0], indicator, on, state.config)))
    except BadRequest as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None


@metrics_app.command("list")
def metrics_list(fmt: Fmt = OutputFormat.table, out: Out = None) -> None:
    """Every registered metric with its definition."""
    render(admin.metrics(), fmt, console, out=out)


@metrics_app.command("sql")
def metrics_sql(name: Annotated[str, typer.Argument(help="Metric name (see `clearsight metrics list`).")],
                dialect: Annotated[str, typer.Option(help="duckdb, postgres, tsql or spark.")] = "duckdb",
                as_at: AsAt = None, snapshot: Snap = None) -> None:
    """Print the SQL a metric runs, in the dialect of the council's own database, for audit."""
    try:
        con, snap = _open(snapshot, metric=name)
        req = make_request(con, snap, state.config, as_at=as_at)
        console.file.write(admin.metric_sql_text(req, name, dialect) + "\n")
    except (BadRequest, ValueError) as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None


@app.command()
def schema() -> None:
    """Print the canonical data model (tables, columns, codes, keys, references) as Markdown."""
    from clearsight.store.docs import data_model_markdown

    console.file.write(data_model_markdown() + "\n")


@app.command()
def doctor() -> None:
    """Versions in use, the database location and what it holds: what a council's IT team checks first."""
    render(admin.doctor(database_path(state.db)), OutputFormat.table, console)


from clearsight import cli_alerts, cli_forecast, cli_packs  # noqa: E402,F401  (alerts, forecast, whatif, pack)
from clearsight import cli_demo  # noqa: E402,F401  (demo: the README's main job)
from clearsight import cli_users, cli_web  # noqa: E402,F401  (register users and serve)
