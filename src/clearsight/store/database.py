"""The one place that opens the database: location, access mode, settings, schema migrations.

Where the database lives: `--db PATH`, else `CLEARSIGHT_DB`, else `./clearsight.duckdb`: a DuckDB file, the
embedded default, or a PostgreSQL URL (`postgresql://user@host/dbname`), the server option for several
application processes (store/postgres.py). On DuckDB, report commands open it
read-only, so any number run at once; loads open it for writing, which DuckDB grants one process at a time and
to nobody while others read (engineering.md trap 3): whoever comes second gets DatabaseBusy, never a wait or a
traceback. Extensions are never downloaded (trap 4): a missing one fails at once instead of hanging on a closed
network. PostgreSQL has no such exclusion: readers and a load run at once, each load in one transaction.
"""

from __future__ import annotations

import gc
import math
import os
import re
import sys
import weakref
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from clearsight.canonical import schema
from clearsight.config import CouncilConfig
from clearsight.store.calendar import ensure_calendar
from clearsight.store.postgres import PostgresConnection, is_postgres_url, to_arrow

DEFAULT_DB = "clearsight.duckdb"

# What the store reads and writes through: a DuckDB connection, or a PostgreSQL one speaking the same subset.
Connection = duckdb.DuckDBPyConnection | PostgresConnection


def database_path(db: str | Path | None = None) -> Path | str:
    """Resolve where the database lives from the option, the environment, then the default: a DuckDB file's
    path, or a PostgreSQL URL as given."""
    location = str(db) if db else os.environ.get("CLEARSIGHT_DB") or DEFAULT_DB
    return location if is_postgres_url(location) else Path(location)


def describe_location(location: Path | str) -> str:
    """The database's location for messages: a URL without its password."""
    if isinstance(location, Path):
        return str(location)
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(location)
    except Exception:  # psycopg raises ProgrammingError for a URL it cannot parse
        return location.split("@")[-1]
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"


def is_postgres(con: Connection) -> bool:
    return isinstance(con, PostgresConnection)


# Exit codes a command ends with when the database cannot be opened (a load's own are 0, 1 left out, 2 rejected).
EXIT_DATABASE_UNUSABLE = 2
EXIT_DATABASE_BUSY = 3


class DatabaseError(Exception):
    """The database cannot be opened as asked; the message is one line for the user."""

    exit_code = EXIT_DATABASE_UNUSABLE


class DatabaseMissing(DatabaseError, FileNotFoundError):
    """No Clearsight database at the path (and the command may not create one)."""


class DatabaseIncompatible(DatabaseError, RuntimeError):
    """A file that is not a Clearsight database, or one written by a newer Clearsight."""


class DatabaseBusy(DatabaseError):
    """Another process holds the database (DuckDB lets one process write, and nobody read meanwhile:
    engineering.md trap 3)."""

    exit_code = EXIT_DATABASE_BUSY


# No downloads (trap 4); and a table name SQL lacks is an error, never a Python variable of the same name found
# by DuckDB's replacement scans.
_SETTINGS = {
    "autoinstall_known_extensions": False, "autoload_known_extensions": False, "python_enable_replacements": False,
}

# How many queries a view runs at once (clearsight.metrics.parallel): `CLEARSIGHT_QUERY_THREADS` (1: one after
# another), by default as many as there are cores, at most `MOST_AT_ONCE`.
THREADS_ENV = "CLEARSIGHT_QUERY_THREADS"
MOST_AT_ONCE = 4  # beyond the cores of a laptop or a small server, queries only wait for each other


def queries_at_once() -> int:
    """How many queries may run at once on a connection."""
    chosen = os.environ.get(THREADS_ENV, "").strip()
    if chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
    return max(1, min(os.cpu_count() or 1, MOST_AT_ONCE))


