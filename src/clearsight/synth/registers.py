"""What Eastmere's story implies for its registers (scenario.md; seed 000), written beside the extract as
`registers.json` for `clearsight registers import`:

- staff and union concerns and a grievance from each team that went into crisis after the restructure (the two
  child-in-need teams it cut deepest), from the weeks its crisis began, none answered before the inspection;
- a scrutiny request for the numbers of children waiting, left unanswered;
- the April 2023 restructure as a proposed service change, with its risks and the KPIs to watch.

The entries are dated from the scenario's own dates, so a changed scenario moves them with it.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from clearsight.alerts.registers import Entry, write_entries
from clearsight.synth.council import Structure, Team
from clearsight.synth.scenario import Scenario
from clearsight.synth.workdays import EPOCH

REGISTERS_FILE = "registers.json"
# (days after the team's crisis begins, category, raised by, what): the run of concerns from each team in crisis.
CONCERNS = (
    (14, "workload", "staff", "Caseloads unmanageable since the restructure; new work left unallocated"),
    (35, "union", "union", "Union raises staff safety and caseloads with the service"),
    (56, "grievance", "staff", "Collective grievance about workload and supervision"),
)


def crisis_starts(sc: Scenario, structure: Structure) -> list[tuple[Team, date]]:
    """Each team whose crisis began between the restructure and the inspection, with the day its first began."""
    out = []
    for team in structure.teams:
        days = [EPOCH + timedelta(days=d) for d in team.crises]
        days = [d for d in days if sc.restructure_date <= d < sc.inspection_date]
        if days:
            out.append((team, days[0]))
    return out


def story_entries(sc: Scenario, structure: Structure) -> list[Entry]:
    crises = crisis_starts(sc, structure)
    first = min((d for _, d in crises), default=sc.restructure_date + timedelta(days=30))
    entries = [
        Entry("change", sc.restructure_date - timedelta(days=61), "Service restructure: social-work posts deleted "
              "to save money", owner_role="head_of_service", effective=sc.restructure_date,
              risks=("caseloads rise above standard", "experienced staff leave", "new work waits for allocation"),
              kpis=("unallocated_cases", "caseloads", "leavers", "assessments_overdue")),
        Entry("scrutiny", first + timedelta(days=120), "Numbers of children waiting for a social worker, "
              "by team, with caseloads", raised_by="children's scrutiny committee"),
    ]
    for team, began in crises:
        for days, category, who, what in CONCERNS:
            entries.append(Entry("concern", began + timedelta(days=days), what, team_id=team.team_id,
                                 team=team.name, category=category, raised_by=who))
    return sorted(entries, key=lambda e: e.raised_on)


def write_registers(out_dir: Path, sc: Scenario, structure: Structure) -> Path:
    path = Path(out_dir) / REGISTERS_FILE
    write_entries(path, story_entries(sc, structure))
    return path
