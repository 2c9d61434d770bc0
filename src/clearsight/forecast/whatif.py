"""What-if scenarios: a named service change projected against the base case, with a risk rating per team.

A scenario changes FTE by team or role (a restructure), moves cases between teams, changes how often staff
leave, changes demand by a share a year, sets the agency share or the caseload standards, or gives a team's FTE in
post month by month (a recruitment plan, or the staffing the records show: the what-if as it turned out, a
backtest of what the model makes of it, set beside the records by `as_recorded`). Projected caseloads,
unallocated cases, posts and cost are set beside the base case (things as they are), team by team: the risk assessment seed 000's council did
not make before cutting 448 FTE to 382. Scenarios are written as TOML (a file, or saved by name in the
database: forecast.scenario_store).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from clearsight.config import CaseloadStandard, CouncilConfig
from clearsight.forecast.looked_after import forecast_looked_after
from clearsight.forecast.projection import month_ends_after
from clearsight.forecast.staffing import (
    Assumptions,
    Staffing,
    TeamPosition,
    base_assumptions,
    funded_fte,
    project_staffing,
    team_positions,
)
from clearsight.forecast.team_flow import case_exits, case_flow
from clearsight.forecast.workforce_history import OPEN, WorkforceRates, fit_workforce, team_months
from clearsight.metrics.figures import compute_monthly
from clearsight.store.database import Connection, fetch_rows, parameter_list
from clearsight.store.snapshots import Snapshot


class FteChange(BaseModel):
    """A change to practitioner FTE: in one team (by id or name) or all, for one role or all."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    team: str | None = Field(default=None, description="Team id or name; none: every team.")
    role: str | None = Field(default=None, description="Role; none: every practitioner role.")
    share: float | None = Field(default=None, ge=-1, description="Relative change, e.g. -0.15 for a 15% cut.")
    fte: float | None = Field(default=None, description="FTE added (negative: removed), shared pro rata.")
    vacant_first: bool = Field(
        default=False, description="A cut deletes vacant posts first: staff leave only as far as the team's new "
        "funded FTE is below its FTE in post, from roles abolished outright first (a restructure recorded in the "
        "establishment); else the FTE in post changes by the same share as the posts.")

    @model_validator(mode="after")
    def _one(self) -> FteChange:
        if (self.share is None) == (self.fte is None):
            raise ValueError("give exactly one of share or fte")
        return self


class CaseMove(BaseModel):
    """Cases moved from one team to another (by id or name)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    from_team: str = Field(description="Team giving the cases.")
    to_team: str = Field(description="Team taking them.")
    cases: float = Field(gt=0, description="Cases moved.")


class LeavingChange(BaseModel):
    """A stated change to how often practitioners leave: in one team (by id or name) or all."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    team: str | None = Field(default=None, description="Team id or name; none: every team.")
    share: float = Field(ge=-1, description="Relative change in the leaving rate, e.g. 1.0 to double it.")


class TeamStaffing(BaseModel):
    """A team's practitioner FTE in post through a month, as planned or as it turned out."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    team: str = Field(description="Team id or name.")
    month_end: date = Field(description="The month (its last day).")
    fte: float = Field(ge=0, description="Practitioner FTE in post.")


class Scenario(BaseModel):
    """A named what-if, saved and compared against the base case."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$", description="Name, also the file name.")
    description: str = Field(default="", description="What the change is and why.")
    as_at: date | None = Field(default=None, description="Date the change is made (default: the extract date).")
    months: int = Field(default=12, ge=1, le=36, description="Months projected.")
    fte_changes: tuple[FteChange, ...] = Field(default=(), description="FTE changes, applied in order.")
    case_moves: tuple[CaseMove, ...] = Field(default=(), description="Cases moved between teams.")
    leaving_changes: tuple[LeavingChange, ...] = Field(
        default=(), description="Changes to the leaving rate (from the council's history), applied in order."
    )
    demand_change_per_year: float = Field(
        default=0.0, ge=-1, description="Change in every team's demand a year, compounded (0.08: +8% a year)."
    )
    agency_share: float | None = Field(
        default=None, ge=0, le=1, description="Share of practitioner FTE from agencies (default: as now)."
    )
    caseload_standards: dict[str, CaseloadStandard] = Field(
        default_factory=dict, description="Standards by role replacing the council's."
    )
    staffing: tuple[TeamStaffing, ...] = Field(
        default=(), description="FTE in post by team and month, in place of the projected leaving and filling "
        "in the months given: a recruitment plan, or the staffing the records show (a backtest of caseloads)."
    )


