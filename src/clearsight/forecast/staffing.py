"""Staffing from demand: projected cases per team -> caseloads at the FTE in post -> posts needed -> cost.

Each case-holding team starts from its position on the as-at date (definitions.md): cases held by its
practitioners, cases waiting (unallocated), and practitioner FTE by role and employment type. Each month the
team's demand (held + waiting) follows the demand projection; its practitioners hold as much of it as their
allocation ceiling allows (the config's multiple of each role's upper standard) and the rest waits, never
fewer than wait now. From that: caseload per FTE, cases over capacity and posts needed at the standards
(seed 002: in social-worker posts for practitioners' cases, in IRO or adviser posts for theirs), posts to
allocate the waiting, and the month's staff cost at the hourly rates of permanent and
agency staff (seed 000: £24 and £39 an hour).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pyarrow as pa

from clearsight.config import CaseloadStandard, CouncilConfig
from clearsight.metrics.figures import compute
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
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, as_at: date, config: CouncilConfig
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


@dataclass(frozen=True)
class Assumptions:
    """What a projection assumes: FTE by team and role, demand growth, agency share and standards."""

    fte: dict[str, dict[str, float]]  # team_id -> role -> FTE
    demand_growth: dict[str, np.ndarray]  # team_id -> demand relative to now at each month end
    agency_share: dict[str, float]  # team_id -> share of FTE from agencies
    standards: dict[str, CaseloadStandard]
    moved_cases: dict[str, float] = field(default_factory=dict)  # team_id -> cases moved in (out if negative)


@dataclass(frozen=True)
class Staffing:
    """Projected staffing by team and month end (rows) from a starting position under assumptions."""

    month_ends: tuple[date, ...]
    rows: pa.Table


def _rate(config: CouncilConfig, role: str, agency_share: float) -> float:
    costs = config.costs
    return agency_share * costs.rate(role, "agency") + (1 - agency_share) * costs.rate(role, "permanent")


def project_staffing(
    teams: list[TeamPosition], month_ends: tuple[date, ...], assume: Assumptions, config: CouncilConfig
) -> Staffing:
    """Each team at each month end under `assume` (see the module docstring for the rules)."""
    settings = config.forecast
    standards = assume.standards
    aim = config.capacity_target
    practitioner_post = standards[config.posts_standard_role].target(aim)
    practitioners = config.allocation.case_holding_roles
    hours_a_month = config.costs.paid_hours_per_fte_year / 12
    out: dict[str, list] = defaultdict(list)
    for team in teams:
        fte = assume.fte.get(team.team_id, team.fte)
        total_fte = sum(fte.values())
        ceiling = sum(f * standards[r].upper * settings.allocation_ceiling for r, f in fte.items() if r in standards)
        at_target = sum(f * standards[r].target(aim) for r, f in fte.items() if r in standards)
        upper = sum(f * standards[r].upper for r, f in fte.items() if r in standards)
        # A post is a social worker's for practitioners' cases (seed 002), an IRO's or adviser's for theirs.
        post_fte = sum(f for r, f in fte.items() if r in standards)
        post_size = sum(
            f * (practitioner_post if r in practitioners else standards[r].target(aim))
            for r, f in fte.items() if r in standards
        ) / post_fte if post_fte else practitioner_post
        lower = sum(f * standards[r].lower for r, f in fte.items() if r in standards)
        share = assume.agency_share.get(team.team_id, team.agency_share)
        monthly_cost = sum(f * hours_a_month * _rate(config, r, share) for r, f in fte.items())
        start = team.held + team.waiting + assume.moved_cases.get(team.team_id, 0.0)
        growth = assume.demand_growth.get(team.team_id, np.ones(len(month_ends)))
        for month_end, g in zip(month_ends, growth):
            demand = max(0.0, start * g)
            waiting = max(demand - ceiling, min(team.waiting * g, demand))
            held = demand - waiting
            over = max(0.0, held - at_target)
            posts_caseloads, posts_waiting = over / post_size, waiting / post_size
            per_fte = held / total_fte if total_fte else None
            red = (per_fte is None and held + waiting > 0) or held > upper or (
                demand > 0 and waiting / demand >= settings.risk_unallocated_share
            )
            risk = "red" if red else ("amber" if held > lower else "green")
            for key, value in (
                ("month_end", month_end), ("team_id", team.team_id), ("team", team.team),
                ("service", team.service), ("open_cases", demand), ("fte", total_fte), ("held", held),
                ("unallocated", waiting), ("caseload_per_fte", per_fte), ("posts_for_caseloads", posts_caseloads),
                ("posts_for_waiting", posts_waiting),
                ("posts_needed_rounded_up", math.ceil(round(posts_caseloads + posts_waiting, 6))),
                ("agency_share", share), ("staff_cost", monthly_cost),
                ("posts_cost_permanent", math.ceil(round(posts_caseloads + posts_waiting, 6)) * hours_a_month
                 * config.costs.rate(config.posts_standard_role, "permanent")),
                ("posts_cost_agency", math.ceil(round(posts_caseloads + posts_waiting, 6)) * hours_a_month
                 * config.costs.rate(config.posts_standard_role, "agency")),
                ("risk", risk),
            ):
                out[key].append(value)
    rows = pa.table(out) if out else pa.table({"month_end": pa.array([], pa.date32())})
    return Staffing(month_ends, rows)


def base_assumptions(teams: list[TeamPosition], months: int, config: CouncilConfig,
                     looked_after_growth: np.ndarray | None = None) -> Assumptions:
    """Things as they are: FTE and agency share held, demand flat, except children-in-care teams, whose cases
    follow the looked-after forecast (its total relative to the children in care now)."""
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
    )
