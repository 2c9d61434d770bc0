"""Arrow tables handed to DuckDB for one scan, without the import DuckDB makes to read them.

DuckDB reads a registered pyarrow Table through `pyarrow.dataset` (for projection and filter pushdown) and
imports it, with `pyarrow.compute`, the first time: 0.06 s of CPU in a new process, a twentieth of a small
load (an Annex A workbook, a CIN census). Registered as its Arrow C stream instead, the table is read as the
record batches it holds, and nothing is imported. A stream is consumed by the first query that scans it, so
this is for rows read once (staged into a table, inserted): a second scan is DuckDB's error ("already been
consumed"), never missing rows.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa


def register_once(con: duckdb.DuckDBPyConnection, name: str, rows: pa.Table) -> None:
    """View `name` over `rows`, for one query to scan (then `con.unregister(name)`)."""
    con.register(name, rows.__arrow_c_stream__())
