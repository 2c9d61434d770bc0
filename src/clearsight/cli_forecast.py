"""`clearsight forecast`, `forecast backtest`, `whatif` and `scenarios`: the commands of the forecast views
(clearsight.reports.forecast), parsed here and shown by the same `_show` as every other view; `scenarios save`
and `delete` write the council's saved scenarios (clearsight.forecast.scenario_store)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from clearsight.cli import (
    EXIT_BAD_REQUEST,
    AsAt,
    Fmt,
    Out,
    SectionOpt,
    Snap,
    Verbose,
    _fail,
    _open,
    _show,
    app,
    console,
    state,
)
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
def backtest(cutoff: Annotated[str | None, typer.Option(help="Fit as at this date, YYYY-MM-DD (default: a year "
             "before the extract).")] = None, fmt: Fmt = OutputFormat.table, out: Out = None,
             section: SectionOpt = None, verbose: Verbose = False, snapshot: Snap = None) -> None:
    """The model fitted at a past date against what happened: error by month and group, and the band's coverage."""
    from clearsight.reports.forecast import build_backtest

    day = _checked_day(cutoff, "--cutoff")
    _show(lambda req: build_backtest(req, day), snapshot=snapshot, fmt=fmt, out=out, section=section,
          verbose=verbose)


ScenarioFile = Annotated[Path | None, typer.Argument(help="Scenario TOML file.")]
Restructure = Annotated[str | None, typer.Option(help="Instead of a file: the restructure recorded in the "
                        "establishment on this date, YYYY-MM-DD.")]


AsItTurnedOut = Annotated[bool, typer.Option("--as-it-turned-out", help="With --restructure: each team's FTE in "
                          "post each month as the records show it, in place of the projected leaving and filling "
                          "(a backtest of the caseloads and waiting the model makes of the staffing that followed).")]


def _scenario(req: Request, path: Path | None, restructure: str | None, saved: str | None = None,  # type: ignore[no-untyped-def]
              as_it_turned_out: bool = False):
    """The scenario given as a file, a recorded restructure or a saved name (exactly one)."""
    from clearsight.forecast import scenario_store
    from clearsight.forecast.whatif import load_scenario, restructure_scenario

    if saved:
        return scenario_store.get(req.con, req.snapshot.council, saved).scenario
    if path:
        try:
            return load_scenario(path)
        except (OSError, ValueError) as exc:
            raise BadRequest(f"{path}: {str(exc)[:200]}") from None
    return restructure_scenario(req.con, req.snapshot, _checked_day(restructure, "--restructure"), req.config,  # type: ignore[arg-type]
                                as_it_turned_out=as_it_turned_out)


def _one_of(*given: object) -> None:
    if sum(g is not None for g in given) != 1:
        raise _fail("give a scenario file, --restructure DATE or --saved NAME (one of them)", EXIT_BAD_REQUEST)


@app.command()
def whatif(scenario: ScenarioFile = None, restructure: Restructure = None,
           saved: Annotated[str | None, typer.Option(help="Instead of a file: a scenario saved by name.")] = None,
           as_it_turned_out: AsItTurnedOut = False, fmt: Fmt = OutputFormat.table, out: Out = None,
           section: SectionOpt = None, verbose: Verbose = False, snapshot: Snap = None) -> None:
    """A service change against the base case: caseloads, children waiting, posts and cost by team, with risk."""
    from clearsight.reports.forecast import build_whatif

    _one_of(scenario, restructure, saved)
    _checked_day(restructure, "--restructure")
    if as_it_turned_out and restructure is None:
        raise _fail("--as-it-turned-out goes with --restructure DATE", EXIT_BAD_REQUEST)
    _show(lambda req: build_whatif(req, _scenario(req, scenario, restructure, saved, as_it_turned_out)),
          snapshot=snapshot, fmt=fmt, out=out, section=section, verbose=verbose)


scenarios_app = typer.Typer(help="What-if scenarios saved by name: list, save, compare side by side, attach "
                            "to a proposed service change, delete.",
                            invoke_without_command=True)
app.add_typer(scenarios_app, name="scenarios")


