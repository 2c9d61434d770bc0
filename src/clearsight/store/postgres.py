"""PostgreSQL as the server back end: a connection that speaks the part of DuckDB's connection interface the
store uses, so snapshots, benchmarks, the calendar and the migrations are written once.

Why PostgreSQL: DuckDB lets one process write a file and nobody read it meanwhile (engineering.md trap 3), so
a council running several application processes, or loading while many read, points Clearsight at a
PostgreSQL database instead (`--db postgresql://user@host/dbname`). Store statements are written in DuckDB's
SQL with `?` parameters and translated once each by SQLGlot (DOUBLE becomes DOUBLE PRECISION, `?` a bound
parameter); metric SQL is compiled by Ibis for PostgreSQL directly (metrics/sql.py). Loads stage and validate
in an in-memory DuckDB, then write the snapshot here in one transaction (store/load.py): readers see the
previous snapshot until it commits.
"""

from __future__ import annotations

import io
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Self

import pyarrow as pa

if TYPE_CHECKING:
    import psycopg

URL_SCHEMES = ("postgresql://", "postgres://")
_MARK = "__clearsight_parameter__"


def is_postgres_url(db: object) -> bool:
    """True when `--db` names a PostgreSQL database rather than a DuckDB file."""
    return isinstance(db, str) and db.startswith(URL_SCHEMES)


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """DuckDB SQL with `?` or `$name` parameters as PostgreSQL SQL with psycopg's `%s` or `%(name)s` (and then
    every literal % doubled, as psycopg reads it)."""
    import sqlglot  # here: a DuckDB command never needs it (a sixth of a second)
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    placeholders = list(tree.find_all(exp.Placeholder))
    for i, node in enumerate(placeholders):
        node.replace(exp.Var(this=f"{_MARK}{i}_"))
    text = tree.sql(dialect="postgres")
    if not placeholders:
        return text
    text = text.replace("%", "%%")
    for i, node in enumerate(placeholders):
        name = node.args.get("this")
        text = text.replace(f"{_MARK}{i}_", f"%({name})s" if name else "%s")
    return text


class Result:
    """Rows of one statement, fetched like DuckDB's."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall()

    def arrow(self) -> pa.Table:
        return to_arrow(self, None)


class _Idle:
    """Sessions closed by their cursor's user, kept to be handed out again (opening one costs a round trip and
    the server's authentication: milliseconds a page would pay each time)."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self.sessions: list[PostgresConnection] = []
        self.lock = threading.Lock()


