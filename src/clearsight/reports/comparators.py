"""England's and the statistical neighbours' figures for a view, from one place: the benchmark table, with the
built-in DfE figures where none is loaded."""

from __future__ import annotations

from clearsight.reports.request import Request
from clearsight.render.values import percent
from clearsight.store.benchmarks import Benchmark, benchmark


def comparator(req: Request, indicator: str) -> Benchmark:
    """The published figures to set beside the council's `indicator`."""
    return benchmark(req.con, req.config, indicator)


def england_text(req: Request, indicator: str) -> str:
    """'England 15.9% (2023)' for a rate indicator, or 'England: no published figure'."""
    b = comparator(req, indicator)
    if b.england is None:
        return "England: no published figure"
    return f"England {percent(b.england)}" + (f", {b.england_period}" if b.england_period else "")
