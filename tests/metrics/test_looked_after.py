"""Missing from placement and UASC looked after, on a tiny council worked by hand (DfE SSDA903 measures)."""

from __future__ import annotations

from datetime import date

import pytest
from council_builder import CouncilBuilder

from clearsight.metrics.figures import compute

YEAR_START, YEAR_END = date(2023, 4, 1), date(2024, 3, 31)


@pytest.fixture
def council(tmp_path):
    b = CouncilBuilder(extract_date=date(2024, 4, 30))
    for child in ("C1", "C2", "C3", "C4", "C5", "C6"):
        b.add("child", child_id=child, sex="M", dob=date(2008, 1, 1), uasc=child == "C5")
    b.looked_after("C1", date(2023, 1, 1))
    b.looked_after("C2", date(2023, 6, 1), date(2023, 9, 1))
    b.looked_after("C3", date(2022, 1, 1), date(2023, 4, 1))  # ended on the year's first day: not in the year
    b.looked_after("C4", date(2024, 3, 31))  # from the year's last day
    b.looked_after("C5", date(2023, 5, 1))
    b.looked_after("C6", date(2023, 5, 1))
    for child, kind, start in [
        ("C1", "M", date(2023, 5, 1)), ("C1", "M", date(2023, 6, 1)), ("C1", "A", date(2023, 7, 1)),
        ("C2", "M", date(2023, 3, 1)),  # before the year
        ("C3", "M", date(2023, 3, 15)),
        ("C4", "M", date(2024, 3, 31)),
        ("C5", "A", date(2024, 4, 1)),  # after the year
    ]:
        b.add("missing_episode", missing_id=f"{child}:{start}", child_id=child, kind=kind, start_date=start,
              end_date=start)
    b.add("uasc", child_id="C1")  # still UASC
    b.add("uasc", child_id="C2")  # not looked after on 31 March
    b.add("uasc", child_id="C4", ceased_date=YEAR_END)  # ceased on the date: no longer UASC on it
    b.add("uasc", child_id="C6", ceased_date=date(2025, 1, 1))  # ceases after the date (a future 18th birthday)
    return b.load(tmp_path)


def test_missing_from_placement(council):
    [row] = compute(council.con, council.snapshot, "cla_missing", YEAR_END, period_start=YEAR_START).records()
    # looked after in the year: C1, C2, C4, C5, C6 (C3's care ended on 1 April, the first day it no longer applied)
    # missing (M) in the year: C1 twice, C4 once -> 2 children of 5, 3 incidents; away (A): C1 once
    assert row == {"level": "council", "council": "Testshire", "looked_after": 5, "missing_children": 2,
                   "missing_rate": 0.4, "missing_incidents": 3, "away_children": 1, "away_rate": 0.2,
                   "away_incidents": 1}


def test_uasc_looked_after(council):
    [row] = compute(council.con, council.snapshot, "uasc_looked_after", YEAR_END).records()
    # looked after on 31 March 2024: C1, C4, C5, C6; UASC then: C1 (no date ceased), C5 (their record says so,
    # and the UASC table does not hold them), C6 (ceases in 2025); not C4 (ceased that day)
    assert row == {"level": "council", "council": "Testshire", "looked_after": 4, "uasc": 3, "uasc_share": 0.75}
