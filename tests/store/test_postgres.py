"""PostgreSQL as the server back end: a URL instead of a file, loads in one transaction that readers never see
half of, and every metric giving on PostgreSQL exactly what it gives on DuckDB."""

from __future__ import annotations

import json
import math
import threading
from datetime import date
from pathlib import Path

import pytest
from council_builder import CouncilBuilder
from typer.testing import CliRunner

from clearsight.canonical import schema
from clearsight.cli import app
from clearsight.config import CouncilConfig
from clearsight.metrics.figures import compiled_sql, compute
from clearsight.metrics.registry import all_metrics
from clearsight.store.database import DatabaseMissing, connect, database_path, describe_location, open_database
from clearsight.store.load import load_extract
from clearsight.store.postgres import PostgresConnection, translate
from clearsight.store.snapshots import get_snapshot, latest_snapshot


def _council(children: int, name: str = "Testshire") -> CouncilBuilder:
    """One team, one social worker holding `children` cases."""
    b = CouncilBuilder(council=name)
    b.team("T1")
    worker = b.worker("T1")
    for i in range(children):
        child, _ = b.case("T1", date(2023, 1, 1 + i))
        b.allocate(child, worker, "T1", date(2023, 2, 1))
    return b


def test_a_url_names_a_postgresql_database_and_its_password_is_never_shown(monkeypatch):
    url = "postgresql://clearsight:s3cret@db.council.example:5433/clearsight"
    assert database_path(url) == url
    monkeypatch.setenv("CLEARSIGHT_DB", url)
    assert database_path() == url
    assert describe_location(url) == "postgresql://clearsight@db.council.example:5433/clearsight"


def test_an_unreachable_server_is_one_line():
    with pytest.raises(DatabaseMissing, match=r"^postgresql://nobody@127.0.0.1:1/none: cannot connect to PostgreSQL"):
        open_database("postgresql://nobody:pw@127.0.0.1:1/none?connect_timeout=2")


def test_a_reader_needs_the_tables_a_load_creates(postgres_server):
    url = postgres_server.database()
    with pytest.raises(DatabaseMissing, match="no Clearsight database here"):
        open_database(url)
    open_database(url, write=True, create=True).close()
    reader = open_database(url)
    assert reader.execute("SELECT max(version) FROM schema_version").fetchone() == (schema.SCHEMA_VERSION,)


def test_store_sql_is_translated_once_for_postgresql():
    """Migrations and store queries are written once, in DuckDB's SQL with `?` parameters."""
    assert translate("CREATE TABLE a (x DOUBLE, y VARCHAR, z JSON)") == (
        "CREATE TABLE a (x DOUBLE PRECISION, y TEXT, z JSON)")
    assert translate("SELECT x FROM a WHERE y LIKE 'N%' AND x = ?") == "SELECT x FROM a WHERE y LIKE 'N%%' AND x = %s"
    assert translate("SELECT '%' AS p") == "SELECT '%' AS p"  # no parameters: psycopg leaves the text alone


def _state(con) -> tuple[int, dict[str, int]]:
    snapshots = con.execute("SELECT count(*) FROM snapshot").fetchone()[0]
    return snapshots, {t.name: con.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0] for t in schema.TABLES}


def test_a_load_failing_part_way_through_the_write_changes_nothing(postgres_server, tmp_path, monkeypatch):
    con = connect(postgres_server.database())
    assert load_extract(con, _council(2).write(tmp_path / "first")).status == "loaded"
    before = _state(con)
    copied = []
    real_copy = PostgresConnection.copy_arrow

    def copy_then_fail(self, table, rows, columns=None):
        real_copy(self, table, rows, columns)
        copied.append(table)
        if len(copied) == 3:
            raise OSError("the network went away")

    monkeypatch.setattr(PostgresConnection, "copy_arrow", copy_then_fail)
    with pytest.raises(OSError):
        load_extract(con, _council(3).write(tmp_path / "second"))
    assert len(copied) == 3 and _state(con) == before


