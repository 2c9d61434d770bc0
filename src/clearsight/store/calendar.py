"""The working-day calendar table every timeliness metric joins to.

`working_calendar(day DATE, is_working BOOLEAN, working_day_number BIGINT)` holds one row per day from
2000-01-01 to 2040-12-31; `working_day_number` counts the working days up to and including `day` (England and
Wales bank holidays from the `holidays` package, plus the council's closure days). `working_calendar_meta`
records a hash of what it was built from, so a change of closure days rebuilds it and nothing else does.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

import duckdb
import holidays
import pyarrow as pa

from clearsight.config import CouncilConfig
from clearsight.config.settings import CalendarSettings
from clearsight.canonical.calendar import CALENDAR_FIRST, CALENDAR_LAST, CALENDAR_TABLE, working_calendar

META_TABLE = f"{CALENDAR_TABLE}_meta"

def calendar_hash(config: CouncilConfig) -> str:
    """What the table's content depends on: range, country, subdivision, closure days, holidays version."""
    c = config.calendar
    spec = {
        "first": CALENDAR_FIRST.isoformat(), "last": CALENDAR_LAST.isoformat(), "country": c.country,
        "subdivision": c.subdivision, "closures": sorted(d.isoformat() for d in set(c.closure_days)),
        "holidays": holidays.__version__,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def _stored_hash(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute(f"SELECT hash FROM {META_TABLE}").fetchone()
        con.execute(f"SELECT 1 FROM {CALENDAR_TABLE} LIMIT 1").fetchone()
    except duckdb.CatalogException:
        return None
    return str(row[0]) if row else None


@lru_cache(maxsize=8)
def _calendar_rows(settings: CalendarSettings) -> pa.Table:
    rows = working_calendar(settings.closure_days, settings.country, settings.subdivision).rows()
    return pa.table({
        "day": pa.array([r[0] for r in rows], pa.date32()),
        "is_working": pa.array([r[1] for r in rows], pa.bool_()),
        "working_day_number": pa.array([r[2] for r in rows], pa.int64()),
    })


def ensure_calendar(con: duckdb.DuckDBPyConnection, config: CouncilConfig) -> bool:
    """Create `working_calendar` when missing or built from other closure days; True when it was (re)built."""
    wanted = calendar_hash(config)
    if _stored_hash(con) == wanted:
        return False
    data = _calendar_rows(config.calendar)
    con.register("_calendar_rows", data)
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(
            f"CREATE OR REPLACE TABLE {CALENDAR_TABLE} "
            "(day DATE NOT NULL, is_working BOOLEAN NOT NULL, working_day_number BIGINT NOT NULL)"
        )
        con.execute(f"INSERT INTO {CALENDAR_TABLE} SELECT day, is_working, working_day_number FROM _calendar_rows")
        con.execute(f"CREATE OR REPLACE TABLE {META_TABLE} (hash VARCHAR NOT NULL)")
        con.execute(f"INSERT INTO {META_TABLE} VALUES (?)", [wanted])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_calendar_rows")
    return True
