"""`clearsight alerts` end to end: evaluated after a load, re-run without duplicates, answered, listed."""

from __future__ import annotations

import json
from datetime import date

from council_builder import CouncilBuilder
from typer.testing import CliRunner

from clearsight.cli import app

runner = CliRunner()


def _cli(db, *args):
    return runner.invoke(app, ["--db", str(db), *args], catch_exceptions=False)


def test_load_evaluates_the_rules_and_the_owner_answers(tmp_path):
    b = CouncilBuilder(extract_date=date(2023, 12, 29))
    b.team("CP1", "Child Protection 1")
    manager = b.worker("CP1", "team_manager")
    child, episode = b.case("CP1", date(2023, 12, 1))
    b.cp_plan(child, episode, date(2023, 12, 4))
    b.allocate(child, manager, "CP1", date(2023, 12, 1))  # held by the manager: unallocated
    extract = b.write(tmp_path / "extract")
    db = tmp_path / "cs.duckdb"

    loaded = _cli(db, "load", str(extract))
    assert loaded.exit_code == 0, loaded.output
    assert "Alerts for Testshire on 2023-12-29: " in loaded.output

    inbox = json.loads(_cli(db, "alerts", "--format", "json").output)
    rows = {r["rule"]: r for r in inbox["sections"]["alerts"]["rows"]}
    cp = rows["unallocated_cp_cla"]
    assert (cp["whose"], cp["figure"], cp["owner"], cp["record_ids"]) == (
        "Child Protection 1", "1 (line 0)", "team manager", child)
    # Raised Fri 29 Dec 2023 with a day to answer: Mon 1 Jan is a bank holiday, so Tue 2 Jan 2024.
    assert cp["due_on"] == "2024-01-02"
    assert list(rows) == ["unallocated_cp_cla"]  # one child waits 28 days: no other rule's line is crossed
    assert inbox["headline"][0] == "1 open alert: 1 critical."

    again = _cli(db, "alerts", "run")
    assert again.exit_code == 0 and "0 alerts raised" in again.output

    ack = _cli(db, "alerts", "ack", str(cp["alert_id"]), "--by", "tm", "--on", "2023-12-29")
    assert ack.exit_code == 0 and "acknowledged" in ack.output
    acted = _cli(db, "alerts", "action", str(cp["alert_id"]), "--by", "tm", "--text", "allocate", "--owner", "tm",
                 "--due", "2024-01-05", "--on", "2023-12-29")
    assert acted.exit_code == 0 and "answer by 2024-01-05" in acted.output
    history = _cli(db, "alerts", "history", str(cp["alert_id"]), "--format", "json")
    events = [r["event"] for r in json.loads(history.output)["sections"]["history"]["rows"]]
    assert events == ["raised, with the team manager", "acknowledged", "action: allocate (owner: tm)"]
    assert _cli(db, "alerts", "resolve", "999", "--by", "x", "--reason", "y").exit_code == 2
    # Answered only by its owner's role or one above it: an analyst's resolution is refused, the alert stays open.
    args = ("alerts", "resolve", str(cp["alert_id"]), "--by", "pa", "--reason", "seen", "--on", "2023-12-29")
    refused = _cli(db, *args, "--as", "performance_analyst")
    assert refused.exit_code == 2 and "with the team manager" in refused.output
    assert _cli(db, *args, "--as", "analyst").exit_code == 2  # no such role
    assert "resolved" in _cli(db, *args, "--as", "head_of_service").output


def test_replay_leads_with_counts_and_names_a_worker_only_with_records(tmp_path):
    b = CouncilBuilder(extract_date=date(2023, 12, 29))
    b.team("CP1", "Child Protection 1")
    worker = b.worker("CP1", name="Wendy Overloaded")
    for _ in range(22):  # 22 children on one full-time social worker from 2 October: over the standard of 20
        child, _ = b.case("CP1", date(2023, 10, 2))
        b.allocate(child, worker, "CP1", date(2023, 10, 2))
    db = tmp_path / "cs.duckdb"
    assert _cli(db, "load", str(b.write(tmp_path / "extract"))).exit_code == 0
    args = ("alerts", "replay", "--from", "2023-11-01", "--to", "2023-12-29", "--rule", "worker_over_standard",
            "--format", "json")
    plain = _cli(db, *args)
    assert plain.exit_code == 0, plain.output
    view = json.loads(plain.output)
    # Over the line from 2 October: on the replay's first reading, 3 November (every 7 days back from 29
    # December), it has held at every reading back to 6 October, four weeks before: raised then.
    assert view["headline"][0] == "1 alert raised from 1 Nov 2023 to 29 Dec 2023 (1 low); 1 still open at the end."
    assert "a worker in Child Protection 1" in plain.output and "Wendy" not in plain.output
    assert "worker_alerts" not in view["sections"]
    named = json.loads(_cli(db, *args, "--records").output)["sections"]["worker_alerts"]["rows"]
    assert [(r["whose"], r["figure"], r["raised_on"]) for r in named] == [
        ("Wendy Overloaded", "22.0 (line 20)", "2023-11-03")]  # per FTE, as the caseload table