def threads_per_query() -> int:
    """DuckDB's threads for each query of a reader: the cores shared among the queries run at once. DuckDB splits
    a query by row groups of 122,880 rows, more than most of a council's tables hold, so a second thread on a
    query mostly adds its coordination: on 2 cores the report commands' queries took a quarter more CPU with two
    threads each than with one, and no less time with two of them running at once."""
    return max(1, (os.cpu_count() or 1) // queries_at_once())


def open_database(
    db: str | Path | None = None, *, write: bool = False, create: bool = False, config: CouncilConfig | None = None
) -> Connection:
    """Open the database read-only (any number of readers at once), or for writing (one process, which excludes
    readers), creating it only when `create` (load and demo). A writer brings the schema up to date and stores
    the working-day calendar for `config`; a reader of an older schema has it migrated first.

    Raises DatabaseMissing, DatabaseBusy or DatabaseIncompatible, each with a one-line message.
    """
    if create and not write:
        raise ValueError("only a writer may create the database")
    path = database_path(db)
    if isinstance(path, str):
        return _open_postgres(path, write=write, create=create, config=config)
    if not path.exists():
        if not path.parent.is_dir():
            raise DatabaseMissing(f"{path}: the directory does not exist" if create else
                                  f"{path}: no Clearsight database here (the directory does not exist)")
        if not create:
            raise DatabaseMissing(
                f"{path}: no Clearsight database here; run `clearsight load DIR` or `clearsight demo` first"
            )
    con = _connect(path, read_only=not write)
    _FILES[con] = path.resolve()
    if write:
        _migrate_or_close(con, path)
        ensure_calendar(con, config or CouncilConfig())
        return con
    version = _stored_version(con)
    if version == 0:
        con.close()
        raise DatabaseIncompatible(f"{path} is not a Clearsight database")
    if version < schema.SCHEMA_VERSION:  # written by an older Clearsight: upgrade it once, then read
        con.close()
        upgrade = _connect(path, read_only=False)
        _migrate_or_close(upgrade, path)
        upgrade.close()
        con = _connect(path, read_only=True)
        _FILES[con] = path.resolve()
    elif version > schema.SCHEMA_VERSION:
        con.close()
        raise DatabaseIncompatible(f"{path}: {_too_new(version)}")
    return con


# The file each DuckDB connection `open_database` made reads (figures computed from it are kept beside it).
_FILES: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, Path] = weakref.WeakKeyDictionary()


def database_file(con: Connection) -> Path | None:
    """The DuckDB file `con` was opened on by `open_database`; None for PostgreSQL or another connection."""
    return None if isinstance(con, PostgresConnection) else _FILES.get(con)


# DuckDB keeps one instance per file in a process and refuses a connection in the other mode while one lives:
# a reader in the process writing the file (`demo` loads, then reports) reads through the writer's instance.
_WRITERS: dict[Path, weakref.ref[duckdb.DuckDBPyConnection]] = {}


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    key = path.resolve()
    writer = _WRITERS[key]() if key in _WRITERS else None
    if read_only and writer is not None:
        try:
            return writer.cursor()
        except duckdb.ConnectionException:  # closed since
            del _WRITERS[key]
    # A load runs one big query at a time and keeps DuckDB's threads; a reader's queries run several at once.
    settings = _SETTINGS | ({"threads": threads_per_query()} if read_only else {})
    try:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=settings)
        except duckdb.ConnectionException:  # a connection in the other mode may only await collection
            gc.collect()
            con = duckdb.connect(str(path), read_only=read_only, config=settings)
    except duckdb.ConnectionException:
        raise DatabaseBusy(f"{path}: open in another mode by this process") from None
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseBusy(
                f"{path}: a load is in progress; try again or use `clearsight serve`" if read_only else
                f"{path}: in use by another Clearsight command; try again when it has finished"
            ) from None
        if "not a valid DuckDB database" in str(exc):
            raise DatabaseIncompatible(f"{path} is not a Clearsight database (not a DuckDB file)") from None
        raise DatabaseMissing(f"{path}: cannot be opened ({str(exc)[:200]})") from None
    if not read_only:
        _WRITERS[key] = weakref.ref(con)
    return con


def _open_postgres(url: str, *, write: bool, create: bool, config: CouncilConfig | None) -> PostgresConnection:
    """A PostgreSQL database: the database itself is made by its administrator; Clearsight creates its tables
    in it (load and demo) and migrates them. No process excludes another: a reader never waits for a load."""
    import psycopg

    where = describe_location(url)
    try:
        con = PostgresConnection(url)
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())[:200]
        raise DatabaseMissing(f"{where}: cannot connect to PostgreSQL ({reason})") from None
    version = _stored_version(con)
    if version == 0 and not create:
        con.close()
        raise DatabaseMissing(
            f"{where}: no Clearsight database here (no Clearsight tables in it); run `clearsight load DIR` or "
            "`clearsight demo` first"
        )
    if version != schema.SCHEMA_VERSION:
        _migrate_or_close(con, where)
    if write:
        ensure_calendar(con, config or CouncilConfig())
    return con


