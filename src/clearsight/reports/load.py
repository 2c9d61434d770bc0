"""What a load did, in words: the snapshot made (or why none was), notes, and every row left out."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Literal

import duckdb

from clearsight.canonical.manifest import MANIFEST_NAME
from clearsight.formats.detect import read_councils
from clearsight.formats.errors import ReaderError
from clearsight.render.values import clean_text
from clearsight.reports.request import BadRequest
from clearsight.store.database import describe_location
from clearsight.store.load import LoadReport, load, load_extract

Kind = Literal["error", "warning"] | None


def load_lines(reports: list[LoadReport], database: Path | str) -> list[tuple[str, Kind]]:
    """The lines to show after a load (one report per council): (text, None for the outcome and notes,
    "warning"/"error" for problems)."""
    return [line for report in reports for line in report_lines(report, database)]


def report_lines(report: LoadReport, database: Path | str) -> list[tuple[str, Kind]]:
    if report.status == "rejected":
        n = sum(p.count for p in report.problems)
        return [(f"Load rejected: {n:,} problem rows in {len(report.problems)} checks; the database is unchanged.",
                 "error"), *((f"  {clean_text(str(p))}", "error") for p in report.problems)]
    if report.status == "already_loaded":
        return [(f"Already loaded as snapshot {report.snapshot_id}: nothing changed.", None)]
    lines: list[tuple[str, Kind]] = [(
        f"Loaded snapshot {report.snapshot_id}: {report.council}, extract date {report.extract_date}, "
        f"{report.rows_loaded:,} rows in {report.seconds:.1f}s into {describe_location(database)}.", None)]
    for table, info in report.tables.items():
        if info.get("extra_columns"):
            lines.append((f"  note: {table}: extra columns ignored: {', '.join(info['extra_columns'])}", None))
    lines += [(f"  note: {clean_text(note)}", None) for note in report.notes]
    if report.rejected:
        n = sum(p.count for p in report.rejected)
        lines.append((f"{n:,} rows were left out (exit code 1):", "warning"))
        lines += [(f"  {clean_text(str(p))}", "warning") for p in report.rejected]
    return lines


def report_json(reports: list[LoadReport]) -> str:
    """The load report as JSON: one object, or a list of one per council when the files named several."""
    def default(value: Any) -> str:
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    data = [r.as_dict() for r in reports]
    return json.dumps(data[0] if len(data) == 1 else data, indent=2, default=default)


def load_sources(con: duckdb.DuckDBPyConnection, paths: list[Path], fmt: str, extract_date: date | None,
                 council: str | None, progress: Callable[..., None]) -> list[LoadReport]:
    """Load a canonical extract (all or nothing) or council files (what can be read, the rest named) as a new
    snapshot of each council they hold (an SSDA903 LA column names several). A reader that cannot start is a
    `BadRequest`; the database is then unchanged."""
    canonical = fmt == "canonical" or (fmt == "auto" and len(paths) == 1 and (paths[0] / MANIFEST_NAME).is_file())
    if canonical:
        if len(paths) != 1:
            raise BadRequest("a canonical extract is one directory; load other sources separately")
        return [load_extract(con, paths[0], progress=progress)]
    try:
        extracts = read_councils(paths, fmt, con, extract_date, council)
    except ReaderError as exc:
        raise BadRequest(f"{exc}; the database is unchanged") from None
    return [load(con, extract, progress=progress) for extract in extracts]
