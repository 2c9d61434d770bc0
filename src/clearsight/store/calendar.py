"""The working-day calendar table every timeliness metric joins to.

`working_calendar(day DATE, is_working BOOLEAN, working_day_number BIGINT)` holds one row per day from
2000-01-01 to 2040-12-31; `working_day_number` counts the working days up to and including `day` (England and
Wales bank holidays from the `holidays` package, plus the council's closure days). `working_calendar_meta`
records a hash of what it was built from, so a change of closure days rebuilds it and nothing else does.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import weakref
from functools import lru_cache

import duckdb
import pyarrow as pa

from clearsight.canonical.calendar import CALENDAR_FIRST, CALENDAR_LAST, CALENDAR_TABLE, working_calendar
from clearsight.config import CouncilConfig
from clearsight.config.settings import CalendarSettings
from clearsight.store import cache
from clearsight.store.arrow_scan import register_once
from clearsight.store.postgres import PostgresConnection

META_TABLE = f"{CALENDAR_TABLE}_meta"


@lru_cache(maxsize=1)
def _holidays_version() -> str:
    """The `holidays` package's version, read without importing it (a tenth of a second)."""
    return importlib.metadata.version("holidays")


def calendar_hash(config: CouncilConfig | CalendarSettings) -> str:
    """What the table's content depends on: range, country, subdivision, closure days, holidays version."""
    c = config.calendar if isinstance(config, CouncilConfig) else config
    spec = {
        "first": CALENDAR_FIRST.isoformat(), "last": CALENDAR_LAST.isoformat(), "country": c.country,
        "subdivision": c.subdivision, "closures": sorted(d.isoformat() for d in set(c.closure_days)),
        "holidays": _holidays_version(),
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def _stored_hash(con: duckdb.DuckDBPyConnection | PostgresConnection) -> str | None:
    if isinstance(con, PostgresConnection):
        found = con.execute(f"SELECT to_regclass('{META_TABLE}') IS NOT NULL AND to_regclass('{CALENDAR_TABLE}') "
                            "IS NOT NULL").fetchone()
        row = con.execute(f"SELECT hash FROM {META_TABLE}").fetchone() if found and found[0] else None
        return str(row[0]) if row else None
    cursor = con.cursor()  # its own, so threads sharing the connection may ask at once
    try:
        row = cursor.execute(f"SELECT hash FROM {META_TABLE}").fetchone()
        cursor.execute(f"SELECT 1 FROM {CALENDAR_TABLE} LIMIT 1").fetchone()
    except duckdb.CatalogException:
        return None
    return str(row[0]) if row else None


@lru_cache(maxsize=8)
def calendar_rows(settings: CalendarSettings) -> pa.Table:
    """The calendar's rows as Arrow, from the per-user cache when built before (building it takes about half a
    second, most of it in the `holidays` package)."""
    key = calendar_hash(settings)
    stored = cache.read_bytes("calendar", key)
    if stored is not None:
        with contextlib.suppress(pa.ArrowInvalid, OSError):  # a corrupt entry is rebuilt and rewritten below
            return pa.ipc.open_stream(stored).read_all()
    rows = working_calendar(settings.closure_days, settings.country, settings.subdivision).rows()
    table = pa.table({
        "day": pa.array([r[0] for r in rows], pa.date32()),
        "is_working": pa.array([r[1] for r in rows], pa.bool_()),
        "working_day_number": pa.array([r[2] for r in rows], pa.int64()),
    })
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    cache.write_bytes("calendar", key, sink.getvalue().to_pybytes())
    return table


def ensure_calendar(con: duckdb.DuckDBPyConnection | PostgresConnection, config: CouncilConfig) -> bool:
    """Create `working_calendar` when missing or built from other closure days; True when it was (re)built."""
    wanted = calendar_hash(config)
    if _stored_hash(con) == wanted:
        return False
    data = calendar_rows(config.calendar)
    postgres = isinstance(con, PostgresConnection)
    if not postgres:
        register_once(con, "_calendar_rows", data)
    try:
        con.execute("BEGIN TRANSACTION")
        for table in (CALENDAR_TABLE, META_TABLE):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(
            f"CREATE TABLE {CALENDAR_TABLE} "
            "(day DATE NOT NULL, is_working BOOLEAN NOT NULL, working_day_number BIGINT NOT NULL)"
        )
        if postgres:
            con.copy_arrow(CALENDAR_TABLE, data)
        else:
            con.execute(f"INSERT INTO {CALENDAR_TABLE} SELECT day, is_working, working_day_number FROM _calendar_rows")
        con.execute(f"CREATE TABLE {META_TABLE} (hash VARCHAR NOT NULL)")
        con.execute(f"INSERT INTO {META_TABLE} VALUES (?)", [wanted])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        if not postgres:
            con.unregister("_calendar_rows")
    if postgres:
        con.execute(f"ANALYZE {CALENDAR_TABLE}")
    return True


def calendar_tables(con: duckdb.DuckDBPyConnection | PostgresConnection, config: CouncilConfig) -> dict[str, pa.Table]:
    """Arrow tables a query must have registered for `working_calendar` under `config`: none when the database
    holds that calendar (built now if the connection may write), else the calendar itself, which shadows the
    stored one for that query alone (a read-only database cannot be changed, and others may be reading it; on
    PostgreSQL every reader is such a reader: only a load's connection changes the stored calendar)."""
    if _hash_seen_by(con) == calendar_hash(config):
        return {}
    if not isinstance(con, PostgresConnection) and not _read_only(con):
        ensure_calendar(con, config)
        return {}
    return {CALENDAR_TABLE: calendar_rows(config.calendar)}


# What the stored calendar of each read-only DuckDB connection was built from: nothing changes it while the
# connection is open (DuckDB lets no writer in beside a reader), so it is read once, not at every figure.
_READERS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, str | None] = weakref.WeakKeyDictionary()


def _hash_seen_by(con: duckdb.DuckDBPyConnection | PostgresConnection) -> str | None:
    """`_stored_hash`, kept for a read-only DuckDB connection."""
    if isinstance(con, PostgresConnection):
        return _stored_hash(con)
    if con in _READERS:
        return _READERS[con]
    stored = _stored_hash(con)
    if _read_only(con):
        _READERS[con] = stored
    return stored


def _read_only(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.cursor().execute("SELECT current_setting('access_mode')").fetchone()
    return bool(row and row[0] == "read_only")
