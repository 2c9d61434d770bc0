"""The position over time and what changed between two loads, on a team whose only worker leaves."""

from __future__ import annotations

import json
from datetime import date

import pytest
from council_builder import CouncilBuilder
from typer.testing import CliRunner

from clearsight.cli import app

runner = CliRunner()
LEFT = date(2023, 11, 1)  # the worker's allocations and post end here: after 31 October either way


def extract(tmp, extract_date: date, *, worker_left: bool):
    b = CouncilBuilder(extract_date=extract_date)
    b.team("T", "Child in Need 1")
    worker = b.worker("T", worker_id="W1", name="Sam Leaver",
                      last_day=date(2023, 10, 31) if worker_left else None)  # the post ends on LEFT
    for _ in range(3):
        child, _ep = b.case("T", date(2023, 6, 1))
        b.allocate(child, worker, "T", date(2023, 6, 2), LEFT if worker_left else None)
    if worker_left:
        b.case("T", date(2023, 11, 15))  # new work nobody picks up
    return b.write(tmp / extract_date.isoformat())


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trend")
    path = tmp / "cs.duckdb"
    for day, left in ((date(2023, 9, 30), False), (date(2023, 11, 30), True)):
        result = runner.invoke(app, ["--db", str(path), "load", str(extract(tmp, day, worker_left=left))])
        assert result.exit_code == 0, result.output
    return path


def run(db, *args):
    result = runner.invoke(app, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_monthly_position_counts_the_waiting_at_each_month_end(db):
    data = json.loads(run(db, "position", "--monthly", "--period", "2023-08..2023-11", "--format", "json").output)
    series = data["sections"]["series"]["rows"]
    # Nobody waits while the worker is there; on 30 November the 3 children they held wait for re-allocation
    # and the child referred on 15 November is new work.
    assert [(r["day"], r["waiting"], r["reallocation"], r["new_work"]) for r in series] == [
        ("2023-08-31", 0, 0, 0), ("2023-09-30", 0, 0, 0), ("2023-10-31", 0, 0, 0), ("2023-11-30", 4, 3, 1)]
    assert data["headline"][0].startswith("Children waiting for a social worker rose from 0 on 31 Aug 2023 to 4")
    weekly = json.loads(run(db, "position", "--weekly", "--period", "2023-11-01..2023-11-30", "--format",
                            "json").output)
    assert [r["day"] for r in weekly["sections"]["series"]["rows"]] == [
        "2023-11-02", "2023-11-09", "2023-11-16", "2023-11-23", "2023-11-30"]


def test_compare_names_the_children_now_waiting_and_the_worker_gone(db):
    data = json.loads(run(db, "compare", "1", "2", "--records", "--format", "json").output)
    assert len(data["sections"]["now_waiting"]["rows"]) == 4
    assert [w["worker"] for w in data["sections"]["workers_gone"]["rows"]] == ["Sam Leaver"]
    moved = {r["figure"]: (r["then"], r["now"], r["change"]) for r in data["sections"]["figures"]["rows"]}
    assert moved["Children waiting"] == (0, 4, 4)
    # each figure in its own unit: counts whole (the table showed 0.0, 1,947.0), FTE and caseloads to a decimal
    shown = {r["figure"]: (r["then_shown"], r["now_shown"]) for r in data["sections"]["figures"]["rows"]}
    assert shown["Children waiting"] == ("0", "4") and "." in shown["FTE"][0]
    table = run(db, "compare", "1", "2").output
    assert "0.0 │" not in table.split("FTE")[0]
    plain = json.loads(run(db, "compare", "1", "--format", "json").output)
    assert set(plain["sections"]) == {"figures"}  # names only with --records


def test_period_without_a_series_is_refused(db):
    result = runner.invoke(app, ["--db", str(db), "position", "--period", "2023-01..2023-02"])
    assert result.exit_code == 2 and "--monthly or --weekly" in result.output
