"""Listings that are not figures: the snapshots loaded and the metric registry, as views like any other."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import duckdb

from clearsight import __version__
from clearsight.config import CouncilConfig
from clearsight.metrics.registry import all_metrics
from clearsight.reports.request import BadRequest, Request, parse_day, unknown
from clearsight.reports.sections import section
from clearsight.reports.view import View, col
from clearsight.store.snapshots import list_snapshots


def snapshots(con: duckdb.DuckDBPyConnection) -> View:
    rows = [{"snapshot": s.snapshot_id, "council": s.council, "extract_date": s.extract_date,
             "loaded_at": s.loaded_at, "rows": sum(s.rows(t) for t in s.report["tables"]), "source": s.source}
            for s in list_snapshots(con)]
    columns = (col("snapshot", "Snapshot"), col("council", "Council"), col("extract_date", "Extract date", "date"),
               col("loaded_at", "Loaded"), col("rows", "Rows", "count"), col("source", "Source"))
    return View("snapshots", "Snapshots", f"{len(rows)} loaded", (), (section("snapshots", "Snapshots", rows,
                                                                               columns),), None)


def metrics() -> View:
    rows = [{"name": m.name, "title": m.title, "unit": m.unit, "definition": m.definition} for m in all_metrics()]
    columns = (col("name", "Name"), col("title", "Title"), col("unit", "Unit"), col("definition", "Definition"))
    return View("metrics", "Metrics", f"{len(rows)} registered", (), (section("metrics", "Metrics", rows, columns),),
                None)


def doctor(path: Path | str) -> View:
    """Versions in use and the database (a DuckDB file or a PostgreSQL URL): what a council's IT team checks
    first."""
    import ibis
    import psycopg
    import sqlglot

    from clearsight.store.database import DatabaseError, describe_location, open_database

    exists = isinstance(path, str) or path.exists()
    try:
        held = str(len(list_snapshots(open_database(path)))) if exists else "none"
    except DatabaseError as exc:  # busy, unreachable or not a Clearsight database: the IT team needs to know
        held = str(exc)
    where = (f"{describe_location(path)} (PostgreSQL server)" if isinstance(path, str) else
             f"{path.resolve()} ({'exists' if exists else 'not created yet'})")
    rows = [{"item": "clearsight", "value": __version__}, {"item": "Python", "value": sys.version.split()[0]},
            {"item": "duckdb", "value": duckdb.__version__}, {"item": "ibis", "value": ibis.__version__},
            {"item": "sqlglot", "value": sqlglot.__version__}, {"item": "psycopg", "value": psycopg.__version__},
            {"item": "database", "value": where}, {"item": "snapshots", "value": held}]
    table = section("doctor", "Versions and database", rows, (col("item", "Item"), col("value", "Value")))
    return View("doctor", "Clearsight doctor", describe_location(path), (), (table,), None)


def metric_sql_text(req: Request, name: str, dialect: str) -> str:
    """The SQL metric `name` runs for this request, in `dialect`, for an analyst to audit or rerun."""
    from clearsight.metrics.figures import expression
    from clearsight.metrics.registry import Scope
    from clearsight.metrics.sql import metric_sql

    check_metric(name)
    scope = Scope(req.snapshot.snapshot_id, req.as_at, req.config, council=req.council)
    return metric_sql(expression(name, scope), dialect)


def check_metric(name: str) -> None:
    names = [m.name for m in all_metrics()]
    if name not in names:
        raise unknown("metric", name, names)


def benchmark_line(con: duckdb.DuckDBPyConnection, indicator: str, on: str | None, config: CouncilConfig) -> str:
    """England, region and the neighbours' median for `indicator` in the publication year holding `on`."""
    from clearsight.store.benchmarks import benchmark_for

    b = benchmark_for(con, indicator, parse_day(on, "--for") if on else date.today(), config=config)
    if b is None:
        raise BadRequest(f"no benchmark for {indicator!r} in any year")
    return (f"{b.indicator} {b.period} ({b.covers}): England {b.england} ({b.england_source or b.note}); "
            f"region {b.region}; statistical neighbours' median {b.neighbours} (of {b.neighbour_count})")
