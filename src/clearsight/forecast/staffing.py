"""Staffing from demand: projected cases per team -> caseloads at the FTE in post -> posts needed -> cost.

Each case-holding team starts from its position on the as-at date (definitions.md): cases held by its
practitioners, cases waiting (unallocated), and practitioner FTE by role and employment type, and moves day by
day as forecast.team_flow describes: cases arrive and held cases close at the team's own rates, practitioners
hold up to the allocation ceiling and the rest wait, and staff leave (more under caseload pressure) and are
replaced as the council's history shows. Each month end: caseload per FTE (DfE: cases held / FTE of the
practitioners holding cases, which in the projection is every practitioner in post: a worker with room is given
cases), cases over capacity and posts needed at the standards (seed 002: in social-worker posts for
practitioners' cases, in IRO or adviser posts for theirs), posts to allocate the waiting, and the month's staff
cost at the hourly rates of permanent and agency staff (seed 000: £24 and £39 an hour).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa

from clearsight.config import CaseloadStandard, CouncilConfig
from clearsight.forecast.team_flow import CaseFlow, simulate
from clearsight.forecast.workforce_history import OPEN, WorkforceRates
from clearsight.metrics.figures import compute
from clearsight.store.database import Connection, fetch_rows, parameter_list
from clearsight.store.snapshots import Snapshot


@dataclass(frozen=True)
class TeamPosition:
    """A case-holding team on the as-at date."""

    team_id: str
    team: str
    service: str
    fte: dict[str, float]  # practitioner FTE by role
    agency_fte: float
    held: float  # cases held by its practitioners
    waiting: float  # unallocated cases

    @property
    def total_fte(self) -> float:
        return sum(self.fte.values())

    @property
    def agency_share(self) -> float:
        return self.agency_fte / self.total_fte if self.total_fte else 0.0


def team_positions(
    con: Connection, snapshot: Snapshot, as_at: date, config: CouncilConfig
) -> list[TeamPosition]:
    """Every team holding or waiting for cases on `as_at`, from the caseload and unallocated-case figures."""
    workers = compute(con, snapshot, "caseload_by_worker", as_at, config).records()
    waiting = compute(con, snapshot, "unallocated_cases", as_at, config).records()
    names: dict[str, tuple[str, str]] = {}
    fte: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    agency: dict[str, float] = defaultdict(float)
    held: dict[str, float] = defaultdict(float)
    unallocated: dict[str, float] = defaultdict(float)
    for w in workers:
        names[w["team_id"]] = (w["team"], w["service"])
        fte[w["team_id"]][w["role"]] += w["fte"]
        agency[w["team_id"]] += w["fte"] if w["employment"] == "agency" else 0.0
        held[w["team_id"]] += w["caseload"] or 0  # None where the role's allocations are not recorded (IROs)
    for c in waiting:
        names.setdefault(c["team_id"], (c["team"], c["service"]))
        unallocated[c["team_id"]] += 1
    teams = [
        TeamPosition(t, *names[t], dict(fte[t]), agency[t], held[t], unallocated[t])
        for t in names
        if held[t] + unallocated[t] > 0
    ]
    return sorted(teams, key=lambda p: (p.service, p.team))


def funded_fte(con: Connection, snapshot_id: int, as_at: date,
               config: CouncilConfig) -> dict[str, dict[str, float]]:
    """Each team's funded FTE by case-holding practitioner role on `as_at` (the establishment)."""
    roles, parameters = parameter_list("role", config.allocation.case_holding_roles)
    rows = fetch_rows(con, f"""
        SELECT team_id, role, sum(funded_fte) AS fte FROM establishment
        WHERE snapshot_id = $snapshot_id AND role IN ({", ".join(roles)}) AND start_date <= $as_at
          AND coalesce(end_date, $open) > $as_at
        GROUP BY team_id, role""", {"snapshot_id": int(snapshot_id), "as_at": as_at, "open": OPEN, **parameters})
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for team_id, role, fte in rows:
        out[team_id][role] = float(fte)
    return dict(out)


