"""`clearsight forecast`, `clearsight forecast backtest` and `clearsight whatif`: the commands of the forecast
views (clearsight.reports.forecast), parsed here and shown by the same `_show` as every other view."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from clearsight.cli import EXIT_BAD_REQUEST, AsAt, Fmt, Out, SectionOpt, Snap, Verbose, _fail, _show, app
from clearsight.render import OutputFormat
from clearsight.reports.request import BadRequest, Request, parse_day

forecast_app = typer.Typer(help="Looked-after children and demand ahead, and how well the model did before.",
                           invoke_without_command=True)
app.add_typer(forecast_app, name="forecast")


@forecast_app.callback()
def forecast(ctx: typer.Context, as_at: AsAt = None, fmt: Fmt = OutputFormat.table, out: Out = None,
             section: SectionOpt = None, verbose: Verbose = False, snapshot: Snap = None) -> None:
    """Children looked after by age and placement, up to three years ahead with a band; demand beyond care."""
    from clearsight.reports.forecast import build_forecast

    if ctx.invoked_subcommand is None:
        _show(build_forecast, as_at=as_at, snapshot=snapshot, fmt=fmt, out=out, section=section, verbose=verbose)


@forecast_app.command("backtest")
def backtest(cutoff: Annotated[Optional[str], typer.Option(help="Fit as at this date, YYYY-MM-DD (default: a year "
             "before the extract).")] = None, fmt: Fmt = OutputFormat.table, out: Out = None,
             section: SectionOpt = None, verbose: Verbose = False, snapshot: Snap = None) -> None:
    """The model fitted at a past date against what happened: error by month and group, and the band's coverage."""
    from clearsight.reports.forecast import build_backtest

    day = _checked_day(cutoff, "--cutoff")
    _show(lambda req: build_backtest(req, day), snapshot=snapshot, fmt=fmt, out=out, section=section,
          verbose=verbose)


@app.command()
def whatif(scenario: Annotated[Optional[Path], typer.Argument(help="Scenario TOML file.")] = None,
           restructure: Annotated[Optional[str], typer.Option(help="Instead of a file: the restructure recorded "
                                  "in the establishment on this date, YYYY-MM-DD.")] = None,
           fmt: Fmt = OutputFormat.table, out: Out = None, section: SectionOpt = None, verbose: Verbose = False,
           snapshot: Snap = None) -> None:
    """A service change against the base case: caseloads, children waiting, posts and cost by team, with risk."""
    from clearsight.forecast.whatif import load_scenario, restructure_scenario
    from clearsight.reports.forecast import build_whatif

    if (scenario is None) == (restructure is None):
        raise _fail("give a scenario file or --restructure DATE (one of them)", EXIT_BAD_REQUEST)
    day = _checked_day(restructure, "--restructure")
    try:
        plan = load_scenario(scenario) if scenario else None
    except (OSError, ValueError) as exc:
        raise _fail(f"{scenario}: {str(exc)[:200]}", EXIT_BAD_REQUEST) from None

    def build(req: Request):  # type: ignore[no-untyped-def]
        chosen = plan or restructure_scenario(req.con, req.snapshot, day, req.config)  # type: ignore[arg-type]
        return build_whatif(req, chosen)

    _show(build, snapshot=snapshot, fmt=fmt, out=out, section=section, verbose=verbose)


def _checked_day(value: str | None, option: str) -> date | None:
    try:
        return parse_day(value, option) if value else None
    except BadRequest as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None

