"""Computing a registered metric into a figure that carries its provenance.

Every figure says which snapshot it came from (council, extract date, content hash, when loaded), how many
records of each table it read, and how complete the fields it uses were: the evidence a performance team
needs to trust it, and the reason a number can be traced back to the lines of the extract behind it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa

from clearsight import __version__
from clearsight.canonical.calendar import months
from clearsight.canonical.schema import EMPTY_MEANS_NOT_YET
from clearsight.config import CouncilConfig
from clearsight.metrics.lazy import ibis
from clearsight.metrics.registry import Metric, Scope, get_metric
from clearsight.metrics.sql import Parameter, ParameterisedSql, parameterise
from clearsight.store import cache, figure_store
from clearsight.store.calendar import calendar_tables
from clearsight.store.database import (
    Connection, arrow_tables_are_cheap, fetch_rows, is_postgres, query_arrow, sql_literal,
)
from clearsight.store.snapshots import Snapshot

if TYPE_CHECKING:
    import ibis.expr.types as ir


@dataclass(frozen=True)
class Provenance:
    snapshot_id: int
    council: str
    extract_date: date
    content_hash: str
    as_at: date
    records: dict[str, int]
    completeness: dict[str, float | None]
    warnings: tuple[str, ...] = ()
    thresholds: tuple[float, ...] = (0.99, 0.95, 0.85)  # least completeness for grades A, B, C
    plausibility: dict[str, float | None] = field(default_factory=dict)  # rule -> share of records passing

    @property
    def least_complete(self) -> tuple[str, float] | None:
        known = [(f, v) for f, v in self.completeness.items() if v is not None]
        return min(known, key=lambda fv: fv[1]) if known else None

    @property
    def least_plausible(self) -> tuple[str, float] | None:
        known = [(r, v) for r, v in self.plausibility.items() if v is not None and v < 1]
        return min(known, key=lambda rv: rv[1]) if known else None

    @property
    def confidence(self) -> str:
        """One grade, A (trust it) to D (treat with care): the least of the completeness of the fields the
        figure uses and the share of their records passing the plausibility rules, one grade lower for each
        warning (a stale extract, a date the extract does not reach)."""
        shares = [v for _, v in filter(None, (self.least_complete, self.least_plausible))]
        value = min(shares, default=1.0)
        grade = next((i for i, floor in enumerate(self.thresholds) if value >= floor), len(self.thresholds))
        return "ABCD"[min(grade + len(self.warnings), 3)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "snapshot_id": self.snapshot_id, "council": self.council,
            "extract_date": self.extract_date.isoformat(), "content_hash": self.content_hash,
            "as_at": self.as_at.isoformat(), "records": self.records, "completeness": self.completeness,
            "plausibility": self.plausibility, "warnings": list(self.warnings), "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Figure:
    metric: Metric
    rows: pa.Table
    provenance: Provenance
    filters: dict[str, str] = field(default_factory=dict)

    def records(self) -> list[dict[str, Any]]:
        return self.rows.to_pylist()

    def subset(self, metric: Metric, mask: pa.ChunkedArray) -> "Figure":
        """The rows selected by `mask`, shown as `metric` (e.g. one level of a multi-level metric)."""
        return Figure(metric, self.rows.filter(mask), self.provenance, self.filters)

    def where(self, metric: Metric, **values: Any) -> "Figure":
        """The rows whose columns equal `values` (e.g. level="team"), shown as `metric`; a null matches nothing.
        Compared in Python and cut with slices: Arrow's filter imports pyarrow.compute (a twentieth of a second
        of every command's start-up) and turning a Python value into Arrow imports pandas (half a second)."""
        keep = list(range(self.rows.num_rows))
        for column, value in values.items():
            cells = self.rows.column(column).to_pylist()
            keep = [i for i in keep if value is not None and cells[i] == value]
        return Figure(metric, take_rows(self.rows, keep), self.provenance, self.filters)

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric.name, "title": self.metric.title, "definition": self.metric.definition,
            "unit": self.metric.unit, "columns": self.metric.column_titles, "filters": self.filters,
            "provenance": self.provenance.as_dict(),
            "rows": [{k: _jsonable(v) for k, v in r.items()} for r in self.records()],
        }


def take_rows(rows: pa.Table, indices: list[int]) -> pa.Table:
    """The rows at `indices` (ascending), as slices of `rows` joined: no pyarrow.compute (see `Figure.where`)."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and runs[-1][1] == i:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    if not runs:
        return rows.slice(0, 0)
    return pa.concat_tables([rows.slice(start, stop - start) for start, stop in runs])


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


# A metric whose rows carry this column warns through it (e.g. too little history for the figure): each distinct
# message becomes a provenance warning, lowering the figure's confidence grade.
DATA_WARNING = "data_warning"


def row_warnings(rows: pa.Table) -> list[str]:
    """The distinct `data_warning` messages in a figure's rows, in order."""
    if DATA_WARNING not in rows.column_names:
        return []
    return list(dict.fromkeys(w for w in rows[DATA_WARNING].to_pylist() if w))


