"""Fixtures shared across test folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clearsight.store.cache import CACHE_ENV
from clearsight.store.database import connect
from clearsight.store.load import load_extract
from clearsight.store.snapshots import get_snapshot
from clearsight.synth import generate_council


@pytest.fixture(scope="session")
def small_eastmere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small Eastmere extract (story seed, scale 0.2), generated once for every round-trip test; each test
    module loads it into a database of its own."""
    out = tmp_path_factory.mktemp("small_eastmere") / "extract"
    generate_council(out, seed=1, scale=0.2)
    return out


@pytest.fixture(scope="session")
def small_eastmere_db(small_eastmere: Path, tmp_path_factory: pytest.TempPathFactory):
    """(connection, snapshot) of the small Eastmere loaded once, for tests that only read it."""
    con = connect(tmp_path_factory.mktemp("small_eastmere_db") / "eastmere.duckdb")
    report = load_extract(con, small_eastmere)
    assert report.status == "loaded"
    return con, get_snapshot(con)


@pytest.fixture(scope="session", autouse=True)
def _clearsight_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Compiled SQL and calendars go to a cache of the test session's own, never the user's (~/.cache)."""
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("clearsight-cache"))
