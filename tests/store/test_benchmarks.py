"""Benchmarks: England built in, a CSV of region and neighbours, the neighbours' median, all-or-nothing loads."""

from __future__ import annotations

from datetime import date

from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.config import CouncilConfig
from clearsight.store.benchmarks import benchmark_for, load_benchmarks, matching_year, publication_year
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


def test_england_is_built_in_until_a_csv_says_otherwise(backend, tmp_path):
    con = connect(backend.location())
    year_2025 = date(2025, 3, 31)  # the CIN census year to 31 March 2025 ("2025")
    built_in = benchmark_for(con, "assessment_timeliness", year_2025)
    assert (built_in.england, built_in.england_source, built_in.neighbours) == (0.857, "built in", None)
    path = tmp_path / "bench.csv"
    path.write_text(CSV.replace("0.857", "0.86"))
    assert load_benchmarks(con, path) == (7, [])
    b = benchmark_for(con, "assessment_timeliness", year_2025, config=CouncilConfig())
    assert (b.england, b.england_source, b.period, b.region) == (0.86, "loaded", "2025", 0.80)
    assert (b.neighbours, b.neighbour_count) == (0.75, 3)  # median of the neighbours' 2025 values
    # The year to 31 March 2024 is "2024": England 0.82 and one neighbour's 0.10, not the latest year's.
    b = benchmark_for(con, "assessment_timeliness", date(2023, 12, 31))
    assert (b.period, b.england, b.neighbours, b.region, b.note) == ("2024", 0.82, 0.10, None, None)


def test_every_comparison_takes_the_matching_year_and_says_when_none_matches(backend):
    """Workforce census figures are as at 30 September (definitions.md: turnover 2023 15.9%, 2025 11.8%)."""
    con = connect(backend.location())
    assert benchmark_for(con, "turnover_rate", date(2023, 9, 30)).england == 0.159
    assert benchmark_for(con, "turnover_rate", date(2025, 3, 31)).england == 0.118  # year to 30 Sep 2025
    b = benchmark_for(con, "turnover_rate", date(2024, 9, 30))
    assert (b.england, b.period, b.covers) == (None, "2024", "the year to 30 September 2024")
    assert b.note == "no figure for 2024 (the year to 30 September 2024); published years held: 2023, 2025"
    # A period takes the year holding most of its days: Apr-Dec 2023 has 183 days in the census year 2023 and
    # 92 in 2024; on a tie the later year.
    assert benchmark_for(con, "turnover_rate", date(2023, 12, 31), period_start=date(2023, 4, 1)).period == "2023"
    assert matching_year("turnover_rate", date(2023, 10, 30), date(2023, 9, 1), CouncilConfig()) == 2024  # 30 + 30
    assert benchmark_for(con, "no_such_indicator", date(2023, 9, 30)) is None
    # Published periods written as financial years end in their second year.
    assert [publication_year(p) for p in ("2023", "2022-23", "2022/2023", "FY23")] == [2023, 2023, 2023, None]


def test_a_bad_row_loads_nothing(backend, tmp_path):
    db = backend.location()
    path = tmp_path / "bench.csv"
    path.write_text(CSV + "assessments_within_45_days,Somewhere,county,2025,abc\n")
    result = CliRunner().invoke(app, ["--db", str(db), "benchmarks", "load", str(path)])
    assert result.exit_code == 2
    assert "bench.csv: row 9, column 'area_type': expected one of england, region, neighbour" in result.output
    assert "column 'value': expected a number (found 'abc')" in result.output
    assert connect(db).execute("SELECT count(*) FROM benchmark").fetchone() == (0,)