def test_readers_see_the_previous_snapshot_whole_until_a_load_commits(postgres_server, tmp_path, monkeypatch):
    """A reader in another session, while a load has written some tables of a new snapshot but not committed,
    sees one snapshot and none of the new rows, and the figures it computes are the first snapshot's; after
    the commit it sees the new snapshot whole."""
    url = postgres_server.database()
    writer = open_database(url, write=True, create=True)
    assert load_extract(writer, _council(2).write(tmp_path / "first")).status == "loaded"
    reader = open_database(url)
    first = latest_snapshot(reader)
    assert compute(reader, first, "council_capacity").records()[0]["cases"] == 2

    midway, resume, seen = threading.Event(), threading.Event(), {}
    real_copy = PostgresConnection.copy_arrow

    def copy_and_pause(self, table, rows, columns=None):
        real_copy(self, table, rows, columns)
        if table == "allocation":  # written, not committed: let the reader look
            midway.set()
            assert resume.wait(60)

    monkeypatch.setattr(PostgresConnection, "copy_arrow", copy_and_pause)
    load = threading.Thread(target=lambda: seen.update(report=load_extract(writer, _council(5).write(
        tmp_path / "second"))))
    load.start()
    try:
        assert midway.wait(60)
        assert reader.execute("SELECT count(*) FROM snapshot").fetchone() == (1,)
        assert reader.execute("SELECT count(*) FROM allocation").fetchone() == (2,)
        assert latest_snapshot(reader) == first
        assert compute(reader, first, "council_capacity").records()[0]["cases"] == 2
    finally:
        resume.set()
        load.join(60)
    assert seen["report"].status == "loaded"
    second = latest_snapshot(reader)
    assert second.snapshot_id == seen["report"].snapshot_id
    assert reader.execute("SELECT count(*) FROM allocation WHERE snapshot_id = ?", [second.snapshot_id]).fetchone() == (5,)
    assert compute(reader, second, "council_capacity").records()[0]["cases"] == 5


def test_the_cli_loads_into_postgresql_and_reports_what_duckdb_reports(postgres_server, tmp_path):
    extract = _council(3).write(tmp_path / "extract")
    runner = CliRunner()
    outputs = []
    for db in (str(tmp_path / "c.duckdb"), postgres_server.database()):
        loaded = runner.invoke(app, ["--db", db, "load", str(extract)])
        assert loaded.exit_code == 0, loaded.output
        assert "password" not in loaded.output and describe_location(db) in loaded.output.replace("\n", "")
        shown = runner.invoke(app, ["--db", db, "position", "--as-at", "2023-12-15", "--format", "json"])
        assert shown.exit_code == 0, shown.output
        view = json.loads(shown.output)
        view.pop("provenance", None)
        outputs.append(view)
    assert outputs[0] == outputs[1]
    assert "3" in json.dumps(outputs[1]["headline"])


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


@pytest.mark.slow
def test_every_metric_gives_the_same_rows_on_postgresql_as_on_duckdb(small_eastmere_db, small_eastmere: Path,
                                                                       postgres_server):
    duck, duck_snapshot = small_eastmere_db
    pg = connect(postgres_server.database())
    assert load_extract(pg, small_eastmere).status == "loaded"
    pg_snapshot = get_snapshot(pg)
    differ = []
    for metric in all_metrics():
        on_duckdb = compute(duck, duck_snapshot, metric.name, date(2023, 12, 15)).records()
        on_postgres = compute(pg, pg_snapshot, metric.name, date(2023, 12, 15)).records()
        if len(on_duckdb) != len(on_postgres) or not all(
            _same(d[k], p[k]) for d, p in zip(on_duckdb, on_postgres) for k in d
        ):
            differ.append(metric.name)
    assert differ == []


def test_metric_sql_for_postgresql_binds_the_scope_as_psycopg_parameters():
    sql = compiled_sql("unallocated_cases", True, CouncilConfig().model_dump_json(), (), "postgres")
    assert set(sql.parameters) == {"snapshot_id", "as_at", "team"}
    assert "CAST(%(snapshot_id)s AS BIGINT)" in sql.sql and "CAST(%(as_at)s AS DATE)" in sql.sql
    assert "$snapshot_id" not in sql.sql and "1900" not in sql.sql and "stand-in" not in sql.sql
    assert dict(sql.types)["child_id"] == "string"  # PostgreSQL's rows are typed as Ibis declared them


def test_names_with_quotes_are_bound_not_spliced_on_postgresql(postgres_server, tmp_path):
    council = "O'Brien's \\ Council; DROP TABLE child 100%"
    con = connect(postgres_server.database())
    assert load_extract(con, _council(1, name=council).write(tmp_path / "x")).status == "loaded"
    config = CouncilConfig(council_name=council)
    [whole] = [r for r in compute(con, get_snapshot(con), "capacity", date(2023, 12, 15), config).records()
               if r["level"] == "council"]
    assert (whole["council"], whole["cases"]) == (council, 1)
    assert con.execute("SELECT count(*) FROM child").fetchone() == (1,)
