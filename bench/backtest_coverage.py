"""How often the looked-after forecast's band held what happened, with and without the uncertainty of the rates.

Not part of the test run. Usage:
    .venv/bin/python bench/backtest_coverage.py DB [DB ...]
For each loaded database (its latest snapshot) and each 31 March cut-off with a year of records after it, the
backtest's coverage of the total (months) and of each age band x placement group (month-groups), at the band's
level, first with the chance in moves and entries at the fitted rates alone, then with the rates' own
uncertainty (ForecastSettings.rate_uncertainty). A band that is honest holds close to its level.
"""

from __future__ import annotations

import sys
from datetime import date

from clearsight.config import CouncilConfig
from clearsight.forecast.backtest import backtest
from clearsight.forecast.segments import care_segments
from clearsight.store.database import connect
from clearsight.store.snapshots import get_snapshot


def main(paths: list[str]) -> None:
    base = CouncilConfig()
    settings = {flag: base.model_copy(update={"forecast": base.forecast.model_copy(
        update={"rate_uncertainty": flag})}) for flag in (False, True)}
    totals: dict[bool, list[float]] = {False: [], True: []}
    groups: dict[bool, list[float]] = {False: [], True: []}
    print(f"band level {base.forecast.band_level:.0%}; coverage of the total / of the groups")
    for path in paths:
        con = connect(path, read_only=True)
        snapshot = get_snapshot(con)
        segments = care_segments(con, snapshot.snapshot_id, base.forecast)
        for year in range(2020, snapshot.extract_date.year):
            cutoff = date(year, 3, 31)
            line = [f"{path} cut-off {cutoff}:"]
            for flag, config in settings.items():
                result = backtest(segments, cutoff, snapshot.extract_date, config)
                totals[flag].append(result.coverage)
                groups[flag].append(result.state_coverage)
                line.append(f"{'with' if flag else 'without'} rate uncertainty {result.coverage:.0%} / "
                            f"{result.state_coverage:.0%}")
            print(" ".join(line))
        con.close()
    for flag in (False, True):
        print(f"mean, {'with' if flag else 'without'} rate uncertainty: total {sum(totals[flag]) / len(totals[flag]):.1%}, "
              f"groups {sum(groups[flag]) / len(groups[flag]):.1%}")


if __name__ == "__main__":
    main(sys.argv[1:])