def provenance(
    metric: Metric, snapshot: Snapshot, as_at: date, config: CouncilConfig,
    plausibility: dict[str, float | None] | None = None, data_warnings: list[str] | None = None,
) -> Provenance:
    warnings = list(data_warnings or [])
    if as_at > snapshot.extract_date:
        warnings.append(
            f"as-at date {as_at} is after the extract date {snapshot.extract_date}: "
            "events after the extract are not in the data"
        )
    # A figure about the present from an old extract: the data may have moved on since.
    stale_after = config.confidence.stale_after_days
    age = (date.today() - snapshot.extract_date).days
    if age > stale_after and (date.today() - as_at).days <= stale_after:
        warnings.append(f"the extract is {age} days old (stale after {stale_after}): newer records are missing")
    return Provenance(
        snapshot_id=snapshot.snapshot_id,
        council=snapshot.council,
        extract_date=snapshot.extract_date,
        content_hash=snapshot.content_hash,
        as_at=as_at,
        records={t: snapshot.rows(t) for t in metric.tables},
        completeness={
            f: snapshot.completeness(*f.split(".", 1))
            for f in metric.reads
            if f.split(".", 1)[1] not in EMPTY_MEANS_NOT_YET
        },
        warnings=tuple(warnings),
        thresholds=(config.confidence.grade_a, config.confidence.grade_b, config.confidence.grade_c),
        plausibility=plausibility or {},
    )


def metric_settings(config: CouncilConfig) -> str:
    """The settings a figure depends on, as the key of its compiled SQL and its cached rows: all but the alert
    rules, which read figures and never shape them (a council editing a rule recompiles nothing)."""
    return config.model_dump_json(exclude={"alerts"})


def _plausibility(
    con: Connection, snapshot: Snapshot, metric: Metric, config: CouncilConfig
) -> dict[str, float | None]:
    """Share of records passing each plausibility rule that concerns a field the metric reads."""
    from clearsight.metrics.plausibility import PLAUSIBILITY_METRICS, rules_for

    rules = rules_for(metric.reads)
    if metric.name in PLAUSIBILITY_METRICS or not rules:
        return {}
    passing = plausible_shares(con, snapshot, config)
    return {r.name: passing.get(r.name) for r in rules}


_SHARES: dict[str, dict[str, float | None]] = {}
_SHARES_LOCK = threading.Lock()
_SHARES_WORKING = threading.Lock()  # one thread works the shares out; figures computed at once wait for it


def plausible_shares(
    con: Connection, snapshot: Snapshot, config: CouncilConfig
) -> dict[str, float | None]:
    """Share of the snapshot's records passing each plausibility rule. A property of the records loaded (not of
    any date), and it reads whole tables (seconds at scale 10), so it is computed once per snapshot content,
    settings and code, and kept in memory and in the per-user cache (shares by rule: no records)."""
    key = {
        "clearsight": __version__, "source": cache.source_fingerprint(), "snapshot": snapshot.content_hash,
        "config": hashlib.sha256(metric_settings(config).encode()).hexdigest(), "postgres": is_postgres(con),
    }
    name = cache.key_hash(key)
    with _SHARES_LOCK:
        known = _SHARES.get(name)
    if known is not None:
        return known
    with _SHARES_WORKING:
        with _SHARES_LOCK:
            known = _SHARES.get(name)
        if known is not None:  # worked out by another thread meanwhile
            return known
        stored = cache.read_json("plausibility", key)
        if stored is not None and all(v is None or isinstance(v, (int, float)) for v in stored.values()):
            shares: dict[str, float | None] = stored
        else:
            checks = compute(con, snapshot, "implausible_records", snapshot.extract_date, config).records()
            shares = {r["rule"]: r["plausible_share"] for r in checks}
            cache.write_json("plausibility", key, shares)
        with _SHARES_LOCK:
            _SHARES[name] = shares
    return shares


def _sort_keys(metric: Metric) -> list[Any]:
    keys = []
    for spec in metric.order_by:
        name, _, direction = spec.partition(" ")
        keys.append(ibis.desc(name) if direction == "desc" else ibis.asc(name))
    return keys


