"""The Eastmere story at scale 1 emerges from the simulation (slow: generates a full council per seed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearsight.synth import generate_council

from .conftest import STORY_SEED
from .story import agency_share, caseloads, connect, depleted_teams, leavers, unallocated


@pytest.mark.slow
@pytest.mark.parametrize("seed", [STORY_SEED, 2])
def test_story_at_scale_one(seed: int, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if seed == STORY_SEED:
        extract = request.getfixturevalue("eastmere")  # the session's council, shared with the practice story
    else:
        extract = tmp_path
        generate_council(extract, seed=seed, scale=1.0)
    con = connect(extract)
    total, realloc, new = unallocated(con, "2023-12-15")
    before, _, _ = unallocated(con, "2022-12-15")
    depleted = caseloads(con, "2023-12-15", depleted_teams(con))
    steady = [caseloads(con, d) for d in ("2021-04-15", "2021-07-15", "2021-10-15", "2022-01-15")]
    steady_avg = sum(steady) / len(steady)
    gone = leavers(con, depleted_teams(con), "2023-05-01", "2023-12-31")
    agency = [agency_share(con, d) for d in ("2019-09-30", "2020-09-30", "2021-09-30", "2022-09-30")]
    print(f"seed {seed}: unallocated 2023-12-15 = {total} ({realloc} awaiting re-allocation, {new} new work); "
          f"2022-12-15 = {before}; depleted-team caseload 2023-12-15 = {depleted:.1f}; "
          f"steady caseload 2021 = {steady_avg:.1f}; leavers from the depleted teams May-Dec 2023 = {gone}; "
          f"agency share 2019-2022 = {', '.join(f'{a:.0%}' for a in agency)}")
    assert 240 <= total <= 340
    assert 0.15 <= realloc / total <= 0.40
    assert before < 30
    assert 24 <= depleted <= 28
    assert 15 <= steady_avg <= 21
    assert gone >= 22
    assert all(0.12 <= a <= 0.28 for a in agency)
