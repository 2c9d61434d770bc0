"""Fixtures shared across test folders."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from backends import BACKENDS, Backend, using
from postgres_server import Server

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


HALF_SCALE = 0.5  # the story tests' scale: a council of about 37,500 children, teams of five to ten


@pytest.fixture(scope="session")
def half_eastmere(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Path]:
    """Eastmere at half scale for a seed: a function giving the folder holding its `extract` and its loaded
    `clearsight.duckdb`, generated once for the whole run however many test modules and xdist workers ask (the
    story tests and the alerts replay read the same councils). Open the database read-only: several workers
    may read it at once."""
    root = tmp_path_factory.getbasetemp().parent / "half_eastmere"  # shared by every xdist worker of the run
    root.mkdir(exist_ok=True)

    def council(seed: int) -> Path:
        folder = root / f"seed{seed}"
        with open(root / f"seed{seed}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (folder / "done").exists():
                shutil.rmtree(folder, ignore_errors=True)
                generate_council(folder / "extract", seed=seed, scale=HALF_SCALE)
                con = connect(folder / "clearsight.duckdb")
                report = load_extract(con, folder / "extract")
                con.close()
                assert report.status == "loaded", "\n".join(str(p) for p in report.problems[:10])
                (folder / "done").touch()
        return folder

    return council


@pytest.fixture(scope="session", autouse=True)
def _clearsight_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Compiled SQL and calendars go to a cache of the test session's own, never the user's (~/.cache)."""
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("clearsight-cache"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "duckdb_only: checks something only the DuckDB back end has")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test using `backend` runs on both back ends, unless marked duckdb_only."""
    if "backend" in metafunc.fixturenames:
        names = ["duckdb"] if metafunc.definition.get_closest_marker("duckdb_only") else list(BACKENDS)
        metafunc.parametrize("backend", names, indirect=True, scope="module")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """One PostgreSQL server for the session, started on first use. Missing PostgreSQL is an error, never a
    skip: CI must run every store and metric test on both back ends."""
    server = Server()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def postgres_database(postgres_server: Server) -> str:
    """A fresh PostgreSQL database for the test module (each database a test makes is a schema in it)."""
    return postgres_server.database()


@pytest.fixture(scope="module")
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """The back end this run of the module's tests uses; CouncilBuilder.load loads into it."""
    name = getattr(request, "param", "duckdb")
    url = request.getfixturevalue("postgres_database") if name == "postgres" else None
    with using(Backend(name, tmp_path_factory.mktemp(name), url)) as chosen:
        yield chosen
