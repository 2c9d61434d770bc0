"""Compiled SQL: scope values bound at execution (never spliced), kept on disk for the next process, rebuilt when
the cache cannot be trusted; and figures computed on a read-only database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from council_builder import CouncilBuilder

import clearsight
from clearsight.config import CouncilConfig
from clearsight.config.settings import CalendarSettings
from clearsight.metrics import figures
from clearsight.metrics.figures import COMPILES, compiled_sql, compute, explain_sql
from clearsight.store import cache, figure_store
from clearsight.store.calendar import calendar_hash
from clearsight.store.database import open_database, query_arrow
from clearsight.store.snapshots import get_snapshot

COUNCIL = "O'Brien's \\ Council; DROP TABLE child"
TEAM = "St Mary's \\ Team"
AS_AT = date(2024, 1, 15)

# DuckDB's PREPARE/EXECUTE, its read-only mode and files another process opens: what this module checks.
pytestmark = pytest.mark.duckdb_only


@pytest.fixture(scope="module")
def own_cache(tmp_path_factory) -> Iterator[Path]:
    """A cache of this module's own, starting empty, with nothing compiled in this process's memory, and no
    figure kept beside the database (these tests count compiles and queries)."""
    directory = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(cache.CACHE_ENV, str(directory))
        patch.setenv(figure_store.STORE_ENV, "off")
        compiled_sql.cache_clear()
        yield directory
    compiled_sql.cache_clear()


@pytest.fixture(autouse=True)
def _no_cached_figures() -> None:
    figures.clear_result_cache()


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Path:
    """Team "St Mary's \\ Team" (T) with one child waiting and one allocated, and team U with one allocated; an
    ICPC held on working day 14 after its strategy discussion (Mon 11 Dec 2023 to Wed 3 Jan 2024: 4 + 5 days in
    December's first two weeks, 27-29 Dec after Christmas and Boxing Day, then 2 and 3 Jan after New Year's
    Day). The database is closed: each test opens it as it needs."""
    b = CouncilBuilder(extract_date=date(2024, 1, 31), council=COUNCIL)
    b.team("T", TEAM)
    b.team("U", "Upton")
    worker = b.worker("T")
    other = b.worker("U")
    b.case("T", date(2024, 1, 2))  # never allocated: waiting
    allocated, _ = b.case("T", date(2024, 1, 2))
    b.allocate(allocated, worker, "T", date(2024, 1, 3))
    elsewhere, _ = b.case("U", date(2024, 1, 2))
    b.allocate(elsewhere, other, "U", date(2024, 1, 3))
    child, episode = b.case("T", date(2023, 12, 1))
    b.allocate(child, worker, "T", date(2023, 12, 1))
    b.add("s47", s47_id="S1", child_id=child, episode_id=episode, strategy_date=date(2023, 12, 11))
    b.add("icpc", icpc_id="I1", s47_id="S1", child_id=child, conference_date=date(2024, 1, 3))
    tmp = tmp_path_factory.mktemp("compiled")
    b.load(tmp).con.close()
    return tmp / "test.duckdb"


def test_scope_values_are_parameters_in_the_sql(own_cache):
    sql = compiled_sql("unallocated_cases", True, CouncilConfig().model_dump_json())
    assert set(sql.parameters) == {"snapshot_id", "as_at", "team"}
    assert "CAST($snapshot_id AS BIGINT)" in sql.sql and "CAST($as_at AS DATE)" in sql.sql
    assert "1900" not in sql.sql and "stand-in" not in sql.sql


def test_names_with_quotes_are_bound_not_spliced(council, own_cache):
    con = open_database(council)
    snapshot = get_snapshot(con)
    capacity = compute(con, snapshot, "capacity", AS_AT).records()
    (whole,) = [r for r in capacity if r["level"] == "council"]
    assert whole["council"] == COUNCIL and whole["unallocated"] == 1
    before = COMPILES["unallocated_cases"]
    for team in (TEAM, "T"):  # by name or by id
        rows = compute(con, snapshot, "unallocated_cases", AS_AT, team=team).records()
        assert [r["team"] for r in rows] == [TEAM]
    assert compute(con, snapshot, "unallocated_cases", AS_AT, team="U").records() == []
    assert COMPILES["unallocated_cases"] <= before + 1  # one compile serves every team
    text = explain_sql("capacity", snapshot, AS_AT)
    assert "--   $council = 'O''Brien''s \\ Council; DROP TABLE child'" in text.splitlines()


def _entry(cache_dir: Path, metric: str) -> Path:
    """The cache file holding `metric`'s SQL for every team."""
    (entry,) = [
        path for path in (cache_dir / "sql").iterdir()
        if (key := json.loads(path.read_text())["key"])["metric"] == metric and not key["team_filter"]
    ]
    return entry


