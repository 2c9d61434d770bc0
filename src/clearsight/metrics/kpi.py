"""Practice KPIs: each is a list of the records behind it and a rate by team, service and council.

`@kpi(...)` registers two metrics from one builder of record-level rows (one row per child, conference or
worker, with a boolean column per measure): `NAME_children`, the rows themselves (what `clearsight kpi NAME
--children` lists), and `NAME`, the same rows counted at every level by `rates_by_level` (denominator,
numerator, rate, plus any secondary measure). A council figure is therefore the sum of its teams' rows.

Also here: the case's team, for as-at figures the team of the current allocation (`open_cases`), for events the
team holding the case on the day of the event, and the working-day joins shared by every timescale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clearsight.canonical.calendar import CALENDAR_TABLE
from clearsight.metrics.allocation import open_case_teams
from clearsight.metrics.intervals import open_ended
from clearsight.metrics.lazy import ibis
from clearsight.metrics.levels import LEVEL_KEYS, LEVELS, level_keys, ratio, teams, with_council
from clearsight.metrics.registry import Polarity, Scope, metric

if TYPE_CHECKING:
    import ibis.expr.types as ir


@dataclass(frozen=True)
class Kpi:
    """A registered KPI: `name` (rates by level) and `children` (the rows behind them)."""

    name: str
    title: str
    period: bool  # counted over a period (events in it) rather than as at a date
    flag: str  # the row column behind the headline numerator
    flag_is_good: bool  # True: the numerator counts rows meeting the standard; False: rows failing it
    measures: tuple[str, ...]  # output names: the first is the headline ("numerator", "rate")
    rows_of: str = ""  # the KPI whose rows it counts, when another KPI's (default: its own)

    @property
    def children(self) -> str:
        return f"{self.rows_of or self.name}_children"


KPIS: dict[str, Kpi] = {}
_MEASURES: dict[str, dict[str, str]] = {}  # each KPI's measures (output name -> row column counted)


def kpi(
    name: str, *, title: str, definition: str, polarity: Polarity, reads: tuple[str, ...], period: bool,
    measures: dict[str, str], order_by: tuple[str, ...], unit: str = "children", rows_of: str | None = None,
    context: Callable[[Scope], ir.Table] | None = None,
) -> Callable[[Callable[[Scope], ir.Table]], Callable[[Scope], ir.Table]]:
    """Register `name_children` (rows) and `name` (rates by level) from a builder of record-level rows.

    `measures` maps each output measure to the boolean row column counted as its numerator; the first is the
    headline (`numerator`, `rate`), the others appear as `<measure>` and `<measure>_rate`. `rows_of` names
    another KPI whose rows this one counts with another headline (no second list of the same rows is
    registered). `context` builds a one-row table of figure-wide columns (e.g. how much history the records
    hold) added to every line of the summary. A KPI counting another's rows with the same measures in another
    order relabels that KPI's figure (`Metric.relabels`): one query gives both.
    """

    def register(rows: Callable[[Scope], ir.Table]) -> Callable[[Scope], ir.Table]:
        when = "in the period" if period else "on the as-at date"
        same = rows_of is not None and context is None and _MEASURES.get(rows_of) == measures
        if rows_of is None:
            metric(
                f"{name}_children", title=f"{title}: the records behind the figure", unit=unit,
                polarity="neutral", definition=f"{definition} One row per record counted {when}, with its team.",
                reads=reads, order_by=order_by,
            )(rows)

        def summary(s: Scope) -> ir.Table:
            out = rates_by_level(s, rows(s), measures)
            return out.cross_join(context(s)) if context else out

        metric(
            name, title=title, unit="rate", polarity=polarity, reads=reads,
            definition=f"{definition} Denominator, numerator and rate by team, service and council.",
            order_by=("level", "service", "team"),
            relabels=(rows_of, _swapped_measures(_MEASURES[rows_of], measures)) if same and rows_of else None,
        )(summary)
        _MEASURES[name] = measures if context is None else {}
        first = next(iter(measures))
        KPIS[name] = Kpi(name, title, period, measures[first], polarity == "higher_is_better", tuple(measures),
                         rows_of or "")
        return rows

    return register


def _measure_columns(measures: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Each measure's count and rate columns in `rates_by_level`'s rows: the first is the headline."""
    return {m: ("numerator", "rate") if i == 0 else (m, f"{m}_rate") for i, m in enumerate(measures)}


