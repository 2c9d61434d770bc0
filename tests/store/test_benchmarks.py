"""Benchmarks: England built in, a CSV of region and neighbours, the neighbours' median, all-or-nothing loads."""

from __future__ import annotations

from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.config import CouncilConfig
from clearsight.store.benchmarks import benchmark, load_benchmarks
from clearsight.store.database import connect

CSV = """indicator,area,area_type,period,value
assessments_within_45_days,England,england,2024,0.82
assessments_within_45_days,England,england,2025,0.857
assessments_within_45_days,East Midlands,region,2025,0.80
assessments_within_45_days,Neighbour A,neighbour,2025,0.70
assessments_within_45_days,Neighbour B,neighbour,2025,0.90
assessments_within_45_days,Neighbour C,neighbour,2025,0.75
assessments_within_45_days,Neighbour C,neighbour,2024,0.10
"""


def test_england_is_built_in_until_a_csv_says_otherwise(tmp_path):
    con = connect(tmp_path / "b.duckdb")
    built_in = benchmark(con, CouncilConfig(), "assessment_timeliness")
    assert (built_in.england, built_in.neighbours) == (0.857, None)
    path = tmp_path / "bench.csv"
    path.write_text(CSV.replace("0.857", "0.86"))
    assert load_benchmarks(con, path) == (7, [])
    b = benchmark(con, CouncilConfig(), "assessment_timeliness")
    assert (b.england, b.england_period, b.region) == (0.86, "2025", 0.80)
    assert (b.neighbours, b.neighbour_count) == (0.75, 3)  # median of each neighbour's latest: 0.70, 0.90, 0.75


def test_a_bad_row_loads_nothing(tmp_path):
    db = tmp_path / "b.duckdb"
    path = tmp_path / "bench.csv"
    path.write_text(CSV + "assessments_within_45_days,Somewhere,county,2025,abc\n")
    result = CliRunner().invoke(app, ["--db", str(db), "benchmarks", "load", str(path)])
    assert result.exit_code == 2
    assert "bench.csv: row 9, column 'area_type': expected one of england, region, neighbour" in result.output
    assert "column 'value': expected a number (found 'abc')" in result.output
    assert connect(db).execute("SELECT count(*) FROM benchmark").fetchone() == (0,)
