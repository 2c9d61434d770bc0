"""`alerts replay --save`: a replay's alerts and their history become the council's own, replacing its alerts
and leaving other councils' alone."""

from __future__ import annotations

from datetime import date

import duckdb

from clearsight.alerts.lifecycle import Replay, keep
from clearsight.alerts.store import AlertStore
from clearsight.config import CouncilConfig
from clearsight.store.database import create_alert_tables

CHAIN = ("team_manager", "service_manager")


def _store() -> AlertStore:
    con = duckdb.connect()
    create_alert_tables(con)
    return AlertStore(con, CouncilConfig())


def _raise(store: AlertStore, council: str, title: str, day: date):
    return store.raise_alert(council=council, kind="rule", rule="r", entity="team:A", entity_name="Team A",
                             title=title, severity="high", owner_role=CHAIN[0], escalation=CHAIN,
                             response_working_days=1, day=day)


def test_a_kept_replay_replaces_the_councils_alerts_with_their_history():
    council = _store()
    _raise(council, "Testshire", "Raised by today's run", date(2025, 3, 31))
    other = _raise(council, "Elsewhere", "Another council's", date(2025, 3, 31))
    scratch = _store()
    replayed = _raise(scratch, "Testshire", "Raised in the replay", date(2023, 8, 24))
    scratch.escalate_due(date(2023, 8, 29))  # due Fri 25 Aug; Mon 28th a bank holiday: escalated Tue 29th
    assert keep(council.con, "Testshire", Replay(scratch, date(2023, 8, 1), date(2023, 8, 31), 7, 0)) == 1
    mine = council.alerts(council="Testshire")
    assert [(a.title, a.owner_role, a.raised_on) for a in mine] == [
        ("Raised in the replay", "service_manager", date(2023, 8, 24))]
    assert mine[0].alert_id == other.alert_id + replayed.alert_id  # numbered after the alerts kept
    assert [(e.event, e.role, e.day) for e in council.events(mine[0].alert_id)] == [
        ("raised", "team_manager", date(2023, 8, 24)), ("escalated", "service_manager", date(2023, 8, 29))]
    assert [a.title for a in council.alerts(council="Elsewhere")] == ["Another council's"]