class PostgresConnection:
    """One session with the database, in autocommit mode: the store's own BEGIN/COMMIT/ROLLBACK make its
    transactions, as on DuckDB. `lock` serialises threads sharing the session; `cursor()` gives a session of
    its own (DuckDB's cursors are independent connections too), reusing one an earlier cursor closed."""

    dialect = "postgres"

    def __init__(self, url: str, idle: _Idle | None = None) -> None:
        import psycopg  # here, not at the top: DuckDB users never pay for importing it
        from psycopg.types.string import TextLoader

        self.url = url
        self._home = idle  # where `close` returns this session: set when it came from `cursor()`
        self._cursors = idle or _Idle()  # sessions `cursor()` hands out
        self._con = psycopg.connect(url, autocommit=True)
        self._con.adapters.register_loader("json", TextLoader)  # the snapshot report is parsed by the store
        self._con.adapters.register_loader("jsonb", TextLoader)
        self.lock = threading.RLock()

    def execute(self, sql: str, parameters: Any = None) -> Result:
        """Run one statement written in DuckDB's SQL."""
        with self.lock:
            cursor = self._con.cursor()
            cursor.execute(translate(sql), parameters)  # type: ignore[arg-type]
        return Result(cursor)

    def execute_native(self, sql: str, parameters: Any = None) -> Result:
        """Run one statement already in PostgreSQL's SQL (psycopg placeholders)."""
        with self.lock:
            cursor = self._con.cursor()
            cursor.execute(sql, parameters)  # type: ignore[arg-type]
        return Result(cursor)

    def executemany(self, sql: str, rows: list[Any]) -> None:
        with self.lock:
            self._con.cursor().executemany(translate(sql), rows)  # type: ignore[arg-type]

    def cursor(self) -> PostgresConnection:
        with self._cursors.lock:
            if self._cursors.sessions:
                return self._cursors.sessions.pop()
        return PostgresConnection(self.url, self._cursors)

    def close(self) -> None:
        """End the session; a cursor's goes back to be reused when it is healthy and outside a transaction."""
        from psycopg.pq import TransactionStatus

        idle = self._home
        if idle is not None and not self._con.closed and self._con.info.transaction_status == TransactionStatus.IDLE:
            with idle.lock:
                if len(idle.sessions) < idle.size and self not in idle.sessions:
                    idle.sessions.append(self)
                    return
        if idle is None:  # the session cursors came from: theirs end with it
            with self._cursors.lock:
                kept, self._cursors.sessions = self._cursors.sessions, []
            for session in kept:
                session._con.close()
        self._con.close()

    @property
    def closed(self) -> bool:
        return self._con.closed

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def copy_arrow(self, table: str, rows: pa.Table, columns: list[str] | None = None) -> None:
        """Append Arrow rows to `table` with COPY (CSV: an unquoted empty cell is NULL, a quoted one '')."""
        import pyarrow.csv as pa_csv

        if rows.num_rows == 0:
            return
        names = columns or rows.column_names
        buffer = io.BytesIO()
        pa_csv.write_csv(rows, buffer, pa_csv.WriteOptions(include_header=False))
        target = ", ".join(_quote(n) for n in names)
        with self.lock, self._con.cursor().copy(f"COPY {_quote(table)} ({target}) FROM STDIN (FORMAT csv)") as copy:
            view = buffer.getbuffer()
            for start in range(0, len(view), 1 << 20):
                copy.write(view[start:start + (1 << 20)])

    def temp_table(self, name: str, rows: pa.Table) -> None:
        """`rows` as a temporary table of this session, which hides a stored table of the same name (PostgreSQL
        searches pg_temp first)."""
        columns = ", ".join(f"{_quote(f.name)} {_pg_type(f.type)}" for f in rows.schema)
        with self.lock:
            self._con.execute(f"DROP TABLE IF EXISTS pg_temp.{_quote(name)}")
            self._con.execute(f"CREATE TEMP TABLE {_quote(name)} ({columns})")
            self.copy_arrow(name, rows)

    def drop_temp_table(self, name: str) -> None:
        with self.lock:
            self._con.execute(f"DROP TABLE IF EXISTS pg_temp.{_quote(name)}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_type(arrow: pa.DataType) -> str:
    """The PostgreSQL column type holding an Arrow type's values."""
    if pa.types.is_boolean(arrow):
        return "BOOLEAN"
    if pa.types.is_integer(arrow):
        return "BIGINT"
    if pa.types.is_floating(arrow) or pa.types.is_decimal(arrow):
        return "DOUBLE PRECISION"
    if pa.types.is_date(arrow):
        return "DATE"
    if pa.types.is_timestamp(arrow):
        return "TIMESTAMP"
    return "TEXT"


# PostgreSQL's built-in type OIDs -> the Arrow type DuckDB gives the same SQL type.
_ARROW_TYPES = {
    16: pa.bool_(), 20: pa.int64(), 21: pa.int64(), 23: pa.int64(), 700: pa.float64(), 701: pa.float64(),
    1700: pa.float64(), 1082: pa.date32(), 1114: pa.timestamp("us"), 25: pa.string(), 1043: pa.string(),
}


def to_arrow(result: Result, schema: pa.Schema | None) -> pa.Table:
    """A result's rows as Arrow: typed by `schema` (what Ibis declared the metric's columns to be, so both back
    ends give the same types) where given, else by each column's PostgreSQL type."""
    rows = result.fetchall()
    names = [d.name for d in result.description]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = []
    for i, (name, values) in enumerate(zip(names, columns, strict=True)):
        if schema is not None:
            target = schema.field(name).type
        else:
            target = _ARROW_TYPES.get(result.description[i].type_code, pa.string())
        if pa.types.is_integer(target):  # numeric sums come as Decimal
            values = tuple(None if v is None else int(v) for v in values)
        elif pa.types.is_floating(target):
            values = tuple(None if v is None else float(v) for v in values)
        arrays.append(pa.array(list(values), type=target))
    return pa.table(arrays, names=names)
