"""The forecast commands give the same figures on PostgreSQL as on DuckDB: the small Eastmere loaded into each,
and `forecast`, `forecast backtest`, `whatif --restructure` (the cuts alone, and as it turned out) and a saved
scenario's what-if compared whole. (The hand-worked figures of test_whatif, test_rates and test_demand run on both
back ends too.)"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.store.database import connect, database_file
from clearsight.store.load import load_extract

RESTRUCTURE = "2023-04-01"  # the small Eastmere's restructure, as in test_whatif


@pytest.fixture(scope="module")
def databases(small_eastmere, small_eastmere_db, postgres_database) -> dict[str, str]:
    """The small Eastmere on DuckDB (the session's) and on PostgreSQL (loaded here), by back end."""
    con = connect(postgres_database)
    assert load_extract(con, small_eastmere).status == "loaded"
    con.close()
    return {"duckdb": str(database_file(small_eastmere_db[0])), "postgres": postgres_database}


def _run(db: str, *command: str) -> dict:
    result = CliRunner().invoke(app, ["--db", db, *command, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("command", [
    ("forecast",), ("forecast", "--as-at", "2024-06-30"), ("forecast", "backtest"),
    ("whatif", "--restructure", RESTRUCTURE), ("whatif", "--restructure", RESTRUCTURE, "--as-it-turned-out"),
], ids=lambda command: " ".join(command))
def test_a_forecast_view_is_the_same_on_postgresql(databases, command):
    duckdb, postgres = (_run(db, *command) for db in databases.values())
    assert duckdb["sections"] and postgres == duckdb


def test_a_scenario_saved_in_postgresql_gives_the_same_what_if(databases):
    saved = CliRunner().invoke(app, ["--db", databases["postgres"], "scenarios", "save", "--restructure", RESTRUCTURE])
    assert saved.exit_code == 0, saved.output
    assert _run(databases["postgres"], "scenarios")["sections"]["scenarios"]["rows"][0]["name"] == (
        "restructure of 1 Apr 2023")
    assert _run(databases["postgres"], "whatif", "--saved", "restructure of 1 Apr 2023") == _run(
        databases["duckdb"], "whatif", "--restructure", RESTRUCTURE)
