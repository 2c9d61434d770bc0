"""Unallocated cases against hand-computed councils, including seed 000's 291 = 73 + 218."""

from __future__ import annotations

from collections import Counter
from datetime import date

from council_builder import CouncilBuilder

from clearsight.metrics.allocation import NEW_WORK, REALLOCATION
from clearsight.config import CouncilConfig
from clearsight.metrics.figures import compute, compute_days, expression
from clearsight.metrics.registry import Scope
from clearsight.metrics.sql import metric_sql
from clearsight.store.database import is_postgres

AS_AT = date(2014, 12, 17)


def test_seed_000_split_291_is_73_reallocation_and_218_new(tmp_path):
    """Seed 000, 17 Dec 2014: 291 children allocated to team managers = 73 awaiting re-allocation + 218 new."""
    b = CouncilBuilder(extract_date=date(2015, 1, 17))
    b.team("CIN1", "Child in Need 1")
    manager = b.worker("CIN1", "team_manager", name="Tess Manager")
    leaver = b.worker("CIN1", last_day=date(2014, 10, 31), name="Lee Leaver", manager_id=manager)
    stayer = b.worker("CIN1", name="Sam Stayer", manager_id=manager)
    for _ in range(73):  # the leaver's cases, now held by the team manager
        child, _ep = b.case("CIN1", date(2014, 6, 1))
        b.allocate(child, leaver, "CIN1", date(2014, 6, 2), date(2014, 11, 1), change_reason="worker_left")
        b.allocate(child, manager, "CIN1", date(2014, 11, 1))
    for i in range(218):  # new referrals for single assessment never given a social worker
        child, _ep = b.case("CIN1", date(2014, 12, 1 + i % 16))
        if i % 2:
            b.allocate(child, manager, "CIN1", date(2014, 12, 1 + i % 16))
    for _ in range(12):  # allocated work is not counted
        child, _ep = b.case("CIN1", date(2014, 9, 1))
        b.allocate(child, stayer, "CIN1", date(2014, 9, 2))
    loaded = b.load(tmp_path)

    figure = compute(loaded.con, loaded.snapshot, "unallocated_cases", AS_AT)
    rows = figure.records()
    assert len(rows) == 291
    assert Counter(r["reason"] for r in rows) == {REALLOCATION: 73, NEW_WORK: 218}
    held = [r for r in rows if r["held_by"] == "Tess Manager"]
    assert len(held) == 73 + 109
    oldest = rows[0]
    assert oldest["reason"] == REALLOCATION and oldest["days_waiting"] == (AS_AT - date(2014, 11, 1)).days
    assert rows[-1]["days_waiting"] == 1  # referred 16 Dec, waiting one day
    assert figure.provenance.records["allocation"] == 73 * 2 + 109 + 12


def test_open_case_rules_and_legal_status(tmp_path):
    b = CouncilBuilder(extract_date=date(2024, 1, 31))
    b.team("T", service="cp")
    w = b.worker("T")
    cla_child, _ = b.case("T", date(2023, 1, 1))
    b.looked_after(cla_child, date(2023, 2, 1))
    cp_child, cp_episode = b.case("T", date(2023, 1, 1))
    b.cp_plan(cp_child, cp_episode, date(2023, 3, 1))
    cin_child, _ = b.case("T", date(2023, 1, 1))
    closed_child, _ = b.case("T", date(2023, 1, 1), close=date(2024, 1, 10))  # closed before as-at
    b.case("T", date(2023, 1, 1), nfa=True)  # referral NFA: never an open case
    b.case("T", date(2024, 1, 20))  # referred after as-at
    ended_plan_child, ep = b.case("T", date(2022, 1, 1))
    b.cp_plan(ended_plan_child, ep, date(2022, 2, 1), date(2023, 6, 1))
    for child in (cla_child, cp_child, cin_child, closed_child, ended_plan_child):
        b.allocate(child, w, "T", date(2023, 1, 2))
    loaded = b.load(tmp_path)

    rows = compute(loaded.con, loaded.snapshot, "open_cases", date(2024, 1, 15)).records()
    status = {r["child_id"]: r["legal_status"] for r in rows}
    assert status == {cla_child: "CLA", cp_child: "CP", cin_child: "CIN", ended_plan_child: "CIN"}
    assert compute(loaded.con, loaded.snapshot, "unallocated_cases", date(2024, 1, 15)).rows.num_rows == 0