def _swapped_measures(source: dict[str, str], measures: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """`rates_by_level`'s columns for `measures`, in its order, each with the column holding the same count in
    its rows for `source` (the same measures, another first)."""
    own, theirs = _measure_columns(measures), _measure_columns(source)
    pairs = [(k, k) for k in ("level", *LEVEL_KEYS["team"], "denominator")]
    return (*pairs, *((column, theirs[m][j]) for m in own for j, column in enumerate(own[m])))


def rates_by_level(s: Scope, rows: ir.Table, measures: dict[str, str]) -> ir.Table:
    """Count `rows` by team, service and council (a `level` column says which): denominator = rows, each
    measure's numerator = rows where its flag is true, rate = numerator / denominator. The council always has
    its line, so a KPI with nothing to count in a period shows 0 of 0 rather than vanishing."""
    base = with_council(s, rows)
    names = list(measures)
    out_names = {m: ("numerator" if i == 0 else m) for i, m in enumerate(names)}
    parts = []
    for level in LEVELS:
        keys = list(LEVEL_KEYS[level])
        counted = base.group_by(keys).agg(
            denominator=base.count(),
            # CASE, not a cast: PostgreSQL casts a boolean to integer but not to bigint
            **{out_names[m]: base[measures[m]].fill_null(False).ifelse(1, 0).cast("int64").sum() for m in names},
        )
        if level == "council":  # the council's line is there even with nothing to count: 0 of 0, no rate
            council = level_keys(s, "council").left_join(counted, keys).drop(*(f"{k}_right" for k in keys))
            counts = ["denominator", *(out_names[m] for m in names)]
            counted = council.mutate(**{c: council[c].fill_null(0) for c in counts})
        rates = {
            ("rate" if i == 0 else f"{m}_rate"): ratio(counted[out_names[m]], counted.denominator).round(3)
            for i, m in enumerate(names)
        }
        part = counted.mutate(level=ibis.literal(level), **rates)
        missing = {k: ibis.null("string") for k in LEVEL_KEYS["team"] if k not in part.columns}
        parts.append(part.mutate(**missing))
    columns = ["level", *LEVEL_KEYS["team"], "denominator", "numerator", "rate"]
    for m in names[1:]:
        columns += [m, f"{m}_rate"]
    return ibis.union(*(p.select(*columns) for p in parts))


def _named_team(s: Scope, rows: ir.Table) -> ir.Table:
    """`rows` with its `_team` column as team_id, and the team's name and service beside it."""
    rows = rows.view()  # a relation of its own: Ibis cannot join on a computed column of a join chain
    t = teams(s).view()
    j = rows.left_join(t, rows._team == t.team_id)
    own = [rows[c] for c in rows.columns if c not in ("_team", "team_id", "team", "service")]
    return j.select(*own, team_id=rows._team, team=t.team, service=t.service)


def with_case_team(s: Scope, rows: ir.Table, fallback: str | None = None) -> ir.Table:
    """`rows` (with child_id) plus the case's team on the as-at date as `open_cases` decides it (the team of
    the current allocation, else the episode's), else the row's own `fallback` team column."""
    cases = open_case_teams(s)
    cases = cases.select(_case_child=cases.child_id, _case_team=cases.team_id)
    j = rows.left_join(cases, rows.child_id == cases._case_child)
    own = rows[fallback] if fallback else ibis.null("string")
    kept = [rows[c] for c in rows.columns if c != fallback]
    return _named_team(s, j.select(*kept, _team=ibis.coalesce(cases._case_team, own)))


def with_team_on(s: Scope, rows: ir.Table, key: str, day: str, fallback: str | None = None) -> ir.Table:
    """`rows` (unique on `key`, with child_id) plus the team holding the child's case on each row's `day`:
    the team of the latest allocation current that day (the rule `open_cases` applies on the as-at date),
    else the row's own `fallback` team column. A child moving teams mid-period counts where it was that day."""
    a = s.table("allocation")
    a = a.filter(a.role.isin(s.config.allocation.allocation_roles)).select(
        _child=a.child_id, _start=a.start_date, _end=a.end_date, _alloc=a.allocation_id, _held_by=a.team_id
    )
    j = rows.left_join(
        a, (rows.child_id == a._child) & (a._start <= rows[day]) & (open_ended(a._end) > rows[day])
    )
    own = rows[fallback] if fallback else ibis.null("string")
    kept = [rows[c] for c in rows.columns if c != fallback]
    j = j.select(*kept, _start=a._start, _alloc=a._alloc, _team=ibis.coalesce(a._held_by, own))
    latest = ibis.row_number().over(group_by=j[key], order_by=[j._start.desc(), j._alloc.desc()])
    j = j.mutate(_rank=latest).filter(ibis._._rank == 0).drop("_rank", "_start", "_alloc")
    return _named_team(s, j)


# --- working days in SQL: joins to the working_calendar table (clearsight.canonical.calendar) -----------------


def working_calendar_table() -> ir.Table:
    """The database's working-day calendar as an unbound Ibis table (`clearsight.store.calendar` builds it)."""
    return ibis.table({"day": "date", "is_working": "boolean", "working_day_number": "int64"}, name=CALENDAR_TABLE)


def with_day_number(t: ir.Table, column: str, out: str) -> ir.Table:
    """`t` plus the working-day number of date column `column` as `out`."""
    cal = working_calendar_table().view()
    j = t.left_join(cal, t[column] == cal.day)
    return j.select(*[t[c] for c in t.columns], **{out: cal.working_day_number})


def with_working_days_after(t: ir.Table, column: str, n: int, out: str) -> ir.Table:
    """`t` plus, as `out`, the working day `n` working days after date column `column`."""
    numbered = with_day_number(t, column, "_from_number")
    cal = working_calendar_table().view()
    cal = cal.filter(cal.is_working)
    j = numbered.left_join(cal, (numbered._from_number + n) == cal.working_day_number)
    return j.select(*[numbered[c] for c in t.columns], **{out: cal.day})


def with_working_days_between(t: ir.Table, start: str, end: str, out: str) -> ir.Table:
    """`t` plus the working days in (start, end] as `out` (null when either date is empty)."""
    a = with_day_number(t, start, "_start_number")
    b = with_day_number(a, end, "_end_number")
    return b.mutate(**{out: b._end_number - b._start_number}).drop("_start_number", "_end_number")


def with_overdue(s: Scope, t: ir.Table, due: str, overdue: str = "overdue", detail: bool = True) -> ir.Table:
    """`t` plus, against its date column `due`, whether the as-at date is past it (`overdue`) and, with `detail`,
    `working_days_overdue` and `days_overdue` (calendar days, null when not overdue).

    A record is overdue once a working day has passed since its due date: for an n-working-day standard that is
    "more than n working days since the clock started", and a weekend or bank-holiday as-at date makes nobody
    overdue who was not overdue on the working day before it (a Saturday month-end does not dip).
    """
    marked = t.mutate(_as_at=s.day)
    marked = with_working_days_between(marked, due, "_as_at", "_past_due")
    late = (marked._past_due > 0).fill_null(False)
    extra: dict[str, ir.Value] = {overdue: late}
    if detail:
        extra["working_days_overdue"] = ibis.ifelse(late, marked._past_due, 0)
        extra["days_overdue"] = ibis.ifelse(late, s.day.delta(marked[due], unit="day"), ibis.null("int64"))
    return marked.mutate(**extra).drop("_as_at", "_past_due")


def plus(day: ir.DateValue, *, months: int = 0, days: int = 0) -> ir.DateValue:  # months or days, not both
    """`day` plus calendar months or days, as a date (DuckDB widens date + interval to a timestamp; Ibis
    believes it is still a date, so the cast goes through timestamp to be kept)."""
    step = ibis.interval(months=months) if months else ibis.interval(days=days)  # one unit: T-SQL has no
    return (day + step).cast("timestamp").cast("date")  # IntervalAdd