def _migrate_or_close(con: Connection, path: Path | str) -> None:
    try:
        migrate(con)
    except RuntimeError as exc:
        con.close()
        raise DatabaseIncompatible(f"{path}: {exc}") from None


def _stored_version(con: Connection) -> int:
    """The schema version, without creating anything (0 when the file has no Clearsight schema)."""
    if isinstance(con, PostgresConnection):
        found = con.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
        if not found or not found[0]:
            return 0
        row = con.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 0
    try:
        row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    except duckdb.CatalogException:
        return 0
    return int(row[0]) if row and row[0] is not None else 0


def _too_new(version: int) -> str:
    return f"database schema version {version} is newer than this Clearsight ({schema.SCHEMA_VERSION})"


def connect(db: str | Path | None = None, *, read_only: bool = False) -> Connection:
    """Open the database, creating and migrating it unless read-only (`open_database` for commands, which
    must not create one by mistake)."""
    return open_database(db, write=not read_only, create=not read_only)


def _canonical_ddl(table: schema.Table) -> str:
    cols = [f'"{c.name}" {schema.SQL_TYPES[c.type]}' for c in table.columns]
    cols += [f"{name} {sql_type}" for name, sql_type in schema.PROVENANCE_COLUMNS]
    return f'CREATE TABLE IF NOT EXISTS "{table.name}" ({", ".join(cols)})'


def _v1(con: Connection) -> None:
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


def _v2(con: Connection) -> None:
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


def _v3(con: Connection) -> None:
    """The SSDA903 tables held since issue 15: missing episodes, UASC, adoption and previous permanence."""
    for name in ("missing_episode", "uasc", "adoption", "previous_permanence"):
        con.execute(_canonical_ddl(schema.table(name)))


def _v4(con: Connection) -> None:
    """The web application's accounts and its append-only audit log of every view of personal records,
    drill-through and export (issue 16). Portable SQL: the same tables on PostgreSQL."""
    con.execute("CREATE SEQUENCE IF NOT EXISTS audit_seq START 1")
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS app_user (
            username TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL,
            team TEXT,
            services TEXT,
            disabled BOOLEAN NOT NULL DEFAULT FALSE,
            created_at TIMESTAMP NOT NULL
        )
        """
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS audit_log (
            entry_id BIGINT PRIMARY KEY,
            logged_at TIMESTAMP NOT NULL,
            username TEXT NOT NULL,
            role TEXT NOT NULL,
            action TEXT NOT NULL,
            route TEXT NOT NULL,
            view TEXT,
            snapshot_id BIGINT,
            record_ids TEXT NOT NULL
        )
        """
    )


def _v5(con: Connection) -> None:
    """What-if scenarios saved by name for a council (the scenario as TOML), and the proposed service change in
    the alerts' change register each is attached to (issue 19). Portable SQL (a PostgreSQL back end too)."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS scenario (
            scenario_id BIGINT PRIMARY KEY,
            council TEXT NOT NULL,
            name TEXT NOT NULL,
            definition TEXT NOT NULL,
            change_id BIGINT,
            saved_at TIMESTAMP NOT NULL,
            UNIQUE (council, name)
        )
        """
    )


def _v6(con: Connection) -> None:
    """The service's own commentary on a pack's chapter for a month, carried into the pack as written, never
    generated (issue 18). Portable SQL (a PostgreSQL back end too)."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS pack_commentary (
            council TEXT NOT NULL,
            pack TEXT NOT NULL,
            chapter TEXT NOT NULL,
            month TEXT NOT NULL,
            body TEXT NOT NULL,
            author TEXT NOT NULL,
            written_at TIMESTAMP NOT NULL,
            PRIMARY KEY (council, pack, chapter, month)
        )
        """
    )