@dataclass(frozen=True)
class Assumptions:
    """What a projection assumes: FTE and funded FTE by team, how cases arrive and close, how staff leave and
    are replaced, demand growth, agency share and standards."""

    fte: dict[str, dict[str, float]]  # team_id -> role -> FTE
    demand_growth: dict[str, np.ndarray]  # team_id -> arrivals relative to now in each month
    agency_share: dict[str, float]  # team_id -> share of FTE from agencies
    standards: dict[str, CaseloadStandard]
    flows: dict[str, CaseFlow]  # team_id -> arrivals and closing (none: the team's cases held as they are)
    funded: dict[str, dict[str, float]] = field(default_factory=dict)  # team_id -> role -> funded FTE
    workforce: WorkforceRates | None = None  # none: FTE held as it is
    moved_cases: dict[str, float] = field(default_factory=dict)  # team_id -> cases moved in (out if negative)
    leaving_factor: dict[str, float] = field(default_factory=dict)  # team_id -> leaving x this (none: 1)
    given_fte: dict[str, np.ndarray] = field(default_factory=dict)  # team_id -> FTE each month (NaN: projected)
    normal: dict[str, float] = field(default_factory=dict)  # team_id -> its normal caseload ratio (none: now's)
    departing: dict[str, float] = field(default_factory=dict)  # team_id -> FTE a restructure lets go, not yet gone


@dataclass(frozen=True)
class Staffing:
    """Projected staffing by team and month end (rows) from a starting position under assumptions."""

    month_ends: tuple[date, ...]
    rows: pa.Table


def _rate(config: CouncilConfig, role: str, agency_share: float) -> float:
    costs = config.costs
    return agency_share * costs.rate(role, "agency") + (1 - agency_share) * costs.rate(role, "permanent")


def _per_fte(fte: dict[str, float], value: dict[str, float]) -> float:
    """The FTE-weighted mean of a per-role `value` over the roles that have one."""
    weights = {r: f for r, f in fte.items() if r in value}
    total = sum(weights.values())
    return sum(f * value[r] for r, f in weights.items()) / total if total else 0.0


def starting_agency_fte(team: TeamPosition, fte: float, share: float | None) -> float:
    """The agency part of a team's starting `fte`: `share` of it where the scenario sets one (differing from the
    team's own), else the team's agency FTE less any cut (agency staff go first: no redundancy to pay)."""
    if share is not None and abs(share - team.agency_share) > 1e-9:
        return share * fte
    return max(0.0, team.agency_fte - max(0.0, team.total_fte - fte))


def starting_ratio(team: TeamPosition, upper: dict[str, float]) -> float:
    """The team's caseload ratio on the as-at date: cases held / the sum of its FTE x each role's upper standard."""
    capacity = sum(f * upper.get(r, 0.0) for r, f in team.fte.items())
    return team.held / capacity if capacity > 0 else 0.0


