"""The Eastmere story at scale 1 emerges from the simulation (slow: generates a full council per seed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearsight.synth import generate_council

from .story import caseloads, connect, depleted_teams, unallocated


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_story_at_scale_one(seed: int, tmp_path: Path) -> None:
    generate_council(tmp_path, seed=seed, scale=1.0)
    con = connect(tmp_path)
    total, realloc, new = unallocated(con, "2023-12-15")
    before, _, _ = unallocated(con, "2022-12-15")
    depleted = caseloads(con, "2023-12-15", depleted_teams(con))
    steady = [caseloads(con, d) for d in ("2021-04-15", "2021-07-15", "2021-10-15", "2022-01-15")]
    steady_avg = sum(steady) / len(steady)
    print(f"seed {seed}: unallocated 2023-12-15 = {total} ({realloc} awaiting re-allocation, {new} new work); "
          f"2022-12-15 = {before}; depleted-team caseload 2023-12-15 = {depleted:.1f}; "
          f"steady caseload 2021 = {steady_avg:.1f}")
    assert 200 <= total <= 380
    assert 0.15 <= realloc / total <= 0.40
    assert before < 30
    assert 23 <= depleted <= 29
    assert 15 <= steady_avg <= 21