def _v7(con: Connection) -> None:
    """Alerts and the registers that share their owners, deadlines and escalation (issue 17): one row per alert
    (a rule's condition for one council, service, team or worker, or a register entry) and its history of
    events. Portable SQL (the same tables on PostgreSQL); ids are given by the one writer."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS alert (
            alert_id BIGINT PRIMARY KEY,
            council TEXT NOT NULL,
            kind TEXT NOT NULL,
            rule TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_name TEXT NOT NULL,
            team_id TEXT,
            service TEXT,
            title TEXT NOT NULL,
            severity TEXT NOT NULL,
            status TEXT NOT NULL,
            owner_role TEXT NOT NULL,
            escalation TEXT NOT NULL,
            response_working_days INTEGER NOT NULL,
            raised_on DATE NOT NULL,
            due_on DATE NOT NULL,
            last_held_on DATE NOT NULL,
            value DOUBLE,
            threshold DOUBLE,
            snapshot_id BIGINT,
            evidence TEXT NOT NULL,
            detail TEXT NOT NULL,
            resolved_on DATE,
            resolution TEXT
        )
        """
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS alert_event (
            alert_id BIGINT NOT NULL,
            seq INTEGER NOT NULL,
            event_day DATE NOT NULL,
            recorded_at TIMESTAMP NOT NULL,
            event TEXT NOT NULL,
            role TEXT,
            by_user TEXT,
            note TEXT,
            due_on DATE,
            delivered BOOLEAN NOT NULL,
            PRIMARY KEY (alert_id, seq)
        )
        """
    )


def _v8(con: Connection) -> None:
    """The SSDA903 fields a return needs that the canonical tables lacked (issue 15 item 6): the child's UPN,
    MOTHER and MC_DOB; an episode's reason for a placement change, its home and placement postcodes and the placement's URN."""
    for table, names in schema.ADDED_COLUMNS.items():
        for column in schema.table(table).columns:
            if column.name in names:
                con.execute(f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "{column.name}" '
                            f"{schema.SQL_TYPES[column.type]}")


def _v9(con: Connection) -> None:
    """The improvement plan (issue 18 item 4): the council's actions, edited in place, and each month's progress
    as it was recorded then (the figure, the target and due date it was rated against, and the RAG), so that a
    later edit or a newer extract never rewrites what scrutiny was told. Portable SQL (a PostgreSQL back end too)."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS plan_action (
            council TEXT NOT NULL,
            action_id TEXT NOT NULL,
            theme TEXT NOT NULL,
            recommendation TEXT NOT NULL,
            action TEXT NOT NULL,
            owner TEXT NOT NULL,
            milestone TEXT NOT NULL,
            due_date DATE NOT NULL,
            kpi TEXT,
            target DOUBLE,
            changed_at TIMESTAMP NOT NULL,
            PRIMARY KEY (council, action_id)
        )
        """
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS plan_progress (
            council TEXT NOT NULL,
            month TEXT NOT NULL,
            action_id TEXT NOT NULL,
            theme TEXT NOT NULL,
            action TEXT NOT NULL,
            kpi TEXT,
            value DOUBLE,
            target DOUBLE,
            due_date DATE NOT NULL,
            rag TEXT NOT NULL,
            as_at DATE NOT NULL,
            snapshot_id BIGINT,
            recorded_at TIMESTAMP NOT NULL,
            PRIMARY KEY (council, month, action_id)
        )
        """
    )


# The alert tables alone, for a replay's scratch store.
create_alert_tables = _v7

# Ordered migrations: index i upgrades a database at version i to version i + 1. Each runs on DuckDB and on
# PostgreSQL: write DuckDB's SQL in portable types (BIGINT, DOUBLE, VARCHAR or TEXT, DATE, TIMESTAMP, BOOLEAN,
# JSON) with `?` parameters, one statement per `execute`; SQLGlot translates it for PostgreSQL.
MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9)
assert len(MIGRATIONS) == schema.SCHEMA_VERSION


def schema_version(con: Connection) -> int:
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


_MIGRATION_LOCK = 0x436C_6561_7273  # "Clears": the advisory lock key migrations take on PostgreSQL