def expression(
    name: str, scope: Scope, team: str | None = None, inputs: dict[str, ir.Table] | None = None,
    own_date: bool = False,
) -> ir.Table:
    """The metric's Ibis expression for the scope, optionally narrowed to one team (by name or id), built from
    `inputs` (tables of its input metrics' rows) when given. A metric that is the figure of a date in the data
    (`Metric.as_at_of`) finds that date for the scope's, unless `own_date` says the scope is already at it."""
    metric = get_metric(name)
    if metric.as_at_of is not None and not own_date:
        scope = replace(scope, as_at=metric.as_at_of(scope).as_scalar())
    expr = metric.build(scope, inputs=inputs) if inputs else metric.build(scope)
    if team is not None and "team" in expr.columns:
        expr = expr.filter((expr.team == team) | (expr.team_id == team))
    if metric.order_by:
        expr = expr.order_by(_sort_keys(metric))
    return expr


# Ibis takes a tenth of a second or more to build and compile a metric; DuckDB milliseconds to run it. So a
# metric compiles once per (metric, team filter or not, settings, input schemas) with stand-in scope values,
# which become named parameters in the SQL's syntax tree; the SQL is kept in memory and in the per-user cache
# on disk (store/cache.py), and DuckDB binds the real values at each run.
SCOPE_PARAMETERS = (
    Parameter("snapshot_id", -7_777_777_777, "BIGINT"),
    Parameter("as_at", date(1900, 1, 2), "DATE"),
    Parameter("period_start", date(1900, 1, 3), "DATE"),
    Parameter("council", "council-stand-in-8d1c", "VARCHAR"),
    Parameter("team", "team-stand-in-5e0b", "VARCHAR"),
)
_STAND_IN = {p.name: p.stand_in for p in SCOPE_PARAMETERS}

# How many metrics this process compiled with Ibis (tests and benchmarks check the cache spared the rest).
COMPILES: Counter[str] = Counter()
_COMPILING = threading.Lock()


def input_table_name(metric: str) -> str:
    """The name under which an input metric's rows are registered for a metric computed from them."""
    return f"input_{metric}"


def _compile(
    name: str, team_filter: bool, config: CouncilConfig, input_schemas: tuple[tuple[str, pa.Schema], ...],
    dialect: str, part: str,
) -> ParameterisedSql:
    scope = Scope(
        int(_STAND_IN["snapshot_id"]), _STAND_IN["as_at"], config, period_start=_STAND_IN["period_start"],
        council=str(_STAND_IN["council"]),
    )
    inputs = {m: ibis.table(ibis.Schema.from_pyarrow(s), name=input_table_name(m)) for m, s in input_schemas}
    team = str(_STAND_IN["team"]) if team_filter else None
    COMPILES[name] += 1
    if part == "as_at_of":  # the date the metric's figure as at a date is of (`own_date`)
        expr = get_metric(name).as_at_of(scope).name("as_at").as_table()
    else:
        expr = expression(name, scope, team, inputs or None, own_date=True)
    compiled = parameterise(expr, SCOPE_PARAMETERS, dialect)
    if "snapshot_id" not in compiled.parameters and not input_schemas:  # input rows come from one snapshot
        raise AssertionError(f"metric {name} does not read a snapshot: every figure must")
    return compiled


@lru_cache(maxsize=512)
def compiled_sql(
    name: str, team_filter: bool, config_json: str, input_schemas: tuple[tuple[str, pa.Schema], ...] = (),
    dialect: str = "duckdb", part: str = "rows",
) -> ParameterisedSql:
    """Metric `name`'s SQL for the back end's `dialect` (duckdb or postgres) with the scope as parameters
    (`SCOPE_PARAMETERS`), from this process's memory, else the cache on disk, else compiled by Ibis (and kept
    in both). Neither Ibis nor SQLGlot is imported unless it compiles: the key names their installed copies
    (`cache.package_fingerprint`). `part` "rows" is the figure's rows, as at the date the figure is of;
    "as_at_of" the one-row query finding that date (`Metric.as_at_of`)."""
    key = {
        "clearsight": __version__, "source": cache.source_fingerprint(),
        "compilers": cache.package_fingerprint("ibis", "sqlglot"), "metric": name, "dialect": dialect,
        "team_filter": team_filter, "config": hashlib.sha256(config_json.encode()).hexdigest(),
        "inputs": [[m, [[f.name, str(f.type)] for f in schema]] for m, schema in input_schemas], "part": part,
    }
    stored = cache.read_json("sql", key)
    if stored is not None and isinstance(stored.get("sql"), str) and isinstance(stored.get("parameters"), list):
        types = tuple((str(c), str(t)) for c, t in stored.get("types", []))
        return ParameterisedSql(stored["sql"], tuple(stored["parameters"]), types)
    with _COMPILING:  # Python work under Python's lock: nothing gained compiling at once, and Ibis is not made for it
        compiled = _compile(name, team_filter, CouncilConfig.model_validate_json(config_json), input_schemas, dialect,
                            part)
    cache.write_json("sql", key, {"sql": compiled.sql, "parameters": list(compiled.parameters),
                                  "types": [list(t) for t in compiled.types]})
    return compiled