@scenarios_app.callback()
def scenarios(ctx: typer.Context, fmt: Fmt = OutputFormat.table, out: Out = None, section: SectionOpt = None,
              snapshot: Snap = None) -> None:
    """The council's saved scenarios (with no command)."""
    from clearsight.forecast.scenario_store import saved
    from clearsight.reports.forecast import build_scenario_list

    if ctx.invoked_subcommand is None:
        _show(lambda req: build_scenario_list(req, saved(req.con, req.snapshot.council)), snapshot=snapshot,
              fmt=fmt, out=out, section=section)


@scenarios_app.command("save")
def save(scenario: ScenarioFile = None, restructure: Restructure = None,
         name: Annotated[str | None, typer.Option(help="Save under this name (default: the scenario's).")] = None,
         snapshot: Snap = None) -> None:
    """Save a scenario (a file, or a recorded restructure) by name for the council, replacing one of that name."""
    from clearsight.forecast import scenario_store
    from clearsight.reports.request import make_request
    from clearsight.store.snapshots import get_snapshot, latest_snapshot

    if (scenario is None) == (restructure is None):
        raise _fail("give a scenario file or --restructure DATE (one of them)", EXIT_BAD_REQUEST)
    _checked_day(restructure, "--restructure")
    con, _ = _open(write=True)
    try:
        snap = get_snapshot(con, snapshot) if snapshot else latest_snapshot(con, state.council)
        plan = _scenario(make_request(con, snap, state.config), scenario, restructure)
        if name:
            plan = plan.model_copy(update={"name": name})
        kept = scenario_store.save(con, snap.council, plan)
    except (BadRequest, LookupError, ValueError) as exc:
        raise _fail(str(exc.args[0] if exc.args else exc), EXIT_BAD_REQUEST) from None
    finally:
        con.close()
    console.print(f"Saved scenario '{kept.scenario.name}' for {kept.council} (id {kept.scenario_id}).")


@scenarios_app.command("compare")
def compare(names: Annotated[list[str], typer.Argument(help="Saved scenarios to set side by side.")],
            fmt: Fmt = OutputFormat.table, out: Out = None, section: SectionOpt = None, verbose: Verbose = False,
            snapshot: Snap = None) -> None:
    """Saved scenarios side by side, one column each beside the base case."""
    from clearsight.forecast.scenario_store import get
    from clearsight.reports.forecast import build_scenario_comparison

    _show(lambda req: build_scenario_comparison(req, [get(req.con, req.snapshot.council, n).scenario
                                                      for n in names]),
          snapshot=snapshot, fmt=fmt, out=out, section=section, verbose=verbose)


@scenarios_app.command("attach")
def attach(name: Annotated[str, typer.Argument(help="The saved scenario.")],
           change: Annotated[int, typer.Argument(help="The proposed service change's id in the change register.")],
           snapshot: Snap = None) -> None:
    """Attach a saved scenario to the proposed service change it assesses (the alerts' change register)."""
    from clearsight.forecast import scenario_store
    from clearsight.store.snapshots import get_snapshot, latest_snapshot

    con, _ = _open(write=True)
    try:
        snap = get_snapshot(con, snapshot) if snapshot else latest_snapshot(con, state.council)
        scenario_store.attach(con, snap.council, name, change)
    except LookupError as exc:
        raise _fail(str(exc.args[0]), EXIT_BAD_REQUEST) from None
    finally:
        con.close()
    console.print(f"Scenario '{name}' attached to proposed service change {change}.")


@scenarios_app.command("delete")
def delete(name: Annotated[str, typer.Argument(help="The saved scenario.")], snapshot: Snap = None) -> None:
    """Delete a saved scenario."""
    from clearsight.forecast import scenario_store
    from clearsight.store.snapshots import get_snapshot, latest_snapshot

    con, _ = _open(write=True)
    try:
        snap = get_snapshot(con, snapshot) if snapshot else latest_snapshot(con, state.council)
        scenario_store.delete(con, snap.council, name)
    except LookupError as exc:
        raise _fail(str(exc.args[0]), EXIT_BAD_REQUEST) from None
    finally:
        con.close()
    console.print(f"Deleted scenario '{name}'.")


def _checked_day(value: str | None, option: str) -> date | None:
    try:
        return parse_day(value, option) if value else None
    except BadRequest as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None

