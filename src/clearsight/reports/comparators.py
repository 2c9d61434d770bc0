"""England's and the statistical neighbours' figures for a view, from one place: the benchmark table, with the
built-in DfE figures where none is loaded, for the year matching the figure's period."""

from __future__ import annotations

from datetime import date

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
