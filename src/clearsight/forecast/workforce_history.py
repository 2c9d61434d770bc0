"""The council's practitioners month by month, team by team: the history the what-if's staff response is read from.

Each row is a case-holding team at a month end before the as-at date: its caseload ratio (children allocated to
its practitioners / the sum of their FTE x the role's upper standard), children waiting (the unallocated-case
figure), FTE in post and funded, and what happened in the following month: permanent and agency practitioners
who left (not a restructure's leavers: those are a scenario's change, not the leaving rate's) and the FTE of
starters by employment. A team's load is its ratio against its own normal level, sustained: the mean of its
ratios at that and the two month ends before, over the median of the twelve before those. A team is under
pressure where children wait, as in the projection: at two month ends running, a share of its open cases
(ForecastSettings.pressure_waiting_share). A small team's load swings by a tenth when one worker leaves and its
post waits to be filled; that is not pressure, and its staff do not leave for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np

from clearsight.config import CouncilConfig
from clearsight.metrics.figures import compute_monthly
from clearsight.store.database import query_arrow
from clearsight.store.snapshots import Snapshot

RESTRUCTURE = "restructure"  # the leaving reason (codes.LEAVE_REASON) of a post deleted by a restructure
OPEN = "DATE '9999-12-31'"
NORMAL_MONTHS = 12  # month ends a team's normal level is the median of
NORMAL_LEAST = 3  # fewer month ends before them: no normal level yet, the month is not evidence
SUSTAINED_MONTHS = 3  # month ends a team's load is the mean of (a month at the ceiling is a gap, not pressure)
MOST_PRESSURE = 10.0  # the largest pressure coefficient searched (leaving x e^10 at twice the normal load)


def month_ends_sql(first: date, last: date) -> str:
    """SQL for the month ends from `first`'s month to the one before `last`'s."""
    return (f"SELECT last_day(CAST(m AS DATE)) AS month_end "
            f"FROM range(DATE '{first.replace(day=1)}', DATE '{last.replace(day=1)}', INTERVAL 1 MONTH) r(m)")


def roles_sql(roles: tuple[str, ...]) -> str:
    return ", ".join("'" + r.replace("'", "''") + "'" for r in roles)


@dataclass(frozen=True)
class TeamMonths:
    """Team-months (arrays of one length, by team then month end). `complete`: the following month ended by
    the as-at date, so its leavers and starters are known."""

    team_id: np.ndarray
    month_end: np.ndarray
    ratio: np.ndarray
    load: np.ndarray  # ratio / the team's normal ratio (NaN: no normal level yet)
    held: np.ndarray  # children allocated to its practitioners
    waiting: np.ndarray  # children waiting (unallocated)
    funded: np.ndarray
    permanent_fte: np.ndarray
    agency_fte: np.ndarray
    permanent: np.ndarray  # practitioners in post (heads)
    agency: np.ndarray
    permanent_left: np.ndarray  # of them, left in the following month
    agency_left: np.ndarray
    permanent_starters: np.ndarray  # FTE starting in the following month
    agency_starters: np.ndarray
    complete: np.ndarray

    def normal(self, team_id: str) -> float | None:
        """The team's normal ratio at the last month end: the median of its last NORMAL_MONTHS ratios."""
        mine = self.ratio[self.team_id == team_id][-NORMAL_MONTHS:]
        return float(np.median(mine)) if len(mine) >= NORMAL_LEAST else None


    def pressed(self, share: float) -> np.ndarray:
        """Team-months under pressure: children waiting at least `share` of the team's open cases at the month
        end and at the one before."""
        waiting = self.waiting >= share * (self.held + self.waiting) - 1e-9
        waiting &= self.waiting > 0
        before = np.concatenate([[False], waiting[:-1] & (self.team_id[:-1] == self.team_id[1:])])
        return waiting & before


