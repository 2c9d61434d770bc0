"""Deadlines and escalation in working days, across weekends and bank holidays; the owner's answers."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from clearsight.alerts.store import AlertStore, NotTheOwner
from clearsight.config import CouncilConfig
from clearsight.store.database import create_alert_tables

CHAIN = ("team_manager", "service_manager", "head_of_service", "director", "lead_member")


@pytest.fixture
def store() -> AlertStore:
    con = duckdb.connect()
    create_alert_tables(con)
    return AlertStore(con, CouncilConfig())


def _raise(store: AlertStore, day: date, working_days: int = 1):
    return store.raise_alert(council="Testshire", kind="rule", rule="r", entity="team:A", entity_name="Team A",
                             title="Something", severity="high", owner_role="team_manager", escalation=CHAIN,
                             response_working_days=working_days, day=day)


def test_the_deadline_and_escalation_skip_weekends_and_bank_holidays(store):
    # Raised Thursday 24 August 2023 with 1 working day: due Friday 25th. Monday 28th is the summer bank
    # holiday, so the deadline has passed on the first working day after it: Tuesday 29th.
    alert = _raise(store, date(2023, 8, 24))
    assert alert.due_on == date(2023, 8, 25)
    assert store.escalate_due(date(2023, 8, 28)) == []
    climbed = store.escalate_due(date(2023, 8, 29))
    assert [(a.owner_role, a.due_on, when) for a, when in climbed] == [("service_manager", date(2023, 8, 30),
                                                                        date(2023, 8, 29))]
    assert store.escalate_due(date(2023, 8, 29)) == []  # the same day again: nothing more


def test_a_run_after_a_gap_catches_up_as_a_daily_run_would_have(store):
    alert = _raise(store, date(2023, 8, 24))
    # Due Fri 25 -> service manager Tue 29 (due Wed 30) -> head of service Thu 31 (due Fri 1 Sep) -> director
    # Mon 4 Sep (due Tue 5) -> lead member Wed 6 Sep, after the run's day: stops at the director.
    climbed = store.escalate_due(date(2023, 9, 5))
    assert [(a.owner_role, when) for a, when in climbed] == [
        ("service_manager", date(2023, 8, 29)), ("head_of_service", date(2023, 8, 31)),
        ("director", date(2023, 9, 4))]
    events = [(e.event, e.role, e.day) for e in store.events(alert.alert_id)]
    assert events[-1] == ("escalated", "director", date(2023, 9, 4))


def test_christmas_and_new_year_bank_holidays_push_the_deadline(store):
    # Raised Friday 22 December 2023 with 3 working days: Mon 25 and Tue 26 are bank holidays, so Wed 27,
    # Thu 28, Fri 29: due 29 December; it escalates on Tuesday 2 January (Monday 1st is New Year's Day).
    alert = _raise(store, date(2023, 12, 22), working_days=3)
    assert alert.due_on == date(2023, 12, 29)
    assert [when for _, when in store.escalate_due(date(2024, 1, 2))] == [date(2024, 1, 2)]


def test_an_action_sets_the_deadline_and_the_top_of_the_chain_is_the_last_step(store):
    alert = _raise(store, date(2023, 8, 24))
    store.acknowledge(alert.alert_id, date(2023, 8, 24), "tm1")
    acted = store.record_action(alert.alert_id, date(2023, 8, 25), "tm1", "allocate to the new starter",
                                "tm1", date(2023, 9, 8))
    assert (acted.status, acted.due_on) == ("actioned", date(2023, 9, 8))
    assert store.escalate_due(date(2023, 9, 8)) == []
    # Not done by Fri 8 September: Mon 11th to the service manager; then up to the lead member, and no further.
    climbed = store.escalate_due(date(2023, 12, 29))
    assert [a.owner_role for a, _ in climbed] == list(CHAIN[1:])
    assert store.escalate_due(date(2024, 3, 1)) == []
    with pytest.raises(ValueError, match="needs a reason"):
        store.resolve(alert.alert_id, date(2024, 3, 1), " ")
    done = store.resolve(alert.alert_id, date(2024, 3, 1), "two agency workers started", "dcs")
    assert (done.status, done.resolved_on) == ("resolved", date(2024, 3, 1))
    assert [e.event for e in store.events(alert.alert_id)] == [
        "raised", "acknowledged", "action", "escalated", "escalated", "escalated", "escalated", "resolved"]
    with pytest.raises(ValueError, match="already resolved"):
        store.acknowledge(alert.alert_id, date(2024, 3, 2), "dcs")


def test_only_the_owner_or_a_role_above_it_answers(store):
    alert = _raise(store, date(2023, 8, 24))
    with pytest.raises(NotTheOwner, match="answered by team manager, service manager, head of service"):
        store.acknowledge(alert.alert_id, date(2023, 8, 24), "cm", roles=("performance_analyst",))
    # Due Fri 25 August, with the service manager from Tue 29th: the team manager may no longer answer it.
    store.escalate_due(date(2023, 8, 29))
    with pytest.raises(NotTheOwner, match="with the service manager"):
        store.resolve(alert.alert_id, date(2023, 8, 29), "allocated", "tm1", roles=("team_manager",))
    acked = store.acknowledge(alert.alert_id, date(2023, 8, 29), "hos", roles=("head_of_service",))
    assert acked.status == "acknowledged" and acked.owner_role == "service_manager"
    assert store.resolve(alert.alert_id, date(2023, 8, 30), "allocated", "admin").status == "resolved"


def test_a_flag_to_the_chief_operating_officer_is_not_closed_by_a_team_manager(store):
    flag = store.raise_alert(council="Testshire", kind="concern", rule="concerns_from_one_team", entity="team:A",
                             entity_name="Team A", title="3 staff concerns", severity="critical",
                             owner_role="chief_operating_officer", escalation=("chief_operating_officer",
                                                                               "lead_member"),
                             response_working_days=20, day=date(2023, 6, 26))
    for roles in (("team_manager",), ("service_manager", "head_of_service"), ("director",)):
        with pytest.raises(NotTheOwner):
            store.resolve(flag.alert_id, date(2023, 6, 27), "talked to the team", "x", roles=roles)
    assert store.get(flag.alert_id).is_open
    done = store.resolve(flag.alert_id, date(2023, 6, 27), "met the union", "coo", roles=("chief_operating_officer",))
    assert done.status == "resolved"
