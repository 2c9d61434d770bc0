"""Backtest: fit the looked-after model as at an earlier date, project, and score it against what happened.

For each month end from the cut-off to the extract date: children in each state and in total, forecast and
actual. Error per state and overall is the mean absolute percentage error (MAPE) over the months (a state's
months with no children are left out of its MAPE); coverage is the share of months whose actual count fell
inside the band, which should be close to the band's level if the band is honest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

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

    def by_state(self) -> list[dict[str, Any]]:
        """Per state with children: mean actual, MAPE and coverage over the months."""
        p = self.forecast.projection
        inside, _ = self._inside()
        rows = []
        for s in np.flatnonzero((self.actual.max(axis=0) > 0) | (p.mean.max(axis=0) > 0.5)):
            a = self.actual[:, s]
            counted = a > 0
            mape = float(np.mean(np.abs(p.mean[counted, s] - a[counted]) / a[counted])) if counted.any() else None
            rows.append({"age_band": p.states.band_of(s), "placement": p.states.category_of(s),
                         "mean_actual": float(a.mean()), "mean_forecast": float(p.mean[:, s].mean()), "mape": mape,
                         "coverage": float(inside[:, s].mean())})
        return rows

    def by_month(self) -> list[dict[str, Any]]:
        """Each month end: actual and forecast total, the band, the error and whether it fell inside."""
        p = self.forecast.projection
        n = self.months
        lower, upper = p.total_band()
        total = self.actual.sum(axis=1)
        _, inside = self._inside()
        columns = (total, p.total[:n], lower[:n], upper[:n], np.abs(p.total[:n] - total) / total, inside)
        keys = ("actual", "forecast", "lower", "upper", "abs_pct_error", "inside_band")
        return [{"month_end": month_end, **dict(zip(keys, values))}
                for month_end, *values in zip(p.month_ends[:n], *(c.tolist() for c in columns))]


def backtest(segments: CareSegments, cutoff: date, extract_date: date, config: CouncilConfig) -> Backtest:
    """Fit as at `cutoff` and compare each month end up to the extract date (at most the horizon)."""
    available = len([d for d in month_ends_after(cutoff, config.forecast.horizon_months) if d <= extract_date])
    if available == 0:
        raise ValueError(f"no month ends between the cut-off {cutoff} and the extract date {extract_date}")
    forecast = forecast_from_segments(segments, cutoff, config, available)
    days = np.array([day_number(d) for d in forecast.projection.month_ends])
    return Backtest(forecast, segments.stock_series(days))
