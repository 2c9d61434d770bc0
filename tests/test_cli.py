"""The `clearsight` command end to end on a hand-built council: exit codes, formats, SQL for audit."""

from __future__ import annotations

import json
from datetime import date

import pytest
from council_builder import CouncilBuilder
from typer.testing import CliRunner

from clearsight.cli import app

runner = CliRunner()


@pytest.fixture()
def extract(tmp_path):
    b = CouncilBuilder(extract_date=date(2023, 12, 31))
    b.team("CIN1", "Child in Need 1")
    manager = b.worker("CIN1", "team_manager", name="Tess Manager")
    worker = b.worker("CIN1", manager_id=manager, name="Sam Stayer")
    for _ in range(22):
        child, _ep = b.case("CIN1", date(2023, 1, 1))
        b.allocate(child, worker, "CIN1", date(2023, 1, 2))
    for _ in range(3):
        child, _ep = b.case("CIN1", date(2023, 11, 1))
        b.allocate(child, manager, "CIN1", date(2023, 11, 1))
    return b.write(tmp_path / "extract")


def run(db, *args):
    return runner.invoke(app, ["--db", str(db), *args], catch_exceptions=False)


def test_load_then_position_json(tmp_path, extract):
    db = tmp_path / "cs.duckdb"
    loaded = run(db, "load", str(extract))
    assert loaded.exit_code == 0, loaded.output
    assert "Loaded snapshot 1" in loaded.output
    again = run(db, "load", str(extract))
    assert again.exit_code == 0 and "Already loaded as snapshot 1" in again.output

    result = run(db, "position", "--as-at", "2023-12-15", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["headline"][0].startswith("3 children are waiting for a social worker")
    assert "3 held by a manager" in data["headline"][0]
    assert "unallocated" not in data["sections"]  # child-level lists only when asked for (--records)
    [team] = data["sections"]["teams"]["rows"]
    assert (team["cases"], team["cases_over_capacity"], team["posts_needed_over_capacity"]) == (22, 2, 0.1)
    assert team["posts_needed"] == 0.25  # 0.1 over capacity + 3 children waiting / 20
    assert data["provenance"]["snapshot_id"] == 1
    listed = json.loads(run(db, "position", "--as-at", "2023-12-15", "--format", "json", "--records").output)
    assert len(listed["sections"]["unallocated"]["rows"]) == 3


def test_position_table_and_csv(tmp_path, extract):
    db = tmp_path / "cs.duckdb"
    run(db, "load", str(extract))
    table = run(db, "position", "--as-at", "2023-12-15")
    assert table.output.splitlines()[1].startswith("3 children are waiting for a social worker")
    assert "held by a manager" in table.output
    csv_out = run(db, "position", "--as-at", "2023-12-15", "--format", "csv", "--section", "workers")
    header, *rows = csv_out.output.strip().splitlines()
    assert header.startswith("worker_id,worker,team_id")
    assert len(rows) == 1 and ",22," in rows[0]
    bad = run(db, "position", "--format", "csv", "--section", "nonsense")
    assert bad.exit_code == 2 and "no section 'nonsense'" in bad.output


def test_rejected_load_exit_code_and_message(tmp_path, extract):
    (extract / "team.csv").write_text("team_id,name,parent_team_id,service,locality,start_date,end_date\n"
                                      "CIN1,Child in Need 1,,cinn,,2010-01-01,\n")
    result = run(tmp_path / "cs.duckdb", "load", str(extract))
    assert result.exit_code == 2
    assert "team.csv: row 2, column 'service': expected one of" in result.output
    assert "the database is unchanged" in result.output


def test_position_without_a_snapshot_is_a_clear_error(tmp_path):
    result = run(tmp_path / "empty.duckdb", "position")
    assert result.exit_code == 2
    assert "no Clearsight database here" in result.output


@pytest.mark.parametrize(
    ("dialect", "marker"),
    [("duckdb", '"episode"'), ("postgres", '"episode"'), ("tsql", "[episode]"), ("spark", "`episode`")],
)
def test_metrics_sql_compiles_for_each_dialect(tmp_path, extract, dialect, marker):
    db = tmp_path / "cs.duckdb"
    run(db, "load", str(extract))
    result = run(db, "metrics", "sql", "unallocated_cases", "--dialect", dialect, "--as-at", "2023-12-15")
    assert result.exit_code == 0, result.output
    assert result.output.lstrip().upper().startswith(("SELECT", "WITH"))
    assert marker in result.output


def test_metrics_sql_runs_on_duckdb_and_gives_the_same_answer(tmp_path, extract):
    """The printed SQL is not decoration: run it and compare with the figure."""
    import duckdb

    db = tmp_path / "cs.duckdb"
    run(db, "load", str(extract))
    sql = run(db, "metrics", "sql", "unallocated_cases", "--as-at", "2023-12-15").output
    with duckdb.connect(str(db), read_only=True) as con:
        assert len(con.execute(sql).fetchall()) == 3


def test_metrics_list_and_unknown_metric(tmp_path, extract):
    listed = run(tmp_path / "cs.duckdb", "metrics", "list")
    assert "unallocated_cases" in listed.output and "team_capacity" in listed.output
    unknown = run(tmp_path / "cs.duckdb", "metrics", "sql", "no_such_metric")
    assert unknown.exit_code == 2 and "no metric named" in unknown.output


def test_summary_html(tmp_path, extract):
    db = tmp_path / "cs.duckdb"
    run(db, "load", str(extract))
    out = tmp_path / "summary.html"
    result = run(db, "summary", "--out", str(out), "--as-at", "2023-12-15")
    assert result.exit_code == 0
    html = out.read_text()
    assert "waiting for a social worker" in html and "Child in Need 1" in html
    assert "C1" not in html.split("<body>")[1]  # aggregates only: no child ids in the summary
    practice = html.split("Practice KPIs")[1]
    assert "Assessments completed within 45 working days" in practice
    assert "85.7%" not in practice  # England's 2025 figure is not set beside 2023: none is held for 2023-24
    assert all(f"2023-{m:02}" in practice for m in range(1, 13))  # a column per month of the year to the date


def test_workforce_command(tmp_path):
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("CIN1", "Child in Need 1")
    b.establishment("CIN1", 4.0)
    b.worker("CIN1")
    b.worker("CIN1", employment="agency")
    b.worker("CIN1", last_day=date(2023, 5, 31), leave_reason="workload", leaver_destination="agency")
    db = tmp_path / "cs.duckdb"
    run(db, "load", str(b.write(tmp_path / "extract")))
    table = run(db, "workforce", "--period", "2023-04..2023-12")
    assert table.exit_code == 0, table.output
    assert "Why they left, 1 Apr 2023 to 31 Dec 2023" in table.output and "workload" in table.output
    # 1 employed leaver FTE / 1 employed FTE in post at the end, over 275 days: x 365 / 275 beside England's
    # figure for 2023, the census year holding most of the period
    assert "turnover 100.0% over the 275 days, 132.7% annualised" in table.output
    assert "DfE's turnover for the year to 30 Sep 2023: 100.0% (England 15.9%, 2023)." in table.output
    # England's agency rate is built in for 2023 and 2025: the year to 30 Sep 2024 has none, said in words
    assert "(no England figure for the year to 30 September 2024)" in table.output
    assert "published years held" not in table.output
    data = json.loads(run(db, "workforce", "--period", "2023-04..2023-12", "--format", "json").output)
    assert data["figures"]["turnover"]["filters"]["period"] == "2023-04-01..2023-12-31"
    assert run(db, "workforce", "--period", "2023-13..2023-12").exit_code == 2


def test_capacity_command_targets_and_xlsx(tmp_path, extract):
    db = tmp_path / "cs.duckdb"
    run(db, "load", str(extract))
    upper = json.loads(run(db, "capacity", "--as-at", "2023-12-15", "--format", "json").output)
    [team] = upper["sections"]["teams"]["rows"]
    assert (team["cases_over_capacity"], team["posts_needed_rounded_up"]) == (2, 1)  # 22 cases against 20
    lower = json.loads(run(db, "capacity", "--as-at", "2023-12-15", "--target", "lower", "--format", "json").output)
    assert lower["sections"]["teams"]["rows"][0]["cases_over_capacity"] == 4  # against 18
    table = run(db, "capacity", "--as-at", "2023-12-15")
    assert "46,176" in table.output and "75,036" in table.output  # 1 post x 1,924 h x £24 or £39
    assert "Testshire" in table.output  # the council named in the extract
    # the web's Teams page sets these lines under a team's position: they say whose figures they are
    assert upper["headline"][0].startswith("Testshire: 1 post needed to bring every team within")
    assert upper["headline"][1].endswith("children waiting across Testshire.")
    out = tmp_path / "capacity.xlsx"
    assert run(db, "capacity", "--format", "xlsx", "--out", str(out)).exit_code == 0
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["About these figures", "By team", "By service", "Council"]
    rows = book.get_sheet_by_name("By team").to_python()
    assert rows[0][:3] == ["Team", "Service", "Workers"] and rows[1][:2] == ["Child in Need 1", "Child in need"]


def test_cost_command_with_a_budget_from_the_council_config(tmp_path, extract):
    db = tmp_path / "cs.duckdb"
    run(db, "load", str(extract))
    config = tmp_path / "council.toml"
    config.write_text('[costs.budgets]\n"2023-24" = 50000\n')
    result = runner.invoke(app, ["--db", str(db), "--config", str(config), "cost", "--as-at", "2023-12-15"])
    assert result.exit_code == 0, result.output
    assert "financial year 2023-24 to 15 Dec 2023" in result.output
    assert "Budget £50,000" in result.output
    data = json.loads(run(db, "cost", "--as-at", "2023-12-15", "--format", "json").output)
    [forecast] = data["sections"]["forecast"]["rows"]
    assert forecast["days_elapsed"] == 259 and forecast["budget"] is None


def test_audits_command(tmp_path, extract):
    db = tmp_path / "cs.duckdb"
    run(db, "load", str(extract))
    result = run(db, "audits", "--period", "2023-04..2023-12")
    assert result.exit_code == 0, result.output
    assert "Optimism gap" in result.output and "1 Apr 2023 to 31 Dec 2023" in result.output


def test_cost_totals_are_the_councils_figure_in_both_tables(tmp_path):
    """Rows are whole pounds each; summing them gave the team table £1 more than the service table (£5,635,361
    against £5,635,360 on Eastmere). One FTE-day costs £1.40 here (1.4 an hour, one paid hour a day): the teams
    are £1 each (£3 by rows), the child-in-need service £3 (2.8) and child protection £1, the council £4 (4.2)."""
    b = CouncilBuilder(extract_date=date(2023, 12, 31))
    for team, service in (("N", "cin"), ("S", "cin"), ("P", "cp")):
        b.team(team, team, service=service)
        b.worker(team)
    db = tmp_path / "cs.duckdb"
    assert run(db, "load", str(b.write(tmp_path / "extract"))).exit_code == 0
    config = tmp_path / "council.toml"
    config.write_text("[costs]\npaid_hours_per_fte_year = 365.25\n"
                      "[costs.hourly_rate]\npermanent = 1.4\n")
    result = runner.invoke(app, ["--db", str(db), "--config", str(config), "cost", "--as-at", "2023-04-01",
                                 "--format", "json"])
    sections = json.loads(result.output)["sections"]
    assert sections["forecast"]["rows"][0]["spend_to_date"] == 4
    assert [r["cost"] for r in sections["by_team"]["rows"]] == [1, 1, 1, 4]
    assert [r["cost"] for r in sections["by_service"]["rows"]] == [3, 1, 4]


def test_a_teams_workforce_leads_with_the_teams_own_figures(tmp_path):
    """`workforce --team` led with the council's leavers, turnover, agency and vacancy rates under the team's
    name (South Child in Need Team: '53 leavers ... agency 16.1%' where the team had 20 and 62.3%). Alpha: 1
    employed leaver FTE / 2 employed FTE at the end = 50.0% over 275 days, x 365 / 275 = 66.4%; the council 2 / 5
    = 40.0%, 53.1% annualised; Alpha's agency 1 of 3 FTE = 33.3%, the council's 1 of 6 = 16.7%."""
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("A", "Alpha")
    b.team("B", "Bravo")
    for _ in range(2):
        b.worker("A")
    b.worker("A", employment="agency")
    b.worker("A", last_day=date(2023, 5, 31), leave_reason="workload", leaver_destination="agency")
    for _ in range(3):
        b.worker("B")
    b.worker("B", last_day=date(2023, 6, 30), leave_reason="workload", leaver_destination="agency")
    db = tmp_path / "cs.duckdb"
    assert run(db, "load", str(b.write(tmp_path / "extract"))).exit_code == 0
    data = json.loads(run(db, "workforce", "--period", "2023-04..2023-12", "--team", "Alpha", "--format",
                          "json").output)
    assert data["headline"][0] == ("Alpha: 1 leaver and 0 starters from 1 Apr 2023 to 31 Dec 2023; turnover 50.0% "
                                   "over the 275 days, 66.4% annualised (Testshire 53.1%; England 15.9%, 2023).")
    assert data["headline"][1].startswith("Testshire: DfE's turnover for the year to 30 Sep 2023")
    assert data["headline"][2].startswith("Agency 33.3% of FTE against a target of 20% (Testshire 16.7%; ")
