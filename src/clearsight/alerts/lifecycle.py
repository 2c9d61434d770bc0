"""Evaluating the rules on a day and carrying each alert through its life; replaying history day by day.

On each evaluation day every active rule is read for every council, service, team or worker it watches: a
condition that holds raises an alert (with the figure, the records behind it and the snapshot) or keeps the open
one up to date; an open alert whose condition has not held for the rule's `clear_days` resolves itself
(hysteresis: a figure hovering at the line neither raises nor resolves it every day); and every open alert whose
deadline has passed climbs its escalation chain on the first working day after the deadline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb

from clearsight.alerts.registers import Entry, entries_of, record
from clearsight.alerts.rules import Reading, Readings, check_rules, evaluate_rule, evidence_records
from clearsight.alerts.store import _COLUMNS, Alert, AlertStore, Holding
from clearsight.config import CouncilConfig
from clearsight.config.alerts import AlertRule
from clearsight.store.database import create_alert_tables
from clearsight.store.snapshots import Snapshot
from clearsight.store.staging import scratch_connection


@dataclass
class RunResult:
    """What one evaluation day changed."""

    day: date
    raised: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    escalated: list[tuple[Alert, date]] = field(default_factory=list)
    holding: int = 0  # alerts whose condition still holds (updated, not raised again)


def _evidence(rule_name: str, rule: AlertRule, readings: Readings, day: date, reading: Reading) -> dict[str, object]:
    figure = readings.figure(rule.metric, rule.period_days, day)
    p = figure.provenance
    id_column, records = evidence_records(rule, readings, day, reading)
    return {
        "rule": rule_name, "kind": rule.condition.kind, "metric": rule.metric, "figure": figure.metric.title, "column": rule.column,
        "aggregate": rule.aggregate, "value": reading.value, "threshold": reading.limit, "compare": reading.compare,
        "as_at": day.isoformat(), "period_days": rule.period_days, "snapshot_id": p.snapshot_id,
        "extract_date": p.extract_date.isoformat(), "content_hash": p.content_hash, "confidence": p.confidence,
        "records": records, "record_column": id_column,
    }


def run_rules(store: AlertStore, readings: Readings, day: date) -> RunResult:
    """Evaluate every active rule on `day` and apply the outcome to the store; re-running the same day changes
    nothing (one condition, one alert)."""
    result = RunResult(day, escalated=store.escalate_due(day))
    council = readings.council
    open_alerts = store.open_conditions(council)
    raised: list[Alert] = []
    held: list[tuple[Holding, float | None, float | None]] = []
    for name, rule in readings.config.alerts.active.items():
        outcomes = evaluate_rule(rule, readings, day)
        for entity, (holds, reading) in outcomes.items():
            if not holds:
                continue
            if (name, entity) in open_alerts:
                held.append((open_alerts[(name, entity)], reading.value, reading.limit))
                continue
            raised.append(Alert(
                0, council, "rule", name, entity, reading.name, reading.team_id, reading.service, rule.title,
                rule.severity, "open", rule.owner_role, rule.escalation[rule.escalation.index(rule.owner_role):],
                rule.response_working_days, day, store.due_after(day, rule.response_working_days), day,
                reading.value, reading.limit, readings.snapshot.snapshot_id,
                _evidence(name, rule, readings, day, reading), {}, None, None,
            ))
        for (rule_name, entity), alert in open_alerts.items():
            if rule_name != name or outcomes.get(entity, (False, None))[0]:
                continue
            last = alert.last_held_on
            if last <= day and (day - last).days >= rule.clear_days:
                result.resolved.append(store.resolve(
                    alert.alert_id, day, f"condition clear since {last.isoformat()} ({rule.clear_days} days or "
                    "more): resolved automatically"))
    store.still_holds(day, held)
    result.holding = len(held)
    result.raised = store.raise_alerts(raised) if raised else []
    return result


def run(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, config: CouncilConfig, day: date | None = None) -> RunResult:
    """`clearsight alerts run` and the evaluation after each load: the rules on one snapshot as at `day` (default
    its extract date), written to the council's alert tables."""
    check_rules(config)
    store = AlertStore(con, config)
    con.execute("BEGIN")
    try:
        day = day or snapshot.extract_date
        # Today's figures, and the earlier readings of only the sustained conditions holding today.
        result = run_rules(store, Readings(con, snapshot, config), day)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return result


def evaluate_loads(con: duckdb.DuckDBPyConnection, config: CouncilConfig, snapshot_ids: list[int]) -> list[str]:
    """The evaluation after a load (the CLI's, a server's upload, inbox folder or hand-over): the rules on each
    snapshot it made, as at its extract date, once the load has committed. The load stands whatever the rules
    say: a rule that cannot be read is reported in the lines returned, not raised."""
    from clearsight.alerts.rules import RuleError
    from clearsight.store.snapshots import get_snapshot

    lines = []
    for snapshot_id in snapshot_ids:
        snap = get_snapshot(con, snapshot_id)
        try:
            result = run(con, snap, config)
        except RuleError as exc:
            return [*lines, f"Alerts not evaluated: {exc}"]
        lines.append(f"Alerts for {snap.council} on {snap.extract_date}: {len(result.raised)} raised, "
                     f"{len(result.escalated)} escalated, {len(result.resolved)} resolved, {result.holding} still "
                     "holding (`clearsight alerts` lists them).")
    return lines


