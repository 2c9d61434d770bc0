"""Workforce early-warning signals against hand-built teams."""

from __future__ import annotations

from datetime import date, timedelta

from council_builder import CouncilBuilder

from clearsight.metrics.figures import compute

AS_AT = date(2023, 9, 30)


def test_signals_fire_on_their_thresholds(tmp_path):
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("DRAIN", "Drained")
    b.team("CALM", "Calm")
    b.establishment("DRAIN", 8.0)
    b.establishment("CALM", 4.0)
    # Drained: 8 in post until summer, 3 leave in the 91 days to 30 Sep; the 5 left hold 21 cases each since
    # June, so from 20 August the team holds 105 cases on 5 FTE (21 > 20) at every weekly reading; 2 are ASYE.
    stayers = [b.worker("DRAIN", role="asye" if i < 2 else "social_worker") for i in range(5)]
    for end in (date(2023, 7, 10), date(2023, 8, 1), date(2023, 8, 20)):
        b.worker("DRAIN", last_day=end, leave_reason="workload", leaver_destination="agency")
    for w in stayers:
        for _ in range(21):
            child, _ep = b.case("DRAIN", date(2023, 6, 1))
            b.allocate(child, w, "DRAIN", date(2023, 6, 1))
    # Calm: 4 permanent, one agency worker started in September, two leavers long ago.
    for _ in range(4):
        b.worker("CALM")
    b.worker("CALM", employment="agency", start=date(2023, 9, 1))
    b.worker("CALM", last_day=date(2023, 2, 28))
    b.worker("CALM", last_day=date(2023, 3, 1))
    loaded = b.load(tmp_path)

    rows = {r["team"]: r for r in compute(loaded.con, loaded.snapshot, "workforce_signals", AS_AT).records()}
    drained, calm = rows["Drained"], rows["Calm"]
    assert (drained["leavers_in_window"], drained["leavers_alert"]) == (3, True)
    assert drained["vacancy_rate_before"] == 0.0 and drained["vacancy_rate"] == round(3 / 8, 3)
    assert drained["vacancy_rising_alert"] is True
    assert (drained["asye_share"], drained["newly_qualified_alert"]) == (0.4, True)
    assert (drained["weeks_caseload_above_standard"], drained["caseload_alert"]) == (4, True)
    assert (calm["leavers_in_window"], calm["leavers_alert"], calm["caseload_alert"]) == (0, False, False)
    assert (calm["agency_rate"], calm["agency_alert"]) == (0.2, False)  # 1 of 5 FTE: at, not past, the target

    # History: the same metric on earlier dates. In June the drain had not started.
    june = {r["team"]: r for r in compute(loaded.con, loaded.snapshot, "workforce_signals",
                                          date(2023, 6, 20)).records()}
    assert june["Drained"]["leavers_alert"] is False
    assert june["Drained"]["weeks_caseload_above_standard"] == 0  # 105 cases over 8 FTE then
    assert AS_AT - timedelta(days=90) == date(2023, 7, 2)  # the window's first day
