"""The metric registry: every figure Clearsight shows is declared here once.

A metric has a name, a title, a definition in plain words, a unit, a polarity, the canonical fields it reads
(for data confidence) and a function returning an Ibis expression for a scope (snapshot, as-at date, council
settings). The CLI, web pages, packs and alert rules all iterate this registry; none re-implements a figure,
and `clearsight metrics sql NAME` prints the SQL any engine would run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from clearsight.canonical import schema
from clearsight.config import CouncilConfig
from clearsight.metrics.lazy import ibis

if TYPE_CHECKING:
    import ibis.expr.types as ir

Polarity = Literal["higher_is_better", "lower_is_better", "neutral"]


IBIS_TYPES: dict[str, str] = {
    "id": "string", "text": "string", "date": "date", "int": "int64", "float": "float64", "bool": "boolean",
}


def canonical_table(name: str) -> ir.Table:
    """An unbound Ibis table with the canonical schema: metrics compile without touching a database."""
    table = schema.table(name)
    columns = {c.name: IBIS_TYPES[c.type] for c in table.columns}
    columns.update({"snapshot_id": "int64", "source_file": "string", "source_row": "int64"})
    return ibis.table(columns, name=name)


def _as_expr(day: date | ir.DateValue) -> ir.DateValue:
    return ibis.literal(day) if isinstance(day, date) else day


@dataclass(frozen=True)
class Scope:
    """What a metric is computed over: one snapshot, as at one date, under one council's settings."""

    snapshot_id: int
    as_at: date | ir.DateValue  # a date, or a date expression for a scope shifted back in time
    config: CouncilConfig
    period_start: date | ir.DateValue | None = None  # period metrics cover period_start..as_at inclusive
    council: str = "the council"  # name shown at council level: the config's, else the extract's

    @property
    def start(self) -> date | ir.DateValue:
        """First day of the period (for an as-at metric, the as-at date itself)."""
        return self.as_at if self.period_start is None else self.period_start

    @property
    def day(self) -> ir.DateValue:
        """The as-at date as an expression."""
        return _as_expr(self.as_at)

    @property
    def first_day(self) -> ir.DateValue:
        """The period's first day as an expression."""
        return _as_expr(self.start)

    def days_before(self, days: int) -> "Scope":
        """The same scope as at `days` earlier (for signals that compare now with then)."""
        return Scope(self.snapshot_id, self.day - ibis.interval(days=days), self.config, None, self.council)

    def period_of(self, days: int) -> "Scope":
        """The `days` days up to and including the as-at date, as a period."""
        return Scope(
            self.snapshot_id, self.as_at, self.config, self.day - ibis.interval(days=days - 1), self.council
        )

    def table(self, name: str) -> ir.Table:
        """Canonical table `name` as held in this snapshot (provenance columns dropped for clean joins)."""
        t = canonical_table(name)
        return t.filter(t.snapshot_id == self.snapshot_id).drop(*(c for c, _ in schema.PROVENANCE_COLUMNS))


@dataclass(frozen=True)
class Metric:
    name: str
    title: str
    definition: str
    unit: str
    polarity: Polarity
    reads: tuple[str, ...]  # "table.column" of every canonical field the figure depends on
    build: Callable[..., ir.Table]  # build(scope) -> expression; with `inputs`, build(scope, inputs=...) too
    order_by: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()  # metrics whose rows this one aggregates (computed inline when not given)
    columns: tuple[tuple[str, str], ...] = ()  # (column, what it holds: numerator and denominator of a ratio)
    # The date in the data a figure as at a date is the figure of (the latest team returns on or before it):
    # `build` is written as at that date, and the figure is the same for every date resolving to it.
    as_at_of: Callable[[Scope], ir.Scalar] | None = None
    # Another metric's rows under other names: (that metric, ((column, its column), ...) in this one's order).
    # `build` still defines the figure (its SQL stands alone); a figure computed from the records is read from
    # that metric's figure, one query for two figures counting the same rows with their headlines swapped.
    relabels: tuple[str, tuple[tuple[str, str], ...]] | None = None

    @property
    def column_titles(self) -> dict[str, str]:
        """What each documented output column holds, for views to show beside the figures."""
        return dict(self.columns)

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(field.split(".")[0] for field in self.reads))


REGISTRY: dict[str, Metric] = {}


def metric(
    name: str, *, title: str, definition: str, unit: str, polarity: Polarity, reads: tuple[str, ...],
    order_by: tuple[str, ...] = (), inputs: tuple[str, ...] = (), columns: dict[str, str] | None = None,
    as_at_of: Callable[[Scope], ir.Scalar] | None = None,
    relabels: tuple[str, tuple[tuple[str, str], ...]] | None = None,
) -> Callable[[Callable[..., ir.Table]], Callable[..., ir.Table]]:
    """Register the decorated expression builder as metric `name`.

    `columns` says what each output column holds (a ratio's numerator and denominator), for the views.
    A metric with `inputs` aggregates other metrics' rows: its builder takes `inputs={name: table}` and
    builds them itself when they are not given, so its SQL stands alone, while a caller that already holds
    those rows (a page showing them too) can have it computed from them instead of again from the records.
    A metric with `as_at_of` is the figure as at a date found in the data (its scalar for a scope, null when
    there is none): its builder is written as at that date, which `clearsight.metrics.figures` finds first
    (one small query), so the engine reads the records for a known date, and dates resolving to the same one
    share a figure; its stand-alone SQL (`expression`) finds the date itself. A metric that `relabels` another
    gives that metric's rows with its columns renamed (`Metric.relabels`).
    """

    def register(build: Callable[..., ir.Table]) -> Callable[..., ir.Table]:
        if name in REGISTRY:
            raise ValueError(f"metric {name!r} is declared twice")
        REGISTRY[name] = Metric(
            name, title, definition, unit, polarity, reads, build, order_by, inputs, tuple((columns or {}).items()),
            as_at_of, relabels,
        )
        return build

    return register


def get_metric(name: str) -> Metric:
    _load_builtin_metrics()
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise KeyError(f"no metric named {name!r}; known metrics: {known}") from None


def all_metrics() -> list[Metric]:
    _load_builtin_metrics()
    return sorted(REGISTRY.values(), key=lambda m: m.name)


def _load_builtin_metrics() -> None:
    """Built-in metric families register themselves on import, as a council's own additions would."""
    from clearsight.metrics import absence, allocation, capacity, caseload, cost, quality, reconciliation  # noqa: F401
    from clearsight.metrics import flow, looked_after, monthly, plausibility, workforce  # noqa: F401
    from clearsight.metrics import recording, reviews, supervision, timeliness, visits  # noqa: F401
