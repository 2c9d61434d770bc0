"""England's and the statistical neighbours' figures for a view, from one place: the benchmark table, with the
built-in DfE figures where none is loaded, for the year matching the figure's period."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from clearsight.reports.request import Request
from clearsight.render.values import percent
from clearsight.store.benchmarks import Benchmark, benchmark_for


def comparator(req: Request, indicator: str, end: date, start: date | None = None) -> Benchmark | None:
    """The published figures of the year matching the period start..end (or the date `end`) to set beside
    the council's `indicator` (`benchmark_for`: never the latest year for every period)."""
    return benchmark_for(req.con, indicator, end, period_start=start, config=req.config)


def england_text(req: Request, indicator: str, end: date, start: date | None = None) -> str:
    """'England 15.9%, 2023' for a rate indicator, or 'no England figure for the year to ...' (the years held
    are in the benchmark's note, for analysts)."""
    b = comparator(req, indicator, end, start)
    if b is None:
        return "no published England figure"
    if b.england is None:
        return f"no England figure for {b.covers}"
    return f"England {percent(b.england)}, {b.period}"


def no_england_note(rows: Iterable[dict[str, Any]], england: str) -> tuple[str, ...]:
    """Under a table whose England column (`england`, with `england_year` beside it) is empty on every row, why:
    none is held for the publication year the figures fall in, and how to add it. Empty otherwise."""
    rows = list(rows)
    if not rows or any(r.get(england) is not None for r in rows):
        return ()
    years = sorted({str(r["england_year"]) for r in rows if r.get("england_year")})
    which = f"for {' or '.join(years)}, the publication year these figures fall in" if years else "for these figures"
    return (f"No England figure is held {which}: DfE's are loaded with `clearsight benchmarks load`.",)