def team_months(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, as_at: date,
                config: CouncilConfig) -> TeamMonths:
    """Every case-holding team's month ends from the first allocation to the last before `as_at`."""
    sid = int(snapshot.snapshot_id)
    roles = config.allocation.case_holding_roles
    upper = " ".join(f"WHEN '{r}' THEN {config.caseload_standards[r].upper}"
                     for r in roles if r in config.caseload_standards)
    first = con.execute("SELECT min(start_date) FROM allocation WHERE snapshot_id = ?", [sid]).fetchone()
    names = [f.name for f in TeamMonths.__dataclass_fields__.values()]  # type: ignore[attr-defined]
    if not first or first[0] is None:
        return TeamMonths(*(np.zeros(0) for _ in names))
    rows = query_arrow(con, f"""
        WITH months AS ({month_ends_sql(first[0], as_at)}),
        posts AS (
            SELECT p.worker_id, p.team_id, p.fte, m.month_end, w.employment = 'agency' AS agency,
                   CASE p.role {upper} ELSE 0 END * p.fte AS capacity,
                   w.end_date > m.month_end AND w.end_date <= last_day(m.month_end + INTERVAL 1 MONTH)
                     AND coalesce(w.leave_reason, '') <> '{RESTRUCTURE}' AS left_
            FROM worker_post p JOIN months m
              ON p.start_date <= m.month_end AND coalesce(p.end_date, {OPEN}) > m.month_end
            JOIN worker w ON w.worker_id = p.worker_id AND w.snapshot_id = p.snapshot_id
            WHERE p.snapshot_id = {sid} AND p.role IN ({roles_sql(roles)})),
        allocated AS (
            SELECT a.worker_id, m.month_end FROM allocation a JOIN months m
              ON a.start_date <= m.month_end AND coalesce(a.end_date, {OPEN}) > m.month_end
            WHERE a.snapshot_id = {sid} AND a.role IN ({roles_sql(config.allocation.allocation_roles)})),
        held AS (
            SELECT p.team_id, p.month_end, count(*) AS cases
            FROM allocated a JOIN posts p USING (worker_id, month_end) GROUP BY ALL),
        teams AS (
            SELECT team_id, month_end, sum(capacity) AS capacity,
                   sum(fte) FILTER (WHERE NOT agency) AS permanent_fte, sum(fte) FILTER (WHERE agency) AS agency_fte,
                   count(*) FILTER (WHERE NOT agency) AS permanent, count(*) FILTER (WHERE agency) AS agency,
                   count(*) FILTER (WHERE NOT agency AND left_) AS permanent_left,
                   count(*) FILTER (WHERE agency AND left_) AS agency_left
            FROM posts GROUP BY ALL),
        funded AS (
            SELECT e.team_id, m.month_end, sum(e.funded_fte) AS fte FROM establishment e JOIN months m
              ON e.start_date <= m.month_end AND coalesce(e.end_date, {OPEN}) > m.month_end
            WHERE e.snapshot_id = {sid} AND e.role IN ({roles_sql(roles)}) GROUP BY ALL),
        starters AS (
            SELECT p.team_id, last_day(p.start_date - INTERVAL 1 MONTH) AS month_end,
                   sum(p.fte) FILTER (WHERE w.employment <> 'agency') AS permanent,
                   sum(p.fte) FILTER (WHERE w.employment = 'agency') AS agency
            FROM worker w JOIN worker_post p
              ON p.worker_id = w.worker_id AND p.snapshot_id = w.snapshot_id AND p.start_date = w.start_date
            WHERE w.snapshot_id = {sid} AND p.role IN ({roles_sql(roles)}) AND w.start_date <= DATE '{as_at}'
            GROUP BY ALL)
        SELECT t.team_id, t.month_end, coalesce(h.cases, 0) / t.capacity AS ratio, coalesce(h.cases, 0) AS held,
               coalesce(f.fte, 0) AS funded,
               coalesce(t.permanent_fte, 0) AS permanent_fte, coalesce(t.agency_fte, 0) AS agency_fte,
               t.permanent, t.agency, t.permanent_left, t.agency_left,
               coalesce(s.permanent, 0) AS permanent_starters, coalesce(s.agency, 0) AS agency_starters,
               last_day(t.month_end + INTERVAL 1 MONTH) <= DATE '{as_at}' AS complete
        FROM teams t LEFT JOIN held h USING (team_id, month_end) LEFT JOIN funded f USING (team_id, month_end)
        LEFT JOIN starters s USING (team_id, month_end)
        WHERE t.capacity > 0
        ORDER BY t.team_id, t.month_end
    """).to_pydict()
    ratio = np.array(rows["ratio"], float)
    team = np.array(rows["team_id"], object)
    load = np.full(len(ratio), np.nan)
    start = 0
    for i in range(len(ratio)):
        if team[i] != team[start]:
            start = i
        recent = i + 1 - SUSTAINED_MONTHS
        before = ratio[max(start, recent - NORMAL_MONTHS):max(recent, start)]
        if recent >= start and len(before) >= NORMAL_LEAST and np.median(before) > 0:
            load[i] = ratio[recent:i + 1].mean() / np.median(before)
    ends = np.array(rows["month_end"], object)
    waiting: dict[tuple[str, date], int] = {}
    if len(ends):
        for r in compute_monthly(con, snapshot, "unallocated_cases", min(ends), max(ends), period=False,
                                 config=config).records():
            waiting[r["team_id"], r["month_end"]] = waiting.get((r["team_id"], r["month_end"]), 0) + 1
    columns = {k: np.array(v, float) for k, v in rows.items() if k not in ("team_id", "month_end", "complete")}
    return TeamMonths(team_id=team, month_end=ends, load=load, complete=np.array(rows["complete"], bool),
                      waiting=np.array([waiting.get((t, m), 0) for t, m in zip(team, ends)], float), **columns)


