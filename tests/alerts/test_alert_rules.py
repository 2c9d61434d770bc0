"""Alert rules on hand-made histories: each condition kind, evidence, idempotent re-evaluation, hysteresis.

Every expected figure is worked out here from the rule's definition and the council built in the test.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from council_builder import CouncilBuilder
from pydantic import ValidationError

from clearsight.alerts.lifecycle import replay, run
from clearsight.alerts.rules import RuleError
from clearsight.alerts.store import AlertStore
from clearsight.config import CouncilConfig
from clearsight.metrics.figures import compute, compute_days

REFERRAL = date(2023, 5, 2)  # a Tuesday


def _config(**rule: object) -> CouncilConfig:
    """The defaults switched off and one rule under test, `waiting`, on the children waiting in each team."""
    base = {"title": "Children waiting", "metric": "unallocated_cases", "aggregate": "count", "scope": "team",
            "severity": "high", "owner_role": "team_manager", "response_working_days": 5}
    rules: dict[str, object] = {name: {"enabled": False} for name in CouncilConfig().alerts.rules}
    rules["waiting"] = {**base, **rule}
    return CouncilConfig.model_validate({"alerts": {"rules": rules, "reading_days": 7}})


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    """Team A: child 1 referred on REFERRAL (on a CP plan), children 2 and 3 five days later, none allocated
    until child 1 is allocated on REFERRAL + 20; child 1's case audited twice. Team B: one allocated child."""
    b = CouncilBuilder(extract_date=date(2023, 12, 31))
    b.team("A", "Team A")
    b.team("B", "Team B")
    worker = b.worker("A")
    other = b.worker("B")
    first, episode = b.case("A", REFERRAL)
    b.cp_plan(first, episode, REFERRAL)
    b.allocate(first, worker, "A", REFERRAL + timedelta(days=20))
    for _ in range(2):
        b.case("A", REFERRAL + timedelta(days=5))
    allocated, _ = b.case("B", REFERRAL)
    b.allocate(allocated, other, "B", REFERRAL)
    # Child 1's case audited by their manager ("good") and independently ("inadequate") a week later.
    b.add("case_audit", audit_id="MA1", child_id=first, audit_date=REFERRAL + timedelta(days=7),
          auditor_kind="manager", grade="good", team_id="A")
    b.add("case_audit", audit_id="IA1", child_id=first, audit_date=REFERRAL + timedelta(days=14),
          auditor_kind="independent", grade="inadequate", team_id="A")
    return b.load(tmp_path_factory.mktemp("alerts")), first


def _fresh(council):
    loaded, _ = council
    loaded.con.execute("DELETE FROM alert_event")
    loaded.con.execute("DELETE FROM alert")
    return loaded


def test_threshold_raises_one_alert_with_its_evidence_and_re_evaluation_changes_nothing(council):
    loaded = _fresh(council)
    config = _config(where={"legal_status": ["CP"]}, condition={"kind": "threshold", "op": ">", "value": 0})
    day = REFERRAL + timedelta(days=1)
    result = run(loaded.con, loaded.snapshot, config, day)
    # Only team A's child 1 is on a CP plan and unallocated: one alert, figure 1, that child as the evidence.
    assert [(a.rule, a.entity, a.value, a.threshold) for a in result.raised] == [("waiting", "team:A", 1.0, 0.0)]
    alert = result.raised[0]
    assert alert.records == [council[1]]
    assert alert.evidence["snapshot_id"] == loaded.snapshot.snapshot_id and alert.evidence["as_at"] == day.isoformat()
    # Wed 3 May + 5 working days: Thu 4, Fri 5, (Mon 8 May 2023: the coronation bank holiday) Tue 9, Wed 10, Thu 11.
    assert alert.due_on == date(2023, 5, 11)
    again = run(loaded.con, loaded.snapshot, config, day)
    assert (again.raised, again.holding) == ([], 1)
    assert len(AlertStore(loaded.con, config).alerts()) == 1
    assert [e.event for e in AlertStore(loaded.con, config).events(alert.alert_id)] == ["raised"]


def test_sustained_needs_every_reading_over_the_days(council):
    loaded = _fresh(council)
    config = _config(condition={"kind": "sustained", "op": ">", "value": 0, "days": 14})
    # Readings 7 days apart back to 14 days before: on REFERRAL + 13 the reading of REFERRAL - 1 has nobody
    # waiting; on REFERRAL + 14 the readings of REFERRAL, + 7 and + 14 all have child 1 waiting.
    assert run(loaded.con, loaded.snapshot, config, REFERRAL + timedelta(days=13)).raised == []
    raised = run(loaded.con, loaded.snapshot, config, REFERRAL + timedelta(days=14)).raised
    assert [(a.entity, a.value) for a in raised] == [("team:A", 3.0)]


