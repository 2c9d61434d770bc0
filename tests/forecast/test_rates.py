"""Daily rates and care spells against figures worked out by hand on tiny histories."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from care_history import AS_AT, child
from council_builder import CouncilBuilder

from clearsight.config import CouncilConfig
from clearsight.forecast.rates import fit_rates
from clearsight.forecast.segments import care_segments, day_number
from clearsight.forecast.states import AGE_UNKNOWN
from clearsight.formats.detect import read_sources
from clearsight.store.database import connect
from clearsight.store.load import load

SETTINGS = CouncilConfig().forecast
LONG_AGO = date(2015, 1, 1)
THIRTEEN = date(2010, 6, 1)  # 13 at AS_AT, no birthday that changes band near it


def _segments(b: CouncilBuilder, tmp_path):
    loaded = b.load(tmp_path)
    return care_segments(loaded.con, loaded.snapshot.snapshot_id, SETTINGS)


def test_ten_children_one_leaving_in_a_hundred_days(backend, tmp_path):
    # Ten children fostered throughout the 100 days before AS_AT; one leaves care on AS_AT itself (the last
    # step of the window), so the window holds 10 x 100 = 1,000 child-days and 1 leaving: 1/1000 a day.
    b = CouncilBuilder(extract_date=AS_AT)
    for i in range(10):
        child(b, THIRTEEN, (LONG_AGO, AS_AT if i == 0 else None, "U4"))
    seg = _segments(b, tmp_path)
    rates = fit_rates(seg, day_number(AS_AT), 100)
    fostered = seg.states.index("10-16", "fostering")
    assert rates.exposure[fostered] == 1000
    assert rates.moves[fostered, -1] == 1
    assert rates.leaving[fostered] == pytest.approx(0.001)
    assert rates.transition[fostered, fostered] == pytest.approx(0.999)
    assert rates.entries.sum() == 0
    assert seg.stock_on(day_number(AS_AT))[fostered] == 9
    assert seg.stock_on(day_number(AS_AT) - 1)[fostered] == 10


def test_moves_between_placements_and_entries(backend, tmp_path):
    # Window: the 100 days before AS_AT. Child 1 fostered, moves to a children's home 40 days before AS_AT
    # (60 days fostered and 40 in the home in the window). Child 2 enters care 30 days before AS_AT in a
    # children's home. Child 3 entered before the window (not an entry in it).
    b = CouncilBuilder(extract_date=AS_AT)
    move = AS_AT - timedelta(days=40)
    child(b, THIRTEEN, (LONG_AGO, move, "U1"), (move, None, "K2"))
    child(b, THIRTEEN, (AS_AT - timedelta(days=30), None, "R1"))
    child(b, THIRTEEN, (AS_AT - timedelta(days=200), None, "P1"))
    seg = _segments(b, tmp_path)
    rates = fit_rates(seg, day_number(AS_AT), 100)
    f, r, o = (seg.states.index("10-16", c) for c in ("fostering", "residential", "other"))
    assert rates.exposure[f] == 60 and rates.exposure[r] == 40 + 30 and rates.exposure[o] == 100
    assert rates.moves[f, r] == 1 and rates.transition[f, r] == pytest.approx(1 / 60)
    assert rates.entries[r] == 1 and rates.entries.sum() == 1
    assert rates.entry_rate[r] == pytest.approx(0.01)


def test_birthdays_move_children_up_a_band_and_out_of_care_at_18(backend, tmp_path):
    # Child 1 turns 16 fifty days before AS_AT: fostered 10-16 for 50 days of the window, then 16-18.
    # Child 2 turns 18 twenty days before AS_AT: leaves care that day although the episode stays open.
    b = CouncilBuilder(extract_date=AS_AT)
    sixteenth = AS_AT - timedelta(days=50)
    eighteenth = AS_AT - timedelta(days=20)
    child(b, sixteenth.replace(year=sixteenth.year - 16), (LONG_AGO, None, "U4"))
    child(b, eighteenth.replace(year=eighteenth.year - 18), (LONG_AGO, None, "H5"))
    seg = _segments(b, tmp_path)
    rates = fit_rates(seg, day_number(AS_AT), 100)
    young, old = seg.states.index("10-16", "fostering"), seg.states.index("16-18", "fostering")
    supported = seg.states.index("16-18", "supported")
    assert rates.exposure[young] == 50 and rates.exposure[old] == 50
    assert rates.moves[young, old] == 1
    assert rates.exposure[supported] == 80 and rates.moves[supported, -1] == 1
    stock = seg.stock_on(day_number(AS_AT))
    assert stock[old] == 1 and stock.sum() == 1


def test_child_without_date_of_birth_is_kept(backend, tmp_path):
    # A child with no date of birth (no SSDA903 header row) is counted in "age unknown", not dropped.
    b = CouncilBuilder(extract_date=AS_AT)
    child(b, None, (LONG_AGO, None, "U4"))
    child(b, THIRTEEN, (LONG_AGO, None, "U4"))
    seg = _segments(b, tmp_path)
    assert AGE_UNKNOWN in seg.states.bands
    stock = seg.stock_on(day_number(AS_AT))
    assert stock.sum() == 2
    assert stock[seg.states.index(AGE_UNKNOWN, "fostering")] == 1



def test_child_with_no_header_row_in_an_ssda903_return_is_kept(tmp_path):
    # Read from SSDA903 files: child H has a header row, child N only episodes (fostered, then a children's home
    # from 10 days before the extract). N is kept with no date of birth, in "age unknown", its move counted.
    episodes = tmp_path / "episodes.csv"
    episodes.write_text("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
                        "H,01/01/2022,S,C2,N1,U4,PR1,,,,,,\n"
                        "N,09/02/2023,S,C2,N1,U4,PR1,21/03/2023,X1,,,,\n"
                        "N,21/03/2023,P,C2,N1,K2,PR1,,,,,,\n")
    header = tmp_path / "header.csv"
    header.write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nH,1,01/06/2010,WBRI,,,\n")
    con = connect(tmp_path / "cs.duckdb")
    report = load(con, read_sources([episodes, header], "auto", con, date(2023, 3, 31)))
    seg = care_segments(con, report.snapshot_id, SETTINGS)
    f, r = (seg.states.index(AGE_UNKNOWN, c) for c in ("fostering", "residential"))
    stock = seg.stock_on(day_number(date(2023, 3, 31)))
    assert stock.sum() == 2 and stock[r] == 1 and stock[seg.states.index("10-16", "fostering")] == 1
    rates = fit_rates(seg, day_number(date(2023, 3, 31)), 100)
    assert rates.entries[f] == 1 and rates.moves[f, r] == 1
    assert rates.exposure[f] == 40 and rates.exposure[r] == 10  # 9 Feb to 21 Mar; 21 Mar to 31 Mar


def test_episodes_are_ordered_by_child_start_and_end_as_a_lexsort_would():
    import numpy as np

    from clearsight.forecast.segments import OPEN_END, _by_child_start_end

    rng = np.random.default_rng(0)
    child, start = rng.integers(0, 30, 5000), rng.integers(-3000, 20000, 5000)
    end = start + rng.integers(0, 5, 5000)  # ties on start, broken by end
    end[:500] = day_number(OPEN_END)
    assert np.array_equal(_by_child_start_end(child, start, end), np.lexsort((end, start, child)))
    # Every date from year 1 to 9999 packs; days further apart (DuckDB's dates run to year 5,881,580): a lexsort.
    wide = np.array([day_number(date(1, 1, 1)), 10**7, 5])
    assert np.array_equal(_by_child_start_end(np.zeros(3), wide, wide), [0, 2, 1])
