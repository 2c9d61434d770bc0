"""What Eastmere's story implies for its registers (scenario.md; seed 000), written beside the extract as
`registers.json` for `clearsight registers import`:

- staff and union concerns and a grievance from each of the two depleted child-in-need teams, from the spring of
  2023 (the morale shock), none answered before the inspection;
- a scrutiny request for the numbers of children waiting, left unanswered;
- the April 2023 restructure as a proposed service change, with its risks and the KPIs to watch.

The entries are dated from the scenario's own dates, so a changed scenario moves them with it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from clearsight.alerts.registers import Entry, write_entries
from clearsight.synth.council import Structure
from clearsight.synth.scenario import Scenario

REGISTERS_FILE = "registers.json"
# (days after the shock starts, category, raised by, what): the run of concerns from each depleted team.
CONCERNS = (
    (14, "workload", "staff", "Caseloads unmanageable since the restructure; new work left unallocated"),
    (35, "union", "union", "Union raises staff safety and caseloads with the service"),
    (56, "grievance", "staff", "Collective grievance about workload and supervision"),
)


def story_entries(sc: Scenario, structure: Structure) -> list[Entry]:
    depleted = [t for t in structure.teams if t.depleted]
    entries = [
        Entry("change", sc.restructure_date - timedelta(days=61), "Service restructure: social-work posts deleted "
              "to save money", owner_role="head_of_service", effective=sc.restructure_date,
              risks=("caseloads rise above standard", "experienced staff leave", "new work waits for allocation"),
              kpis=("unallocated_cases", "caseloads", "leavers", "assessments_overdue")),
        Entry("scrutiny", sc.shock_start + timedelta(days=120), "Numbers of children waiting for a social worker, "
              "by team, with caseloads", raised_by="children's scrutiny committee"),
    ]
    for team in depleted:
        for days, category, who, what in CONCERNS:
            entries.append(Entry("concern", sc.shock_start + timedelta(days=days), what, team_id=team.team_id,
                                 team=team.name, category=category, raised_by=who))
    return sorted(entries, key=lambda e: e.raised_on)


def write_registers(out_dir: Path, sc: Scenario, structure: Structure) -> Path:
    path = Path(out_dir) / REGISTERS_FILE
    write_entries(path, story_entries(sc, structure))
    return path
