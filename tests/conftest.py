"""Fixtures shared across test folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearsight.synth import generate_council


@pytest.fixture(scope="session")
def small_eastmere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small Eastmere extract (story seed, scale 0.2), generated once for every round-trip test; each test
    module loads it into a database of its own."""
    out = tmp_path_factory.mktemp("small_eastmere") / "extract"
    generate_council(out, seed=1, scale=0.2)
    return out
