"""Figures kept beside the database (store/figure_store.py): a process asking again reads the same rows without a
query; nothing is kept when switched off; an entry that cannot be trusted is computed again."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from council_builder import CouncilBuilder

from clearsight.metrics import figures
from clearsight.metrics.figures import compute, compute_monthly
from clearsight.store import figure_store
from clearsight.store.database import open_database
from clearsight.store.snapshots import get_snapshot

pytestmark = pytest.mark.duckdb_only  # PostgreSQL keeps none

AS_AT = date(2024, 1, 15)


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Path:
    """Team T: one child waiting since 2 Jan 2024, one allocated to a social worker on 3 Jan."""
    b = CouncilBuilder(extract_date=date(2024, 1, 31))
    b.team("T", "Tamar")
    worker = b.worker("T")
    b.case("T", date(2024, 1, 2))
    allocated, _ = b.case("T", date(2024, 1, 2))
    b.allocate(allocated, worker, "T", date(2024, 1, 3))
    tmp = tmp_path_factory.mktemp("kept")
    b.load(tmp).con.close()
    return tmp / "test.duckdb"


@pytest.fixture
def no_queries(monkeypatch) -> list[str]:
    """Queries run from here on are counted in the list returned."""
    ran: list[str] = []
    real = figures.query_arrow

    def counted(con, sql, *args, **kwargs):
        ran.append(sql)
        return real(con, sql, *args, **kwargs)

    monkeypatch.setattr(figures, "query_arrow", counted)
    return ran


@pytest.fixture(autouse=True)
def _fresh(monkeypatch, council) -> None:
    """Each test starts with no figure in memory nor beside the database."""
    monkeypatch.delenv(figure_store.STORE_ENV, raising=False)
    figures.clear_result_cache()
    for entry in council.with_name(council.name + ".figures").rglob("*.bin"):
        entry.unlink()


def _waiting(con) -> list[dict]:
    return compute(con, get_snapshot(con), "unallocated_cases", AS_AT).records()


def test_a_figure_asked_again_is_read_from_beside_the_database(council, no_queries):
    con = open_database(council)
    first = _waiting(con)
    ran = len(no_queries)
    assert ran and [r["days_waiting"] for r in first] == [13]  # 2 to 15 Jan
    figures.clear_result_cache()  # as a new process would start
    assert _waiting(con) == first and len(no_queries) == ran
    kept = list(council.with_name(council.name + ".figures").rglob("*.bin"))
    assert kept and all(e.stat().st_mode & 0o077 == 0 for e in kept)  # records: for the database's owner only


def test_a_monthly_series_asked_again_is_read_too(council, no_queries):
    con = open_database(council)
    months = compute_monthly(con, get_snapshot(con), "unallocated_cases", date(2023, 12, 1), AS_AT, period=False)
    ran = len(no_queries)
    figures.clear_result_cache()
    again = compute_monthly(con, get_snapshot(con), "unallocated_cases", date(2023, 12, 1), AS_AT, period=False)
    assert again.records() == months.records() and len(no_queries) == ran


def test_nothing_is_kept_when_switched_off(council, no_queries, monkeypatch):
    monkeypatch.setenv(figure_store.STORE_ENV, "off")
    con = open_database(council)
    first = _waiting(con)
    ran = len(no_queries)
    figures.clear_result_cache()
    assert _waiting(con) == first and len(no_queries) > ran
    assert not list(council.with_name(council.name + ".figures").rglob("*.bin"))


def test_an_entry_that_cannot_be_read_is_computed_again(council, no_queries):
    con = open_database(council)
    first = _waiting(con)
    ran = len(no_queries)
    for entry in council.with_name(council.name + ".figures").rglob("*.bin"):
        header = entry.read_bytes().split(b"\n", 1)[0]
        entry.write_bytes(header + b"\nnot an arrow stream")  # the right key, a body that is not Arrow
    figures.clear_result_cache()
    assert _waiting(con) == first and len(no_queries) > ran