def test_an_unknown_role_or_service_is_an_error_not_an_empty_inbox(tmp_path):
    """`alerts --role nobody` and `alerts --service xyz` answered 'No open alerts.', exit 0."""
    b = CouncilBuilder(extract_date=date(2023, 12, 31))
    b.team("T", "Tango")
    db = tmp_path / "cs.duckdb"
    assert runner.invoke(app, ["--db", str(db), "load", str(b.write(tmp_path / "extract"))]).exit_code == 0
    role = runner.invoke(app, ["--db", str(db), "alerts", "--role", "directr"])
    assert role.exit_code == 2 and "no role named 'directr'; did you mean 'director'" in role.output
    service = runner.invoke(app, ["--db", str(db), "alerts", "--service", "xyz"])
    assert service.exit_code == 2 and "no service named 'xyz'" in service.output
    assert runner.invoke(app, ["--db", str(db), "alerts", "--role", "director", "--service", "cin"]).exit_code == 0


def test_an_alerts_figure_keeps_its_tables_decimals():
    """The workforce signals read '20.5 (line 20)' beside '24 (line 20)': a caseload is shown to one decimal,
    a count whole, a rate as a percentage; the limit is written whole."""
    from clearsight.reports.alerts import figure_text

    assert figure_text("threshold", "caseload_per_fte_holding", 24.0, 20.0, None) == "24.0 (line 20)"
    assert figure_text("threshold", "caseload_per_fte_holding", 20.5, 20.0, None) == "20.5 (line 20)"
    assert figure_text("threshold", "numerator", 10.0, 5.0, None) == "10 (line 5)"
    assert figure_text("threshold", "agency_rate", 0.33, 0.22, None) == "33% (line 22%)"


def test_an_alerts_records_are_dated_when_its_figure_has_moved_since(tmp_path):
    """Raised with two children waiting; a week later one is allocated: the figure reads 1, the records kept at
    raising are two, and both say so (the walk-through's alert '1 (line 0)' beside two records)."""
    b = CouncilBuilder(extract_date=date(2023, 12, 29))
    b.team("CP1", "Child Protection 1")
    manager, worker = b.worker("CP1", "team_manager"), b.worker("CP1")
    children = []
    for _ in range(2):
        child, episode = b.case("CP1", date(2023, 12, 1))
        b.cp_plan(child, episode, date(2023, 12, 4))
        b.allocate(child, manager, "CP1", date(2023, 12, 1))
        children.append(child)
    db = tmp_path / "cs.duckdb"
    assert _cli(db, "load", str(b.write(tmp_path / "december"))).exit_code == 0
    b.rows["allocation"][0]["end_date"] = date(2024, 1, 2)  # the first child's case passes to a social worker
    b.allocate(children[0], worker, "CP1", date(2024, 1, 2))
    b.extract_date = date(2024, 1, 5)
    assert _cli(db, "load", str(b.write(tmp_path / "january"))).exit_code == 0

    inbox = json.loads(_cli(db, "alerts", "--format", "json").output)
    alert = next(r for r in inbox["sections"]["alerts"]["rows"] if r["rule"] == "unallocated_cp_cla")
    assert (alert["figure"], alert["record_ids"]) == ("1 (line 0)", ", ".join(sorted(children)))
    assert inbox["sections"]["alerts"]["columns"][10]["title"] == "Records when raised"
    history = json.loads(_cli(db, "alerts", "history", str(alert["alert_id"]), "--format", "json").output)
    assert history["sections"]["records"]["title"] == ("Records behind it when raised on 29 Dec 2023, its figure "
                                                       "then 2 (line 0)")