def scope_values(
    snapshot: Snapshot, as_at: date, config: CouncilConfig, team: str | None = None, period_start: date | None = None
) -> dict[str, Any]:
    """The values bound to `SCOPE_PARAMETERS`: an as-at metric's period starts on its as-at date."""
    return {
        "snapshot_id": snapshot.snapshot_id, "as_at": as_at, "period_start": period_start or as_at,
        "council": config.council_name or snapshot.council, "team": team,
    }


def explain_sql(
    name: str, snapshot: Snapshot, as_at: date | None = None, config: CouncilConfig | None = None,
    team: str | None = None, period_start: date | None = None,
) -> str:
    """The DuckDB SQL Clearsight runs for a figure, headed by the values it binds to each parameter: what an
    analyst audits, and reruns in DuckDB with `PREPARE q AS ...; EXECUTE q(snapshot_id := 1, ...)`."""
    config = config or CouncilConfig()
    compiled = compiled_sql(name, team is not None, metric_settings(config))
    values = compiled.bind(scope_values(snapshot, as_at or snapshot.extract_date, config, team, period_start))
    header = [f"-- {name}: parameters bound at execution"]
    header += [f"--   ${p} = {sql_literal(v)}" for p, v in values.items()]
    if get_metric(name).as_at_of is not None:
        found = compiled_sql(name, False, metric_settings(config), part="as_at_of").sql
        header += ["--   (the figure is as at the date this finds for $as_at, bound as $as_at below:)",
                   *(f"--   {line}" for line in found.splitlines())]
    return "\n".join(header) + "\n" + compiled.sql


class _ResultCache:
    """Recently computed figures. A snapshot never changes once loaded, so a figure for the same snapshot
    content, metric, dates, team and settings is the same figure: dashboards and packs asking again get it
    without a query."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._rows: OrderedDict[tuple[Any, ...], pa.Table] = OrderedDict()
        self._lock = threading.Lock()
        self._working: dict[tuple[Any, ...], threading.Lock] = {}

    @contextmanager
    def working(self, key: tuple[Any, ...]) -> Iterator[None]:
        """Held while the figure of `key` is worked out: a thread asking for it meanwhile (two figures
        relabelling one, computed at once) waits for those rows rather than running the query again. The lock
        is dropped when no one holds it, so a long-running server keeps none for figures long since computed."""
        with self._lock:
            lock = self._working.setdefault(key, threading.Lock())
        with lock:
            yield
        with self._lock:
            if self._working.get(key) is lock and not lock.locked():
                del self._working[key]

    def get(self, key: tuple[Any, ...]) -> pa.Table | None:
        with self._lock:
            rows = self._rows.get(key)
            if rows is not None:
                self._rows.move_to_end(key)
            return rows

    def put(self, key: tuple[Any, ...], rows: pa.Table) -> None:
        with self._lock:
            self._rows[key] = rows
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
            self._working.clear()


_RESULTS = _ResultCache()


def clear_result_cache() -> None:
    """Forget the figures computed in this process (benchmarks measuring the queries themselves call this, and
    set `figure_store.STORE_ENV` off so none are read from beside the database either)."""
    _RESULTS.clear()


def _kept_key(snapshot: Snapshot, name: str, settings: str, **scope: Any) -> dict[str, Any]:
    """The key of a figure kept beside its database (`figure_store`): what `compute`'s own key holds, with the
    code and compilers that made its SQL."""
    return {
        "clearsight": __version__, "source": cache.source_fingerprint(),
        "compilers": cache.package_fingerprint("ibis", "sqlglot"), "snapshot": snapshot.content_hash,
        "snapshot_id": snapshot.snapshot_id, "metric": name,
        "config": hashlib.sha256(settings.encode()).hexdigest(), **scope,
    }


def _query(
    con: Connection, snapshot: Snapshot, metric: Metric, as_at: date, config: CouncilConfig, team: str | None,
    period_start: date | None, inputs: dict[str, Figure] | None, settings: str, dialect: str,
) -> pa.Table:
    """Run the metric's compiled SQL for the scope: on its input figures' rows when `compute` may use them."""
    given = {m: inputs[m].rows for m in metric.inputs if inputs and m in inputs}
    if len(given) != len(metric.inputs) or not arrow_tables_are_cheap():
        given = {}
    schemas = tuple((m, t.schema) for m, t in given.items())
    compiled = compiled_sql(metric.name, team is not None, settings, schemas, dialect)
    tables = {input_table_name(m): t for m, t in given.items()} | calendar_tables(con, config)
    values = scope_values(snapshot, as_at, config, team, period_start)
    schema = compiled.arrow_schema() if dialect == "postgres" else None
    return query_arrow(con, compiled.sql, tables, compiled.bind(values), schema)


def _figure_key(snapshot: Snapshot, name: str, as_at: date, period_start: date | None, team: str | None,
                settings: Any, dialect: str) -> tuple[Any, ...]:
    """The in-process cache's key of one figure: `compute` reads it, `compute_monthly` fills it month by month."""
    return (snapshot.content_hash, name, as_at, period_start, team, settings, dialect)


