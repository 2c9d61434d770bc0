"""Eastmere's recovery plan, written beside the extract as `improvement_plan.csv` for `clearsight plan import`.

Seed papers: once the backlog was counted the council drew up an improvement plan under four themes "with
milestones and targets so that progress can be monitored". Eastmere's plan follows them: each measurable action
names the figure that shows it done (children waiting, the DfE average caseload, or a practice KPI) and a target,
so the monthly pack rates it from the records, never by hand; two actions about oversight have no figure and are
listed as not measured. Due dates fall either side of December 2023 (a few due by the year's end, the rest by the
inspection's spring), so the year-end pack shows red, amber and green from the data alone. Dates come from the
scenario, so a changed scenario moves them with it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from clearsight.canonical.calendar import month_end
from clearsight.canonical.improvement_plan import PLAN_FIELDS, PLAN_FILE
from clearsight.config import CouncilConfig
from clearsight.synth.scenario import Scenario


@dataclass(frozen=True)
class Action:
    theme: str
    recommendation: str
    action: str
    owner: str
    milestone: str
    due_date: date
    kpi: str = ""
    target: float | None = None


def _quarter_end(day: date) -> date:
    """The last day of the quarter holding `day`: plans are due at quarter ends."""
    month = (day.month + 2) // 3 * 3
    return month_end(day.year, month)


def recovery_plan(sc: Scenario, config: CouncilConfig | None = None) -> list[Action]:
    """The actions of Eastmere's recovery plan: due at the end of the restructure's year (the quarter three
    quarters after it takes effect) or the quarter after the inspection."""
    standard = (config or CouncilConfig()).standard_for("social_worker")
    year_end = _quarter_end(sc.restructure_date + timedelta(days=270))
    spring = _quarter_end(sc.inspection_date + timedelta(days=45))
    knowing, workforce = "Leaders know what is happening", "A stable, manageable workforce"
    practice, scrutiny = "Children seen and plans progressed", "Scrutiny and escalation"
    return [
        Action(knowing, "Every child referred has a social worker", "Allocate every child waiting; count them "
               "weekly by team from the records, not the teams' returns", "Head of service", "Weekly allocation "
               "meeting", year_end, "waiting", 0),
        Action(workforce, "Caseloads within the council's standard", "Agency cover for the deleted posts until "
               "permanent staff start", "Director of children's services", "Agency cover in place",
               spring, "caseload", standard.upper),
        Action(practice, "Children on child protection plans are seen", "Visits within the standard for every "
               "child on a CP plan", "Service manager, child protection", "Weekly visit report", year_end,
               "cp_visits", 0.95),
        Action(practice, "Children in need are seen", "Visits within the standard for every child on a CIN plan",
               "Service manager, children in need", "Weekly visit report", spring, "cin_visits", 0.9),
        Action(practice, "Assessments on time", "Assessments completed within 45 working days", "Service manager, "
               "assessment", "Tracker of open assessments", spring, "assessment_timeliness", 0.85),
        Action(workforce, "Practitioners supervised", "Supervision up to date for every worker", "Principal social "
               "worker", "Supervision audit", year_end, "supervision", 0.9),
        Action(scrutiny, "Members receive reliable data", "Children waiting and caseloads reported to scrutiny "
               "every month", "Director of children's services", "Monthly scrutiny pack", year_end),
        Action(scrutiny, "Staff concerns reach leaders", "Staff and union concerns logged and answered within 20 "
               "working days, escalated to the chief operating officer", "Chief operating officer",
               "Concerns register", year_end),
    ]


def write_plan(out_dir: Path, sc: Scenario) -> Path:
    path = Path(out_dir) / PLAN_FILE
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(("id", *PLAN_FIELDS))
        for n, a in enumerate(recovery_plan(sc), start=1):
            out.writerow((f"P{n}", a.theme, a.recommendation, a.action, a.owner, a.milestone, a.due_date.isoformat(),
                          a.kpi, "" if a.target is None else f"{a.target:g}"))
    return path
