"""The half-open as-at rule (start <= as-at < end, or open) through `current()` and the allocation metric.

Hypothesis draws allocation histories (consecutive, non-overlapping spells with random gaps, the last maybe
open-ended) to practitioners, a team manager and the team itself; each example is written as a real extract,
loaded, and `unallocated_cases` is compared with a plain-Python model of definitions.md's rule.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import ibis
import pytest
from council_builder import CouncilBuilder
from hypothesis import given, settings
from hypothesis import strategies as st
from partial_extract import load_tables

from clearsight.metrics.allocation import NEW_WORK, REALLOCATION
from clearsight.metrics.figures import compute
from clearsight.metrics.intervals import current

BASE = date(2023, 1, 1)
EXTRACT_DATE = date(2026, 12, 31)  # after every date drawn, so nothing is rejected as in the future
ROLES = {"SW": "social_worker", "ASYE": "asye", "SP": "senior_practitioner", "TM": "team_manager"}
PRACTITIONERS = {"SW", "ASYE", "SP"}
HOLDERS = [*ROLES, None]  # None: held by the team, no named worker
TABLES = ("team", "worker", "worker_post", "child", "episode", "allocation")  # cp_plan, cla_episode: none


@dataclass(frozen=True)
class Spell:
    worker: str | None
    start: date
    end: date | None

    def current(self, as_at: date) -> bool:
        return self.start <= as_at and (self.end is None or self.end > as_at)


@dataclass(frozen=True)
class Case:
    referral: date
    close: date | None
    spells: tuple[Spell, ...]

    def boundaries(self) -> set[date]:
        days = {self.referral} | ({self.close} if self.close else set())
        for s in self.spells:
            days |= {s.start} | ({s.end} if s.end else set())
        return {d + timedelta(k) for d in days for k in (-1, 0, 1)}


def days(n: int) -> timedelta:
    return timedelta(days=n)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    referral = BASE + days(draw(st.integers(0, 60)))
    close = draw(st.none() | st.integers(1, 500).map(lambda n: referral + days(n)))
    start = referral + days(draw(st.integers(-20, 30)))  # may begin before this episode's referral
    spells: list[Spell] = []
    for i in range(draw(st.integers(0, 4))):
        worker = draw(st.sampled_from(HOLDERS))
        if draw(st.booleans()) and i == draw(st.integers(0, 3)):
            spells.append(Spell(worker, start, None))  # open-ended: the last spell
            break
        end = start + days(draw(st.integers(1, 90)))
        spells.append(Spell(worker, start, end))
        start = end + days(draw(st.integers(0, 30)))  # gap 0: handed over on the day the last spell ended
    return Case(referral, close, tuple(spells))


@st.composite
def councils(draw: st.DrawFn) -> tuple[list[Case], list[date]]:
    drawn = draw(st.lists(cases(), min_size=1, max_size=5))
    boundaries = sorted(set().union(*(c.boundaries() for c in drawn)))
    as_ats = draw(
        st.lists(
            st.sampled_from(boundaries) | st.dates(BASE - days(5), BASE + days(700)),
            min_size=1, max_size=4, unique=True,
        )
    )
    return drawn, as_ats


def expected_unallocated(case: Case, as_at: date) -> tuple[str, int, str | None] | None:
    """definitions.md by hand: None when the case is not open or is allocated, else (reason, days, held_by)."""
    if not (case.referral <= as_at and (case.close is None or case.close > as_at)):
        return None
    now = [s for s in case.spells if s.current(as_at)]
    if any(s.worker in PRACTITIONERS for s in now):
        return None
    ended = [
        s.end for s in case.spells
        if s.worker in PRACTITIONERS and s.start >= case.referral and s.end is not None and s.end <= as_at
    ]
    reason, since = (REALLOCATION, max(ended)) if ended else (NEW_WORK, case.referral)
    held_by = next((f"Worker {s.worker}" for s in now if s.worker == "TM"), None)
    return reason, (as_at - since).days, held_by


def build(drawn: list[Case]) -> tuple[CouncilBuilder, list[str]]:
    b = CouncilBuilder(extract_date=EXTRACT_DATE)
    b.team("T")
    for worker_id, role in ROLES.items():
        b.worker("T", role, worker_id=worker_id)
    children = []
    for case in drawn:
        child, _episode = b.case("T", case.referral, close=case.close)
        for s in case.spells:
            b.allocate(child, s.worker, "T", s.start, s.end)
        children.append(child)
    return b, children


@settings(max_examples=25, deadline=None)
@given(councils())
def test_unallocated_cases_follow_the_half_open_rule(council):
    drawn, as_ats = council
    b, children = build(drawn)
    with tempfile.TemporaryDirectory() as tmp:
        loaded = load_tables(b, Path(tmp), TABLES)
        try:
            for as_at in as_ats:
                rows = compute(loaded.con, loaded.snapshot, "unallocated_cases", as_at).records()
                got = {r["child_id"]: (r["reason"], r["days_waiting"], r["held_by"]) for r in rows}
                want = {}
                for child, case in zip(children, drawn, strict=True):
                    if (e := expected_unallocated(case, as_at)) is not None:
                        want[child] = e
                    # The brief's plain statement, for spells to practitioners only:
                    is_open = case.referral <= as_at and (case.close is None or case.close > as_at)
                    held = any(s.current(as_at) for s in case.spells if s.worker in PRACTITIONERS)
                    assert (child in got) == (is_open and not held), (child, as_at, case)
                assert got == want, f"as at {as_at}: {drawn}"
                for r in rows:
                    assert r["waiting_since"] == as_at - days(r["days_waiting"])
                    assert r["days_waiting"] >= 0
                opened = {r["child_id"] for r in compute(loaded.con, loaded.snapshot, "open_cases", as_at).records()}
                assert opened == {
                    c for c, case in zip(children, drawn, strict=True)
                    if case.referral <= as_at and (case.close is None or case.close > as_at)
                }
        finally:
            loaded.con.close()


def test_reallocation_needs_a_practitioner_spell_in_this_episode(tmp_path):
    """A spell that began before the referral (an earlier episode) does not make the case 'awaiting re-allocation'."""
    b = CouncilBuilder(extract_date=EXTRACT_DATE)
    b.team("T")
    b.worker("T", worker_id="SW")
    b.worker("T", "team_manager", worker_id="TM")
    before, _ = b.case("T", date(2023, 3, 1))
    b.allocate(before, "SW", "T", date(2023, 2, 20), date(2023, 4, 1))
    manager_only, _ = b.case("T", date(2023, 3, 1))
    b.allocate(manager_only, "TM", "T", date(2023, 3, 2), date(2023, 4, 1))
    within, _ = b.case("T", date(2023, 3, 1))
    b.allocate(within, "SW", "T", date(2023, 3, 1), date(2023, 4, 1))
    loaded = load_tables(b, tmp_path, TABLES)
    rows = compute(loaded.con, loaded.snapshot, "unallocated_cases", date(2023, 4, 11)).records()
    got = {r["child_id"]: (r["reason"], r["days_waiting"]) for r in rows}
    assert got == {before: (NEW_WORK, 41), manager_only: (NEW_WORK, 41), within: (REALLOCATION, 10)}


# ---------------------------------------------------------------------------------------------------------
# current() itself, on a tiny in-memory table

SPELLS = [  # id, start, end
    ("closed", date(2023, 1, 10), date(2023, 1, 20)),
    ("open", date(2023, 1, 15), None),
    ("one_day", date(2023, 1, 20), date(2023, 1, 21)),
    ("empty", date(2023, 1, 25), date(2023, 1, 25)),  # ends the day it starts: never current
]


@pytest.fixture(scope="module")
def duck():
    return ibis.duckdb.connect()


def in_force(duck, rows, as_at: date) -> set[str]:
    t = ibis.memtable(
        {"id": [r[0] for r in rows], "start_date": [r[1] for r in rows], "end_date": [r[2] for r in rows]},
        schema={"id": "string", "start_date": "date", "end_date": "date"},
    )
    return set(duck.to_pyarrow(current(t, as_at))["id"].to_pylist())


@pytest.mark.duckdb_only  # Ibis expressions on an in-memory DuckDB, not the store
@pytest.mark.parametrize(
    "as_at, members",
    [
        pytest.param(date(2023, 1, 9), set(), id="day-before-start"),
        pytest.param(date(2023, 1, 10), {"closed"}, id="start-day-is-in"),
        pytest.param(date(2023, 1, 19), {"closed", "open"}, id="last-day-before-end"),
        pytest.param(date(2023, 1, 20), {"open", "one_day"}, id="end-day-is-out"),
        pytest.param(date(2023, 1, 21), {"open"}, id="one-day-spell-gone"),
        pytest.param(date(2023, 1, 25), {"open"}, id="zero-length-never-current"),
        pytest.param(date(2099, 1, 1), {"open"}, id="open-ended-forever"),
    ],
)
def test_current_boundaries(duck, as_at, members):
    assert in_force(duck, SPELLS, as_at) == members


@pytest.mark.duckdb_only
def test_current_with_other_column_names(duck):
    t = ibis.memtable(
        {"id": ["a", "b"], "referral_date": [date(2023, 1, 1), date(2023, 1, 1)],
         "close_date": [date(2023, 2, 1), None]},
        schema={"id": "string", "referral_date": "date", "close_date": "date"},
    )
    got = duck.to_pyarrow(current(t, date(2023, 2, 1), "referral_date", "close_date"))["id"].to_pylist()
    assert got == ["b"]


@pytest.mark.duckdb_only
@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.none() | st.integers(0, 30)), min_size=1, max_size=30
    ),
    st.lists(st.integers(-5, 100), min_size=1, max_size=5),
)
def test_current_matches_half_open_membership(spans, offsets):
    duck = ibis.duckdb.connect()
    rows = [
        (f"r{i}", BASE + days(s), None if n is None else BASE + days(s + n)) for i, (s, n) in enumerate(spans)
    ]
    for off in offsets:
        as_at = BASE + days(off)
        want = {r for r, s, e in rows if s <= as_at and (e is None or e > as_at)}
        assert in_force(duck, rows, as_at) == want