def migrate(con: Connection) -> int:
    """Bring the database to the package's schema version, each step in its own transaction; a new database
    in one (a failure leaves it empty, as a failing first step would; one commit, not one a step, each
    written to disk: a thirtieth of a second of a small load). On PostgreSQL, where several processes may open
    the database at once, one migrates while the others wait (a session lock), then find nothing left to do."""
    if isinstance(con, PostgresConnection):
        con.execute(f"SELECT pg_advisory_lock({_MIGRATION_LOCK})").fetchone()
    try:
        current = schema_version(con)
        if current > schema.SCHEMA_VERSION:
            raise RuntimeError(_too_new(current))
        steps = [range(current, schema.SCHEMA_VERSION)] if current == 0 else [
            range(version, version + 1) for version in range(current, schema.SCHEMA_VERSION)]
        for step in steps:
            con.execute("BEGIN")
            try:
                for version in step:
                    MIGRATIONS[version](con)
                    con.execute("INSERT INTO schema_version VALUES (?)", [version + 1])
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
    finally:
        if isinstance(con, PostgresConnection):
            con.execute(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK})").fetchone()
    return schema.SCHEMA_VERSION



def arrow_tables_are_cheap() -> bool:
    """Whether handing Arrow tables to DuckDB costs nothing more in this process. DuckDB imports
    `pyarrow.dataset`, which imports pandas, to read any Python object: over half a second, more than a report
    command's queries, so a command that has not imported pandas computes from the records instead (a server
    pays the import once)."""
    return "pandas" in sys.modules


def query_arrow(
    con: Connection, sql: str, tables: dict[str, pa.Table] | None = None,
    parameters: dict[str, Any] | None = None, schema: pa.Schema | None = None,
) -> pa.Table:
    """Run SQL on a cursor of its own (safe beside other threads), with `parameters` bound by DuckDB to the
    SQL's `$name`s, and return an Arrow table.

    On PostgreSQL the SQL was compiled for it (parameters as psycopg's `%(name)s`, bound by the server), the
    `tables` are temporary tables of the session for this query alone, and the rows are typed by `schema`
    (what Ibis declared), so both back ends give the same Arrow types.

    The values are set as the cursor's variables, each written as a typed SQL literal (`sql_literal`), and the
    SQL reads them where it names its parameters (`_run`): never spliced into the statement. (DuckDB's Python
    client binds parameters too, but imports pandas to do so, which costs a command more than half a second.)

    DuckDB sums BIGINTs into HUGEINT, which reaches Arrow as decimal128; Ibis typed those sums as int64, so
    whole decimals come back as int64 and the rest as float64, as the metric declared them.
    """
    if isinstance(con, PostgresConnection):
        return _query_postgres(con, sql, tables or {}, parameters, schema)
    cursor = con.cursor()
    try:
        for name, rows in (tables or {}).items():  # Arrow tables the SQL reads by name, seen by this cursor only
            cursor.register(name, rows)
        table = _run(cursor, sql, parameters).to_arrow_table()
    finally:
        cursor.close()
    for i, col in enumerate(table.schema):
        if pa.types.is_decimal(col.type):
            read = _decimals_from_buffers(table.column(i))
            cast = read if read is not None else table.column(i).cast(pa.int64() if col.type.scale == 0 else
                                                                      pa.float64())
            table = table.set_column(i, col.name, cast)
    return table


# The largest whole number a double holds exactly: up to it Arrow casts a decimal to a double in one step.
_EXACT_IN_A_DOUBLE = 2**53