@dataclass
class Replay:
    """A replay's outcome: every alert it raised, with its history, in a scratch store."""

    store: AlertStore
    start: date
    end: date
    step: int
    readings: int  # figures computed

    def timeline(self) -> list[tuple[date, str, Alert]]:
        """(day, event, alert) for every raise, escalation and resolution, in date order."""
        alerts = {a.alert_id: a for a in self.store.alerts()}
        return [(e.day, e.event if e.event != "escalated" else f"escalated to {e.role}", alerts[e.alert_id])
                for e in self.store.events()]


def replay(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, config: CouncilConfig, start: date, end: date,
    step: int | None = None, progress: Callable[[str, int, int], None] | None = None,
    entries: list[Entry] | None = None,
) -> Replay:
    """Replay the rules over history as if run each day from `start` to `end`: deadlines and escalation move on
    every day, the rules are read every `step` days back from `end` (default `alerts.reading_days`; 1 reads them
    daily), each figure on all those days in one query (`Readings.prefetch`), and the register entries (default:
    those the council's database holds) are entered on their days and closed on theirs. Writes nothing to the
    council's database: the alerts live in a scratch store."""
    if start > end:
        raise ValueError(f"the replay starts {start}, after it ends {end}")
    check_rules(config)
    step = step or config.alerts.reading_days
    scratch = scratch_connection()  # no extension, no file: it holds the replay's alerts and nothing else
    create_alert_tables(scratch)
    store = AlertStore(scratch, config)
    readings = Readings(con, snapshot, config)
    readings.prefetch(config.alerts.active.values(), end - timedelta(days=(end - start).days // step * step), end,
                      step)
    look_back = max((getattr(r.condition, "days", 0) for r in config.alerts.active.values()), default=0)
    council = readings.council
    if entries is None:
        entries = entries_of(AlertStore(con, config), council)
    waiting = sorted(entries, key=lambda e: e.raised_on)
    closing: dict[date, list[int]] = {}
    day, days = start, (end - start).days + 1
    while day <= end:
        while waiting and waiting[0].raised_on <= day:
            entry = waiting.pop(0)
            first = record(store, council, dataclasses.replace(entry, closed_on=None))[0]
            if entry.closed_on is not None:
                closing.setdefault(max(entry.closed_on, day), []).append(first.alert_id)
        for alert_id in closing.pop(day, []):
            store.resolve(alert_id, day, "closed")
        if (end - day).days % step == 0:
            run_rules(store, readings, day)
            readings.forget_before(day - timedelta(days=look_back))
        else:
            store.escalate_due(day)
        if progress:
            progress(day.isoformat(), (day - start).days + 1, days)
        day += timedelta(days=1)
    return Replay(store, start, end, step, readings.computed)


_EVENT_COLUMNS = ("alert_id", "seq", "event_day", "recorded_at", "event", "role", "by_user", "note", "due_on",
                  "delivered")


def keep(con: duckdb.DuckDBPyConnection, council: str, result: Replay) -> int:
    """Make a replay's alerts and their history the council's own, replacing those it had: for a council starting
    Clearsight on past records, so that its packs for past months show what was open and escalated then (the
    replay re-enters the council's register entries). Returns the number of alerts kept."""
    alerts = result.store.con.execute(f"SELECT {', '.join(_COLUMNS)} FROM alert WHERE council = ? ORDER BY alert_id",
                                      [council]).fetchall()
    events = result.store.con.execute(
        f"SELECT {', '.join('e.' + c for c in _EVENT_COLUMNS)} FROM alert_event e JOIN alert a "
        "ON a.alert_id = e.alert_id WHERE a.council = ? ORDER BY e.alert_id, e.seq", [council]).fetchall()
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM alert_event WHERE alert_id IN (SELECT alert_id FROM alert WHERE council = ?)",
                    [council])
        con.execute("DELETE FROM alert WHERE council = ?", [council])
        offset = con.execute("SELECT coalesce(max(alert_id), 0) FROM alert").fetchone()[0]  # type: ignore[index]
        for row in alerts:
            con.execute(f"INSERT INTO alert ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                        [row[0] + offset, *row[1:]])
        for row in events:
            con.execute(f"INSERT INTO alert_event ({', '.join(_EVENT_COLUMNS)}) VALUES "
                        f"({', '.join('?' * len(_EVENT_COLUMNS))})", [row[0] + offset, *row[1:]])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return len(alerts)