def own_date(con: Connection, snapshot: Snapshot, metric: Metric, as_at: date, config: CouncilConfig,
             dialect: str) -> date | None:
    """The date a figure of `metric` as at `as_at` is of (`Metric.as_at_of`; None when the data holds none)."""
    compiled = compiled_sql(metric.name, False, metric_settings(config), dialect=dialect, part="as_at_of")
    values = compiled.bind(scope_values(snapshot, as_at, config))
    found = query_arrow(con, compiled.sql, {}, values, compiled.arrow_schema() if dialect == "postgres" else None)
    return found.column(0)[0].as_py()


def _rows_of_own_date(
    con: Connection, snapshot: Snapshot, metric: Metric, as_at: date, config: CouncilConfig, team: str | None,
    period_start: date | None, inputs: dict[str, Figure] | None, settings: str, dialect: str,
) -> pa.Table:
    """The figure's rows, queried as at the date it is of when the metric names one (`Metric.as_at_of`), so the
    engine reads the records for a known date and dates resolving to the same one share the rows. With none in
    the data, as at `as_at` itself, which finds no rows of that date either."""
    if metric.as_at_of is None:
        return _query(con, snapshot, metric, as_at, config, team, period_start, inputs, settings, dialect)
    day = own_date(con, snapshot, metric, as_at, config, dialect) or as_at
    return _rows_as_of(con, snapshot, metric, day, config, team, settings, dialect)


def _rows_as_of(con: Connection, snapshot: Snapshot, metric: Metric, day: date, config: CouncilConfig,
                team: str | None, settings: str, dialect: str) -> pa.Table:
    """The rows of a metric that is the figure of a date in the data, as at `day`, that date: from this process's
    figures when another date resolved to it before."""
    key = _figure_key(snapshot, metric.name, day, None, team, settings, dialect)
    rows = _RESULTS.get(key)
    if rows is None:
        rows = _query(con, snapshot, metric, day, config, team, None, None, settings, dialect)
        _RESULTS.put(key, rows)
    return rows


def compute(
    con: Connection,
    snapshot: Snapshot,
    name: str,
    as_at: date | None = None,
    config: CouncilConfig | None = None,
    team: str | None = None,
    period_start: date | None = None,
    inputs: dict[str, Figure] | None = None,
) -> Figure:
    """Run metric `name` on a snapshot as at a date (default: the extract date), or over the period from
    `period_start` to `as_at` inclusive. A metric built on other metrics' rows (`Metric.inputs`) is computed
    from `inputs` when the caller already holds those figures for the same scope and this process can hand
    Arrow tables to the engine at no extra cost (`arrow_tables_are_cheap`), else from the records: the same
    figure either way."""
    metric = get_metric(name)
    as_at = as_at or snapshot.extract_date
    if period_start is not None and period_start > as_at:
        raise ValueError(f"period starts {period_start}, after it ends {as_at}")
    config = config or CouncilConfig()
    if metric.relabels is not None:
        source, columns = metric.relabels
        rows = relabelled(compute(con, snapshot, source, as_at, config, team, period_start).rows, columns)
    else:
        rows = _rows(con, snapshot, metric, as_at, config, team, period_start, inputs)
    filters = {"team": team} if team else {}
    if period_start is not None:
        filters["period"] = f"{period_start}..{as_at}"
    plausible = _plausibility(con, snapshot, metric, config)
    return Figure(metric, rows, provenance(metric, snapshot, as_at, config, plausible, row_warnings(rows)), filters)


def _rows(con: Connection, snapshot: Snapshot, metric: Metric, as_at: date, config: CouncilConfig, team: str | None,
          period_start: date | None, inputs: dict[str, Figure] | None) -> pa.Table:
    """A figure's rows: from this process's figures, else those kept beside the database, else queried."""
    dialect = "postgres" if is_postgres(con) else "duckdb"
    settings = metric_settings(config)
    key = _figure_key(snapshot, metric.name, as_at, period_start, team, settings, dialect)
    with _RESULTS.working(key):
        rows = _RESULTS.get(key)
        if rows is None:
            kept = _kept_key(snapshot, metric.name, settings, as_at=as_at, period_start=period_start, team=team)
            rows = figure_store.read(con, kept)
            if rows is None:
                rows = _rows_of_own_date(con, snapshot, metric, as_at, config, team, period_start, inputs, settings,
                                         dialect)
                figure_store.write(con, kept, rows)
            _RESULTS.put(key, rows)
    return rows


