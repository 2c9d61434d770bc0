"""Registers: staff concerns (several from one team go to the chief operating officer), scrutiny requests and
service changes, with the same deadlines and escalation as alerts."""

from __future__ import annotations

from datetime import date

import duckdb

from clearsight.alerts.registers import (
    Entry,
    alerts_on_changes,
    entries_of,
    read_entries,
    record,
    write_entries,
)
from clearsight.alerts.store import AlertStore
from clearsight.config import CouncilConfig
from clearsight.store.database import create_alert_tables


def _store() -> AlertStore:
    con = duckdb.connect()
    create_alert_tables(con)
    return AlertStore(con, CouncilConfig())


def _concern(day: date, category: str = "workload") -> Entry:
    return Entry("concern", day, "Caseloads", team_id="T6", team="North CIN", category=category, raised_by="union")


def test_the_third_concern_from_one_team_in_the_window_goes_to_the_chief_operating_officer():
    store = _store()
    assert [a.rule for a in record(store, "Eastmere", _concern(date(2023, 5, 15)))] == ["concern"]
    assert [a.rule for a in record(store, "Eastmere", _concern(date(2023, 6, 5), "union"))] == ["concern"]
    third = record(store, "Eastmere", _concern(date(2023, 6, 26), "grievance"))
    assert [a.rule for a in third] == ["concern", "concerns_from_one_team"]
    flag = third[1]
    assert (flag.owner_role, flag.escalation, flag.severity) == (
        "chief_operating_officer", ("chief_operating_officer", "lead_member"), "critical")
    assert record(store, "Eastmere", _concern(date(2023, 7, 3)))[1:] == []  # flagged once while it is open
    # A concern is the head of service's for 20 working days: raised Mon 15 May 2023, due Tue 13 June (Mon 29
    # May is the spring bank holiday); unanswered, it goes to the chief operating officer on Wed 14 June.
    first = store.alerts(kind="concern")[0]
    assert (first.owner_role, first.due_on) == ("head_of_service", date(2023, 6, 13))
    climbed = [(a.alert_id, a.owner_role, day) for a, day in store.escalate_due(date(2023, 6, 14))]
    assert climbed == [(first.alert_id, "chief_operating_officer", date(2023, 6, 14))]


def test_a_scrutiny_request_left_unanswered_climbs_to_the_lead_member():
    store = _store()
    [request] = record(store, "Eastmere", Entry("scrutiny", date(2023, 9, 1), "Children waiting, by team",
                                                raised_by="scrutiny committee", due_on=date(2023, 9, 15)))
    assert request.owner_role == "head_of_service"
    roles = [a.owner_role for a, _ in store.escalate_due(date(2023, 12, 31))]
    assert roles == ["director", "lead_member"]


def test_a_service_change_shows_the_alerts_on_its_kpis_since_it_took_effect(tmp_path):
    store = _store()
    change = Entry("change", date(2023, 2, 1), "Restructure", owner_role="head_of_service",
                   effective=date(2023, 4, 1), risks=("staff leave",), kpis=("leavers", "unallocated_cases"))
    write_entries(tmp_path / "registers.json", [change])
    assert read_entries(tmp_path / "registers.json") == [change]
    [entered] = record(store, "Eastmere", change)
    # What it watches in words, not the metrics' codes (the register showed 'KPIs: leavers, unallocated_cases').
    assert entered.detail["summary"] == "takes effect 2023-04-01; watched: Leavers; Unallocated cases"
    # Reviewed 65 working days after it takes effect.
    assert entered.due_on == store.due_after(date(2023, 4, 1), 65)
    common = {"council": "Eastmere", "kind": "rule", "entity": "team:T6", "entity_name": "North CIN", "title": "t",
              "severity": "high", "owner_role": "team_manager", "escalation": ("team_manager",),
              "response_working_days": 5}
    store.raise_alert(rule="leavers", day=date(2023, 3, 31), **common)  # before it took effect
    after = store.raise_alert(rule="leavers", day=date(2023, 5, 2), **common)
    store.raise_alert(rule="supervision", day=date(2023, 5, 2), **common)  # a KPI it did not name
    [on_change] = alerts_on_changes(store, "Eastmere")
    assert [a.alert_id for a in on_change.alerts] == [after.alert_id]
    assert entries_of(store, "Eastmere") == [change]