def _compute_in_a_fresh_interpreter(db: Path, cache_dir: Path) -> dict[str, object]:
    code = (
        "import json, sys; from datetime import date\n"
        "from clearsight.metrics.figures import COMPILES, compute\n"
        "from clearsight.store.database import open_database\n"
        "from clearsight.store.snapshots import get_snapshot\n"
        "con = open_database(sys.argv[1]); snap = get_snapshot(con)\n"
        "rows = compute(con, snap, 'unallocated_cases', date(2024, 1, 15)).records()\n"
        "print(json.dumps({'compiles': sum(COMPILES.values()), 'rows': rows}, default=str))\n"
    )
    env = {**os.environ, cache.CACHE_ENV: str(cache_dir), "PYTHONPATH": str(Path(clearsight.__file__).parents[1])}
    done = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout)


def test_a_second_process_uses_the_compiled_sql_on_disk(council, own_cache):
    con = open_database(council)
    rows = compute(con, get_snapshot(con), "unallocated_cases", AS_AT).records()
    con.close()
    assert _entry(own_cache, "unallocated_cases").is_file()
    assert len(list((own_cache / "plausibility").iterdir())) == 1  # the snapshot's shares, for its provenance
    fresh = _compute_in_a_fresh_interpreter(council, own_cache)
    assert fresh["compiles"] == 0
    assert fresh["rows"] == json.loads(json.dumps(rows, default=str))


def test_a_corrupt_cache_entry_is_rebuilt(council, own_cache):
    con = open_database(council)
    snapshot = get_snapshot(con)
    expected = compute(con, snapshot, "unallocated_cases", AS_AT).records()
    entry = _entry(own_cache, "unallocated_cases")
    entry.write_text('{"key": "truncat')
    compiled_sql.cache_clear()
    figures.clear_result_cache()
    before = COMPILES["unallocated_cases"]
    assert compute(con, snapshot, "unallocated_cases", AS_AT).records() == expected
    assert COMPILES["unallocated_cases"] == before + 1
    assert json.loads(entry.read_text())["value"]["sql"].startswith("WITH")


def test_a_read_only_database_computes_with_another_calendar_and_is_not_changed(council, own_cache):
    con = open_database(council)
    snapshot = get_snapshot(con)
    stored = con.execute("SELECT hash FROM working_calendar_meta").fetchall()
    assert stored == [(calendar_hash(CouncilConfig()),)]
    january = date(2024, 1, 1)
    (icpc,) = compute(con, snapshot, "icpc_timeliness_children", AS_AT, period_start=january).records()
    assert icpc["working_days"] == 14
    closed = CouncilConfig(calendar=CalendarSettings(closure_days=(date(2024, 1, 2),)))
    (icpc,) = compute(con, snapshot, "icpc_timeliness_children", AS_AT, closed, period_start=january).records()
    assert icpc["working_days"] == 13  # the council closed on 2 Jan
    assert con.execute("SELECT hash FROM working_calendar_meta").fetchall() == stored


def test_capacity_from_its_inputs_is_capacity_from_the_records(council, own_cache, monkeypatch):
    """A process that can hand Arrow tables to DuckDB cheaply computes capacity from the worker and waiting rows
    it already holds; one that cannot (pandas not imported) from the records: the same figure."""
    con = open_database(council)
    snapshot = get_snapshot(con)
    inputs = {m: compute(con, snapshot, m, AS_AT) for m in ("caseload_by_worker", "unallocated_cases")}
    read: list[set[str]] = []

    def query(con, sql, tables=None, parameters=None, schema=None):
        read.append(set(tables or {}))
        return query_arrow(con, sql, tables, parameters, schema)

    monkeypatch.setattr(figures, "query_arrow", query)
    results = []
    for cheap in (True, False):
        monkeypatch.setattr(figures, "arrow_tables_are_cheap", lambda cheap=cheap: cheap)
        figures.clear_result_cache()
        results.append(compute(con, snapshot, "capacity", AS_AT, inputs=inputs).records())
    assert read == [{"input_caseload_by_worker", "input_unallocated_cases"}, set()]
    assert results[0] == results[1]
    assert any(r["level"] == "team" and r["unallocated"] == 1 for r in results[0])


def test_a_figure_where_its_columns_equal_values_keeps_those_rows_in_order():
    """Figure.where without pyarrow.compute: the rows equal on every column given, in their order; a value not
    found, or None, keeps none."""
    import pyarrow as pa

    from clearsight.metrics.figures import Figure
    from clearsight.metrics.registry import get_metric

    rows = pa.table({"level": ["team", "team", "service", "team", "council", None],
                     "team": ["A", "B", None, "C", None, None], "n": [1, 2, 3, 4, 5, 6]})
    figure = Figure(get_metric("capacity"), rows, provenance=None)  # type: ignore[arg-type]
    assert figure.where(figure.metric, level="team").rows.column("n").to_pylist() == [1, 2, 4]
    assert figure.where(figure.metric, level="team", team="C").rows.column("n").to_pylist() == [4]
    assert figure.where(figure.metric, level="region").rows.num_rows == 0
    assert figure.where(figure.metric, level=None).rows.num_rows == 0
    assert figure.where(figure.metric, level="team").rows.schema == rows.schema