def _matches(team: TeamPosition, key: str | None) -> bool:
    return key is None or key in (team.team_id, team.team)


def scenario_assumptions(
    scenario: Scenario, teams: list[TeamPosition], base: Assumptions, month_ends: tuple[date, ...]
) -> Assumptions:
    """The base case with the scenario's changes applied: an FTE change moves the posts (the establishment) with
    the FTE in post, so a restructure that deletes a vacant post lowers what vacancies are refilled to (a cut
    made vacant posts first takes staff only where the team's new establishment is below its FTE in post, and
    they hold cases until they go, over `ForecastSettings.restructure_exit_days`)."""
    funded = _apply_fte_changes(scenario.fte_changes, teams, base.funded)
    fte = _apply_fte_changes(tuple(c for c in scenario.fte_changes if not c.vacant_first), teams, base.fte)
    departing: dict[str, float] = {}
    for change in scenario.fte_changes:
        if change.vacant_first:
            for team in teams:
                if _matches(team, change.team) and team.team_id in fte:
                    before = sum(fte[team.team_id].values())
                    cut_to_posts(fte[team.team_id], base.funded.get(team.team_id, {}),
                                  funded.get(team.team_id, {}))
                    departing[team.team_id] = departing.get(team.team_id, 0.0) + before - sum(
                        fte[team.team_id].values())
    moved: dict[str, float] = {}
    for move in scenario.case_moves:
        ids = {}
        for end in ("from_team", "to_team"):
            found = [t.team_id for t in teams if _matches(t, getattr(move, end))]
            if not found:
                raise ValueError(f"case move names no case-holding team: {getattr(move, end)}")
            ids[end] = found[0]
        moved[ids["from_team"]] = moved.get(ids["from_team"], 0.0) - move.cases
        moved[ids["to_team"]] = moved.get(ids["to_team"], 0.0) + move.cases
    leaving: dict[str, float] = {}
    for lc in scenario.leaving_changes:
        matched = [t.team_id for t in teams if _matches(t, lc.team)]
        if not matched:
            raise ValueError(f"leaving change names no case-holding team: {lc.team}")
        for t in matched:
            leaving[t] = leaving.get(t, 1.0) * (1 + lc.share)
    months = len(month_ends)
    given: dict[str, np.ndarray] = {}
    for staffed in scenario.staffing:
        team_id = next((t.team_id for t in teams if _matches(t, staffed.team)), None)
        if team_id is None:
            raise ValueError(f"staffing names no case-holding team: {staffed.team}")
        if staffed.month_end in month_ends:
            given.setdefault(team_id, np.full(months, np.nan))[month_ends.index(staffed.month_end)] = staffed.fte
    trend = (1 + scenario.demand_change_per_year) ** (np.arange(1, months + 1) / 12)
    growth = {t: g * trend for t, g in base.demand_growth.items()}
    share = base.agency_share if scenario.agency_share is None else {t: scenario.agency_share for t in base.fte}
    return replace(
        base, fte=fte, demand_growth=growth, agency_share=share,
        standards={**base.standards, **scenario.caseload_standards}, moved_cases=moved, funded=funded,
        leaving_factor=leaving, given_fte=given, departing=departing,
    )


def cut_to_posts(fte: dict[str, float], before: dict[str, float], after: dict[str, float]) -> None:
    """Take `fte` (role -> FTE in post, changed in place) down to the team's funded FTE `after`, from the roles
    whose posts were cut from `before`: those abolished outright first, then the others pro rata."""
    excess = sum(fte.values()) - sum(after.values())
    cut = [r for r in fte if after.get(r, 0.0) < before.get(r, 0.0) - 1e-9]
    for role in sorted(cut, key=lambda r: after.get(r, 0.0) > 0):  # abolished roles first
        if excess <= 1e-9:
            return
        if after.get(role, 0.0) <= 0:
            taken = min(fte[role], excess)
            fte[role] -= taken
            excess -= taken
    kept = sum(fte[r] for r in cut if after.get(r, 0.0) > 0)
    if excess > 1e-9 and kept > 0:
        share = min(1.0, excess / kept)
        for role in cut:
            if after.get(role, 0.0) > 0:
                fte[role] *= 1 - share