def project_staffing(
    teams: list[TeamPosition], month_ends: tuple[date, ...], as_at: date, assume: Assumptions,
    config: CouncilConfig,
) -> Staffing:
    """Each team at each month end under `assume` (see the module docstring for the rules)."""
    settings = config.forecast
    standards = assume.standards
    aim = config.capacity_target
    practitioner_post = standards[config.posts_standard_role].target(aim)
    practitioners = config.allocation.case_holding_roles
    hours_a_month = config.costs.paid_hours_per_fte_year / 12
    ftes = [assume.fte.get(t.team_id, t.fte) for t in teams]
    upper = {r: s.upper for r, s in standards.items()}
    start = np.array([t.held + t.waiting + assume.moved_cases.get(t.team_id, 0.0) for t in teams])
    fte0 = np.array([sum(f.values()) for f in ftes])
    flows = [assume.flows.get(t.team_id) for t in teams]
    path = simulate(
        [(m - as_at).days for m in month_ends], np.maximum(start, 0.0), fte0,
        np.array([sum(assume.funded[t.team_id].values()) if t.team_id in assume.funded else f
                  for t, f in zip(teams, fte0)]),
        np.array([_per_fte(f, upper) * settings.allocation_ceiling for f in ftes]),
        np.array([_per_fte(f, upper) for f in ftes]),
        np.array([f.arrivals if f else 0.0 for f in flows]), np.array([f.closing if f else 0.0 for f in flows]),
        np.stack([assume.demand_growth.get(t.team_id, np.ones(len(month_ends))) for t in teams], axis=1)
        if teams else np.ones((len(month_ends), 0)),
        assume.workforce, np.array([assume.leaving_factor.get(t.team_id, 1.0) for t in teams]),
        np.stack([assume.given_fte.get(t.team_id, np.full(len(month_ends), np.nan))[:len(month_ends)]
                  for t in teams], axis=1) if assume.given_fte and teams else None,
        np.array([starting_agency_fte(t, f, assume.agency_share.get(t.team_id)) for t, f in zip(teams, fte0)]),
        np.array([max(assume.normal.get(t.team_id, 0.0), starting_ratio(t, upper)) for t in teams]),
        np.array([assume.departing.get(t.team_id, 0.0) for t in teams]), settings.restructure_exit_days,
    )
    out: dict[str, list] = defaultdict(list)
    for j, team in enumerate(teams):
        fte = ftes[j]
        # A post is a social worker's for practitioners' cases (seed 002), an IRO's or adviser's for theirs.
        post_size = _per_fte(fte, {r: practitioner_post if r in practitioners else s.target(aim)
                                   for r, s in standards.items()}) or practitioner_post
        at_target = _per_fte(fte, {r: s.target(aim) for r, s in standards.items()})
        lower = _per_fte(fte, {r: s.lower for r, s in standards.items()})
        share = assume.agency_share.get(team.team_id, team.agency_share)
        cost_per_fte = _per_fte(fte, {r: hours_a_month * _rate(config, r, share) for r in fte})
        for i, month_end in enumerate(month_ends):
            demand, held, total_fte = path.open_cases[i, j], path.held[i, j], path.fte[i, j]
            waiting = demand - held
            over = max(0.0, held - at_target * total_fte)
            posts_caseloads, posts_waiting = over / post_size, waiting / post_size
            posts = math.ceil(round(posts_caseloads + posts_waiting, 6))
            per_fte = held / total_fte if total_fte > 1e-9 else None
            red = (per_fte is None and demand > 0) or (per_fte or 0) > _per_fte(fte, upper) or (
                demand > 0 and waiting / demand >= settings.risk_unallocated_share
            )
            risk = "red" if red else ("amber" if (per_fte or 0) > lower else "green")
            for key, value in (
                ("month_end", month_end), ("team_id", team.team_id), ("team", team.team),
                ("service", team.service), ("open_cases", demand), ("fte", total_fte), ("held", held),
                ("unallocated", waiting), ("caseload_per_fte", per_fte), ("posts_for_caseloads", posts_caseloads),
                ("posts_for_waiting", posts_waiting), ("posts_needed_rounded_up", posts),
                ("agency_share", share), ("staff_cost", total_fte * cost_per_fte),
                ("posts_cost_permanent", posts * hours_a_month
                 * config.costs.rate(config.posts_standard_role, "permanent")),
                ("posts_cost_agency", posts * hours_a_month * config.costs.rate(config.posts_standard_role, "agency")),
                ("risk", risk),
            ):
                out[key].append(value)
    rows = pa.table(out) if out else pa.table({"month_end": pa.array([], pa.date32())})
    return Staffing(month_ends, rows)


def base_assumptions(teams: list[TeamPosition], months: int, config: CouncilConfig,
                     flows: dict[str, CaseFlow], funded: dict[str, dict[str, float]],
                     workforce: WorkforceRates | None,
                     looked_after_growth: np.ndarray | None = None,
                     normal: dict[str, float] | None = None) -> Assumptions:
    """Things as they are: FTE, establishment and agency share held, cases arriving and closing and staff
    leaving and being replaced at the rates of the history, arrivals flat except in children-in-care teams,
    where they follow the looked-after forecast (its total relative to the children in care now). A team's
    normal caseload ratio is the higher of its history's (`normal`) and its own on the date: the base case
    holds a team's present load as the level its staff stay at, so that nothing changing changes nothing."""
    flat = np.ones(months)
    growth = {
        t.team_id: (looked_after_growth if looked_after_growth is not None and t.service == "cla" else flat)
        for t in teams
    }
    return Assumptions(
        fte={t.team_id: dict(t.fte) for t in teams},
        demand_growth=growth,
        agency_share={t.team_id: t.agency_share for t in teams},
        standards=dict(config.caseload_standards),
        flows=flows, funded={t.team_id: dict(funded.get(t.team_id) or t.fte) for t in teams}, workforce=workforce,
        normal=dict(normal or {}),
    )
