from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from clearsight.store.database import connect
from clearsight.store.load import load_extract
from clearsight.store.snapshots import Snapshot, get_snapshot
from clearsight.synth import generate_council

SMALL_SCALE = 0.2
STORY_SEED = 1


@pytest.fixture(scope="session")
def small_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small council, generated once for the whole session."""
    out = tmp_path_factory.mktemp("synth_small")
    generate_council(out, seed=7, scale=SMALL_SCALE, parquet=True)
    return out


@pytest.fixture(scope="session")
def eastmere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eastmere at scale 1 with the story seed, generated once for the session (slow tests only)."""
    out = tmp_path_factory.mktemp("eastmere")
    generate_council(out, seed=STORY_SEED, scale=1.0)
    return out


@pytest.fixture(scope="session")
def eastmere_loaded(eastmere: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[duckdb.DuckDBPyConnection, Snapshot]:
    """That extract loaded by Clearsight's own loader into a fresh database."""
    con = connect(tmp_path_factory.mktemp("eastmere_db") / "clearsight.duckdb")
    report = load_extract(con, eastmere)
    assert report.status == "loaded", "\n".join(str(p) for p in report.problems[:10])
    return con, get_snapshot(con)
