"""Reading a rule's figure for each council, service, team or worker, and deciding whether its condition holds.

A rule reads one registered metric (the same figure every view shows: no second definition), on the day and,
for a condition that looks back, on earlier days `alerts.reading_days` apart. Readings are kept per (metric,
period, day) in a `Readings` object, so rules sharing a metric, and a replay's consecutive days, run each query
once.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb

from clearsight.config import CouncilConfig
from clearsight.config.alerts import AlertRule, RateOfChange, Sustained
from clearsight.metrics.figures import Figure, compute, compute_days
from clearsight.metrics.kpi import KPIS
from clearsight.metrics.registry import get_metric
from clearsight.store.snapshots import Snapshot

COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
}
# The column naming each scope's rows, and the one naming them in words.
ENTITY_KEYS = {"service": ("service", "service"), "team": ("team_id", "team"), "worker": ("worker_id", "worker")}
# Columns that identify the record a list row is about (the evidence linked from an alert), in order of preference.
RECORD_IDS = ("child_id", "worker_id", "audit_id", "episode_id", "assessment_id")
GRADES = "ABCD"
MAX_EVIDENCE_RECORDS = 50


class RuleError(ValueError):
    """A rule names a metric or column that does not exist; the message names the rule and the field."""


@dataclass(frozen=True)
class Reading:
    """A rule's figure for one council, service, team or worker on one day."""

    entity: str  # "council", "service:cin", "team:T01", "worker:W7"
    name: str  # in words: the council's, service's, team's or worker's name
    value: float | None
    limit: float | None  # the threshold (a number or the row's own, e.g. its role's standard)
    compare: float | None = None  # a discrepancy's other figure
    service: str | None = None
    team_id: str | None = None