def test_factor_scales_the_limit(council):
    loaded = _fresh(council)
    day = REFERRAL + timedelta(days=7)  # 3 waiting in team A
    # Line 2 x 1.5 = 3: 3 is not over it, and is at it.
    over = _config(condition={"kind": "threshold", "op": ">", "value": 2, "factor": 1.5})
    assert run(loaded.con, loaded.snapshot, over, day).raised == []
    at = _config(condition={"kind": "threshold", "op": ">=", "value": 2, "factor": 1.5})
    assert [(a.entity, a.value, a.threshold) for a in run(loaded.con, loaded.snapshot, at, day).raised] == [
        ("team:A", 3.0, 3.0)]


def test_a_figure_listing_no_records_links_to_its_records_metric(council):
    loaded, first = council
    _fresh(council)
    config = _config(metric="optimism_gap", aggregate="value", column="mean_gap", scope="council",
                     period_days=182, records_metric="optimism_gap_pairs",
                     condition={"kind": "threshold", "op": ">", "value": 0.5})
    # One pair: independent inadequate (4) less manager good (2) = a gap of 2 grades; the audits are child 1's.
    [alert] = run(loaded.con, loaded.snapshot, config, REFERRAL + timedelta(days=30)).raised
    assert (alert.value, alert.records, alert.evidence["record_column"]) == (2.0, [first], "child_id")
    with pytest.raises(RuleError, match="records_metric: no metric named 'audits'"):
        run(loaded.con, loaded.snapshot, _config(records_metric="audits", condition={
            "kind": "threshold", "op": ">", "value": 0}), REFERRAL)


def test_records_where_keeps_the_records_metric_rows_it_names(council):
    loaded, first = council
    day = REFERRAL + timedelta(days=14)  # the audit pair complete; children 1 (on a CP plan), 2 and 3 waiting
    rule = {"metric": "optimism_gap", "aggregate": "value", "column": "mean_gap", "scope": "council",
            "period_days": 182, "records_metric": "unallocated_cases",
            "condition": {"kind": "threshold", "op": ">", "value": 0.5}}
    _fresh(council)
    [every] = run(loaded.con, loaded.snapshot, _config(**rule), day).raised
    assert len(every.records) == 3
    _fresh(council)
    [cp] = run(loaded.con, loaded.snapshot, _config(**rule, records_where={"legal_status": ["CP"]}), day).raised
    assert cp.records == [first]


def test_rate_of_change_compares_with_the_figure_days_before(council):
    loaded = _fresh(council)
    config = _config(condition={"kind": "rate_of_change", "op": ">=", "change": 2, "days": 7})
    # REFERRAL + 7: 3 waiting now, 1 on REFERRAL: up 2. REFERRAL + 12: 3 now and 3 on REFERRAL + 5: no rise.
    assert run(loaded.con, loaded.snapshot, config, REFERRAL + timedelta(days=12)).raised == []
    raised = run(loaded.con, loaded.snapshot, config, REFERRAL + timedelta(days=7)).raised
    assert [(a.entity, a.value, a.evidence["compare"]) for a in raised] == [("team:A", 3.0, 1.0)]


def test_an_alert_resolves_itself_only_after_the_condition_has_cleared_for_clear_days(council):
    loaded = _fresh(council)
    config = _config(where={"legal_status": ["CP"]}, clear_days=7,
                     condition={"kind": "threshold", "op": ">", "value": 0})
    store = AlertStore(loaded.con, config)
    allocated = REFERRAL + timedelta(days=20)
    run(loaded.con, loaded.snapshot, config, allocated - timedelta(days=1))  # last day child 1 waits
    assert run(loaded.con, loaded.snapshot, config, allocated + timedelta(days=5)).resolved == []  # clear 6 days
    resolved = run(loaded.con, loaded.snapshot, config, allocated + timedelta(days=6)).resolved  # clear 7 days
    assert len(resolved) == 1 and resolved[0].resolved_on == allocated + timedelta(days=6)
    assert "resolved automatically" in (resolved[0].resolution or "")
    assert [e.event for e in store.events(resolved[0].alert_id)] == ["raised", "resolved"]
    assert store.alerts(open_only=True) == []


def test_discrepancy_between_two_columns(council):
    loaded = _fresh(council)
    # A team's count of children waiting set against the same count: never a discrepancy; against the
    # threshold column of nothing (a missing compare column) no alert either.
    config = _config(aggregate="value", metric="caseload_by_worker", column="caseload", scope="worker",
                     condition={"kind": "discrepancy", "compare": "caseload", "tolerance": 0})
    assert run(loaded.con, loaded.snapshot, config, REFERRAL + timedelta(days=30)).raised == []