def relabelled(rows: pa.Table, columns: tuple[tuple[str, str], ...]) -> pa.Table:
    """Another metric's `rows` as those of a metric relabelling it (`Metric.relabels`): each of `columns` (its
    name, the column of `rows` holding it) in order, after the columns of `rows` it does not name (a series'
    months)."""
    named = {old for _, old in columns}
    kept = [c for c in rows.column_names if c not in named]
    return pa.Table.from_arrays([rows.column(c) for c in kept] + [rows.column(old) for _, old in columns],
                                names=kept + [new for new, _ in columns])


# A monthly series runs a metric's SQL once per month through a LATERAL join to a spine of months, its as-at and
# period-start parameters becoming the month's columns. DuckDB flattens that into one plan reading each table
# once: six to nine times less work than a query per month on the practice KPIs. Where it cannot flatten the
# metric's joins it says so when preparing, and those months are computed one by one.
_SERIES_MONTH = "_series_month"
_MONTH_SPINE = f"""WITH "{_SERIES_MONTH}s" AS (
  SELECT
    CAST(GREATEST("first", CAST($series_start AS DATE)) AS DATE) AS "month_start",
    CAST(LEAST("first" + INTERVAL 1 MONTH - INTERVAL 1 DAY, CAST($series_end AS DATE)) AS DATE) AS "month_end"
  FROM (
    SELECT CAST("range" AS DATE) AS "first"
    FROM RANGE(
      CAST(DATE_TRUNC('month', CAST($series_start AS DATE)) AS TIMESTAMP),
      CAST(CAST($series_end AS DATE) AS TIMESTAMP) + INTERVAL 1 DAY,
      INTERVAL 1 MONTH
    )
  )
)"""
# A series of days `$series_step` apart from `$series_start` to `$series_end`, each the end of a period of
# `$series_span` + 1 days (the alerts read a rule's figure on such days: `compute_days`).
_DAY_SPINE = f"""WITH "{_SERIES_MONTH}s" AS (
  SELECT
    CAST("day" - TO_DAYS(CAST($series_span AS INTEGER)) AS DATE) AS "month_start",
    CAST("day" AS DATE) AS "month_end"
  FROM (
    SELECT "range" AS "day"
    FROM RANGE(
      CAST(CAST($series_start AS DATE) AS TIMESTAMP),
      CAST(CAST($series_end AS DATE) AS TIMESTAMP) + INTERVAL 1 DAY,
      TO_DAYS(CAST($series_step AS INTEGER))
    )
  )
)"""
_DAY_PARAMETERS = ("series_start", "series_end", "series_step", "series_span")
_NOT_FLATTENED: set[str] = set()


def series_sql(compiled: ParameterisedSql, period: bool, metric: Metric, spine: str = _MONTH_SPINE,
               spine_parameters: tuple[str, ...] = ("series_start", "series_end")) -> ParameterisedSql:
    """`compiled` run for each month of `$series_start`..`$series_end` (months clipped to them): its as-at
    parameter becomes the month's last day and its period start the month's first (a period metric) or last
    day (an as-at metric, whose period starts on its as-at date), as `compute_monthly` defines the months.
    Rows come month by month in the metric's own order. Another `spine` (a CTE of (month_start, month_end)
    rows reading `spine_parameters`) runs it for other periods: `compute_days`'s days."""
    sql = compiled.sql
    for name, column in (("as_at", "month_end"), ("period_start", "month_start" if period else "month_end")):
        parameter = next(p for p in SCOPE_PARAMETERS if p.name == name)
        sql = sql.replace(f"CAST(${name} AS {parameter.sql_type})", f'"{_SERIES_MONTH}"."{column}"')
        if f"${name}" in sql:
            raise AssertionError(f"${name} left in the SQL of {metric.name} in a form not recognised")
    order = ", ".join(f'"{c}" {d.upper() or "ASC"}' for c, _, d in (s.partition(" ") for s in metric.order_by))
    text = (f'{spine}\nSELECT "{_SERIES_MONTH}"."month_start", "{_SERIES_MONTH}"."month_end", "_rows".*\n'
            f'FROM "{_SERIES_MONTH}s" AS "{_SERIES_MONTH}", LATERAL (\n{sql}\n) AS "_rows"\n'
            f'ORDER BY "{_SERIES_MONTH}"."month_start"' + (f", {order}" if order else ""))
    kept = tuple(p for p in compiled.parameters if p not in ("as_at", "period_start"))
    return ParameterisedSql(text, (*kept, *spine_parameters))


_EPOCH = date(1970, 1, 1)