@dataclass
class Readings:
    """Figures read for rules on one snapshot, kept per (metric, period, day) so each query runs once, and each
    rule's readings and evidence per day, so a replay's look-backs group a figure's rows once."""

    con: duckdb.DuckDBPyConnection
    snapshot: Snapshot
    config: CouncilConfig
    figures: dict[tuple[str, int | None, date], Figure] = field(default_factory=dict)
    _records: dict[tuple[str, int | None, date], list[dict[str, Any]]] = field(default_factory=dict)
    # Keyed by the rule object's id: the rules are the config's, which outlives this object.
    _readings: dict[tuple[int, date], dict[str, Reading]] = field(default_factory=dict)
    _evidence: dict[tuple[int, date], dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    computed: int = 0  # figures read (a metric on one day)

    @property
    def council(self) -> str:
        return self.config.council_name or self.snapshot.council

    def prefetch(self, rules: Iterable[AlertRule], start: date, end: date, step: int) -> None:
        """Read, in one query per figure, every day from `start` to `end` that evaluating `rules` every `step`
        days will ask for: the days themselves and the readings their conditions look back to. The days form
        a grid from `start` whose spacing divides the step, `reading_days` and every look-back, so every look-back
        lands on it; a day off it (a replay's last) is read on its own when asked."""
        spacing: dict[tuple[str, int | None], int] = {}
        back: dict[tuple[str, int | None], int] = {}
        for rule in rules:
            key, c = (rule.metric, rule.period_days), rule.condition
            looks = ((c.days, self.config.alerts.reading_days) if isinstance(c, Sustained)
                     else (c.days,) if isinstance(c, RateOfChange) else (0,))
            spacing[key] = math.gcd(spacing.get(key, step), step, *looks)
            back[key] = max(back.get(key, 0), looks[0])
        for (metric, period_days), grid in spacing.items():
            first = start - timedelta(days=-(-back[(metric, period_days)] // grid) * grid)
            self._read_days(metric, period_days, first, end, grid)

    def look_back(self, rule: AlertRule, days: list[date]) -> None:
        """Read the days of `days` not read yet in one query (a sustained condition holding today, in a run that
        read only today: the look-backs of the rules that hold, not of every rule)."""
        missing = sorted({d for d in days if (rule.metric, rule.period_days, d) not in self.figures})
        if len(missing) > 1:
            grid = functools.reduce(math.gcd, [(b - a).days for a, b in zip(missing, missing[1:])])
            self._read_days(rule.metric, rule.period_days, missing[0], missing[-1], grid)

    def _read_days(self, metric: str, period_days: int | None, first: date, end: date, step: int) -> None:
        for day, figure in compute_days(self.con, self.snapshot, metric, first, end, step,
                                        period_days=period_days, config=self.config).items():
            if (metric, period_days, day) not in self.figures:
                self.figures[(metric, period_days, day)] = figure
                self.computed += 1

    def figure(self, metric: str, period_days: int | None, day: date) -> Figure:
        key = (metric, period_days, day)
        if key not in self.figures:
            start = day - timedelta(days=period_days - 1) if period_days else None
            self.figures[key] = compute(self.con, self.snapshot, metric, day, self.config, period_start=start)
            self.computed += 1
        return self.figures[key]

    def forget_before(self, day: date) -> None:
        """Drop what was read for days before `day` (a replay past the look-backs that need them)."""
        for kept in (self.figures, self._records):
            for key in [k for k in kept if k[2] < day]:
                del kept[key]
        for by_rule in (self._readings, self._evidence):
            for key in [k for k in by_rule if k[1] < day]:
                del by_rule[key]

    def records(self, metric: str, period_days: int | None, day: date) -> list[dict[str, Any]]:
        """The figure's rows as dicts, converted once however many rules and alerts read them."""
        key = (metric, period_days, day)
        if key not in self._records:
            self._records[key] = self.figure(metric, period_days, day).records()
        return self._records[key]

    def read(self, rule: AlertRule, day: date) -> dict[str, Reading]:
        """The rule's figure for each entity on `day` (entities with no rows are absent)."""
        key = (id(rule), day)
        if key not in self._readings:
            figure = self.figure(rule.metric, rule.period_days, day)
            if rule.condition.kind == "confidence_falling":
                grade = figure.provenance.confidence
                self._readings[key] = {"council": Reading("council", self.council, float(GRADES.index(grade)),
                                                          float(GRADES.index(rule.condition.below)))}
            else:
                self._readings[key] = entity_readings(rule, self.records(rule.metric, rule.period_days, day),
                                                      self.council)
        return self._readings[key]

    def evidence(self, rule: AlertRule, day: date) -> dict[str, list[dict[str, Any]]] | None:
        """The rows behind the rule's figure on `day` by entity ("council" holds them all): the rows of a list
        metric it counts, the records failing a KPI, or its `records_metric`'s rows; None for a figure with no
        rows behind it (a worker's own figure is about that worker)."""
        key = (id(rule), day)
        if key not in self._evidence:
            kpi = KPIS.get(rule.metric)
            if rule.aggregate != "value":
                rows = [r for r in self.records(rule.metric, rule.period_days, day) if _matches(r, rule)]
            elif kpi is not None:
                rows = [r for r in self.records(kpi.children, rule.period_days, day)
                        if bool(r.get(kpi.flag)) != kpi.flag_is_good]
            elif rule.records_metric is not None:
                rows = [r for r in self.records(rule.records_metric, rule.period_days, day)
                        if all(r.get(column) in allowed for column, allowed in rule.records_where.items())]
            else:
                return None
            by_entity: dict[str, list[dict[str, Any]]] = {"council": rows}
            if rule.scope != "council":
                column = ENTITY_KEYS[rule.scope][0]
                by_entity = {}
                for row in rows:
                    by_entity.setdefault(f"{rule.scope}:{row.get(column)}", []).append(row)
            self._evidence[key] = by_entity
        return self._evidence[key]


def _matches(row: dict[str, Any], rule: AlertRule) -> bool:
    return (all(row.get(column) in allowed for column, allowed in rule.where.items())
            and not any(row.get(column) in left_out for column, left_out in rule.exclude.items()))


def _entities(rule: AlertRule, council: str) -> Callable[[dict[str, Any]], tuple[str, str] | None]:
    """A row's (entity, name in words) under the rule's scope: one function per rule, not a lookup per row (a
    daily replay groups millions of rows)."""
    scope = rule.scope
    if scope == "council":
        return lambda row: ("council", council)
    key, words = ENTITY_KEYS[scope]

    def entity(row: dict[str, Any]) -> tuple[str, str] | None:
        found = row.get(key)
        return None if found is None else (f"{scope}:{found}", str(row.get(words) or found))
    return entity


def _limits(rule: AlertRule) -> Callable[[dict[str, Any]], float | None]:
    """A row's line: the rule's number, or the row's own (e.g. its role's standard), times `factor`."""
    value, factor = getattr(rule.condition, "value", None), getattr(rule.condition, "factor", 1.0)
    if isinstance(value, str):
        column = value
        return lambda row: None if row.get(column) is None else round(float(row[column]) * factor, 6)
    fixed = None if value is None else round(float(value) * factor, 6)
    return lambda row: fixed


def entity_readings(rule: AlertRule, rows: list[dict[str, Any]], council: str) -> dict[str, Reading]:
    """Group a figure's rows into one reading per council, service, team or worker, as the rule says."""
    if rule.where or rule.exclude:
        rows = [r for r in rows if _matches(r, rule)]
    if rule.aggregate == "value" and rows and "level" in rows[0]:
        rows = [r for r in rows if r["level"] == rule.scope]
    entity_of, limit_of, column = _entities(rule, council), _limits(rule), rule.column or ""
    out: dict[str, Reading] = {}
    if rule.aggregate == "value":
        other = getattr(rule.condition, "compare", None)
        for row in rows:
            entity = entity_of(row)
            if entity is None or row.get(column) is None:
                continue
            compare = None if other is None or row.get(other) is None else float(row[other])
            out[entity[0]] = Reading(entity[0], entity[1], float(row[column]), limit_of(row), compare,
                                     row.get("service"), row.get("team_id"))
        return out
    groups: dict[str, list[dict[str, Any]]] = {}
    names: dict[str, str] = {}
    for row in rows:
        entity = entity_of(row)
        if entity is not None:
            groups.setdefault(entity[0], []).append(row)
            names[entity[0]] = entity[1]
    for entity, members in groups.items():
        values = [float(r[column]) for r in members if column and r.get(column) is not None]
        value = {"count": float(len(members)), "max": max(values, default=0.0), "sum": sum(values)}[rule.aggregate]
        first = members[0]
        out[entity] = Reading(entity, names[entity], value, limit_of(first), None, first.get("service"),
                              first.get("team_id"))
    return out


def holds_now(rule: AlertRule, reading: Reading | None) -> bool:
    """Whether the rule's threshold (or discrepancy, or grade) holds for one reading on its own."""
    if reading is None or reading.value is None:
        return False
    c = rule.condition
    if c.kind == "discrepancy":
        return reading.compare is not None and abs(reading.value - reading.compare) > c.tolerance
    if c.kind == "confidence_falling":
        return reading.limit is not None and reading.value > reading.limit
    if c.kind in ("threshold", "sustained"):
        return reading.limit is not None and COMPARE[c.op](reading.value, reading.limit)
    raise AssertionError(c.kind)


def evaluate_rule(rule: AlertRule, readings: Readings, day: date) -> dict[str, tuple[bool, Reading]]:
    """Every entity the rule reads on `day`, with whether its condition holds: a threshold on the day; sustained:
    at every reading from `days` back to the day; rate of change: the figure now minus `days` ago."""
    now = readings.read(rule, day)
    c = rule.condition
    if c.kind == "rate_of_change":
        before = readings.read(rule, day - timedelta(days=c.days))
        out = {}
        for entity, reading in now.items():
            then = before.get(entity)
            change = None if reading.value is None or then is None or then.value is None else reading.value - then.value
            shown = Reading(reading.entity, reading.name, reading.value, c.change, then.value if then else None,
                            reading.service, reading.team_id)
            out[entity] = (change is not None and COMPARE[c.op](change, c.change), shown)
        return out
    if c.kind == "sustained":
        step = readings.config.alerts.reading_days
        back = [day - timedelta(days=k) for k in range(step, c.days + 1, step)]
        if not back or back[-1] != day - timedelta(days=c.days):
            back.append(day - timedelta(days=c.days))
        held = {e: holds_now(rule, r) for e, r in now.items()}
        if any(held.values()):
            readings.look_back(rule, back)
        for earlier in back:
            if not any(held.values()):
                break
            then = readings.read(rule, earlier)
            held = {e: h and holds_now(rule, then.get(e)) for e, h in held.items()}
        return {e: (held[e], r) for e, r in now.items()}
    return {e: (holds_now(rule, r), r) for e, r in now.items()}


def evidence_records(rule: AlertRule, readings: Readings, day: date, reading: Reading) -> tuple[str | None, list[str]]:
    """The records behind an alert's figure for one entity (`Readings.evidence`), at most MAX_EVIDENCE_RECORDS
    of them, with the column naming them (child_id, worker_id...); a worker's own figure (e.g. their caseload) is
    about that worker."""
    by_entity = readings.evidence(rule, day)
    if by_entity is None:
        return ("worker_id", [reading.entity.removeprefix("worker:")]) if rule.scope == "worker" else (None, [])
    rows = by_entity.get(reading.entity, [])
    id_column = next((c for c in RECORD_IDS if rows and c in rows[0]), None)
    if id_column is None:
        return None, []
    return id_column, sorted({str(r[id_column]) for r in rows if r.get(id_column) is not None})[:MAX_EVIDENCE_RECORDS]


def check_rules(config: CouncilConfig) -> None:
    """Every active rule names a registered metric; raises RuleError naming the rule and field otherwise."""
    for name, rule in config.alerts.active.items():
        for field_name in ("metric", "records_metric"):
            metric = getattr(rule, field_name)
            try:
                if metric is not None:
                    get_metric(metric)
            except KeyError:
                raise RuleError(f"alerts.rules.{name}.{field_name}: no metric named {metric!r} "
                                "(see `clearsight metrics list`)") from None
