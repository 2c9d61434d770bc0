"""Where the database lives, and schema migrations that run once."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearsight.canonical import schema
from clearsight.store import database
from clearsight.store.database import DEFAULT_DB, connect, database_path, migrate, schema_version


def test_new_database_is_at_the_current_schema_version(tmp_path):
    con = connect(tmp_path / "new.duckdb")
    assert schema_version(con) == schema.SCHEMA_VERSION
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {t.name for t in schema.TABLES} | {"snapshot", "schema_version"} <= tables
    for table in schema.TABLES:
        cols = [r[0] for r in con.execute(f'DESCRIBE "{table.name}"').fetchall()]
        assert cols == [*table.column_names, "snapshot_id", "source_file", "source_row"]


def test_connecting_again_does_not_rerun_migrations(tmp_path, monkeypatch):
    path = tmp_path / "db.duckdb"
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


def test_data_survives_reconnecting(tmp_path):
    path = tmp_path / "db.duckdb"
    con = connect(path)
    con.execute("INSERT INTO team (team_id, name, service) VALUES ('T1', 'Team', 'cin')")
    con.close()
    assert connect(path).execute("SELECT team_id FROM team").fetchall() == [("T1",)]


def test_a_newer_database_is_refused(tmp_path):
    path = tmp_path / "db.duckdb"
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
