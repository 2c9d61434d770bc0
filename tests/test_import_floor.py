"""The import floor of a command (issue 14 item 3), guarded by what it imports rather than by timings: Ibis,
SQLGlot and Jinja are imported only to compile SQL or write a page, pandas (which pyarrow and DuckDB import
when handed Python values or Arrow tables) never on a report's way, and the web application (with argon2, whose
timing-safe dummy hash took a third of a second) only by the commands that serve or manage accounts. Each import costs a command a sixth to
over half a second of start-up; bench/bench_commands.py measures the times themselves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from council_builder import CouncilBuilder

import clearsight
from clearsight.store import cache

HEAVY = ("ibis", "sqlglot", "pandas", "jinja2", "holidays", "argon2", "clearsight.web")


def _imported_by(code: str, env: dict[str, str] | None = None) -> list[str]:
    """The HEAVY modules a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    env = {**os.environ, **(env or {}), "PYTHONPATH": str(Path(clearsight.__file__).parents[1])}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_the_cli_imports_no_compiler_no_pandas():
    assert _imported_by("import clearsight.cli") == []


def test_the_default_working_calendar_is_built_without_the_holidays_package():
    assert _imported_by("from clearsight.canonical.calendar import working_calendar\nworking_calendar()") == []


def test_a_position_built_from_compiled_sql_imports_no_compiler_no_pandas(tmp_path):
    b = CouncilBuilder(extract_date=date(2024, 1, 31))
    b.team("T", "Tamar")
    worker = b.worker("T")
    b.case("T", date(2024, 1, 2))  # waiting
    child, _ = b.case("T", date(2024, 1, 2))
    b.allocate(child, worker, "T", date(2024, 1, 3))
    b.load(tmp_path).con.close()
    build = (
        "from clearsight.cli import state\n"
        "from clearsight.reports import position\n"
        "from clearsight.reports.request import make_request\n"
        "from clearsight.store.database import open_database\n"
        "from clearsight.store.snapshots import get_snapshot\n"
        f"con = open_database({str(tmp_path / 'test.duckdb')!r})\n"
        "view = position.build(make_request(con, get_snapshot(con), state.config))\n"
        "assert view.headline\n"
    )
    env = {cache.CACHE_ENV: str(tmp_path / "cache")}
    assert "ibis" in _imported_by(build, env)  # the first run compiles (and keeps the SQL on disk)
    assert _imported_by(build, env) == []


def test_the_forecast_and_its_backtest_import_no_compiler_no_pandas(tmp_path):
    # Its rows are Python values and its population query binds no parameter through DuckDB's client.
    b = CouncilBuilder(extract_date=date(2024, 1, 31))
    b.add("child", child_id="C1", sex="F", dob=date(2012, 5, 1))
    b.add("cla_episode", cla_episode_id="E1", child_id="C1", period_id="P1", start_date=date(2021, 3, 1),
          legal_status="C2", placement_type="U4", end_date=None)
    b.load(tmp_path).con.close()
    build = (
        "from clearsight.cli import state\n"
        "from clearsight.reports.forecast import build_backtest, build_forecast\n"
        "from clearsight.reports.request import make_request\n"
        "from clearsight.store.database import open_database\n"
        "from clearsight.store.snapshots import get_snapshot\n"
        f"con = open_database({str(tmp_path / 'test.duckdb')!r})\n"
        "req = make_request(con, get_snapshot(con), state.config)\n"
        "assert build_forecast(req).headline and build_backtest(req).headline\n"
    )
    assert _imported_by(build, {cache.CACHE_ENV: str(tmp_path / "cache")}) == []


def test_evaluating_the_alert_rules_imports_no_compiler_no_pandas(tmp_path):
    # The alert store writes its values into its statements (DuckDB's binding of Python values imports pandas).
    b = CouncilBuilder(extract_date=date(2024, 1, 31))
    b.team("T", "Tamar")
    b.case("T", date(2023, 12, 1))  # waiting two months: alerts raised
    b.load(tmp_path).con.close()
    run = (
        "from clearsight.alerts.lifecycle import run\n"
        "from clearsight.cli import state\n"
        "from clearsight.store.database import open_database\n"
        "from clearsight.store.snapshots import get_snapshot\n"
        f"con = open_database({str(tmp_path / 'test.duckdb')!r}, write=True)\n"
        "result = run(con, get_snapshot(con), state.config)\n"
        "assert result.raised or result.holding\n"
    )
    env = {cache.CACHE_ENV: str(tmp_path / "cache")}
    _imported_by(run, env)  # the first run compiles (and keeps the SQL on disk)
    assert _imported_by(run, env) == []
