"""Backtest: fit the looked-after model as at an earlier date, project, and score it against what happened.

For each month end from the cut-off to the extract date: children in each state and in total, forecast and
actual. Error per state and overall is the mean absolute percentage error (MAPE) over the months (a state's
months with no children are left out of its MAPE); coverage is the share of months whose actual count fell
inside the band, which should be close to the band's level if the band is honest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from clearsight.config import CouncilConfig
from clearsight.forecast.looked_after import LookedAfterForecast, forecast_from_segments
from clearsight.forecast.projection import month_ends_after
from clearsight.forecast.segments import CareSegments, day_number


@dataclass(frozen=True)
class Backtest:
    """A forecast made as at `cutoff` beside the children actually in care at each month end after it."""

    forecast: LookedAfterForecast
    actual: np.ndarray  # (months, S)

    @property
    def cutoff(self) -> date:
        return self.forecast.projection.as_at

    @property
    def months(self) -> int:
        return len(self.actual)

    def _inside(self) -> tuple[np.ndarray, np.ndarray]:
        p = self.forecast.projection
        lower, upper = p.band()
        t_lower, t_upper = p.total_band()
        total = self.actual.sum(axis=1)
        return (lower <= self.actual) & (self.actual <= upper), (t_lower <= total) & (total <= t_upper)

    @property
    def mape(self) -> float:
        """Mean absolute percentage error of the total over the months."""
        total = self.actual.sum(axis=1)
        return float(np.mean(np.abs(self.forecast.projection.total - total) / total))

    @property
    def coverage(self) -> float:
        """Share of months whose actual total fell inside the band."""
        return float(self._inside()[1].mean())

    @property
    def state_coverage(self) -> float:
        """Share of (month, state) pairs with children, forecast or actual, whose actual count fell inside."""
        inside, _ = self._inside()
        used = (self.actual > 0) | (self.forecast.projection.mean > 0.5)
        return float(inside[used].mean()) if used.any() else float("nan")

    def by_state(self) -> pa.Table:
        """Per state with children: mean actual, MAPE and coverage over the months."""
        p = self.forecast.projection
        inside, _ = self._inside()
        rows: dict[str, list] = {k: [] for k in ("age_band", "placement", "mean_actual", "mean_forecast", "mape",
                                                 "coverage")}
        for s in np.flatnonzero((self.actual.max(axis=0) > 0) | (p.mean.max(axis=0) > 0.5)):
            a = self.actual[:, s]
            counted = a > 0
            mape = float(np.mean(np.abs(p.mean[counted, s] - a[counted]) / a[counted])) if counted.any() else None
            for key, value in zip(rows, (p.states.band_of(s), p.states.category_of(s), float(a.mean()),
                                         float(p.mean[:, s].mean()), mape, float(inside[:, s].mean()))):
                rows[key].append(value)
        return pa.table(rows)

    def by_month(self) -> pa.Table:
        """Each month end: actual and forecast total, the band, the error and whether it fell inside."""
        p = self.forecast.projection
        lower, upper = p.total_band()
        total = self.actual.sum(axis=1)
        _, inside = self._inside()
        return pa.table({
            "month_end": pa.array(p.month_ends[: self.months], pa.date32()),
            "actual": total, "forecast": p.total[: self.months], "lower": lower[: self.months],
            "upper": upper[: self.months],
            "abs_pct_error": np.abs(p.total[: self.months] - total) / total,
            "inside_band": inside,
        })


def backtest(segments: CareSegments, cutoff: date, extract_date: date, config: CouncilConfig) -> Backtest:
    """Fit as at `cutoff` and compare each month end up to the extract date (at most the horizon)."""
    available = len([d for d in month_ends_after(cutoff, config.forecast.horizon_months) if d <= extract_date])
    if available == 0:
        raise ValueError(f"no month ends between the cut-off {cutoff} and the extract date {extract_date}")
    forecast = forecast_from_segments(segments, cutoff, config, available)
    days = np.array([day_number(d) for d in forecast.projection.month_ends])
    return Backtest(forecast, segments.stock_series(days))
