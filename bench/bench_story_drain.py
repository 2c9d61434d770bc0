"""Eastmere's drain as the generator runs it, seed by seed, in seconds: for calibrating the story's rules.

Not part of the test run. Simulates each seed (no extract, no load: about a second a seed at half scale) and
prints, for the two child-in-need teams the restructure cuts deepest:
- the days each went into crisis;
- the most children waiting on a Monday in the steady years (April 2019 to February 2023), and the first Monday
  from April 2022 with more than 10 waiting (the returns_disagree and unallocated_cases alerts' line);
- the children waiting on the last two Mondays of April 2023 (the April return must not show a backlog if the
  first alerts are to come in May-July);
- the practitioners (agency staff too) who left May-December 2023, the restructure's own leavers aside;
then the council's practitioner leavers by quarter (restructure leavers aside), where the drain's spike shows.

The generator's own internals (synth.timeline.CouncilRun), not Clearsight's figures: a quick look before the
alert replay (bench/bench_alert_calibration.py) and the story tests (tests/synth/test_story.py), which read the
loaded extract.

Usage:  PYTHONPATH=src .venv/bin/python bench/bench_story_drain.py [--seeds 1 2 3 4 5] [--scale 0.5]
            [--team-size-most 10]   (Scenario.team_size_most: 10 is scenario.md's team shape)
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import date, timedelta

import numpy as np

from clearsight.synth import TEAMS_START
from clearsight.synth.council import build_structure
from clearsight.synth.scenario import Scenario
from clearsight.synth.timeline import CouncilRun
from clearsight.synth.workdays import EPOCH, Calendar, day
from clearsight.synth.workforce import PRACTITIONER, Workforce

STEADY = (date(2019, 4, 1), date(2023, 3, 1))
WATCHED_FROM = date(2022, 4, 1)
LATE_APRIL = (date(2023, 4, 24), date(2023, 5, 1))
DRAIN = (date(2023, 5, 1), date(2023, 12, 31))  # the papers' "about 30 social workers left two teams"
LINE = 10  # children waiting in a team: the returns_disagree tolerance and the unallocated_cases line


def on(d: int) -> date:
    return EPOCH + timedelta(days=int(d))


def simulate(seed: int, scale: float, sc: Scenario) -> CouncilRun:
    """The run generate_council makes for this seed and scale, stopped before the extract is built."""
    rng = np.random.Generator(np.random.PCG64(seed))
    cal = Calendar(date(1985, 1, 1), date(sc.extract_date.year + 3, 12, 31))
    structure = build_structure(scale, day(TEAMS_START), rng, sc)
    run = CouncilRun(sc, scale, structure, Workforce(sc, structure, rng, day(sc.sim_start)), cal, rng, None)
    run.run()
    return run


def report(seed: int, scale: float, sc: Scenario) -> None:
    started = time.process_time()
    run = simulate(seed, scale, sc)
    print(f"seed {seed} (scale {scale:g}, {time.process_time() - started:.1f}s CPU)")
    left = [w for w in run.wf.workers if w.end >= 0 and w.role in PRACTITIONER and w.leave_reason != "restructure"]
    for t in (t for t in run.st.teams if t.deep_cut):
        mondays = sorted(run.team_counts[t.idx].items())
        steady = max(q for d, (q, _) in mondays if day(STEADY[0]) <= d < day(STEADY[1]))
        over = next((on(d) for d, (q, _) in mondays if q > LINE and d >= day(WATCHED_FROM)), None)
        april = [q for d, (q, _) in mondays if day(LATE_APRIL[0]) <= d <= day(LATE_APRIL[1])]
        gone = sum(1 for w in left if w.team == t.idx and day(DRAIN[0]) <= w.end <= day(DRAIN[1]))
        print(f"  {t.name}: crises {', '.join(str(on(d)) for d in t.crises) or '-'}; steady years at most "
              f"{steady} waiting; first over {LINE} {over or '-'}; late April {april}; left May-Dec 2023 {gone}")
    quarters = Counter((on(w.end).year, (on(w.end).month - 1) // 3 + 1) for w in left)
    print("  leavers by quarter: " + " ".join(f"{y}Q{q} {n}" for (y, q), n in sorted(quarters.items())
                                                if 2021 <= y <= 2024))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--team-size-most", type=int, default=Scenario.team_size_most)
    args = parser.parse_args()
    for seed in args.seeds:
        report(seed, args.scale, Scenario(team_size_most=args.team_size_most))


if __name__ == "__main__":
    main()
