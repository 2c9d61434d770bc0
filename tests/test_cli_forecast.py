"""`clearsight forecast`, `forecast backtest` and `whatif` end to end on the small Eastmere."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from clearsight.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def db(small_eastmere, tmp_path_factory):
    path = tmp_path_factory.mktemp("forecast_cli") / "cs.duckdb"
    assert runner.invoke(app, ["--db", str(path), "load", str(small_eastmere)]).exit_code == 0
    return path


def run(db, *args):
    return runner.invoke(app, ["--db", str(db), *args], catch_exceptions=False)


def test_forecast_and_backtest_commands(db):
    forecast = json.loads(run(db, "forecast", "--format", "json").output)
    assert "children looked after" in forecast["headline"][0] and "total" in forecast["sections"]
    backtest = run(db, "forecast", "backtest", "--cutoff", "2023-03-31")
    assert backtest.exit_code == 0, backtest.output
    assert "31 Mar 2023" in backtest.output and "MAPE" in backtest.output
    assert run(db, "forecast", "backtest", "--cutoff", "March").exit_code == 2


def test_whatif_of_the_recorded_restructure(db, tmp_path):
    result = json.loads(run(db, "whatif", "--restructure", "2023-04-01", "--format", "json").output)
    assert result["headline"][0].startswith("'restructure of 1 Apr 2023' from 31 Mar 2023: ")
    assert result["sections"]["by_team"]["rows"]
    # set in the past, the cuts alone are projected beside the records too (issue 19's done-when)
    assert result["sections"]["as_recorded"]["rows"] and "Beside the records" in result["headline"][-1]
    assert result["sections"]["as_recorded"]["title"].startswith("Projected, beside the records")
    turned = json.loads(run(db, "whatif", "--restructure", "2023-04-01", "--as-it-turned-out", "--format",
                            "json").output)
    assert turned["sections"]["as_recorded"]["rows"] and "Beside the records" in turned["headline"][-1]
    assert run(db, "whatif", "--as-it-turned-out", "plan.toml").exit_code == 2  # only with --restructure
    assert run(db, "whatif").exit_code == 2  # a file or --restructure, one of them
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nmonths = 99\n')
    refused = run(db, "whatif", str(bad))
    assert refused.exit_code == 2 and "bad.toml" in refused.output


def test_scenarios_saved_compared_and_deleted(db, tmp_path):
    plan = tmp_path / "cut.toml"
    plan.write_text('name = "a tenth fewer"\nas_at = 2023-03-31\nmonths = 3\n[[fte_changes]]\nshare = -0.1\n')
    assert "Saved scenario 'a tenth fewer'" in run(db, "scenarios", "save", str(plan)).output
    saved = run(db, "scenarios", "save", "--restructure", "2023-04-01", "--name", "restructure")
    assert saved.exit_code == 0, saved.output
    listed = json.loads(run(db, "scenarios", "--format", "json").output)
    assert [r["name"] for r in listed["sections"]["scenarios"]["rows"]] == ["a tenth fewer", "restructure"]
    compared = json.loads(run(db, "scenarios", "compare", "restructure", "a tenth fewer", "--format", "json").output)
    assert compared["sections"]["council"]["rows"][0]["measure"] == "Open cases"
    whatif = json.loads(run(db, "whatif", "--saved", "restructure", "--format", "json").output)
    assert whatif["headline"][0].startswith("'restructure' from 31 Mar 2023")
    assert run(db, "scenarios", "delete", "restructure").exit_code == 0
    missing = run(db, "scenarios", "compare", "restructure")
    assert missing.exit_code == 2 and "no scenario named 'restructure'" in missing.output