@dataclass(frozen=True)
class WorkforceRates:
    """How the council's practitioners leave and are replaced, at a team's normal load and under pressure.

    Permanent practitioners leave at `leaving` a year at or under their team's normal load, rising as
    e^(pressure x (load - 1)) over it. Vacancies (funded FTE not in post) fill at `filling` a year, `agency_share`
    of them by agency staff, who leave at `agency_leaving` a year. In a team with children waiting (at its
    allocation ceiling) the `pressed_` rates apply instead: cover bought faster, more of it agency, and agency
    staff who do not stay. `fitted`: the rise and the pressed rates are the council's own (its history holds
    enough worker-months under pressure); else the configured defaults (ForecastSettings)."""

    leaving: float
    pressure: float
    filling: float
    worker_months: int
    leavers: int
    fitted: bool = True
    agency_leaving: float = 0.0
    agency_share: float = 0.0
    pressed_filling: float | None = None  # None: as `filling`
    pressed_agency_share: float | None = None  # None: as `agency_share`
    pressed_agency_leaving: float | None = None  # None: as `agency_leaving`
    pressure_worker_months: int = 0
    most_load: float = np.inf  # the rise stops at this load: the most the evidence for it has seen
    felt_rise: float = np.inf  # a load above this is felt with no child waiting (ForecastSettings.felt_rise)

    def leaving_at(self, load: np.ndarray) -> np.ndarray:
        """Permanent practitioners leaving a year at `load` = caseload ratio / the team's normal ratio."""
        return self.leaving * np.exp(self.pressure * np.clip(load - 1.0, 0.0, self.most_load - 1.0))


def fit_pressure(load: np.ndarray, exposure: np.ndarray, left: np.ndarray,
                 pressure: float | None = None) -> tuple[float, float]:
    """(h0, beta) maximising the Poisson likelihood of `left` leavers in `exposure` worker-months at each
    `load`, with leaving h0 exp(beta max(0, load - 1)) a month: for each beta on a grid of 0.01 up to
    MOST_PRESSURE (or `pressure` alone, where given), h0 is its maximum-likelihood value
    sum(left) / sum(exposure e^(beta x)); the best beta wins (the smallest where they tie: no pressure unless the
    history shows it)."""
    x = np.maximum(np.asarray(load, float) - 1.0, 0.0)
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


def _replacing(months: TeamMonths, rows: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """(vacant FTE filled a year, agency share of the FTE filled, agency practitioners leaving a year) over the
    team-months `rows`; None where they hold no vacancy, starter or agency worker-month."""
    vacant = np.maximum(months.funded - months.permanent_fte - months.agency_fte, 0.0)[rows].sum()
    starters = months.permanent_starters[rows].sum() + months.agency_starters[rows].sum()
    agency = months.agency[rows].sum()
    return (12 * starters / vacant if vacant > 0 else None,
            months.agency_starters[rows].sum() / starters if starters > 0 else None,
            12 * months.agency_left[rows].sum() / agency if agency > 0 else None)


def fit_workforce(months: TeamMonths, as_at: date, config: CouncilConfig) -> WorkforceRates:
    """The council's practitioners as at `as_at`, from its team-months. Permanent leaving at normal load over the
    whole history; over the reference period, in the months not under pressure: how fast vacancies fill, the
    agency share of those filled and how fast agency staff leave. Under pressure (children waiting,
    TeamMonths.pressed), over the whole history: the rise of permanent leaving with load and the same three rates,
    the council's own where the history holds `pressure_evidence_months` worker-months under pressure, else the
    configured defaults (a council that has never been stretched cannot show how its staff would leave and be
    replaced if it were)."""
    settings = config.forecast
    evidence = months.complete & ~np.isnan(months.load)
    pressed = evidence & months.pressed(settings.pressure_waiting_share)
    pressure_months = int((months.permanent + months.agency)[pressed].sum())
    fitted = pressure_months >= settings.pressure_evidence_months
    # As in the projection, load raises leaving only in a team under pressure; without enough of those months
    # to fit the rise, the usual rate is the plain one of the months not under pressure.
    load = np.where(pressed, months.load, 1.0)
    usual = evidence if fitted else evidence & ~pressed
    h0, beta = fit_pressure(load[usual], months.permanent[usual], months.permanent_left[usual],
                            None if fitted else 0.0)
    beta = beta if fitted else settings.leaving_pressure
    since = as_at.toordinal() - settings.reference_days
    recent = evidence & ~pressed & np.array([m.toordinal() > since for m in months.month_end], bool)
    filling, share, agency_leaving = _replacing(months, recent)
    if fitted:
        pressed_filling, pressed_share, pressed_leaving = _replacing(months, pressed)
    else:
        pressed_filling, pressed_share = 365.0 / settings.cover_days, settings.pressed_agency_share
        pressed_leaving = 365.0 / settings.pressed_agency_stay_days
    return WorkforceRates(
        leaving=h0 * 12, pressure=beta, filling=12.0 if filling is None else filling,
        worker_months=int(months.permanent[evidence].sum()), leavers=int(months.permanent_left[evidence].sum()),
        fitted=fitted, agency_leaving=agency_leaving or 0.0, agency_share=share or 0.0,
        pressed_filling=pressed_filling, pressed_agency_share=pressed_share, pressed_agency_leaving=pressed_leaving,
        pressure_worker_months=pressure_months,
        most_load=float(np.max(months.load[pressed], initial=1.0)) if fitted else settings.leaving_pressure_most_load,
        felt_rise=settings.felt_rise,
    )