def test_confidence_falling_reads_the_figure_grade(council):
    loaded = _fresh(council)
    # The built council's fields are complete (grade A): nothing is raised below B; "below A" is never true
    # for grade A either.
    config = _config(aggregate="value", scope="council", condition={"kind": "confidence_falling", "below": "A"})
    assert run(loaded.con, loaded.snapshot, config, REFERRAL).raised == []


def test_a_rule_naming_an_unknown_metric_is_refused_by_name(council):
    loaded = _fresh(council)
    with pytest.raises(RuleError, match=r"alerts.rules.waiting.metric: no metric named 'unallocated'"):
        run(loaded.con, loaded.snapshot, _config(metric="unallocated", condition={"kind": "threshold", "value": 0}))


def test_settings_errors_name_the_rule_and_the_field():
    with pytest.raises(ValidationError, match=r"alerts.rules.leavers.condition.threshold.op"):
        CouncilConfig.model_validate({"alerts": {"rules": {"leavers": {"condition": {
            "kind": "threshold", "op": "=>", "value": 3}}}}})
    with pytest.raises(ValidationError, match=r"alerts.rules.mine.condition.sustained.days"):
        CouncilConfig.model_validate({"alerts": {"rules": {"mine": {
            "title": "x", "metric": "leavers", "scope": "team", "severity": "high", "response_working_days": 2,
            "condition": {"kind": "sustained", "value": 3}}}}})
    with pytest.raises(ValidationError, match=r"rules.leavers.escalation: unknown role 'mayor'"):
        CouncilConfig.model_validate({"alerts": {"rules": {"leavers": {"escalation": ["service_manager", "mayor"]}}}})


def test_a_council_overrides_a_built_in_rule_field_by_field():
    config = CouncilConfig.model_validate({"alerts": {"rules": {"leavers": {"severity": "critical"},
                                                                "agency": {"enabled": False}}}})
    default = CouncilConfig().alerts.rules["leavers"]
    assert config.alerts.rules["leavers"] == default.model_copy(update={"severity": "critical"})
    assert "agency" not in config.alerts.active and len(config.alerts.active) == len(CouncilConfig().alerts.rules) - 1
    assert default.escalation == ("team_manager", "service_manager", "head_of_service", "director", "lead_member")


def test_a_daily_replay_reads_each_figure_over_a_spine_of_days_and_matches_day_by_day_runs(council):
    loaded = _fresh(council)
    config = _config(condition={"kind": "sustained", "op": ">", "value": 0, "days": 14}, clear_days=3)
    start, end = REFERRAL - timedelta(days=3), REFERRAL + timedelta(days=40)
    replayed = replay(loaded.con, loaded.snapshot, config, start, end, step=1, entries=[])
    # The same days run one by one against the council's own store.
    day = start
    while day <= end:
        run(loaded.con, loaded.snapshot, config, day)
        day += timedelta(days=1)
    one_by_one = AlertStore(loaded.con, config)

    def story(store: AlertStore) -> list[tuple]:
        return [(a.entity, a.raised_on, a.value, a.resolved_on, a.owner_role) for a in store.alerts()]

    # Team A's three children wait from REFERRAL + 5 (child 1 from REFERRAL) until child 1's allocation on
    # REFERRAL + 20; with two still waiting the count stays above 0, so the alert raised on REFERRAL + 14 (readings
    # of REFERRAL, + 7 and + 14) holds to the end.
    assert story(replayed.store) == story(one_by_one)
    assert [(e, raised) for e, raised, *_ in story(one_by_one)] == [("team:A", REFERRAL + timedelta(days=14))]
    assert replayed.readings <= 3 * (end - start).days  # one figure per day read, look-backs included, no more


def test_compute_days_gives_each_day_the_figure_compute_gives(council):
    loaded, _ = council
    config = CouncilConfig()
    start, end = REFERRAL - timedelta(days=2), REFERRAL + timedelta(days=30)
    for metric, period in (("unallocated_cases", None), ("leavers", 91), ("caseload_by_worker", None)):
        days = compute_days(loaded.con, loaded.snapshot, metric, start, end, 4, period_days=period, config=config)
        assert sorted(days) == [start + timedelta(days=k) for k in range(0, 33, 4)]
        for day, figure in days.items():
            first = day - timedelta(days=period - 1) if period else None
            assert figure.records() == compute(loaded.con, loaded.snapshot, metric, day, config,
                                               period_start=first).records(), (metric, day)
    waiting = compute_days(loaded.con, loaded.snapshot, "unallocated_cases", REFERRAL, REFERRAL + timedelta(days=5),
                           5, config=config)
    # On REFERRAL child 1 waits; five days later children 2 and 3 are referred too.
    assert [len(waiting[d].records()) for d in sorted(waiting)] == [1, 3]