def same_date(day: date, length: int) -> pa.Array:
    """`length` copies of `day` as an Arrow date32 array (days since 1970), built from a NumPy buffer: pyarrow
    imports pandas (half a second) to convert Python values."""
    days = np.full(length, (day - _EPOCH).days, dtype=np.int32)
    return pa.Array.from_buffers(pa.date32(), length, [None, pa.py_buffer(days)])


def compute_monthly(
    con: Connection,
    snapshot: Snapshot,
    name: str,
    start: date,
    end: date,
    *,
    period: bool,
    config: CouncilConfig | None = None,
    team: str | None = None,
) -> Figure:
    """Metric `name` for every calendar month from `start` to `end` (first and last months clipped): a period
    metric over each month (`period=True`), else as at each month's last day. Each row carries `month_start`
    and `month_end`; a month's rows are those `compute` gives for that month.

    On DuckDB the months run in one query (`series_sql`) where it can flatten it, else (and on PostgreSQL) one
    by one (a UNION ALL of the months ran four times slower than that).
    """
    if start > end:
        raise ValueError(f"series starts {start}, after it ends {end}")
    metric = get_metric(name)
    config = config or CouncilConfig()
    if metric.relabels is not None:
        source, columns = metric.relabels
        rows = relabelled(compute_monthly(con, snapshot, source, start, end, period=period, config=config,
                                          team=team).rows, columns)
    else:
        settings = metric_settings(config)
        with _RESULTS.working((snapshot.content_hash, name, "months", start, end, period, team, settings)):
            rows = _monthly_rows(con, snapshot, metric, start, end, period, config, team)
    filters = {"team": team} if team else {}
    filters["months"] = f"{start}..{end}"
    plausible = _plausibility(con, snapshot, metric, config)
    return Figure(metric, rows, provenance(metric, snapshot, end, config, plausible, row_warnings(rows)), filters)


def _monthly_rows(con: Connection, snapshot: Snapshot, metric: Metric, start: date, end: date, period: bool,
                  config: CouncilConfig, team: str | None) -> pa.Table:
    """`compute_monthly`'s rows: from this process's figures, else those kept beside the database, else queried."""
    name = metric.name
    settings = metric_settings(config)
    key = (snapshot.content_hash, name, "months", start, end, period, team, settings)
    rows = _RESULTS.get(key)
    kept = _kept_key(snapshot, name, settings, months=[start, end], period=period, team=team)
    if rows is None and (rows := figure_store.read(con, kept)) is not None:
        _RESULTS.put(key, rows)
    # The series SQL is DuckDB's; a metric that is the figure of a date in the data runs as at each month's.
    if rows is None and name not in _NOT_FLATTENED and not is_postgres(con) and metric.as_at_of is None:
        compiled = series_sql(compiled_sql(name, team is not None, settings), period, metric)
        values = scope_values(snapshot, end, config, team) | {"series_start": start, "series_end": end}
        try:
            rows = query_arrow(con, compiled.sql, calendar_tables(con, config), compiled.bind(values))
            _RESULTS.put(key, rows)
            figure_store.write(con, kept, rows)
        except duckdb.NotImplementedException:  # "Unsupported join type for flattening correlated subquery"
            _NOT_FLATTENED.add(name)
    if rows is not None:
        _hold_months(snapshot, name, rows, period, team, settings, "postgres" if is_postgres(con) else "duckdb")
    if rows is None:
        parts = []
        for first, last in months(start, end):
            month = compute(con, snapshot, name, last, config, team, period_start=first if period else None).rows
            parts.append(month.add_column(0, "month_start", same_date(first, month.num_rows))
                         .add_column(1, "month_end", same_date(last, month.num_rows)))
        rows = pa.concat_tables(parts, promote_options="permissive")
    return rows


def _day_numbers(column: pa.ChunkedArray) -> np.ndarray:
    """A date column's days since 1970, from a date32's buffers (Arrow's cast and `to_numpy` import
    pyarrow.compute and pandas: most of a second of an `alerts run` in a new process)."""
    if column.type != pa.date32() or column.null_count:
        return np.asarray(column.cast(pa.int32()).to_numpy())
    return np.concatenate([np.frombuffer(c.buffers()[1], dtype=np.int32, count=c.offset + len(c))[c.offset:]
                           for c in column.chunks] or [np.empty(0, np.int32)])


def _hold_months(snapshot: Snapshot, name: str, rows: pa.Table, period: bool, team: str | None,
                 settings: tuple[Any, ...], dialect: str) -> None:
    """Keep each month of a series as the figure `compute` gives for that month (as at its last day, over the
    month for a period metric), so a view asking for the series' last month after it (a pack's KPI table after
    its 13-month trend) runs no second query. The series' rows come month by month in the metric's order."""
    if rows.num_rows == 0:
        return
    ends = _day_numbers(rows.column("month_end"))
    cuts = [int(c) for c in np.flatnonzero(np.diff(ends)) + 1]
    starts = rows.column("month_start")
    body = rows.drop_columns(["month_start", "month_end"])
    for first, last in zip([0, *cuts], [*cuts, len(ends)]):
        as_at = _EPOCH + timedelta(days=int(ends[first]))
        period_start = starts[first].as_py() if period else None
        _RESULTS.put(_figure_key(snapshot, name, as_at, period_start, team, settings, dialect),
                     body.slice(first, last - first))


