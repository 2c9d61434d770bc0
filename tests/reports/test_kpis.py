"""`clearsight kpis` and `clearsight kpi --monthly` end to end: the weekly meeting's table in every format."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from council_builder import CouncilBuilder
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from clearsight.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """Two CP children in team Alpha: one seen every week, one last seen on 2 October 2023."""
    tmp = tmp_path_factory.mktemp("kpis")
    b = CouncilBuilder(extract_date=date(2023, 12, 31))
    b.team("A", "Alpha", service="cp")
    worker = b.worker("A", worker_id="WA")
    for last in (date(2023, 12, 29), date(2023, 10, 2)):
        weeks = range((last - date(2023, 9, 4)).days // 7 + 1)
        b.cp_child("A", worker, date(2023, 8, 1), date(2023, 9, 1),
                   tuple(date.fromordinal(date(2023, 9, 4).toordinal() + 7 * k) for k in weeks))
    path = tmp / "cs.duckdb"
    assert invoke(path, "load", str(b.write(tmp / "extract"))).exit_code == 0
    return path


def invoke(db, *args):
    return runner.invoke(app, ["--db", str(db), *args], catch_exceptions=False)


def test_kpis_csv_has_benchmark_and_grade_beside_each_rate(db):
    result = invoke(db, "kpis", "--as-at", "2023-12-31", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = {r["kpi"]: r for r in csv.DictReader(io.StringIO(result.output))}
    cp = rows["cp_visits"]
    assert (cp["denominator"], cp["numerator"], cp["kpi_rate"], cp["over"]) == ("2", "1", "0.5", "on 2023-12-31")
    assert cp["confidence"] in "ABCD" and cp["least_complete"]
    assert rows["assessment_timeliness"]["over"] == "2023-10-01 to 2023-12-31"  # as flow writes it (it read ..)
    # England's figure is the matching year's: none is held for the year to 31 March 2024 (only 2025's, 0.857).
    assert rows["assessment_timeliness"]["england_rate"] == ""


def test_kpis_monthly_series_in_every_format(db, tmp_path):
    result = invoke(db, "kpis", "--as-at", "2023-12-31", "--monthly", "--format", "json")
    assert result.exit_code == 0, result.output
    cp = [r for r in json.loads(result.output)["sections"]["monthly"]["rows"] if r["kpi"] == "cp_visits"]
    # Twelve months to the as-at date; no plans before September (0 of 0); the second child falls out of time
    # on 16 October, so is in time at the end of September only.
    assert [(r["month"], r["numerator"], r["denominator"]) for r in cp] == [
        *((f"2023-{m:02}", 0, 0) for m in range(1, 9)),
        ("2023-09", 2, 2), ("2023-10", 1, 2), ("2023-11", 1, 2), ("2023-12", 1, 2)]
    table = invoke(db, "kpis", "--as-at", "2023-12-31", "--monthly")
    assert "Rate by month" in table.output and "2023-09" in table.output
    out = tmp_path / "kpis.xlsx"
    assert invoke(db, "kpis", "--as-at", "2023-12-31", "--monthly", "--format", "xlsx", "--out", str(out)).exit_code == 0
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["About these figures", "Rate by month", "KPIs by month"]
    sheet = book.get_sheet_by_name("KPIs by month").to_python()
    header = sheet[0]
    lines = [dict(zip(header, line)) for line in sheet[1:]]
    assert [(r["Month"], r["Meeting it / failing"]) for r in lines if r["KPI name"] == "cp_visits"][-4:] == [
        ("2023-09", 2), ("2023-10", 1), ("2023-11", 1), ("2023-12", 1)]
    about = book.get_sheet_by_name("About these figures").to_python()
    assert any(line[0] == "Where from" and "snapshot 1" in line[1] for line in about)


def test_kpi_monthly_for_one_kpi_and_its_clear_errors(db):
    result = invoke(db, "kpi", "cp_visits", "--monthly", "--period", "2023-10..2023-12", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["sections"]["rates"]["rows"]
    assert [(r["month_end"], r["level"], r["rate"]) for r in rows] == [
        ("2023-10-31", "council", 0.5), ("2023-11-30", "council", 0.5), ("2023-12-31", "council", 0.5)]
    both = invoke(db, "kpi", "cp_visits", "--monthly", "--children")
    assert both.exit_code != 0 and "--monthly and --children" in both.output


def test_rag_against_the_councils_target():
    """Green meeting the target, amber within the margin (5 points) short of it, red beyond; a KPI counting
    failures has its target as a ceiling; no target, no colour."""
    from clearsight.reports.kpis import kpi_rag

    assert kpi_rag(0.96, 0.95, True, 0.05) == "green"
    assert kpi_rag(0.95, 0.95, True, 0.05) == "green"
    assert kpi_rag(0.90, 0.95, True, 0.05) == "amber"  # 5 points short
    assert kpi_rag(0.89, 0.95, True, 0.05) == "red"
    assert kpi_rag(0.04, 0.05, False, 0.05) == "green"  # 4% overdue against at most 5%
    assert kpi_rag(0.08, 0.05, False, 0.05) == "amber"
    assert kpi_rag(0.20, 0.05, False, 0.05) == "red"
    assert kpi_rag(0.50, None, True, 0.05) is None and kpi_rag(None, 0.9, True, 0.05) is None


def test_kpis_carry_the_councils_target_and_rag(db, tmp_path):
    """cp_visits is 1 of 2 children seen in time (50%): red against a 95% target, amber against 52% (2 points
    short), green against 50%; KPIs without a target have none and no colour."""
    for target, rag in ((0.95, "red"), (0.52, "amber"), (0.5, "green")):
        config = tmp_path / f"council-{target}.toml"
        config.write_text(f"[kpi_targets]\ncp_visits = {target}\n", encoding="utf-8")
        result = runner.invoke(app, ["--db", str(db), "--config", str(config), "kpis", "--as-at", "2023-12-31",
                                     "--format", "csv"], catch_exceptions=False)
        rows = {r["kpi"]: r for r in csv.DictReader(io.StringIO(result.output))}
        assert (rows["cp_visits"]["target_rate"], rows["cp_visits"]["rag"]) == (str(target), rag)
        assert (rows["cin_visits"]["target_rate"], rows["cin_visits"]["rag"]) == ("", "")
