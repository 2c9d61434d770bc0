"""How a team's cases and staff move day by day: the engine under the staffing projection and the what-if.

Cases: a team's open cases D (held + waiting) grow by arrivals (new work and transfers in, a day) and fall as held
cases close or move on (a daily probability per held case); a case waiting for a worker is not worked and does not
close. Practitioners hold at most the allocation ceiling each (ForecastSettings.allocation_ceiling x the role's
upper standard); the rest wait. So when demand outruns what the staff in post can hold, the waiting list grows
by arrivals - closures at capacity every day: a backlog that builds, not a level.

Staff: practitioner FTE F falls by leavers and rises as vacancies (funded FTE E - F, from the establishment) are
filled (in a team with children waiting, at least as fast as agency cover comes: ForecastSettings.cover_days).
Practitioners leave at h0 x exp(beta x max(0, caseload / upper standard - 1)) a year: the council's own
leaving rate, rising with caseload pressure as far as its own history shows it (Poisson maximum likelihood over
worker-months: each practitioner in post at a month end, their team's caseload against its standard, and whether
they left in the following month; where the history has seen too little pressure to show it, the configured
ForecastSettings.leaving_pressure). Vacancies fill at the
rate the council's starters filled them over the reference period (starters' FTE / vacant FTE-years). A restructure cuts E and F together; the leavers it made
(leaving reason 'restructure') are the scenario's change, not the leaving rate's, and are left out of the fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np

from clearsight.config import CouncilConfig
from clearsight.store.database import query_arrow

RESTRUCTURE = "restructure"  # the leaving reason (codes.LEAVE_REASON) of a post deleted by a restructure
CLOSING = ("case_closed", "case_transfer")  # allocation end reasons (codes.CHANGE_REASON): the case left the team
OPEN = "DATE '9999-12-31'"
MOST_PRESSURE = 10.0  # the largest pressure coefficient searched (leaving x e^10 at twice the standard)


@dataclass(frozen=True)
class WorkforceRates:
    """The council's practitioners: leaving a year at or under the standard (h0), how leaving rises with
    caseload over it (beta), and the share of vacant FTE filled a year."""

    leaving: float
    pressure: float
    filling: float
    worker_months: int
    leavers: int
    pressure_fitted: bool = True  # False: the history held too few worker-months under pressure to fit it

    def leaving_at(self, ratio: np.ndarray) -> np.ndarray:
        """Leaving a year at `ratio` = caseload / the upper standard."""
        return self.leaving * np.exp(self.pressure * np.maximum(ratio - 1.0, 0.0))


@dataclass(frozen=True)
class CaseFlow:
    """A team's cases: arrivals a day and the daily probability that a held case closes or leaves the team."""

    arrivals: float
    closing: float


def fit_pressure(ratio: np.ndarray, exposure: np.ndarray, left: np.ndarray,
                 pressure: float | None = None) -> tuple[float, float]:
    """(h0, beta) maximising the Poisson likelihood of `left` leavers in `exposure` worker-months at each
    caseload `ratio`, with leaving h0 exp(beta max(0, ratio - 1)) a month: for each beta on a grid of 0.01 up to
    MOST_PRESSURE (or `pressure` alone, where given), h0 is its maximum-likelihood value
    sum(left) / sum(exposure e^(beta x)); the best beta wins (the smallest where they tie: no pressure unless the
    history shows it)."""
    x = np.maximum(np.asarray(ratio, float) - 1.0, 0.0)
    exposure, left = np.asarray(exposure, float), np.asarray(left, float)
    total = left.sum()
    if total == 0 or exposure.sum() == 0:
        return 0.0, 0.0 if pressure is None else pressure
    betas = np.arange(0.0, MOST_PRESSURE + 1e-9, 0.01) if pressure is None else np.array([float(pressure)])
    weighted = np.exp(np.outer(betas, x)) @ exposure
    h0 = total / weighted
    loglik = total * np.log(h0) + betas * (left @ x) - total
    best = int(np.argmax(np.round(loglik, 9)))
    return float(h0[best]), float(betas[best])


def _month_ends(first: date, last: date) -> str:
    """SQL for the month ends from `first`'s month to the one before `last`'s."""
    return (f"SELECT last_day(CAST(m AS DATE)) AS month_end "
            f"FROM range(DATE '{first.replace(day=1)}', DATE '{last.replace(day=1)}', INTERVAL 1 MONTH) r(m)")


def _roles(roles: tuple[str, ...]) -> str:
    return ", ".join("'" + r.replace("'", "''") + "'" for r in roles)


