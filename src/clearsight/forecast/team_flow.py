"""How a team's cases and staff move day by day: the engine under the staffing projection and the what-if.

Cases: a team's open cases D (held + waiting) grow by arrivals (new work and transfers in, a day) and fall as held
cases close or move on (a daily probability per held case); a case waiting for a worker is not worked and does not
close. Practitioners hold at most the allocation ceiling each (ForecastSettings.allocation_ceiling x the role's
upper standard); the rest wait. So when demand outruns what the staff in post can hold, the waiting list grows
by arrivals - closures at capacity every day: a backlog that builds, not a level.

Staff: a team's permanent FTE P and agency FTE A fall by leavers; vacancies (funded FTE E - P - A, from the
establishment) fill, a share of them by agency staff. Permanent practitioners leave at h0 x exp(beta x max(0, load -
1)) a year, load being the team's caseload ratio (held / FTE x the upper standard) over its normal ratio, felt while
children wait or while it is far above 1 (WorkforceRates.felt_rise: a cut team's staff feel the children of the
deleted posts even while every child still has a worker) and as the moving mean of three months (as the history's
sustained load is read), the rise stopping at the most load the evidence has seen: a team running at its usual level
feels no pressure whatever the standard, one pushed past it with children waiting loses staff faster month by month.
A team with children waiting (at its allocation ceiling) buys cover at the pressed rates: how fast, how much of it
agency, and how soon agency staff leave again. The rates are the council's own (forecast.workforce_history), or the
configured defaults where its history has not seen pressure. A restructure cuts E at once and the FTE in post as the
staff whose posts went leave, evenly over the weeks after it (ForecastSettings.restructure_exit_days), holding cases
until they go; the leavers it made (leaving reason 'restructure') are the scenario's change, not the leaving rate's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from clearsight.config import CouncilConfig
from clearsight.forecast.workforce_history import OPEN, SUSTAINED_MONTHS, WorkforceRates
from clearsight.store.database import Connection, fetch_rows, parameter_list

FELT = 2 / (SUSTAINED_MONTHS * 365 / 12 + 1)  # a day's weight in the load staff feel: the moving mean of 3 months
CLOSING = ("case_closed", "case_transfer")  # allocation end reasons (codes.CHANGE_REASON): the case left the team


@dataclass(frozen=True)
class CaseFlow:
    """A team's cases: arrivals a day and the daily probability that a held case closes or leaves the team."""

    arrivals: float
    closing: float


def case_exits(con: Connection, snapshot_id: int, as_at: date, days: int,
               config: CouncilConfig) -> dict[str, tuple[float, float]]:
    """Each team's (exits, held case-days) over the `days` before `as_at`: practitioners' allocations in the team
    that ended with the case closed or moved on (CLOSING), and the days its practitioners held cases."""
    closing, closing_parameters = parameter_list("closing", CLOSING)
    allocation_roles, allocation_parameters = parameter_list("allocation_role", config.allocation.allocation_roles)
    roles, role_parameters = parameter_list("role", config.allocation.case_holding_roles)
    rows = fetch_rows(con, f"""
        SELECT a.team_id,
               count(*) FILTER (WHERE a.end_date > $first AND a.end_date <= $as_at
                                  AND a.change_reason IN ({", ".join(closing)})) AS exits,
               sum(greatest(least(coalesce(a.end_date, $open), $as_at) - greatest(a.start_date, $first), 0))
                 AS held_days
        FROM allocation a JOIN worker_post p
          ON p.worker_id = a.worker_id AND p.snapshot_id = a.snapshot_id AND p.start_date <= a.start_date
         AND coalesce(p.end_date, $open) > a.start_date
        WHERE a.snapshot_id = $snapshot_id AND a.role IN ({", ".join(allocation_roles)})
          AND p.role IN ({", ".join(roles)})
          AND a.start_date < $as_at AND coalesce(a.end_date, $open) > $first
        GROUP BY 1
    """, {"snapshot_id": int(snapshot_id), "first": as_at - timedelta(days=days), "as_at": as_at, "open": OPEN,
          **closing_parameters, **allocation_parameters, **role_parameters})
    return {team_id: (float(exits), float(held_days or 0)) for team_id, exits, held_days in rows}


def case_flow(exits: float, held_days: float, open_now: float, open_then: float, days: int) -> CaseFlow:
    """A team's flow from its history: closing = exits / held case-days; arrivals balance the books,
    (exits + open cases now - open cases `days` before) / days, never below 0."""
    closing = exits / held_days if held_days > 0 else 0.0
    return CaseFlow(max(0.0, (exits + open_now - open_then) / days), closing)


@dataclass(frozen=True)
class TeamPath:
    """Teams' open cases, cases held, practitioner FTE and caseload ratio at each month end (months x teams)."""

    open_cases: np.ndarray
    held: np.ndarray
    fte: np.ndarray