def test_allocation_boundaries_are_half_open(tmp_path):
    """An allocation ending on the as-at date no longer counts; one starting on it does."""
    b = CouncilBuilder()
    b.team("T")
    w = b.worker("T")
    ending, _ = b.case("T", date(2023, 1, 1))
    b.allocate(ending, w, "T", date(2023, 1, 2), date(2023, 6, 1))
    starting, _ = b.case("T", date(2023, 5, 1))
    b.allocate(starting, w, "T", date(2023, 6, 1))
    loaded = b.load(tmp_path)
    rows = compute(loaded.con, loaded.snapshot, "unallocated_cases", date(2023, 6, 1)).records()
    assert [(r["child_id"], r["reason"], r["days_waiting"]) for r in rows] == [(ending, REALLOCATION, 0)]


def test_case_held_by_worker_who_became_manager_is_unallocated(tmp_path):
    """Role comes from the post held on the date: a practitioner promoted to team manager no longer counts."""
    b = CouncilBuilder()
    b.team("T")
    w = b.worker("T", last_day=date(2023, 3, 31))
    b.post(w, "T", "team_manager", start=date(2023, 4, 1))
    child, _ = b.case("T", date(2023, 1, 1))
    b.allocate(child, w, "T", date(2023, 1, 2))
    loaded = b.load(tmp_path)
    before = compute(loaded.con, loaded.snapshot, "unallocated_cases", date(2023, 3, 31)).records()
    after = compute(loaded.con, loaded.snapshot, "unallocated_cases", date(2023, 4, 1)).records()
    assert before == []
    assert [(r["reason"], r["held_by"]) for r in after] == [(NEW_WORK, f"Worker {w}")]


def test_team_filter_and_provenance(tmp_path):
    b = CouncilBuilder()
    b.team("A", "Alpha")
    b.team("B", "Beta")
    b.case("A", date(2023, 1, 1))
    b.case("B", date(2023, 1, 1))
    b.case("B", date(2023, 1, 1))
    loaded = b.load(tmp_path)
    figure = compute(loaded.con, loaded.snapshot, "unallocated_cases", date(2023, 6, 1), team="Beta")
    assert figure.rows.num_rows == 2
    assert figure.provenance.snapshot_id == loaded.snapshot.snapshot_id
    assert figure.provenance.completeness["episode.team_id"] == 1.0
    assert "episode.close_date" not in figure.provenance.completeness  # empty = still open, not a gap
    late = compute(loaded.con, loaded.snapshot, "unallocated_cases", date(2024, 6, 1))
    assert late.provenance.warnings and "after the extract date" in late.provenance.warnings[0]


