"""Alerts in the store: raised with their evidence, acknowledged, actions recorded, escalated, resolved.

One condition is one alert: while a rule's condition holds for a council, service, team or worker, the open alert
is updated (its figure and the last day the condition held), never raised again; once resolved, the condition
holding again raises a new one. Every change is an event in `alert_event`, the alert's full history, which the
delivery adapters send (and mark delivered). Register entries (staff concerns, scrutiny requests, service
changes) are alerts of their own kind, so they share owners, deadlines, escalation and delivery.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from clearsight.canonical.calendar import WorkingCalendar, working_calendar
from clearsight.config import CouncilConfig
from clearsight.store.database import is_postgres, sql_literal

_BATCH = 500  # rows per multi-row statement
OPEN_STATUSES = ("open", "acknowledged", "actioned")
STATUS_WORDS = {"open": "open, not yet acknowledged", "acknowledged": "acknowledged", "actioned": "action recorded",
                "resolved": "resolved"}
_COLUMNS = (
    "alert_id", "council", "kind", "rule", "entity", "entity_name", "team_id", "service", "title", "severity",
    "status", "owner_role", "escalation", "response_working_days", "raised_on", "due_on", "last_held_on", "value",
    "threshold", "snapshot_id", "evidence", "detail", "resolved_on", "resolution",
)


class NotTheOwner(PermissionError):
    """An answer from someone whose role is neither the alert's owner's nor one above it in its chain."""


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

    def answerers(self) -> tuple[str, ...]:
        """The roles that may answer it now: its owner's and those above it in its chain (an alert with the
        chief operating officer is not closed by the team manager it is about)."""
        chain = self.escalation
        return chain[chain.index(self.owner_role):] if self.owner_role in chain else (self.owner_role, *chain)

    def next_role(self) -> str | None:
        chain = self.escalation
        i = chain.index(self.owner_role) if self.owner_role in chain else -1
        return chain[i + 1] if i + 1 < len(chain) else None


@dataclass(frozen=True)
class Holding:
    """An open rule alert as an evaluation reads it: which, the last day its condition held, its figure and line."""

    alert_id: int
    last_held_on: date
    value: float | None
    threshold: float | None


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

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run `sql` with its `?`s bound: on DuckDB written in as typed literals (`sql_literal`: DuckDB's own
        binding imports pandas, most of a second of a command evaluating the rules), on PostgreSQL by its driver.
        The statements here hold no `?` but their placeholders."""
        if not params or is_postgres(self.con):
            return self.con.execute(sql, list(params)) if params else self.con.execute(sql)
        parts = sql.split("?")
        if len(parts) != len(params) + 1:
            raise ValueError(f"{len(parts) - 1} placeholders for {len(params)} values")
        return self.con.execute("".join(p + sql_literal(v) for p, v in zip(parts, params)) + parts[-1])

    # Reading ------------------------------------------------------------------------------------------------
    def alerts(self, *, open_only: bool = False, kind: str | None = None, council: str | None = None,
               due_before: date | None = None) -> list[Alert]:
        where, params = [], []
        if open_only:
            where.append(f"status IN ({', '.join('?' * len(OPEN_STATUSES))})")
            params += list(OPEN_STATUSES)
        if due_before:  # open past its deadline with a role above its owner's
            where.append("due_on < ? AND NOT (escalation = owner_role OR escalation LIKE '%,' || owner_role)")
            params.append(due_before)
        if kind:
            where.append("kind = ?")
            params.append(kind)
        if council:
            where.append("council = ?")
            params.append(council)
        sql = f"SELECT {', '.join(_COLUMNS)} FROM alert" + (f" WHERE {' AND '.join(where)}" if where else "")
        return [_row_alert(r) for r in self._execute(sql + " ORDER BY alert_id", params).fetchall()]

    def get(self, alert_id: int) -> Alert:
        row = self._execute(f"SELECT {', '.join(_COLUMNS)} FROM alert WHERE alert_id = ?", [alert_id]).fetchone()
        if row is None:
            raise LookupError(f"no alert {alert_id}")
        return _row_alert(row)

    def open_conditions(self, council: str) -> dict[tuple[str, str], Holding]:
        """(rule, entity) -> its open alert as an evaluation needs it, for the council's open rule alerts (one
        condition, one alert), without reading each alert's evidence."""
        rows = self._execute(f"SELECT rule, entity, alert_id, last_held_on, value, threshold FROM alert WHERE "
                             f"council = ? AND kind = 'rule' AND status IN ({', '.join('?' * len(OPEN_STATUSES))})",
                             [council, *OPEN_STATUSES]).fetchall()
        return {(rule, entity): Holding(int(alert_id), *rest) for rule, entity, alert_id, *rest in rows}

    def events(self, alert_id: int | None = None, *, undelivered: bool = False) -> list[Event]:
        where, params = [], []
        if alert_id is not None:
            where.append("alert_id = ?")
            params.append(alert_id)
        if undelivered:
            where.append("NOT delivered")
        sql = ("SELECT alert_id, seq, event_day, event, role, by_user, note, due_on, delivered FROM alert_event"
               + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY event_day, alert_id, seq")
        return [Event(*r) for r in self._execute(sql, params).fetchall()]

    # Writing ------------------------------------------------------------------------------------------------
    def _event(self, alert_id: int, day: date, event: str, role: str | None = None, by_user: str | None = None,
               note: str | None = None, due_on: date | None = None) -> None:
        self._insert("alert_event", 10, [[alert_id, self._next_seqs([alert_id])[alert_id], day, datetime.now(), event,
                                          role, by_user, note, due_on, False]])

    def due_after(self, day: date, working_days: int) -> date:
        """`working_days` working days after `day` (the first working day after a weekend or holiday is one)."""
        return self.calendar.day_numbered(self.calendar.number(day) + working_days) if working_days else day

    def raise_alert(
        self, *, council: str, kind: str, rule: str, entity: str, entity_name: str, title: str, severity: str,
        owner_role: str, escalation: tuple[str, ...], response_working_days: int, day: date,
        team_id: str | None = None, service: str | None = None, value: float | None = None,
        threshold: float | None = None, snapshot_id: int | None = None, evidence: dict[str, Any] | None = None,
        detail: dict[str, Any] | None = None, due_on: date | None = None, note: str | None = None,
        by_user: str | None = None,
    ) -> Alert:
        alert = Alert(0, council, kind, rule, entity, entity_name, team_id, service, title, severity, "open",
                      owner_role, tuple(escalation), response_working_days, day,
                      due_on or self.due_after(day, response_working_days), day, value, threshold, snapshot_id,
                      evidence or {}, detail or {}, None, None)
        return self.raise_alerts([alert], note=note, by_user=by_user)[0]

    def raise_alerts(self, alerts: list[Alert], *, note: str | None = None,
                     by_user: str | None = None) -> list[Alert]:
        """Write new alerts (their ids given here, in order) and their 'raised' events, a few statements for
        any number of them: an evaluation after a load at scale 10 raises hundreds."""
        first = self._execute("SELECT coalesce(max(alert_id), 0) + 1 FROM alert").fetchone()[0]  # type: ignore[index]
        alerts = [dataclasses.replace(a, alert_id=first + i) for i, a in enumerate(alerts)]
        now = datetime.now()
        self._insert("alert", len(_COLUMNS), [
            [a.alert_id, a.council, a.kind, a.rule, a.entity, a.entity_name, a.team_id, a.service, a.title,
             a.severity, a.status, a.owner_role, ",".join(a.escalation), a.response_working_days, a.raised_on,
             a.due_on, a.last_held_on, a.value, a.threshold, a.snapshot_id, json.dumps(a.evidence, default=str),
             json.dumps(a.detail, default=str), None, None] for a in alerts])
        self._insert("alert_event", 10, [[a.alert_id, 1, a.raised_on, now, "raised", a.owner_role, by_user, note,
                                          a.due_on, False] for a in alerts])
        return alerts

    def _insert(self, table: str, width: int, rows: list[list[Any]]) -> None:
        """Rows in one INSERT per `_BATCH` (portable multi-row VALUES: one statement each way is a hundred
        times faster than one per row)."""
        for i in range(0, len(rows), _BATCH):
            batch = rows[i:i + _BATCH]
            values = ", ".join(["(" + ", ".join("?" * width) + ")"] * len(batch))
            self._execute(f"INSERT INTO {table} VALUES {values}", [v for row in batch for v in row])

    def still_holds(self, day: date, held: list[tuple[Holding, float | None, float | None]]) -> None:
        """Conditions holding again on `day`, each with its figure and line now: the last day each held is brought
        up to date, and the figure and line where they moved (no new alert, no event; a daily replay does this
        for every open alert every day, so the day is one statement); a day before the one recorded changes
        nothing."""
        later = [h for h, _, _ in held if day > h.last_held_on]
        for i in range(0, len(later), _BATCH):
            batch = later[i:i + _BATCH]
            self._execute(f"UPDATE alert SET last_held_on = ? WHERE alert_id IN ({', '.join('?' * len(batch))})",
                          [day, *(h.alert_id for h in batch)])
        self._update((("value", "DOUBLE"), ("threshold", "DOUBLE")),
                     [(h.alert_id, value, threshold) for h, value, threshold in held
                      if day >= h.last_held_on and (value, threshold) != (h.value, h.threshold)])

    def _update(self, columns: tuple[tuple[str, str], ...], rows: list[tuple[Any, ...]]) -> None:
        """Set `columns` (name, SQL type) of many alerts, rows of (alert_id, *values), in one UPDATE per
        `_BATCH` (portable: UPDATE ... FROM VALUES, each value cast to its type)."""
        row = "(CAST(? AS BIGINT), " + ", ".join(f"CAST(? AS {t})" for _, t in columns) + ")"
        names = ", ".join(c for c, _ in columns)
        sets = ", ".join(f"{c} = changed.{c}" for c, _ in columns)
        for i in range(0, len(rows), _BATCH):
            batch = rows[i:i + _BATCH]
            self._execute(f"UPDATE alert SET {sets} FROM (VALUES {', '.join([row] * len(batch))}) "
                             f"AS changed(alert_id, {names}) WHERE alert.alert_id = changed.alert_id",
                             [v for r in batch for v in r])

    # Answering: `roles` are the answerer's roles in the alerts' chains (None: Clearsight itself, a register's
    # closing date, or an administrator), checked against the alert's owner (NotTheOwner).
    def acknowledge(self, alert_id: int, day: date, by_user: str, note: str | None = None, *,
                    roles: Collection[str] | None = None) -> Alert:
        alert = self._open(alert_id, roles)
        if alert.status == "open":
            self._execute("UPDATE alert SET status = 'acknowledged' WHERE alert_id = ?", [alert_id])
        self._event(alert_id, day, "acknowledged", alert.owner_role, by_user, note)
        return self.get(alert_id)

    def record_action(self, alert_id: int, day: date, by_user: str, text: str, owner: str, due_on: date, *,
                      roles: Collection[str] | None = None) -> Alert:
        """An action (what, whose, by when): the alert's deadline becomes the action's, so it escalates only if
        that passes with the alert still open."""
        alert = self._open(alert_id, roles)
        if due_on < day:
            raise ValueError(f"the action's due date {due_on} is before {day}")
        self._execute("UPDATE alert SET status = 'actioned', due_on = ? WHERE alert_id = ?", [due_on, alert_id])
        self._event(alert_id, day, "action", alert.owner_role, by_user, f"{text} (owner: {owner})", due_on)
        return self.get(alert_id)

    def resolve(self, alert_id: int, day: date, reason: str, by_user: str | None = None, *,
                roles: Collection[str] | None = None) -> Alert:
        alert = self._open(alert_id, roles)
        if not reason.strip():
            raise ValueError("a resolution needs a reason")
        self._execute("UPDATE alert SET status = 'resolved', resolved_on = ?, resolution = ? WHERE alert_id = ?",
                         [day, reason, alert_id])
        self._event(alert_id, day, "resolved", alert.owner_role, by_user, reason)
        return self.get(alert_id)

    def _open(self, alert_id: int, roles: Collection[str] | None = None) -> Alert:
        alert = self.get(alert_id)
        if not alert.is_open:
            raise ValueError(f"alert {alert_id} is already resolved ({alert.resolution})")
        if roles is not None and not set(roles) & set(alert.answerers()):
            raise NotTheOwner(f"alert {alert_id} is with the {alert.owner_role.replace('_', ' ')}: it is answered by "
                              f"{', '.join(r.replace('_', ' ') for r in alert.answerers())} or an administrator")
        return alert

    def escalate_due(self, day: date) -> list[tuple[Alert, date]]:
        """Climb the chain for every open alert whose deadline has passed by `day`: on the first working day
        after the deadline it goes to the next role with a new deadline, as many times as the days allow (a run
        after a gap catches up with what a daily run would have done). Returns (alert, day escalated)."""
        climbed: list[tuple[Alert, date, date]] = []  # (alert after the step, day, deadline missed)
        for alert in self.alerts(open_only=True, due_before=day):
            while (role := alert.next_role()) is not None:
                when = self._first_working_day_after(alert.due_on)
                if when > day:
                    break
                missed, alert = alert.due_on, dataclasses.replace(
                    alert, owner_role=role, due_on=self.due_after(when, alert.response_working_days))
                climbed.append((alert, when, missed))
        if not climbed:
            return []
        seqs = self._next_seqs(sorted({a.alert_id for a, _, _ in climbed}))
        now, events, last = datetime.now(), [], {}
        for alert, when, missed in climbed:
            events.append([alert.alert_id, seqs[alert.alert_id], when, now, "escalated", alert.owner_role, None,
                           f"not answered by {missed.isoformat()}", alert.due_on, False])
            seqs[alert.alert_id] += 1
            last[alert.alert_id] = (alert.alert_id, alert.owner_role, alert.due_on)
        self._update((("owner_role", "TEXT"), ("due_on", "DATE")), list(last.values()))
        self._insert("alert_event", 10, events)
        return [(alert, when) for alert, when, _ in climbed]

    def _next_seqs(self, alert_ids: list[int]) -> dict[int, int]:
        """The next event number of each alert."""
        seqs = dict.fromkeys(alert_ids, 1)
        for i in range(0, len(alert_ids), _BATCH):
            batch = alert_ids[i:i + _BATCH]
            rows = self._execute(f"SELECT alert_id, max(seq) + 1 FROM alert_event WHERE alert_id IN "
                                    f"({', '.join('?' * len(batch))}) GROUP BY alert_id", batch).fetchall()
            seqs.update({int(a): int(n) for a, n in rows})
        return seqs

    def _first_working_day_after(self, day: date) -> date:
        d = day + timedelta(days=1)
        while not self.calendar.working(d):
            d += timedelta(days=1)
        return d

    def mark_delivered(self, events: list[Event]) -> None:
        for e in events:
            self._execute("UPDATE alert_event SET delivered = TRUE WHERE alert_id = ? AND seq = ?",
                             [e.alert_id, e.seq])
