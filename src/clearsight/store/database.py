"""The one place that opens DuckDB: location, settings, schema migrations.

Where the database lives: `--db PATH`, else `CLEARSIGHT_DB`, else `./clearsight.duckdb`. Extensions are never
downloaded (engineering.md trap 4): a missing one fails at once instead of hanging on a closed network.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa

from clearsight.canonical import schema

DEFAULT_DB = "clearsight.duckdb"


def database_path(db: str | Path | None = None) -> Path:
    """Resolve where the database lives from the option, the environment, then the default."""
    return Path(db or os.environ.get("CLEARSIGHT_DB") or DEFAULT_DB)


def connect(db: str | Path | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database (creating and migrating it unless read-only)."""
    path = database_path(db)
    if read_only and not path.exists():
        raise FileNotFoundError(f"{path}: no Clearsight database here (run `clearsight load` first)")
    con = duckdb.connect(
        str(path),
        read_only=read_only,
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    if not read_only:
        migrate(con)
    return con


def _canonical_ddl(table: schema.Table) -> str:
    cols = [f'"{c.name}" {schema.SQL_TYPES[c.type]}' for c in table.columns]
    cols += [f"{name} {sql_type}" for name, sql_type in schema.PROVENANCE_COLUMNS]
    return f'CREATE TABLE IF NOT EXISTS "{table.name}" ({", ".join(cols)})'


def _v1(con: duckdb.DuckDBPyConnection) -> None:
    """Snapshots and the canonical tables as declared in schema.py."""
    con.execute("CREATE SEQUENCE IF NOT EXISTS snapshot_seq START 1")
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS snapshot (
            snapshot_id BIGINT PRIMARY KEY,
            council VARCHAR NOT NULL,
            extract_date DATE NOT NULL,
            content_hash VARCHAR NOT NULL UNIQUE,
            source VARCHAR NOT NULL,
            loaded_at TIMESTAMP NOT NULL,
            report JSON NOT NULL
        )
        """
    )
    for table in schema.TABLES:
        con.execute(_canonical_ddl(table))


def _v2(con: duckdb.DuckDBPyConnection) -> None:
    """Benchmarks: published figures for England, regions, statistical neighbours and councils (reference data a
    council loads; not part of any snapshot)."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS benchmark (
            indicator VARCHAR NOT NULL,
            area VARCHAR NOT NULL,
            area_type VARCHAR NOT NULL,
            period VARCHAR NOT NULL,
            value DOUBLE NOT NULL,
            source VARCHAR,
            PRIMARY KEY (indicator, area, period)
        )
        """
    )


def _v3(con: duckdb.DuckDBPyConnection) -> None:
    """The SSDA903 tables held since issue 15: missing episodes, UASC, adoption and previous permanence."""
    for name in ("missing_episode", "uasc", "adoption", "previous_permanence"):
        con.execute(_canonical_ddl(schema.table(name)))


# Ordered migrations: index i upgrades a database at version i to version i + 1.
MIGRATIONS: tuple[Callable[[duckdb.DuckDBPyConnection], None], ...] = (_v1, _v2, _v3)
assert len(MIGRATIONS) == schema.SCHEMA_VERSION


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the database to the package's schema version, each step in its own transaction."""
    current = schema_version(con)
    if current > schema.SCHEMA_VERSION:
        raise RuntimeError(
            f"database schema version {current} is newer than this Clearsight ({schema.SCHEMA_VERSION})"
        )
    for version in range(current, schema.SCHEMA_VERSION):
        con.execute("BEGIN")
        try:
            MIGRATIONS[version](con)
            con.execute("INSERT INTO schema_version VALUES (?)", [version + 1])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return schema.SCHEMA_VERSION



def query_arrow(
    con: duckdb.DuckDBPyConnection, sql: str, tables: dict[str, pa.Table] | None = None
) -> pa.Table:
    """Run SQL on a cursor of its own (safe beside other threads) and return an Arrow table.

    DuckDB sums BIGINTs into HUGEINT, which reaches Arrow as decimal128; Ibis typed those sums as int64, so
    whole decimals come back as int64 and the rest as float64, as the metric declared them.
    """
    cursor = con.cursor()
    for name, rows in (tables or {}).items():  # Arrow tables the SQL reads by name, seen by this cursor only
        cursor.register(name, rows)
    table = cursor.execute(sql).to_arrow_table()
    for i, col in enumerate(table.schema):
        if pa.types.is_decimal(col.type):
            target = pa.int64() if col.type.scale == 0 else pa.float64()
            table = table.set_column(i, col.name, table.column(i).cast(target))
    return table
