"""The restructure what-if on Eastmere's story, seed by seed (issue 19's done-when): set the day before the April
2023 restructure with the FTE it cut and nothing else (leaving and filling fitted from the history before it), it
projects the depleted child-in-need teams' caseloads of 25-27 and the backlog that followed, beside the records.

The generator's drain is its own rule (synth/scenario.py: a team overloaded for six weeks goes into crisis), not a
date the model could not know; the what-if's is a team with children waiting losing permanent staff faster the
further it is over its own normal caseload, and covering with agency staff who do not stay (the configured
default response where the history has too few worker-months under pressure, as Eastmere's steady years do).
Three seeds at half scale, the councils of tests/synth/test_story.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from clearsight.config import CouncilConfig
from clearsight.forecast.staffing import TeamPosition, team_positions
from clearsight.forecast.whatif import WhatIf, as_recorded, restructure_scenario, run_whatif
from clearsight.store.database import connect
from clearsight.store.snapshots import get_snapshot

pytestmark = pytest.mark.slow  # three half-scale councils (shared with tests/synth/test_story.py)

SEEDS = (1, 2, 3)
CONFIG = CouncilConfig()
RESTRUCTURE, NOVEMBER, DECEMBER = date(2023, 4, 1), date(2023, 11, 30), date(2023, 12, 31)
# Children waiting across the council at the end of November (the records' most) and December 2023, projected
# against recorded: within this share either way (half scale, seeds 1-3, the restructure's staff leaving over the
# weeks after it: 30 Nov 173/258, 197/220, 203/302; 31 Dec 199/303, 226/327, 235/279. At scale 1, seed 1 314/287
# and 364/284).
WAITING_SHARE = 0.35


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def whatif(request: pytest.FixtureRequest, half_eastmere: Callable[[int], Path]) -> tuple[WhatIf, list[dict],
                                                                                         list[TeamPosition]]:
    """The restructure's cuts alone, its months beside the records, and the teams on the day before it."""
    con = connect(half_eastmere(request.param) / "clearsight.duckdb", read_only=True)
    snapshot = get_snapshot(con)
    scenario = restructure_scenario(con, snapshot, RESTRUCTURE, CONFIG, months=10)
    result = run_whatif(con, snapshot, scenario, CONFIG)
    rows = as_recorded(con, snapshot, result, CONFIG)
    teams = team_positions(con, snapshot, result.as_at, CONFIG)
    con.close()
    return result, rows, teams


@pytest.fixture(scope="module")
def projected(whatif) -> tuple[list[dict], set[str]]:
    """The what-if's months beside the records, and the depleted teams: the child-in-need teams whose
    establishment the restructure cut by a quarter or more."""
    result, rows, _ = whatif
    scenario = result.scenario
    cut: dict[str, float] = {}
    for change in scenario.fte_changes:
        cut[change.team] = min(cut.get(change.team, 0.0), change.share)
    cin = {r["team_id"] for r in rows if r["service"] == "cin"}
    assert scenario.staffing == () and not result.workforce.fitted  # the cuts alone, the default response
    return rows, {t for t in cin if cut.get(t, 0.0) <= -0.25}


def test_the_restructure_cuts_two_child_in_need_teams_deepest(projected) -> None:
    _, depleted = projected
    assert len(depleted) == 2


def test_the_depleted_teams_are_projected_at_25_to_27_while_children_wait(projected) -> None:
    """At the allocation ceiling, 1.35 x the FTE-weighted upper standard: 27 for social workers, 25 with up to 30% of
    the FTE ASYE or senior practitioners; the records' DfE average caseload (over the FTE holding cases) for the two
    teams together is within 3 of it: their practitioners holding cases carry 26-30, near the generator's cap of
    30, while locums come and go (seeds 1-3: 29.6, 26.9, 28.2 against 27.0, 26.3, 27.0)."""
    rows, depleted = projected
    december = [r for r in rows if r["team_id"] in depleted and r["month_end"] == DECEMBER]
    # children wait in them (on seed 3 in one only: its North team is projected at 25.7 with none waiting, and
    # its records had 93)
    assert len(december) == 2 and sum(r["unallocated"] for r in december) >= 40
    assert all(25 <= r["caseload_per_fte"] <= 27 + 1e-9 for r in december)
    projected_load = sum(r["caseload_per_fte"] * r["fte"] for r in december) / sum(r["fte"] for r in december)
    holding = [r for r in december if r["recorded_caseload_per_fte"] is not None]  # a team may have nobody in post
    recorded_load = (sum(r["recorded_caseload_per_fte"] * r["recorded_fte"] for r in holding)
                     / sum(r["recorded_fte"] for r in holding))
    assert abs(projected_load - recorded_load) <= 3


def test_the_backlog_is_projected_beside_the_records(projected) -> None:
    rows, depleted = projected
    december = [r for r in rows if r["month_end"] == DECEMBER]
    projected_waiting = sum(r["unallocated"] for r in december)
    recorded = sum(r["recorded_unallocated"] for r in december)
    assert recorded >= 100
    for month in (NOVEMBER, DECEMBER):
        projected_then = sum(r["unallocated"] for r in rows if r["month_end"] == month)
        recorded_then = sum(r["recorded_unallocated"] for r in rows if r["month_end"] == month)
        assert abs(projected_then / recorded_then - 1) <= WAITING_SHARE, month
    # it builds month on month, in the depleted teams
    totals = [sum(r["unallocated"] for r in rows if r["month_end"] == m and r["team_id"] in depleted)
              for m in sorted({r["month_end"] for r in rows})]
    assert all(later >= earlier - 1e-9 for earlier, later in zip(totals, totals[1:]))
    assert sum(r["unallocated"] for r in december if r["team_id"] in depleted) >= 0.8 * projected_waiting


def test_the_base_case_holds_when_nothing_changes(whatif) -> None:
    """Without the restructure nothing drains: every team keeps its staff (no team's practitioner FTE falls by
    more than a tenth by December), almost no child waits, and no child-in-need team, which run over the standard
    of 20 per FTE as Eastmere's do, carries more than 1 per FTE over its April level in December (April: once the
    children waiting on the day are allocated; vacancies standing on the day may fill and bring it down). The
    drift this guards against: leaving measured from the standard rather than a team's own normal level took a
    team at 22 per FTE to 26 by December with nothing changed."""
    result, _, teams = whatif
    rows = result.base.rows.to_pylist()
    december = {r["team_id"]: r for r in rows if r["month_end"] == DECEMBER}
    april = {r["team_id"]: r for r in rows if r["month_end"] == date(2023, 4, 30)}
    for team in teams:
        row = december[team.team_id]
        assert row["fte"] >= 0.9 * team.total_fte, team.team
        if team.service == "cin":
            assert row["caseload_per_fte"] <= april[team.team_id]["caseload_per_fte"] + 1, team.team
    assert sum(r["unallocated"] for r in december.values()) <= 5