def compute_days(
    con: Connection,
    snapshot: Snapshot,
    name: str,
    start: date,
    end: date,
    step: int = 1,
    *,
    period_days: int | None = None,
    config: CouncilConfig | None = None,
) -> dict[date, Figure]:
    """Metric `name` on every `step`-th day from `start` to `end`, as at the day or over the `period_days` days
    ending on it: each day's figure is the one `compute(..., day, period_start=...)` gives. One query on DuckDB
    where it can flatten it (the alerts' replay reads a rule's figure on hundreds of days), else the days one
    by one."""
    if start > end or step < 1:
        raise ValueError(f"days from {start} to {end} every {step}: no such series")
    metric = get_metric(name)
    config = config or CouncilConfig()
    settings = metric_settings(config)
    span = (period_days or 1) - 1
    days = [start + timedelta(days=k) for k in range(0, (end - start).days + 1, step)]
    if metric.as_at_of is not None:
        return _days_of_own_dates(con, snapshot, metric, days, step, config, period_days)
    key = (snapshot.content_hash, name, "days", start, end, step, span, settings)
    rows = _RESULTS.get(key)
    if rows is None and name not in _NOT_FLATTENED and not is_postgres(con):
        compiled = series_sql(compiled_sql(name, False, settings), period_days is not None, metric, _DAY_SPINE,
                              _DAY_PARAMETERS)
        values = scope_values(snapshot, end, config) | {
            "series_start": start, "series_end": end, "series_step": step, "series_span": span}
        try:
            rows = query_arrow(con, compiled.sql, calendar_tables(con, config), compiled.bind(values))
            _RESULTS.put(key, rows)
        except duckdb.NotImplementedException:  # as compute_monthly: not flattened, the days one by one
            _NOT_FLATTENED.add(name)
    if rows is None:
        return {day: compute(con, snapshot, name, day, config, period_start=day - timedelta(days=span)
                             if period_days else None) for day in days}
    # The rows come day by day: cut them at each day's first row.
    ends = _day_numbers(rows.column("month_end"))
    cuts = np.searchsorted(ends, [(d - _EPOCH).days for d in days] + [(end - _EPOCH).days + 1])
    rows = rows.drop_columns(["month_start", "month_end"])
    plausible = _plausibility(con, snapshot, metric, config)
    out = {}
    for day, first, last in zip(days, cuts, cuts[1:]):
        part = rows.slice(first, last - first)
        filters = {"period": f"{day - timedelta(days=span)}..{day}"} if period_days else {}
        out[day] = Figure(metric, part, provenance(metric, snapshot, day, config, plausible, row_warnings(part)),
                          filters)
    return out


def _days_of_own_dates(con: Connection, snapshot: Snapshot, metric: Metric, days: list[date], step: int,
                       config: CouncilConfig, period_days: int | None) -> dict[date, Figure]:
    """`compute_days` for a metric that is the figure of a date in the data (`Metric.as_at_of`): each day's date
    found (on DuckDB in one query over the days), then one query per date found, shared by the days finding it
    (the alerts' daily replay reads the team returns of a month on each of its days)."""
    settings, dialect = metric_settings(config), "postgres" if is_postgres(con) else "duckdb"
    if dialect == "postgres":
        found = {day: own_date(con, snapshot, metric, day, config, dialect) for day in days}
    else:
        finding = series_sql(compiled_sql(metric.name, False, settings, part="as_at_of"), False,
                             replace(metric, order_by=()), _DAY_SPINE, _DAY_PARAMETERS)
        values = scope_values(snapshot, days[-1], config) | {
            "series_start": days[0], "series_end": days[-1], "series_step": step, "series_span": 0}
        found = {day: own for _, day, own in fetch_rows(con, finding.sql, finding.bind(values))}
    # A day with no date found has no rows: those of the first such day, as at itself, stand for them all.
    none_day = next((day for day in days if found[day] is None), None)
    plausible = _plausibility(con, snapshot, metric, config)
    out = {}
    for day in days:
        rows = _rows_as_of(con, snapshot, metric, found[day] or none_day, config, None, settings, dialect)
        start_of = day - timedelta(days=period_days - 1) if period_days else None
        filters = {"period": f"{start_of}..{day}"} if period_days else {}
        out[day] = Figure(metric, rows, provenance(metric, snapshot, day, config, plausible, row_warnings(rows)),
                          filters)
    return out
