"""The backtest on Eastmere: actual counts from the records, errors and coverage from them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from clearsight.config import CouncilConfig
from clearsight.forecast.backtest import backtest
from clearsight.forecast.segments import care_segments

CONFIG = CouncilConfig()
CUTOFF = date(2024, 3, 31)


@pytest.fixture(scope="module")
def result(small_eastmere_db):
    con, snapshot = small_eastmere_db
    segments = care_segments(con, snapshot.snapshot_id, CONFIG.forecast)
    return backtest(segments, CUTOFF, snapshot.extract_date, CONFIG)


def test_actuals_are_the_children_in_care_under_18(small_eastmere_db, result):
    con, snapshot = small_eastmere_db
    months = result.by_month()
    assert len(months) == 12  # April 2024 to March 2025
    for month_end, actual in ((m["month_end"], m["actual"]) for m in months):
        expected = con.execute(
            """SELECT count(DISTINCT e.child_id) FROM cla_episode e JOIN child c USING (child_id, snapshot_id)
               WHERE e.snapshot_id = ? AND e.start_date <= ? AND (e.end_date IS NULL OR e.end_date > ?)
                 AND c.dob + INTERVAL 18 YEAR > ?""",
            [snapshot.snapshot_id, month_end, month_end, month_end],
        ).fetchone()[0]
        assert actual == expected


def test_errors_and_coverage_follow_from_the_rows(result):
    months = result.by_month()
    actual, forecast = (np.array([m[k] for m in months]) for k in ("actual", "forecast"))
    assert result.mape == pytest.approx(np.mean(np.abs(forecast - actual) / actual))
    assert result.coverage == pytest.approx(np.mean([m["inside_band"] for m in months]))
    assert 0 <= result.state_coverage <= 1
    # A year ahead on a settled history: the total within a few per cent.
    assert result.mape < 0.15
    states = result.by_state()
    assert set(states[0]) == {"age_band", "placement", "mean_actual", "mean_forecast", "mape", "coverage"}


def test_a_cutoff_at_the_extract_date_has_nothing_to_score(small_eastmere_db):
    con, snapshot = small_eastmere_db
    segments = care_segments(con, snapshot.snapshot_id, CONFIG.forecast)
    with pytest.raises(ValueError, match="no month ends"):
        backtest(segments, snapshot.extract_date, snapshot.extract_date, CONFIG)
