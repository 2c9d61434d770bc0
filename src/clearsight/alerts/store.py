"""Alerts in the store: raised with their evidence, acknowledged, actions recorded, escalated, resolved.

One condition is one alert: while a rule's condition holds for a council, service, team or worker, the open alert
is updated (its figure and the last day the condition held), never raised again; once resolved, the condition
holding again raises a new one. Every change is an event in `alert_event`, the alert's full history, which the
delivery adapters send (and mark delivered). Register entries (staff concerns, scrutiny requests, service
changes) are alerts of their own kind, so they share owners, deadlines, escalation and delivery.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from clearsight.canonical.calendar import WorkingCalendar, add_working_days, working_calendar
from clearsight.config import CouncilConfig

OPEN_STATUSES = ("open", "acknowledged", "actioned")
STATUS_WORDS = {"open": "open, not yet acknowledged", "acknowledged": "acknowledged", "actioned": "action recorded",
                "resolved": "resolved"}
_COLUMNS = (
    "alert_id", "council", "kind", "rule", "entity", "entity_name", "team_id", "service", "title", "severity",
    "status", "owner_role", "escalation", "response_working_days", "raised_on", "due_on", "last_held_on", "value",
    "threshold", "snapshot_id", "evidence", "detail", "resolved_on", "resolution",
)


@dataclass(frozen=True)
class Alert:
    alert_id: int
    council: str
    kind: str  # "rule", or a register: "concern", "scrutiny", "change"
    rule: str
    entity: str
    entity_name: str
    team_id: str | None
    service: str | None
    title: str
    severity: str
    status: str
    owner_role: str
    escalation: tuple[str, ...]
    response_working_days: int
    raised_on: date
    due_on: date
    last_held_on: date
    value: float | None
    threshold: float | None
    snapshot_id: int | None
    evidence: dict[str, Any]
    detail: dict[str, Any]
    resolved_on: date | None
    resolution: str | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def records(self) -> list[str]:
        return list(self.evidence.get("records", []))

    def next_role(self) -> str | None:
        chain = self.escalation
        i = chain.index(self.owner_role) if self.owner_role in chain else -1
        return chain[i + 1] if i + 1 < len(chain) else None


@dataclass(frozen=True)
class Event:
    alert_id: int
    seq: int
    day: date
    event: str  # raised, acknowledged, action, escalated, resolved
    role: str | None
    by_user: str | None
    note: str | None
    due_on: date | None
    delivered: bool


def _row_alert(row: tuple[Any, ...]) -> Alert:
    d = dict(zip(_COLUMNS, row))
    d["escalation"] = tuple(d["escalation"].split(","))
    d["evidence"] = json.loads(d["evidence"])
    d["detail"] = json.loads(d["detail"])
    return Alert(**d)


class AlertStore:
    """The alert tables behind one connection (the council's database, or a scratch one for a replay)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, config: CouncilConfig) -> None:
        self.con = con
        self.config = config
        c = config.calendar
        self.calendar: WorkingCalendar = working_calendar(c.closure_days, c.country, c.subdivision)

    # Reading ------------------------------------------------------------------------------------------------
    def alerts(self, *, open_only: bool = False, kind: str | None = None, council: str | None = None) -> list[Alert]:
        where, params = [], []
        if open_only:
            where.append(f"status IN ({', '.join('?' * len(OPEN_STATUSES))})")
            params += list(OPEN_STATUSES)
        if kind:
            where.append("kind = ?")
            params.append(kind)
        if council:
            where.append("council = ?")
            params.append(council)
        sql = f"SELECT {', '.join(_COLUMNS)} FROM alert" + (f" WHERE {' AND '.join(where)}" if where else "")
        return [_row_alert(r) for r in self.con.execute(sql + " ORDER BY alert_id", params).fetchall()]

    def get(self, alert_id: int) -> Alert:
        row = self.con.execute(f"SELECT {', '.join(_COLUMNS)} FROM alert WHERE alert_id = ?", [alert_id]).fetchone()
        if row is None:
            raise LookupError(f"no alert {alert_id}")
        return _row_alert(row)

    def open_alert(self, council: str, rule: str, entity: str) -> Alert | None:
        """The unresolved alert for this condition, if any (one condition, one alert)."""
        found = [a for a in self.alerts(open_only=True, council=council) if a.rule == rule and a.entity == entity]
        return found[0] if found else None

    def events(self, alert_id: int | None = None, *, undelivered: bool = False) -> list[Event]:
        where, params = [], []
        if alert_id is not None:
            where.append("alert_id = ?")
            params.append(alert_id)
        if undelivered:
            where.append("NOT delivered")
        sql = ("SELECT alert_id, seq, event_day, event, role, by_user, note, due_on, delivered FROM alert_event"
               + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY event_day, alert_id, seq")
        return [Event(*r) for r in self.con.execute(sql, params).fetchall()]

    # Writing ------------------------------------------------------------------------------------------------
    def _event(self, alert_id: int, day: date, event: str, role: str | None = None, by_user: str | None = None,
               note: str | None = None, due_on: date | None = None) -> None:
        seq = self.con.execute("SELECT coalesce(max(seq), 0) + 1 FROM alert_event WHERE alert_id = ?",
                               [alert_id]).fetchone()[0]  # type: ignore[index]
        self.con.execute("INSERT INTO alert_event VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [alert_id, seq, day, datetime.now(), event, role, by_user, note, due_on, False])

    def due_after(self, day: date, working_days: int) -> date:
        return add_working_days(day, working_days, self.config.calendar.closure_days)

    def raise_alert(
        self, *, council: str, kind: str, rule: str, entity: str, entity_name: str, title: str, severity: str,
        owner_role: str, escalation: tuple[str, ...], response_working_days: int, day: date,
        team_id: str | None = None, service: str | None = None, value: float | None = None,
        threshold: float | None = None, snapshot_id: int | None = None, evidence: dict[str, Any] | None = None,
        detail: dict[str, Any] | None = None, due_on: date | None = None, note: str | None = None,
        by_user: str | None = None,
    ) -> Alert:
        alert_id = self.con.execute("SELECT coalesce(max(alert_id), 0) + 1 FROM alert").fetchone()[0]  # type: ignore[index]
        due = due_on or self.due_after(day, response_working_days)
        self.con.execute(
            f"INSERT INTO alert ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
            [alert_id, council, kind, rule, entity, entity_name, team_id, service, title, severity, "open",
             owner_role, ",".join(escalation), response_working_days, day, due, day, value, threshold, snapshot_id,
             json.dumps(evidence or {}, default=str), json.dumps(detail or {}, default=str), None, None],
        )
        self._event(alert_id, day, "raised", owner_role, by_user, note, due)
        return self.get(alert_id)

    def still_holds(self, alert: Alert, day: date, value: float | None, threshold: float | None,
                    evidence: dict[str, Any] | None = None) -> None:
        """The condition holds again on `day`: the figure is brought up to date; no new alert, no event."""
        if day < alert.last_held_on:
            return
        sets, params = "last_held_on = ?, value = ?, threshold = ?", [day, value, threshold]
        if evidence is not None:
            sets += ", evidence = ?"
            params.append(json.dumps(evidence, default=str))
        self.con.execute(f"UPDATE alert SET {sets} WHERE alert_id = ?", [*params, alert.alert_id])

    def acknowledge(self, alert_id: int, day: date, by_user: str, note: str | None = None) -> Alert:
        alert = self._open(alert_id)
        if alert.status == "open":
            self.con.execute("UPDATE alert SET status = 'acknowledged' WHERE alert_id = ?", [alert_id])
        self._event(alert_id, day, "acknowledged", alert.owner_role, by_user, note)
        return self.get(alert_id)

    def record_action(self, alert_id: int, day: date, by_user: str, text: str, owner: str, due_on: date) -> Alert:
        """An action (what, whose, by when): the alert's deadline becomes the action's, so it escalates only if
        that passes with the alert still open."""
        alert = self._open(alert_id)
        if due_on < day:
            raise ValueError(f"the action's due date {due_on} is before {day}")
        self.con.execute("UPDATE alert SET status = 'actioned', due_on = ? WHERE alert_id = ?", [due_on, alert_id])
        self._event(alert_id, day, "action", alert.owner_role, by_user, f"{text} (owner: {owner})", due_on)
        return self.get(alert_id)

    def resolve(self, alert_id: int, day: date, reason: str, by_user: str | None = None) -> Alert:
        alert = self._open(alert_id)
        if not reason.strip():
            raise ValueError("a resolution needs a reason")
        self.con.execute("UPDATE alert SET status = 'resolved', resolved_on = ?, resolution = ? WHERE alert_id = ?",
                         [day, reason, alert_id])
        self._event(alert_id, day, "resolved", alert.owner_role, by_user, reason)
        return self.get(alert_id)

    def _open(self, alert_id: int) -> Alert:
        alert = self.get(alert_id)
        if not alert.is_open:
            raise ValueError(f"alert {alert_id} is already resolved ({alert.resolution})")
        return alert

    def escalate_due(self, day: date) -> list[tuple[Alert, date]]:
        """Climb the chain for every open alert whose deadline has passed by `day`: on the first working day
        after the deadline it goes to the next role with a new deadline, as many times as the days allow (a run
        after a gap catches up with what a daily run would have done). Returns (alert, day escalated)."""
        climbed = []
        for alert in self.alerts(open_only=True):
            while (role := alert.next_role()) is not None:
                when = self._first_working_day_after(alert.due_on)
                if when > day:
                    break
                due = self.due_after(when, alert.response_working_days)
                self.con.execute("UPDATE alert SET owner_role = ?, due_on = ? WHERE alert_id = ?",
                                 [role, due, alert.alert_id])
                self._event(alert.alert_id, when, "escalated", role, None,
                            f"not answered by {alert.due_on.isoformat()}", due)
                alert = self.get(alert.alert_id)
                climbed.append((alert, when))
        return climbed

    def _first_working_day_after(self, day: date) -> date:
        d = day + timedelta(days=1)
        while not self.calendar.working(d):
            d += timedelta(days=1)
        return d

    def mark_delivered(self, events: list[Event]) -> None:
        for e in events:
            self.con.execute("UPDATE alert_event SET delivered = TRUE WHERE alert_id = ? AND seq = ?",
                             [e.alert_id, e.seq])
