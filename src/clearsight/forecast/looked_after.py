"""The looked-after-children forecast of a snapshot: fit as at a date, project, and the history beside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


from clearsight.config import CouncilConfig
from clearsight.forecast.projection import Projection, project
from clearsight.forecast.rates import Rates, fit_rates
from clearsight.forecast.segments import CareSegments, care_segments, day_number
from clearsight.store.database import Connection


@dataclass(frozen=True)
class LookedAfterForecast:
    rates: Rates
    projection: Projection


def forecast_from_segments(
    segments: CareSegments, as_at: date, config: CouncilConfig, months: int | None = None
) -> LookedAfterForecast:
    """Fit over the reference days up to `as_at` and project from the children in care on `as_at`."""
    settings = config.forecast
    today = day_number(as_at)
    rates = fit_rates(segments, today, settings.reference_days)
    months = settings.horizon_months if months is None else months
    return LookedAfterForecast(rates, project(rates, segments.stock_on(today), as_at, months, settings.band_level,
                                              settings.rate_uncertainty))


def forecast_looked_after(
    con: Connection, snapshot_id: int, as_at: date, config: CouncilConfig,
    months: int | None = None,
) -> LookedAfterForecast:
    """The forecast of looked-after children by age band and placement, monthly from `as_at`."""
    return forecast_from_segments(care_segments(con, snapshot_id, config.forecast), as_at, config, months)