def _apply_fte_changes(changes: tuple[FteChange, ...], teams: list[TeamPosition],
                       fte: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """`fte` (team -> role -> FTE) with `changes` applied in order."""
    out = {t: dict(roles) for t, roles in fte.items()}
    for change in changes:
        matched = [t.team_id for t in teams if _matches(t, change.team)]
        if not matched:
            raise ValueError(f"FTE change names no case-holding team: {change.team}")
        hit = [(t, r) for t in matched for r in out.get(t, {}) if change.role is None or r == change.role]
        total = sum(out[t][r] for t, r in hit)
        for t, r in hit:
            if change.share is not None:
                out[t][r] *= 1 + change.share
            elif total > 0:
                out[t][r] = max(0.0, out[t][r] + change.fte * out[t][r] / total)  # type: ignore[operator]
    return out


@dataclass(frozen=True)
class WhatIf:
    """A scenario and the base case, projected over the same months."""

    scenario: Scenario
    as_at: date
    base: Staffing
    changed: Staffing
    workforce: WorkforceRates

    def comparison(self) -> pa.Table:
        """Per team, at the month of highest projected caseload per FTE under the scenario: caseload per FTE,
        unallocated, posts needed and monthly staff cost, base and scenario, and the scenario's risk rating."""
        base, changed = self.base.rows.to_pylist(), self.changed.rows.to_pylist()
        worst: dict[str, int] = {}
        for i, row in enumerate(changed):
            j = worst.get(row["team_id"])
            if j is None or (row["caseload_per_fte"] or 0) > (changed[j]["caseload_per_fte"] or 0):
                worst[row["team_id"]] = i
        out: dict[str, list] = {k: [] for k in (
            "team_id", "team", "service", "month_end", "base_fte", "fte", "base_caseload_per_fte",
            "caseload_per_fte", "base_unallocated", "unallocated", "base_posts_needed", "posts_needed",
            "base_staff_cost", "staff_cost", "risk",
        )}
        for i in worst.values():
            b, c = base[i], changed[i]
            for key, value in (
                ("team_id", c["team_id"]), ("team", c["team"]), ("service", c["service"]),
                ("month_end", c["month_end"]), ("base_fte", b["fte"]), ("fte", c["fte"]),
                ("base_caseload_per_fte", b["caseload_per_fte"]), ("caseload_per_fte", c["caseload_per_fte"]),
                ("base_unallocated", b["unallocated"]), ("unallocated", c["unallocated"]),
                ("base_posts_needed", b["posts_needed_rounded_up"]), ("posts_needed", c["posts_needed_rounded_up"]),
                ("base_staff_cost", b["staff_cost"]), ("staff_cost", c["staff_cost"]), ("risk", c["risk"]),
            ):
                out[key].append(value)
        return pa.table(out)

    def totals(self) -> pa.Table:
        """Council totals each month, base and scenario: open cases, unallocated, posts and staff cost."""
        out: dict[str, list] = {k: [] for k in ("month_end", "case", "open_cases", "unallocated", "fte",
                                                "posts_needed", "staff_cost")}
        for case, staffing in (("base", self.base), ("scenario", self.changed)):
            rows = staffing.rows.to_pylist()
            for month_end in staffing.month_ends:
                here = [r for r in rows if r["month_end"] == month_end]
                for key, value in (
                    ("month_end", month_end), ("case", case),
                    ("open_cases", sum(r["open_cases"] for r in here)),
                    ("unallocated", sum(r["unallocated"] for r in here)), ("fte", sum(r["fte"] for r in here)),
                    ("posts_needed", sum(r["posts_needed_rounded_up"] for r in here)),
                    ("staff_cost", sum(r["staff_cost"] for r in here)),
                ):
                    out[key].append(value)
        return pa.table(out)


@dataclass(frozen=True)
class Footing:
    """What every scenario from one date starts from: the teams' position, the base case's assumptions and the
    rates fitted from the history (fitted once, however many scenarios are projected from it)."""

    as_at: date
    teams: list[TeamPosition]
    base: Assumptions
    month_ends: tuple[date, ...]
    workforce: WorkforceRates
    config: CouncilConfig

    def project(self, scenario: Scenario) -> WhatIf:
        """The base case and `scenario` over the footing's months (at most)."""
        months = min(scenario.months, len(self.month_ends))
        base = replace(self.base, demand_growth={t: g[:months] for t, g in self.base.demand_growth.items()})
        ends = self.month_ends[:months]
        changed = scenario_assumptions(scenario, self.teams, base, ends)
        return WhatIf(scenario, self.as_at, project_staffing(self.teams, ends, self.as_at, base, self.config),
                      project_staffing(self.teams, ends, self.as_at, changed, self.config), self.workforce)


def footing(con: Connection, snapshot: Snapshot, as_at: date, months: int,
            config: CouncilConfig) -> Footing:
    """Fit the teams' case flows, the workforce's leaving and filling, and the looked-after forecast as at
    `as_at`, for projections up to `months` ahead."""
    teams = team_positions(con, snapshot, as_at, config)
    days = config.forecast.reference_days
    before = {t.team_id: t.held + t.waiting
              for t in team_positions(con, snapshot, as_at - timedelta(days=days), config)}
    exits = case_exits(con, snapshot.snapshot_id, as_at, days, config)
    flows = {t.team_id: case_flow(*exits.get(t.team_id, (0.0, 0.0)), t.held + t.waiting,
                                  before.get(t.team_id, 0.0), days) for t in teams}
    history = team_months(con, snapshot, as_at, config)
    workforce = fit_workforce(history, as_at, config)
    lac = forecast_looked_after(con, snapshot.snapshot_id, as_at, config, months).projection
    in_care = lac.start.sum()
    growth = lac.total / in_care if in_care else None
    base = base_assumptions(teams, months, config, flows, funded_fte(con, snapshot.snapshot_id, as_at, config),
                            workforce, growth, {t.team_id: history.normal(t.team_id) or 0.0 for t in teams})
    return Footing(as_at, teams, base, tuple(month_ends_after(as_at, months)), workforce, config)


def run_whatif(
    con: Connection, snapshot: Snapshot, scenario: Scenario, config: CouncilConfig
) -> WhatIf:
    """Project the base case and the scenario from the position on the scenario's date."""
    as_at = scenario.as_at or snapshot.extract_date
    return footing(con, snapshot, as_at, scenario.months, config).project(scenario)


def establishment_changes(
    con: Connection, snapshot_id: int, day: date, roles: tuple[str, ...], teams: tuple[str, ...]
) -> tuple[FteChange, ...]:
    """The FTE changes a restructure made on `day` in `teams` (ids): each team's funded FTE of each of `roles`
    the day before against the day itself, as relative changes (the establishment table is the funding record)."""
    funded = fetch_rows(con, """
        SELECT team_id, role,
               sum(CASE WHEN start_date <= $before AND coalesce(end_date, $open) > $before
                        THEN funded_fte ELSE 0 END) AS before,
               sum(CASE WHEN start_date <= $day AND coalesce(end_date, $open) > $day
                        THEN funded_fte ELSE 0 END) AS after
        FROM establishment WHERE snapshot_id = $snapshot_id
        GROUP BY team_id, role
    """, {"snapshot_id": int(snapshot_id), "before": day - timedelta(days=1), "day": day, "open": OPEN})
    return tuple(
        FteChange(team=team_id, role=role, share=round(after / before - 1, 6), vacant_first=True)
        for team_id, role, before, after in sorted(funded)  # by id as written, whatever the server's collation
        if role in roles and team_id in teams and before > 0 and abs(after - before) > 1e-9
    )


def recorded_staffing(con: Connection, snapshot_id: int, teams: list[TeamPosition],
                      month_ends: list[date]) -> tuple[TeamStaffing, ...]:
    """Each team's FTE in post at each of `month_ends` up to the extract, in the roles it held cases in on the
    as-at date (worker posts; a month with nobody in post is 0)."""
    roles = sorted({r for t in teams for r in t.fte})
    if not teams or not month_ends or not roles:
        return ()
    ends, end_parameters = parameter_list("month_end", month_ends)
    held, role_parameters = parameter_list("role", roles)
    rows = fetch_rows(con, f"""
        SELECT p.team_id, m.month_end, sum(p.fte) AS fte
        FROM worker_post p JOIN (VALUES {", ".join(f"({m})" for m in ends)}) m(month_end)
          ON p.start_date <= m.month_end AND coalesce(p.end_date, $open) > m.month_end
        WHERE p.snapshot_id = $snapshot_id AND p.role IN ({", ".join(held)})
        GROUP BY p.team_id, m.month_end""",
                      {"snapshot_id": int(snapshot_id), "open": OPEN, **end_parameters, **role_parameters})
    found = {(team_id, month_end): float(fte) for team_id, month_end, fte in rows}
    return tuple(TeamStaffing(team=t.team_id, month_end=m, fte=round(found.get((t.team_id, m), 0.0), 6))
                 for t in teams for m in month_ends)


def as_recorded(con: Connection, snapshot: Snapshot, what_if: WhatIf,
                config: CouncilConfig) -> list[dict]:
    """The scenario's months up to the extract set beside the records, team by team: cases held, children waiting
    and children per FTE projected and as recorded at each month end (the caseload and unallocated-case
    figures, in the roles each team held cases in on the as-at date). The recorded FTE and children per FTE are
    DfE's: the FTE of the practitioners holding cases that day (the projection's FTE all hold cases), not a
    worker on leave, one who has handed every child back by their last day or a starter not yet given any."""
    ends = [m for m in what_if.changed.month_ends if m <= snapshot.extract_date]
    if not ends:
        return []
    roles = {r["team_id"]: set() for r in what_if.changed.rows.to_pylist()}
    for team in team_positions(con, snapshot, what_if.as_at, config):
        roles[team.team_id] = set(team.fte)
    recorded: dict[tuple[date, str], list[float]] = {}
    for w in compute_monthly(con, snapshot, "caseload_by_worker", ends[0], ends[-1], period=False,
                             config=config).records():
        if w["month_end"] in ends and w["role"] in roles.get(w["team_id"], ()):
            got = recorded.setdefault((w["month_end"], w["team_id"]), [0.0, 0.0, 0.0])
            if w["caseload"]:  # DfE: the FTE of the practitioners holding cases
                got[0], got[1] = got[0] + w["caseload"], got[1] + w["fte"]
    for c in compute_monthly(con, snapshot, "unallocated_cases", ends[0], ends[-1], period=False,
                             config=config).records():
        if c["month_end"] in ends and c["team_id"] in roles:
            recorded.setdefault((c["month_end"], c["team_id"]), [0.0, 0.0, 0.0])[2] += 1
    out = []
    for row in what_if.changed.rows.to_pylist():
        if row["month_end"] not in ends:
            continue
        held, fte, waiting = recorded.get((row["month_end"], row["team_id"]), (0.0, 0.0, 0.0))
        out.append({"month_end": row["month_end"], "team_id": row["team_id"], "team": row["team"],
                    "service": row["service"], "fte": row["fte"], "recorded_fte": fte, "caseload_per_fte": row["caseload_per_fte"],
                    "recorded_caseload_per_fte": held / fte if fte > 1e-9 else None,
                    "unallocated": row["unallocated"], "recorded_unallocated": waiting})
    return out


def restructure_scenario(
    con: Connection, snapshot: Snapshot, day: date, config: CouncilConfig, months: int = 12,
    as_it_turned_out: bool = False,
) -> Scenario:
    """The scenario of a restructure recorded in the establishment on `day`, set the day before it: the
    funded practitioner FTE it changed in each case-holding team, applied to the FTE then in post. With
    `as_it_turned_out`, each team's FTE in post each month is the records' instead of the projection's, up to the
    extract: the caseloads and waiting the model makes of the staffing that followed (a backtest)."""
    before = day - timedelta(days=1)
    positions = team_positions(con, snapshot, before, config)
    teams = tuple(t.team_id for t in positions)
    changes = establishment_changes(con, snapshot.snapshot_id, day, config.allocation.case_holding_roles, teams)
    staffing = recorded_staffing(con, snapshot.snapshot_id, positions, [
        m for m in month_ends_after(before, months) if m <= snapshot.extract_date]) if as_it_turned_out else ()
    on = f"{day.day} {day:%b %Y}"  # words, as the headline reads: 1 Apr 2023
    return Scenario(
        name=f"restructure of {on}" + (" as it turned out" if as_it_turned_out else ""), as_at=before,
        months=months, fte_changes=changes, staffing=staffing,
        description=f"the practitioner establishment changes recorded on {on}"
        + (", with the FTE in post each month the records show" if as_it_turned_out else ""),
    )


# ---- as TOML: a scenario file, and the text the database keeps ---------------------------------------------------------------

def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def scenario_toml(scenario: Scenario) -> str:
    """The scenario as TOML (read back by `load_scenario`)."""
    data = scenario.model_dump(exclude_defaults=True)
    lines = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, (dict, tuple, list))]
    for key in ("fte_changes", "case_moves", "leaving_changes", "staffing"):
        for item in data.get(key, ()):
            lines += ["", f"[[{key}]]"] + [f"{k} = {_toml_value(v)}" for k, v in item.items() if v is not None]
    for role, standard in data.get("caseload_standards", {}).items():
        lines += ["", f"[caseload_standards.{role}]"] + [f"{k} = {_toml_value(v)}" for k, v in standard.items()]
    return "\n".join(lines) + "\n"


def load_scenario(path: Path) -> Scenario:
    with open(path, "rb") as fh:
        return Scenario.model_validate(tomllib.load(fh))
