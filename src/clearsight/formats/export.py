"""Writing a snapshot back out in a council return format, as the council's case system would produce it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb

from clearsight.canonical.dates import year_ending_31_march
from clearsight.formats.annex_a_writer import write_annex_a
from clearsight.formats.cin_census_writer import write_cin_census
from clearsight.formats.csc_api_writer import write_csc_api
from clearsight.formats.ssd_writer import write_ssd
from clearsight.formats.ssda903_writer import write_ssda903
from clearsight.store.snapshots import Snapshot

Writer = Callable[[duckdb.DuckDBPyConnection, Snapshot, Path, date | None], dict[str, int]]
WRITERS: dict[str, Writer] = {
    "annex-a": lambda con, snap, out, as_at: {f"List {k}": v for k, v in write_annex_a(con, snap, out, as_at).items()},
    "ssda903": lambda con, snap, out, as_at: write_ssda903(  # the return for the year to the last 31 March
        con, snap, out, year_ending_31_march(as_at or snap.extract_date)),
    "ssd": lambda con, snap, out, as_at: write_ssd(con, snap, out),
    "csc-api": lambda con, snap, out, as_at: write_csc_api(con, snap, out),
    "cin": write_cin_census,
}


def export_snapshot(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, fmt: str, out: Path,
                    as_at: date | None = None) -> dict[str, int]:
    """Rows written per list or table; Annex A lists are as at `as_at` (default: the extract date)."""
    if fmt not in WRITERS:
        raise ValueError(f"--format {fmt[:40]!r}: expected one of {', '.join(WRITERS)}")
    return WRITERS[fmt](con, snapshot, out, as_at)
