"""Where the database lives, and schema migrations that run once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

import clearsight
from clearsight.canonical import schema
from clearsight.store import database
from clearsight.store.database import (
    DEFAULT_DB, EXIT_DATABASE_BUSY, DatabaseBusy, DatabaseIncompatible, DatabaseMissing, connect,
    database_path, migrate, open_database, schema_version, sql_literal,
)


def test_new_database_is_at_the_current_schema_version(backend):
    con = connect(backend.location())
    assert schema_version(con) == schema.SCHEMA_VERSION
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {t.name for t in schema.TABLES} | {"snapshot", "schema_version"} <= tables
    for table in schema.TABLES:
        cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                          "ORDER BY ordinal_position", [table.name]).fetchall()]
        assert cols == [*table.column_names, "snapshot_id", "source_file", "source_row"]


def test_connecting_again_does_not_rerun_migrations(backend, monkeypatch):
    path = backend.location()
    connect(path).close()
    calls = []
    monkeypatch.setattr(database, "MIGRATIONS", tuple(lambda con, f=f: calls.append(f) for f in database.MIGRATIONS))
    con = connect(path)
    assert calls == []
    assert con.execute("SELECT count(*), max(version) FROM schema_version").fetchone() == (
        schema.SCHEMA_VERSION, schema.SCHEMA_VERSION,
    )
    assert migrate(con) == schema.SCHEMA_VERSION
    assert con.execute("SELECT count(*) FROM schema_version").fetchone() == (schema.SCHEMA_VERSION,)


def _failing_last_step(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(con: object) -> None:
        raise RuntimeError("the last step fails")

    monkeypatch.setattr(database, "MIGRATIONS", (*database.MIGRATIONS[:-1], fail))


def test_a_new_database_is_made_in_one_transaction_and_an_upgrade_step_by_step(tmp_path, monkeypatch):
    """A new database gets every step or none (one commit); an older one keeps each step that succeeded."""
    _failing_last_step(monkeypatch)
    con = duckdb.connect(str(tmp_path / "new.duckdb"))
    with pytest.raises(RuntimeError, match="the last step fails"):
        migrate(con)
    assert schema_version(con) == 0
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'snapshot'").fetchone() == (0,)
    older = duckdb.connect(str(tmp_path / "older.duckdb"))
    schema_version(older)
    for version, step in enumerate(database.MIGRATIONS[:-2], 1):
        step(older)
        older.execute("INSERT INTO schema_version VALUES (?)", [version])
    with pytest.raises(RuntimeError, match="the last step fails"):
        migrate(older)
    assert schema_version(older) == schema.SCHEMA_VERSION - 1


def test_data_survives_reconnecting(backend):
    path = backend.location()
    con = connect(path)
    con.execute("INSERT INTO team (team_id, name, service) VALUES ('T1', 'Team', 'cin')")
    con.close()
    assert connect(path).execute("SELECT team_id FROM team").fetchall() == [("T1",)]


def test_a_newer_database_is_refused(backend):
    path = backend.location()
    con = connect(path)
    con.execute("INSERT INTO schema_version VALUES (?)", [schema.SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(RuntimeError, match="newer than this Clearsight"):
        connect(path)


def test_read_only_connect_needs_an_existing_database(tmp_path):
    with pytest.raises(FileNotFoundError, match="no Clearsight database here"):
        connect(tmp_path / "absent.duckdb", read_only=True)
    assert not (tmp_path / "absent.duckdb").exists()
    connect(tmp_path / "present.duckdb").close()
    ro = connect(tmp_path / "present.duckdb", read_only=True)
    assert ro.execute("SELECT max(version) FROM schema_version").fetchone() == (schema.SCHEMA_VERSION,)


def test_migrations_cover_every_version():
    assert len(database.MIGRATIONS) == schema.SCHEMA_VERSION


@pytest.mark.parametrize(
    "option, env, expected",
    [
        pytest.param("given.duckdb", "env.duckdb", Path("given.duckdb"), id="option-beats-env"),
        pytest.param(Path("/data/cs.duckdb"), None, Path("/data/cs.duckdb"), id="option-path"),
        pytest.param(None, "/srv/env.duckdb", Path("/srv/env.duckdb"), id="env-when-no-option"),
        pytest.param(None, None, Path(DEFAULT_DB), id="default"),
        pytest.param(None, "", Path(DEFAULT_DB), id="empty-env-is-unset"),
    ],
)
def test_database_path_resolution(monkeypatch, option, env, expected):
    if env is None:
        monkeypatch.delenv("CLEARSIGHT_DB", raising=False)
    else:
        monkeypatch.setenv("CLEARSIGHT_DB", env)
    assert database_path(option) == expected


def test_connect_uses_clearsight_db(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEARSIGHT_DB", str(tmp_path / "from_env.duckdb"))
    connect().close()
    assert (tmp_path / "from_env.duckdb").is_file()


def test_default_database_is_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("CLEARSIGHT_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    connect().close()
    assert (tmp_path / DEFAULT_DB).is_file()


@contextmanager
def held_by_another_process(path: Path, *, write: bool) -> Iterator[None]:
    """Another process with the database open (a load, when `write`) until the block ends."""
    code = (
        "import sys; from clearsight.store.database import open_database; "
        "con = open_database(sys.argv[1], write=sys.argv[2] == 'write'); print('open', flush=True); sys.stdin.read()"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(clearsight.__file__).parents[1])}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(path), "write" if write else "read"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
        yield
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=60)


def test_readers_share_the_database_and_cannot_write(tmp_path):
    path = tmp_path / "db.duckdb"
    connect(path).close()
    with held_by_another_process(path, write=False):
        con = open_database(path)
        assert con.execute("SELECT max(version) FROM schema_version").fetchone() == (schema.SCHEMA_VERSION,)
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("CREATE TABLE scratch (x INTEGER)")


@pytest.mark.parametrize(("cores", "at_once", "threads"), [(2, None, 1), (8, None, 2), (16, None, 4), (2, "1", 2),
                                                       (None, None, 1)])
def test_a_readers_queries_share_the_cores_among_those_run_at_once(monkeypatch, cores, at_once, threads):
    # 2 cores run 2 queries at once, one thread each; 8 cores 4 (MOST_AT_ONCE) with two each; one at a time, all.
    monkeypatch.setattr("os.cpu_count", lambda: cores)
    if at_once is None:
        monkeypatch.delenv(database.THREADS_ENV, raising=False)
    else:
        monkeypatch.setenv(database.THREADS_ENV, at_once)
    assert database.threads_per_query() == threads


def test_a_reader_runs_each_query_on_its_share_of_the_cores_and_a_load_on_all(tmp_path, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    monkeypatch.delenv(database.THREADS_ENV, raising=False)
    path = tmp_path / "db.duckdb"
    writer = open_database(path, write=True, create=True)
    default = duckdb.connect().execute("SELECT current_setting('threads')").fetchone()
    assert writer.execute("SELECT current_setting('threads')").fetchone() == default  # DuckDB's: every core
    writer.close()
    reader = open_database(path)
    assert reader.execute("SELECT current_setting('threads')").fetchone() == (2,)
    reader.close()


def test_a_reader_while_a_load_holds_the_database_is_told_it_is_busy(tmp_path):
    path = tmp_path / "db.duckdb"
    connect(path).close()
    with held_by_another_process(path, write=True):
        with pytest.raises(DatabaseBusy) as busy:
            open_database(path)
    assert str(busy.value) == f"{path}: a load is in progress; try again or use `clearsight serve`"
    assert busy.value.exit_code == EXIT_DATABASE_BUSY not in (0, 1, 2)
    open_database(path).close()  # and reads once the load has finished


def test_a_load_while_others_read_is_told_it_is_busy(tmp_path):
    path = tmp_path / "db.duckdb"
    connect(path).close()
    with held_by_another_process(path, write=False):
        with pytest.raises(DatabaseBusy, match="in use by another Clearsight command"):
            open_database(path, write=True)


@pytest.mark.parametrize("write", [False, True])
def test_only_a_creating_command_makes_a_database(tmp_path, write):
    with pytest.raises(DatabaseMissing, match="no Clearsight database here; run `clearsight load DIR`"):
        open_database(tmp_path / "typo.duckdb", write=write)
    assert not (tmp_path / "typo.duckdb").exists()
    open_database(tmp_path / "new.duckdb", write=True, create=True).close()
    assert (tmp_path / "new.duckdb").is_file()


def test_a_database_in_a_missing_directory_is_one_clear_line(tmp_path):
    with pytest.raises(DatabaseMissing, match="nowhere/cs.duckdb: the directory does not exist"):
        open_database(tmp_path / "nowhere" / "cs.duckdb", write=True, create=True)
    with pytest.raises(DatabaseMissing, match="no Clearsight database here \\(the directory does not exist\\)"):
        open_database(tmp_path / "nowhere" / "cs.duckdb")
    assert not (tmp_path / "nowhere").exists()


def test_a_file_that_is_not_a_clearsight_database_is_refused(tmp_path):
    (tmp_path / "notes.duckdb").write_text("not a database")
    with pytest.raises(DatabaseIncompatible, match="not a Clearsight database"):
        open_database(tmp_path / "notes.duckdb")
    duckdb.connect(str(tmp_path / "other.duckdb")).execute("CREATE TABLE t (x INTEGER)").close()
    with pytest.raises(DatabaseIncompatible, match="other.duckdb is not a Clearsight database"):
        open_database(tmp_path / "other.duckdb")


def test_a_reader_of_an_older_schema_has_it_upgraded_first(backend):
    path = backend.location()
    con = connect(path)
    con.execute("DELETE FROM schema_version WHERE version = ?", [schema.SCHEMA_VERSION])
    con.close()
    reader = open_database(path)
    assert reader.execute("SELECT max(version) FROM schema_version").fetchone() == (schema.SCHEMA_VERSION,)


def test_a_writer_stores_the_working_day_calendar(backend):
    con = open_database(backend.location(), write=True, create=True)
    assert con.execute("SELECT count(*) > 0 FROM working_calendar").fetchone() == (True,)


def test_sql_literals_read_back_as_the_values_written():
    """Parameters are bound as typed literals (DuckDB's own binding imports pandas): each reads back as itself."""
    con = duckdb.connect()
    values = [None, True, False, -7_777_777_777, 2.5, "O'Brien's \\ Council; DROP TABLE child", "",
              date(2024, 2, 29), datetime(2024, 2, 29, 13, 5, 9)]
    for value in values:
        assert con.execute(f"SELECT {sql_literal(value)}").fetchone()[0] == value
    with pytest.raises(TypeError):
        sql_literal(object())


def test_parameters_are_bound_as_the_cursors_variables_never_in_quoted_text():
    """Each `$name` outside quotes reads its value (a longer name sharing its start is another parameter); the
    same text inside a literal stays text; each query's values are its own cursor's."""
    con = duckdb.connect()
    sql = "SELECT CAST($day AS DATE) + 1 AS next, $days AS days, '$day' AS quoted, 'it''s $day' AS doubled"
    values = {"day": date(2024, 2, 28), "days": "O'Brien's $day"}
    assert database.query_arrow(con, sql, parameters=values).to_pylist() == [
        {"next": date(2024, 2, 29), "days": "O'Brien's $day", "quoted": "$day", "doubled": "it's $day"}]
    assert database.fetch_rows(con, "SELECT $day", {"day": 3}) == [(3,)]
    assert con.execute("SELECT getvariable('day')").fetchone() == (None,)  # set on the query's own cursor


def test_whole_decimals_become_int64_as_arrows_cast_makes_them():
    """DuckDB's sums of counts reach Arrow as decimal128(38, 0): read from their buffers, the same int64 column
    Arrow's cast gives (nulls kept); a value that does not fit in 64 bits is left to Arrow's cast."""
    from decimal import Decimal

    import pyarrow as pa

    from clearsight.store.database import _decimals_from_buffers

    values = [1, None, -5, 0, 2**62, -(2**63), 2**63 - 1, None]
    column = pa.chunked_array([pa.array([None if v is None else Decimal(v) for v in values], pa.decimal128(38, 0)),
                               pa.array([Decimal(7)], pa.decimal128(38, 0))])
    whole = _decimals_from_buffers(column)
    assert whole is not None and whole.type == pa.int64() and whole.to_pylist() == values + [7]
    assert whole.equals(column.cast(pa.int64()))
    assert _decimals_from_buffers(pa.chunked_array([pa.array([Decimal(2**63)], pa.decimal128(38, 0))])) is None


@pytest.mark.parametrize("scale", [1, 2, 3, 6, 12])
def test_fractional_decimals_become_the_doubles_arrows_cast_makes(scale):
    """A decimal with a scale (DuckDB types a setting's 0.2 as DECIMAL(2,1)) becomes float64 bit for bit as Arrow's
    cast makes it, 0.3 as 0.30000000000000004 included; digits beyond 2**53 are left to Arrow's cast."""
    import random
    from decimal import Decimal

    import pyarrow as pa

    from clearsight.store.database import _decimals_from_buffers

    draw = random.Random(scale)
    digits = [3, -3, 0, 1, -1, 2**53 - 1, -(2**53 - 1), None, *(draw.randrange(-(10**15), 10**15) for _ in range(2000))]
    kind = pa.decimal128(38, scale)
    column = pa.chunked_array([pa.array([None if d is None else Decimal(d).scaleb(-scale) for d in digits], kind),
                               pa.array([Decimal(7).scaleb(-scale)], kind)])
    read = _decimals_from_buffers(column)
    arrow = column.cast(pa.float64())
    assert read is not None and read.type == pa.float64() and read.null_count == 1
    assert read.to_pylist() == arrow.to_pylist()  # the same doubles (== tells 0.3 from 0.30000000000000004)
    assert _decimals_from_buffers(pa.chunked_array([pa.array([Decimal(2**53).scaleb(-scale)], kind)])) is None
