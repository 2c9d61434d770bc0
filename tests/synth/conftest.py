from __future__ import annotations

from pathlib import Path

import pytest

from clearsight.synth import generate_council

SMALL_SCALE = 0.2


@pytest.fixture(scope="session")
def small_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small council, generated once for the whole session."""
    out = tmp_path_factory.mktemp("synth_small")
    generate_council(out, seed=7, scale=SMALL_SCALE, parquet=True)
    return out
