"""Computed figures kept beside the database they came from, so a command asking again reads them instead of
running its queries (issue 14 item 3: a repeated `kpis` or `position` is then mostly Python's start-up).

A snapshot never changes once loaded, so a figure for the same snapshot content, metric, dates, team, settings
and code is the same figure. Figures hold records (children's ids, workers' names), so they are kept beside the
database, in `<database>.figures/` under the same owner and permissions, never in the per-user cache, which holds
no data (store/cache.py). Each entry is an Arrow IPC stream in a file named by its key's hash and headed by it,
written to a temporary file then renamed, so a reader sees a whole entry or none; one that cannot be read is
computed again. Deleting the folder only costs time.

Not kept for PostgreSQL (its server caches), where the database's folder cannot be written, or where
`CLEARSIGHT_FIGURE_STORE=off` (benchmarks measuring the queries themselves).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import pyarrow as pa

from clearsight.store import cache
from clearsight.store.database import Connection, database_file

STORE_ENV = "CLEARSIGHT_FIGURE_STORE"
_KIND = "rows"


def store_dir(con: Connection) -> Path | None:
    """The folder keeping figures computed from `con`'s database, or None when none are kept."""
    if os.environ.get(STORE_ENV, "").strip().lower() in ("0", "off", "no", "false"):
        return None
    path = database_file(con)
    return path.with_name(path.name + ".figures") if path is not None else None


def read(con: Connection, key: dict[str, Any]) -> pa.Table | None:
    """The rows kept under `key` for `con`'s database, or None."""
    root = store_dir(con)
    data = cache.read_bytes(_KIND, key, root) if root is not None else None
    if data is None:
        return None
    with contextlib.suppress(pa.ArrowInvalid, OSError):
        return pa.ipc.open_stream(data).read_all()
    return None


def write(con: Connection, key: dict[str, Any], rows: pa.Table) -> bool:
    """Keep `rows` under `key` beside `con`'s database; False when nothing was kept."""
    root = store_dir(con)
    if root is None:
        return False
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, rows.schema) as writer:
        writer.write_table(rows)
    return cache.write_bytes(_KIND, key, sink.getvalue().to_pybytes(), root)