def leaving_history(con: duckdb.DuckDBPyConnection, snapshot_id: int, as_at: date,
                    config: CouncilConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Practitioners in post at each month end before `as_at` whose next month ended by `as_at`: by their team's
    caseload ratio (children allocated to its practitioners / sum of FTE x the role's upper standard, to 0.01),
    worker-months and leavers in the following month (last day of service in it; not a restructure's)."""
    sid = int(snapshot_id)
    roles = config.allocation.case_holding_roles
    upper = " ".join(f"WHEN '{r}' THEN {config.caseload_standards[r].upper}"
                     for r in roles if r in config.caseload_standards)
    first = con.execute("SELECT min(start_date) FROM allocation WHERE snapshot_id = ?", [sid]).fetchone()
    if not first or first[0] is None:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    rows = query_arrow(con, f"""
        WITH months AS ({_month_ends(first[0], as_at)}),
        posts AS (
            SELECT p.worker_id, p.team_id, p.fte, m.month_end, CASE p.role {upper} ELSE 0 END * p.fte AS capacity
            FROM worker_post p JOIN months m
              ON p.start_date <= m.month_end AND coalesce(p.end_date, {OPEN}) > m.month_end
            WHERE p.snapshot_id = {sid} AND p.role IN ({_roles(roles)})
              AND last_day(m.month_end + INTERVAL 1 MONTH) <= DATE '{as_at}'),
        allocated AS (
            SELECT a.worker_id, m.month_end FROM allocation a JOIN months m
              ON a.start_date <= m.month_end AND coalesce(a.end_date, {OPEN}) > m.month_end
            WHERE a.snapshot_id = {sid} AND a.role IN ({_roles(config.allocation.allocation_roles)})),
        held AS (
            SELECT p.team_id, p.month_end, count(*) AS cases
            FROM allocated a JOIN posts p USING (worker_id, month_end) GROUP BY ALL),
        teams AS (SELECT team_id, month_end, sum(capacity) AS capacity FROM posts GROUP BY ALL)
        SELECT round(coalesce(h.cases, 0) / t.capacity, 2) AS ratio, count(*) AS exposure,
               count(*) FILTER (WHERE w.end_date > p.month_end
                                  AND w.end_date <= last_day(p.month_end + INTERVAL 1 MONTH)
                                  AND coalesce(w.leave_reason, '') <> '{RESTRUCTURE}') AS left_
        FROM posts p JOIN teams t USING (team_id, month_end) LEFT JOIN held h USING (team_id, month_end)
        JOIN worker w ON w.worker_id = p.worker_id AND w.snapshot_id = {sid}
        WHERE t.capacity > 0
        GROUP BY 1 ORDER BY 1
    """).to_pylist()
    return tuple(np.array([r[k] for r in rows], float) for k in ("ratio", "exposure", "left_"))  # type: ignore[return-value]


def filling_rate(con: duckdb.DuckDBPyConnection, snapshot_id: int, as_at: date, days: int,
                 config: CouncilConfig) -> float | None:
    """Vacant practitioner FTE filled a year over the `days` before `as_at`: starters' FTE (their first post in a
    practitioner role) / vacant FTE-years (funded FTE - FTE in post, by team, at each month end, not below 0).
    None where the establishment records no vacancy."""
    sid = int(snapshot_id)
    roles = _roles(config.allocation.case_holding_roles)
    first = as_at - timedelta(days=days)
    row = con.execute(f"""
        WITH months AS ({_month_ends(first, as_at)}),
        funded AS (
            SELECT e.team_id, m.month_end, sum(e.funded_fte) AS fte FROM establishment e JOIN months m
              ON e.start_date <= m.month_end AND coalesce(e.end_date, {OPEN}) > m.month_end
            WHERE e.snapshot_id = {sid} AND e.role IN ({roles}) GROUP BY ALL),
        in_post AS (
            SELECT p.team_id, m.month_end, sum(p.fte) AS fte FROM worker_post p JOIN months m
              ON p.start_date <= m.month_end AND coalesce(p.end_date, {OPEN}) > m.month_end
            WHERE p.snapshot_id = {sid} AND p.role IN ({roles}) GROUP BY ALL),
        vacant AS (
            SELECT sum(greatest(f.fte - coalesce(i.fte, 0), 0)) AS fte_months
            FROM funded f LEFT JOIN in_post i USING (team_id, month_end)),
        starters AS (
            SELECT sum(p.fte) AS fte FROM worker w JOIN worker_post p
              ON p.worker_id = w.worker_id AND p.snapshot_id = w.snapshot_id AND p.start_date = w.start_date
            WHERE w.snapshot_id = {sid} AND p.role IN ({roles})
              AND w.start_date > (SELECT min(month_end) FROM months) AND w.start_date <= DATE '{as_at}')
        SELECT (SELECT fte_months FROM vacant), (SELECT fte FROM starters), (SELECT count(*) FROM months)
    """).fetchone()
    vacant, starters, months = (row or (None, None, 0))
    if not vacant or not months:
        return None
    # The starters over the months after the first month end fill the vacancy-months counted at all of them.
    return float(starters or 0.0) / (float(vacant) / 12.0)


def fit_workforce(con: duckdb.DuckDBPyConnection, snapshot_id: int, as_at: date,
                  config: CouncilConfig) -> WorkforceRates:
    """The council's leaving rate, its rise with caseload pressure, and how fast vacancies fill, as at `as_at`.
    The rise is the council's own where its history holds `ForecastSettings.pressure_evidence_months`
    worker-months at `pressure_evidence_ratio` times the standard or more; else `ForecastSettings.leaving_pressure`
    (a council that has never been stretched that far cannot show how its staff would leave if it were)."""
    ratio, exposure, left = leaving_history(con, snapshot_id, as_at, config)
    settings = config.forecast
    fitted = float(exposure[ratio >= settings.pressure_evidence_ratio].sum()) >= settings.pressure_evidence_months
    h0, beta = fit_pressure(ratio, exposure, left, None if fitted else settings.leaving_pressure)
    filling = filling_rate(con, snapshot_id, as_at, settings.reference_days, config)
    return WorkforceRates(h0 * 12, beta, 12.0 if filling is None else filling, int(exposure.sum()),
                          int(left.sum()), fitted)


def case_exits(con: duckdb.DuckDBPyConnection, snapshot_id: int, as_at: date, days: int,
               config: CouncilConfig) -> dict[str, tuple[float, float]]:
    """Each team's (exits, held case-days) over the `days` before `as_at`: practitioners' allocations in the team
    that ended with the case closed or moved on (CLOSING), and the days its practitioners held cases."""
    sid = int(snapshot_id)
    first = as_at - timedelta(days=days)
    rows = query_arrow(con, f"""
        SELECT a.team_id,
               count(*) FILTER (WHERE a.end_date > DATE '{first}' AND a.end_date <= DATE '{as_at}'
                                  AND a.change_reason IN ({_roles(CLOSING)})) AS exits,
               sum(greatest(date_diff('day', greatest(a.start_date, DATE '{first}'),
                                      least(coalesce(a.end_date, {OPEN}), DATE '{as_at}')), 0)) AS held_days
        FROM allocation a JOIN worker_post p
          ON p.worker_id = a.worker_id AND p.snapshot_id = a.snapshot_id AND p.start_date <= a.start_date
         AND coalesce(p.end_date, {OPEN}) > a.start_date
        WHERE a.snapshot_id = {sid} AND a.role IN ({_roles(config.allocation.allocation_roles)})
          AND p.role IN ({_roles(config.allocation.case_holding_roles)})
          AND a.start_date < DATE '{as_at}' AND coalesce(a.end_date, {OPEN}) > DATE '{first}'
        GROUP BY 1
    """).to_pylist()
    return {r["team_id"]: (float(r["exits"]), float(r["held_days"] or 0)) for r in rows}


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
    cover: float = 0.0, given_fte: np.ndarray | None = None,
) -> TeamPath:
    """Step every team (arrays over teams) one day at a time to each month end (see the module docstring).
    `demand` (months x teams) multiplies arrivals in each month; `leaving_factor` each team's leaving;
    `workforce` None holds FTE as it is; `cover` is the share of vacant FTE filled a year in a team with
    children waiting (agency cover), where faster than the council's filling; `given_fte` (months x teams, NaN
    where not given) is the FTE in post through each month as planned or as it turned out, in place of the
    projected leaving and filling."""
    factor = np.ones(len(open_cases)) if leaving_factor is None else leaving_factor
    d, f = open_cases.astype(float).copy(), fte.astype(float).copy()
    out = {k: np.zeros((len(days_to_month_ends), len(d))) for k in ("open_cases", "held", "fte")}
    day = 0
    for i, month_end in enumerate(days_to_month_ends):
        given = np.full(len(d), np.nan) if given_fte is None else given_fte[i]
        while day < month_end:
            f = np.where(np.isnan(given), f, given)
            held = np.minimum(d, f * per_fte_ceiling)
            if workforce is not None:
                with np.errstate(divide="ignore", invalid="ignore"):
                    ratio = np.where(f > 0, held / (f * per_fte_standard), 0.0)
                filling = np.where(d > held + 1e-9, max(workforce.filling, cover), workforce.filling)
                f = f - f * factor * workforce.leaving_at(ratio) / 365 + filling * np.maximum(funded - f, 0) / 365
                f = np.where(np.isnan(given), f, given)
            d = np.maximum(d + arrivals * demand[i] - closing * held, 0.0)
            day += 1
        out["open_cases"][i], out["held"][i], out["fte"][i] = d, np.minimum(d, f * per_fte_ceiling), f
    return TeamPath(**out)