def test_team_returns_are_reconciled_with_the_records(tmp_path):
    """Seed 000: teams reported no unallocated cases. The return on 30 Nov says 0; the records say 2 that day
    (a third child referred in December does not count against the November return)."""
    b = CouncilBuilder()
    b.team("T", "Tango")
    b.case("T", date(2023, 11, 1))
    b.case("T", date(2023, 11, 20))
    b.case("T", date(2023, 12, 5))
    for i, day in enumerate((date(2023, 10, 31), date(2023, 11, 30))):
        b.add("team_reported", report_id=f"R{i}", team_id="T", report_date=day, measure="unallocated_cases",
              value=0)
    loaded = b.load(tmp_path)
    [row] = compute(loaded.con, loaded.snapshot, "reported_vs_records", date(2023, 12, 15)).records()
    assert (row["report_date"], row["reported"], row["from_records"], row["discrepancy"]) == (
        date(2023, 11, 30), 0, 2, True)
    [october] = compute(loaded.con, loaded.snapshot, "reported_vs_records", date(2023, 11, 29)).records()
    assert (october["report_date"], october["from_records"], october["discrepancy"]) == (date(2023, 10, 31), 0, False)
    # Computed as at the returns' own date (found first), every day of a series gives compute's figure, days
    # before the first return none; and the stand-alone SQL, finding the date itself, the same rows.
    days = compute_days(loaded.con, loaded.snapshot, "reported_vs_records", date(2023, 10, 29), date(2023, 12, 2), 3)
    assert [len(days[d].records()) for d in sorted(days)[:2]] == [0, 1]
    for day, figure in days.items():
        assert figure.provenance.as_at == day
        assert figure.records() == compute(loaded.con, loaded.snapshot, "reported_vs_records", day).records(), day
    if not is_postgres(loaded.con):
        scope = Scope(loaded.snapshot.snapshot_id, date(2023, 12, 15), CouncilConfig())
        sql = metric_sql(expression("reported_vs_records", scope), "duckdb")
        assert loaded.con.execute(sql).to_arrow_table().to_pylist() == [row]


def test_data_confidence_grade(tmp_path):
    """Grade A when every field used is complete; one grade lower for each warning; C when a field used is
    85-95% complete."""
    b = CouncilBuilder(extract_date=date(2024, 1, 31))
    b.team("T")
    for _ in range(9):
        b.case("T", date(2023, 6, 1))
    loaded = b.load(tmp_path)
    good = compute(loaded.con, loaded.snapshot, "unallocated_cases", date(2023, 12, 1)).provenance
    assert good.confidence == "A"
    late = compute(loaded.con, loaded.snapshot, "unallocated_cases", date(2024, 3, 1)).provenance
    assert late.confidence == "B"  # asked about a date the extract does not reach
    b.rows["episode"][0]["referral_nfa"] = None  # a field the figure uses, now 8/9 complete
    patchy = b.load(tmp_path / "patchy")
    p = compute(patchy.con, patchy.snapshot, "unallocated_cases", date(2023, 12, 1)).provenance
    assert p.least_complete == ("episode.referral_nfa", round(8 / 9, 4))
    assert p.confidence == "C"


def test_children_waiting_counts_the_unallocated_by_team(tmp_path):
    """Seed 000's team on 17 Dec 2014 (73 + 218 = 291 waiting, whichever the reason) beside a team with one
    child allocated and one waiting: counts by team are unallocated_cases' rows by team, and a team filter
    keeps its own."""
    b = CouncilBuilder(extract_date=date(2015, 1, 17))
    b.team("CIN1", "Child in Need 1")
    b.team("CIN2", "Child in Need 2")
    manager = b.worker("CIN1", "team_manager", name="Tess Manager")
    leaver = b.worker("CIN1", last_day=date(2014, 10, 31), manager_id=manager)
    other = b.worker("CIN2")
    for _ in range(73):
        child, _ep = b.case("CIN1", date(2014, 6, 1))
        b.allocate(child, leaver, "CIN1", date(2014, 6, 2), date(2014, 11, 1), change_reason="worker_left")
        b.allocate(child, manager, "CIN1", date(2014, 11, 1))
    for i in range(218):
        b.case("CIN1", date(2014, 12, 1 + i % 16))
    allocated, _ep = b.case("CIN2", date(2014, 9, 1))
    b.allocate(allocated, other, "CIN2", date(2014, 9, 2))
    b.case("CIN2", date(2014, 12, 1))
    loaded = b.load(tmp_path)

    rows = compute(loaded.con, loaded.snapshot, "children_waiting", AS_AT).records()
    assert [(r["team"], r["children"]) for r in rows] == [("Child in Need 1", 291), ("Child in Need 2", 1)]
    listed = Counter(r["team"] for r in compute(loaded.con, loaded.snapshot, "unallocated_cases", AS_AT).records())
    assert {r["team"]: r["children"] for r in rows} == listed
    [one] = compute(loaded.con, loaded.snapshot, "children_waiting", AS_AT, team="Child in Need 2").records()
    assert one["children"] == 1