def _decimals_from_buffers(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """A decimal128 column as Arrow's cast makes it, read from its buffers: of scale 0 as int64 (each value's low
    64 bits, when the high 64 are only its sign, so every value fits), of a larger scale as float64 when every
    value's digits are under 2**53, each worked out as Arrow does there (the digits as a double times the power
    of ten as a double, the sign put back after); else None, and Arrow's cast decides. Arrow's own cast imports
    pyarrow.compute, a twentieth of a second of every command that sums a count or reads a setting's fraction
    (DuckDB types 0.2 as DECIMAL(2,1))."""
    scale = column.type.scale
    target = pa.int64() if scale == 0 else pa.float64()
    chunks = []
    for chunk in column.chunks:
        if chunk.offset or sys.byteorder != "little" or scale < 0:
            return None
        validity, data = chunk.buffers()
        words = np.frombuffer(data, dtype=np.int64, count=2 * len(chunk))
        low, high = words[0::2].copy(), words[1::2]
        if validity is not None:  # a null's slot holds anything: zero it, and check the values only
            valid = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")[:len(chunk)] == 1
            low[~valid] = 0
            high = np.where(valid, high, 0)
        if not np.array_equal(high, low >> 63):
            return None
        values = low
        if scale:
            if np.any((low >= _EXACT_IN_A_DOUBLE) | (low <= -_EXACT_IN_A_DOUBLE)):
                return None
            values = np.abs(low).astype(np.float64) * float(f"1e-{scale}")
            values[low < 0] *= -1
        chunks.append(pa.Array.from_buffers(target, len(chunk), [validity, pa.py_buffer(values)],
                                            null_count=chunk.null_count))
    return pa.chunked_array(chunks, target)


def _query_postgres(
    con: PostgresConnection, sql: str, tables: dict[str, pa.Table], parameters: dict[str, Any] | None,
    schema: pa.Schema | None,
) -> pa.Table:
    with con.lock:
        for name, rows in tables.items():
            con.temp_table(name, rows)
        try:
            return to_arrow(con.execute_native(sql, parameters), schema)
        finally:
            for name in tables:
                con.drop_temp_table(name)


def fetch_rows(con: Connection, sql: str, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of `sql` with `parameters` bound to its `$name`s: on DuckDB as `query_arrow` binds them (no
    pandas), on PostgreSQL by the server."""
    if isinstance(con, PostgresConnection):
        return con.execute(sql, parameters).fetchall()
    cursor = con.cursor()
    try:
        return _run(cursor, sql, parameters).fetchall()
    finally:
        cursor.close()


def fetch_arrow(con: Connection, sql: str, parameters: dict[str, Any] | None = None) -> pa.Table:
    """The rows of store SQL (written once, in SQL both back ends accept, with `$name` parameters) as Arrow: on
    DuckDB as `query_arrow` reads them, on PostgreSQL translated as `fetch_rows` and typed by each column's
    PostgreSQL type (a numeric sum as float64, where DuckDB's comes as int64)."""
    if isinstance(con, PostgresConnection):
        return to_arrow(con.execute(sql, parameters or None), None)
    return query_arrow(con, sql, parameters=parameters)


def parameter_list(name: str, values: Sequence[Any]) -> tuple[list[str], dict[str, Any]]:
    """Placeholders `$name_0`, `$name_1`, ... for `values`, to write into an `IN (...)` list or `VALUES` rows,
    and the parameters binding them: the two back ends bind a list in no common way, a value each they both do."""
    names = [f"{name}_{i}" for i in range(len(values))]
    return [f"${n}" for n in names], dict(zip(names, values, strict=True))


def _run(cursor: duckdb.DuckDBPyConnection, sql: str, parameters: dict[str, Any] | None) -> duckdb.DuckDBPyConnection:
    """Run `sql` with its `$name` parameters read from the cursor's variables, set to `parameters` first, in one
    call. DuckDB folds a variable into the plan as a constant, as a literal, so a date filters the scans; a
    prepared statement would be planned twice (PREPARE, then again at each EXECUTE with its values), a tenth
    of a report's queries' time."""
    if not parameters:
        return cursor.execute(sql)
    for name in parameters:
        if not name.isidentifier():
            raise ValueError(f"parameter name {name!r} is not an identifier")
    values = "".join(f"SET VARIABLE {name} = {sql_literal(value)};\n" for name, value in parameters.items())
    return cursor.execute(values + reading_variables(sql, tuple(parameters)))


@lru_cache(maxsize=512)
def reading_variables(sql: str, names: tuple[str, ...]) -> str:
    """`sql` with each `$name` of `names` outside its quoted text read from the variable of that name."""
    parameter = re.compile(r"\$(" + "|".join(map(re.escape, names)) + r")(?![A-Za-z0-9_])")
    parts = sql.split("'")  # even parts are outside quotes (a doubled quote leaves an empty part between)
    parts[::2] = [parameter.sub(r"getvariable('\1')", part) for part in parts[::2]]
    return "'".join(parts)


def sql_literal(value: Any) -> str:
    """`value` as a SQL literal of its own type: text quoted with every quote doubled (the only escape in
    standard SQL and DuckDB), dates and timestamps typed, whole numbers as written. Other types are refused,
    never turned into text. (SQLGlot writes the same literals but takes a sixth of a second to import.)"""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"CAST('{value}' AS DOUBLE)"
    if isinstance(value, datetime):
        return f"CAST('{value.isoformat(sep=' ')}' AS TIMESTAMP)"
    if isinstance(value, date):
        return f"CAST('{value.isoformat()}' AS DATE)"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for a {type(value).__name__}")
