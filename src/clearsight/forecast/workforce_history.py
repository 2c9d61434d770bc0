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
from datetime import date, timedelta

import numpy as np

from clearsight.canonical.calendar import month_end
from clearsight.config import CouncilConfig
from clearsight.metrics.figures import compute_monthly
from clearsight.store.database import Connection, fetch_arrow, fetch_rows, parameter_list
from clearsight.store.snapshots import Snapshot

RESTRUCTURE = "restructure"  # the leaving reason (codes.LEAVE_REASON) of a post deleted by a restructure
OPEN = date(9999, 12, 31)  # the end of a record still open
NORMAL_MONTHS = 12  # month ends a team's normal level is the median of
NORMAL_LEAST = 3  # fewer month ends before them: no normal level yet, the month is not evidence
SUSTAINED_MONTHS = 3  # month ends a team's load is the mean of (a month at the ceiling is a gap, not pressure)
MOST_PRESSURE = 10.0  # the largest pressure coefficient searched (leaving x e^10 at twice the normal load)


def month_ends(first: date, last: date) -> list[date]:
    """The month ends from `first`'s month to the one before `last`'s."""
    out, year, month = [], first.year, first.month
    while (year, month) < (last.year, last.month):
        out.append(month_end(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


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


def team_months(con: Connection, snapshot: Snapshot, as_at: date,
                config: CouncilConfig) -> TeamMonths:
    """Every case-holding team's month ends from the first allocation to the last before `as_at`."""
    roles = config.allocation.case_holding_roles
    first = fetch_rows(con, "SELECT min(start_date) FROM allocation WHERE snapshot_id = $snapshot_id",
                       {"snapshot_id": int(snapshot.snapshot_id)})
    names = [f.name for f in TeamMonths.__dataclass_fields__.values()]  # type: ignore[attr-defined]
    # the month ends to the one before `as_at`'s, each with the next (the month its leavers and starters are of)
    every = month_ends(first[0][0], as_at.replace(day=28) + timedelta(days=4)) if first and first[0][0] else []
    if len(every) < 2:
        return TeamMonths(*(np.zeros(0) for _ in names))
    following = dict(zip(every[:-1], every[1:]))
    spine, months = parameter_list("month_end", every[:-1])
    after, nexts = parameter_list("next_end", every[1:])
    role_list, role_parameters = parameter_list("role", roles)
    standard = [r for r in roles if r in config.caseload_standards]
    upper_roles, upper_role_parameters = parameter_list("upper_role", standard)
    uppers, upper_parameters = parameter_list("upper", [float(config.caseload_standards[r].upper) for r in standard])
    allocation_roles, allocation_parameters = parameter_list("allocation_role", config.allocation.allocation_roles)
    upper = " ".join(f"WHEN {r} THEN {u}" for r, u in zip(upper_roles, uppers))
    rows = fetch_arrow(con, f"""
        WITH months AS (SELECT * FROM (VALUES {", ".join(f"({m}, {n})" for m, n in zip(spine, after))})
                        v(month_end, next_end)),
        posts AS (
            SELECT p.worker_id, p.team_id, p.fte, m.month_end, w.employment = 'agency' AS agency,
                   CASE p.role {upper} ELSE 0 END * p.fte AS capacity,
                   w.end_date > m.month_end AND w.end_date <= m.next_end
                     AND coalesce(w.leave_reason, '') <> $restructure AS left_
            FROM worker_post p JOIN months m
              ON p.start_date <= m.month_end AND coalesce(p.end_date, $open) > m.month_end
            JOIN worker w ON w.worker_id = p.worker_id AND w.snapshot_id = p.snapshot_id
            WHERE p.snapshot_id = $snapshot_id AND p.role IN ({", ".join(role_list)})),
        allocated AS (
            SELECT a.worker_id, m.month_end FROM allocation a JOIN months m
              ON a.start_date <= m.month_end AND coalesce(a.end_date, $open) > m.month_end
            WHERE a.snapshot_id = $snapshot_id AND a.role IN ({", ".join(allocation_roles)})),
        held AS (
            SELECT p.team_id, p.month_end, count(*) AS cases
            FROM allocated a JOIN posts p USING (worker_id, month_end) GROUP BY p.team_id, p.month_end),
        teams AS (
            SELECT team_id, month_end, sum(capacity) AS capacity,
                   sum(fte) FILTER (WHERE NOT agency) AS permanent_fte, sum(fte) FILTER (WHERE agency) AS agency_fte,
                   count(*) FILTER (WHERE NOT agency) AS permanent, count(*) FILTER (WHERE agency) AS agency,
                   count(*) FILTER (WHERE NOT agency AND left_) AS permanent_left,
                   count(*) FILTER (WHERE agency AND left_) AS agency_left
            FROM posts GROUP BY team_id, month_end),
        funded AS (
            SELECT e.team_id, m.month_end, sum(e.funded_fte) AS fte FROM establishment e JOIN months m
              ON e.start_date <= m.month_end AND coalesce(e.end_date, $open) > m.month_end
            WHERE e.snapshot_id = $snapshot_id AND e.role IN ({", ".join(role_list)}) GROUP BY e.team_id, m.month_end),
        starters AS (
            SELECT p.team_id, p.start_date - CAST(extract(day FROM p.start_date) AS INTEGER) AS month_end,
                   sum(p.fte) FILTER (WHERE w.employment <> 'agency') AS permanent,
                   sum(p.fte) FILTER (WHERE w.employment = 'agency') AS agency
            FROM worker w JOIN worker_post p
              ON p.worker_id = w.worker_id AND p.snapshot_id = w.snapshot_id AND p.start_date = w.start_date
            WHERE w.snapshot_id = $snapshot_id AND p.role IN ({", ".join(role_list)}) AND w.start_date <= $as_at
            GROUP BY 1, 2)
        SELECT t.team_id, t.month_end, coalesce(h.cases, 0) / t.capacity AS ratio, coalesce(h.cases, 0) AS held,
               coalesce(f.fte, 0) AS funded,
               coalesce(t.permanent_fte, 0) AS permanent_fte, coalesce(t.agency_fte, 0) AS agency_fte,
               t.permanent, t.agency, t.permanent_left, t.agency_left,
               coalesce(s.permanent, 0) AS permanent_starters, coalesce(s.agency, 0) AS agency_starters
        FROM teams t LEFT JOIN held h USING (team_id, month_end) LEFT JOIN funded f USING (team_id, month_end)
        LEFT JOIN starters s USING (team_id, month_end)
        WHERE t.capacity > 0
        ORDER BY t.team_id, t.month_end
    """, {"snapshot_id": int(snapshot.snapshot_id), "as_at": as_at, "open": OPEN, "restructure": RESTRUCTURE,
          **months, **nexts, **role_parameters, **upper_role_parameters, **upper_parameters,
          **allocation_parameters}).to_pydict()
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
    columns = {k: np.array(v, float) for k, v in rows.items() if k not in ("team_id", "month_end")}
    complete = np.array([following[m] <= as_at for m in ends], bool)
    return TeamMonths(team_id=team, month_end=ends, load=load, complete=complete,
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