def simulate(
    days_to_month_ends: list[int], open_cases: np.ndarray, fte: np.ndarray, funded: np.ndarray,
    per_fte_ceiling: np.ndarray, per_fte_standard: np.ndarray, arrivals: np.ndarray, closing: np.ndarray,
    demand: np.ndarray, workforce: WorkforceRates | None, leaving_factor: np.ndarray | None = None,
    given_fte: np.ndarray | None = None, agency_fte: np.ndarray | None = None, normal: np.ndarray | None = None,
    departing: np.ndarray | None = None, exit_days: tuple[int, int] = (0, 0),
) -> TeamPath:
    """Step every team (arrays over teams) one day at a time to each month end (see the module docstring).
    `demand` (months x teams) multiplies arrivals in each month; `leaving_factor` each team's leaving;
    `workforce` None holds FTE as it is; `given_fte` (months x teams, NaN where not given) is the FTE in post
    through each month as planned or as it turned out, in place of the projected leaving and filling;
    `agency_fte` is the part of `fte` from agencies (none: all permanent); `normal` each team's normal caseload
    ratio, where its load is 1 (none: the upper standard); `departing` the FTE, besides `fte`, of staff whose
    posts a restructure deleted, who hold cases until they leave, evenly over days `exit_days` (first, last)."""
    teams = len(open_cases)
    factor = np.ones(teams) if leaving_factor is None else leaving_factor
    usual = np.ones(teams) if normal is None else np.where(normal > 0, normal, 1.0)
    d = open_cases.astype(float).copy()
    agency = np.zeros(teams) if agency_fte is None else np.minimum(agency_fte.astype(float), fte)
    permanent = fte.astype(float) - agency
    going = np.zeros(teams) if departing is None else np.maximum(departing.astype(float), 0.0)
    first_exit, last_exit = exit_days
    exit_rate = going / (last_exit - first_exit + 1)
    out = {k: np.zeros((len(days_to_month_ends), teams)) for k in ("open_cases", "held", "fte")}
    w = workforce
    if w is not None:  # with children waiting: the pressed rates, where the council's response has its own
        pressed_filling = w.filling if w.pressed_filling is None else w.pressed_filling
        pressed_share = w.agency_share if w.pressed_agency_share is None else w.pressed_agency_share
        pressed_leaving = w.agency_leaving if w.pressed_agency_leaving is None else w.pressed_agency_leaving
    felt = np.ones(teams)
    day = 0
    for i, month_end in enumerate(days_to_month_ends):
        given = np.full(teams, np.nan) if given_fte is None else given_fte[i]
        going = np.where(np.isnan(given), going, 0.0)  # the staffing given counts everyone in post
        while day < month_end:
            permanent, agency = _given(permanent, agency, given)
            if first_exit <= day <= last_exit:
                going = np.maximum(going - exit_rate, 0.0)
            f = permanent + agency + going
            held = np.minimum(d, f * per_fte_ceiling)
            if w is not None:
                with np.errstate(divide="ignore", invalid="ignore"):
                    load = np.where(f > 0, held / (f * per_fte_standard), 0.0) / usual
                pressed = d > held + 1e-9
                filled = np.maximum(funded - f, 0.0) * np.where(pressed, pressed_filling, w.filling) / 365
                share = np.where(pressed, pressed_share, w.agency_share)
                agency_leaving = np.where(pressed, pressed_leaving, w.agency_leaving)
                # a team that still allocates every child holds its staff: leaving rises once children wait, or
                # once the load is far above the team's normal (a cut), with the load its staff have felt over the
                # last three months (as the history's is read), not today's
                felt += FELT * (np.where(pressed | (load > w.felt_rise), load, 1.0) - felt)
                leaving = w.leaving_at(felt)
                permanent = permanent - permanent * factor * leaving / 365 + filled * (1 - share)
                going = going - going * factor * leaving / 365  # some resign before their last day
                agency = agency - agency * factor * agency_leaving / 365 + filled * share
                permanent, agency = _given(permanent, agency, given)
            d = np.maximum(d + arrivals * demand[i] - closing * held, 0.0)
            day += 1
        f = permanent + agency + going
        out["open_cases"][i], out["held"][i], out["fte"][i] = d, np.minimum(d, f * per_fte_ceiling), f
    return TeamPath(**out)


def _given(permanent: np.ndarray, agency: np.ndarray, given: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Permanent and agency FTE scaled to the FTE `given` (NaN: as they are), keeping their shares."""
    total = permanent + agency
    scale = np.where(np.isnan(given), 1.0,
                     np.where(total > 0, np.nan_to_num(given) / np.where(total > 0, total, 1.0), 0.0))
    top_up = np.where(np.isnan(given) | (total > 0), 0.0, np.nan_to_num(given))  # nobody in post: given as permanent
    return permanent * scale + top_up, agency * scale
