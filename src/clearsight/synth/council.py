"""The council's structure: teams, service units, funded posts (slots) and the child population.

Team counts grow with scale (more localities and teams, never giant teams); team sizes follow the demand
each team of that kind carries, so caseloads start near the standard at any scale. A kind whose practitioners
would overfill its teams has more, smaller ones (`Scenario.team_size_most`): a team manager's span of control.
"""

from __future__ import annotations

import math
from itertools import count
from dataclasses import dataclass, field

import numpy as np

from clearsight.synth.scenario import Scenario

LOCALITIES = (
    "North", "South", "Central", "East", "West", "Coastal", "Riverside", "Moorland", "Harbour", "Valley",
    "Forest", "Downs", "Marsh", "Heath", "Castle", "Bridge", "Priory", "Abbey", "Fenside", "Hilltop",
    "Meadow", "Lakeside", "Quarry", "Orchard", "Mill", "Chapel", "Market", "Kingsway", "Parkside", "Wharf",
)

# kind -> (service code, count at scale 1, practitioners per team at scale 1, practitioner role)
TEAM_KINDS: dict[str, tuple[str, int, int, str]] = {
    "front_door": ("front_door", 1, 6, "social_worker"),
    "assessment": ("assessment", 2, 10, "social_worker"),
    "cin": ("cin", 3, 13, "social_worker"),
    "cp": ("cp", 3, 10, "social_worker"),
    "cla": ("cla", 3, 12, "social_worker"),
    "leaving_care": ("leaving_care", 2, 7, "personal_adviser"),
    "fostering": ("fostering", 1, 7, "social_worker"),
    "adoption": ("adoption", 1, 5, "social_worker"),
    "iro": ("iro", 1, 9, "iro"),
    "qa": ("qa", 1, 4, "senior_practitioner"),
}
CASE_HOLDING_KINDS = ("assessment", "cin", "cp", "cla")


@dataclass
class Slot:
    """A funded post in a team: who holds it now, and when it was funded."""

    team: int
    role: str
    fte: float
    start: int
    end: int = -1  # day the funding stopped (restructure), -1 = still funded
    holder: int = -1  # worker index, -1 = vacant
    sid: int = 0


@dataclass
class Team:
    idx: int
    team_id: str
    name: str
    service: str
    kind: str  # TEAM_KINDS key, 'unit' for a service unit, 'management' for the directorate
    parent: int = -1
    locality: str = ""
    start: int = -1
    end: int = -1
    slots: list[Slot] = field(default_factory=list)
    manager: int = -1  # worker index of the team manager (service manager for a unit)
    deep_cut: bool = False  # one of the two child-in-need teams the 2023 restructure cuts deepest
    recovery: bool = False
    crisis_since: int = -1  # day the team's current crisis began (Scenario.crisis_weeks), -1: not in crisis
    crisis_run: int = 0  # weeks running its overload has held (out of crisis) or been absent (in crisis)
    crises: list[int] = field(default_factory=list)  # days its crises began
    usual_load: float = -1.0  # children per weighted FTE its practitioners are used to (Scenario.crisis_rise)
    cut: bool = False  # the restructure deleted some of its posts
    posts: int = 0  # practitioner posts it was set up with (the share of its locality's children it covers)


@dataclass
class Structure:
    teams: list[Team]
    localities: list[str]
    by_kind: dict[str, list[int]]
    cin_by_locality: dict[str, list[int]]
    cp_by_locality: dict[str, list[int]]
    assessment_for_locality: dict[str, int]
    directorate: int
    units: list[int]
    hos: int = -1  # worker index of the head of service

    def add_team(self, team: Team) -> Team:
        """`team` numbered into the structure, under a name no other team has (a second team of the same
        name is numbered: a manager picks a team by its name, `--team`)."""
        team.name = team.name.strip()
        taken = {t.name for t in self.teams}
        if team.name in taken:
            team.name = next(f"{team.name} {n}" for n in count(2) if f"{team.name} {n}" not in taken)
        team.idx = len(self.teams)
        team.team_id = f"T{team.idx + 1:03d}"
        self.teams.append(team)
        self.by_kind.setdefault(team.kind, []).append(team.idx)
        return team


def patch_team(teams: list[Team], child: int) -> int:
    """Which of a locality's teams of one kind a child belongs to: each covers a patch (the child's address, here
    a fixed hash of the child), sized in proportion to its posts, so a team's work does not move to its
    neighbour when it is short of staff."""
    if len(teams) == 1:
        return teams[0].idx
    posts = [t.posts for t in teams]
    point = (child * 2654435761 % 2**32) / 2**32 * sum(posts)  # Knuth's multiplicative hash: spread, fixed
    for t, n in zip(teams, posts):
        point -= n
        if point < 0:
            return t.idx
    return teams[-1].idx


def _practitioners(kind: str, scale: float) -> float:
    """The kind's practitioners across the council (before rounding into teams)."""
    _, base_count, base_size, _ = TEAM_KINDS[kind]
    return base_size * scale * base_count


def _count(kind: str, scale: float, most: int) -> int:
    """Teams of the kind: its count at scale 1 scaled, more where they would hold over `most` practitioners."""
    return max(1, int(round(TEAM_KINDS[kind][1] * scale)), math.ceil(_practitioners(kind, scale) / most))


def _size(kind: str, scale: float, count: int) -> int:
    return max(3, math.floor(_practitioners(kind, scale) / count + 0.5))  # half up: never understaffed by rounding


def _shares(total: int, n: int) -> list[int]:
    """`total` posts in `n` teams as even as whole posts allow, the larger first."""
    return [total // n + (1 if i < total % n else 0) for i in range(n)]


def _locality_sizes(kind: str, scale: float, n_loc: int, most: int, least: int) -> list[int]:
    """Practitioners in each of a locality's teams of the kind: one team if its share fits within `most`, else
    as many as it takes, the first (the locality's own, named after it alone) as large as leaves `least` to
    each of the others, which share the rest (with `most` 10 at scale 1, child-in-need teams of 8 and 5)."""
    n = math.ceil(_practitioners(kind, scale) / n_loc / most)
    if n == 1:
        return [_size(kind, scale, n_loc)]
    total = math.floor(_practitioners(kind, scale) / n_loc + 0.5)
    first = max(math.ceil(total / n), min(most, total - least * (n - 1)))
    return [first] + _shares(total - first, n - 1)


def build_structure(scale: float, start_day: int, rng: np.random.Generator, sc: Scenario | None = None
                    ) -> Structure:
    """Teams and service units; slots are added here, workers by the workforce module. Teams hold
    `Scenario.team_size_least` to `team_size_most` practitioners (the smallest kinds aside)."""
    sc = sc or Scenario()
    most = sc.team_size_most
    s = Structure([], [], {}, {}, {}, {}, -1, [])
    mgmt = s.add_team(Team(0, "", "Children's Social Care Directorate", "management", "management",
                           start=start_day))
    s.directorate = mgmt.idx
    n_loc = max(2, int(round(3 * scale)))
    s.localities = [LOCALITIES[i] if i < len(LOCALITIES) else f"Area {i + 1}" for i in range(n_loc)]

    def unit(name: str) -> Team:
        u = s.add_team(Team(0, "", name, "management", "unit", parent=mgmt.idx, start=start_day))
        s.units.append(u.idx)
        return u

    def add(kind: str, name: str, parent: Team, size: int, locality: str = "") -> Team:
        service, _, _, prac_role = TEAM_KINDS[kind]
        t = s.add_team(Team(0, "", name, service, kind, parent=parent.idx, locality=locality, start=start_day))
        t.slots.append(Slot(t.idx, "team_manager", 1.0, start_day))
        # Composition is fixed by team size, not drawn, so capacity does not vary by luck between teams.
        n_asye = int(round(0.12 * size)) if kind in CASE_HOLDING_KINDS and prac_role == "social_worker" else 0
        n_part = int(round(0.2 * size))
        part_ftes = [0.8, 0.6, 0.8, 0.5]
        for j in range(size):
            role = prac_role
            if prac_role == "social_worker":
                if j == 0 and size >= 5:
                    role = "senior_practitioner"
                elif 1 <= j <= n_asye:
                    role = "asye"
            fte = part_ftes[j % len(part_ftes)] if j >= size - n_part else 1.0
            t.slots.append(Slot(t.idx, role, fte, start_day))
        t.posts = size
        return t

    # Front door and assessment
    fd_units: list[Team] = []
    n_fd, n_as = _count("front_door", scale, most), _count("assessment", scale, most)
    per_unit = 7
    kinds = [("front_door", i) for i in range(n_fd)] + [("assessment", i) for i in range(n_as)]
    for k, (kind, i) in enumerate(kinds):
        if k % per_unit == 0:
            fd_units.append(unit("Front Door and Assessment Service" + (f" {len(fd_units) + 1}" if k else "")))
        name = ("Front Door (MASH)" if kind == "front_door" else "Assessment Team") + (
            f" {i + 1}" if (n_fd if kind == "front_door" else n_as) > 1 else "")
        add(kind, name, fd_units[-1], _size(kind, scale, n_fd if kind == "front_door" else n_as))
    as_teams = s.by_kind["assessment"]
    for li, loc in enumerate(s.localities):
        s.assessment_for_locality[loc] = as_teams[li % len(as_teams)]
    # Localities: child-in-need and child protection teams each (as many as keep every team within `most`),
    # three localities to a service manager
    sizes_cin, sizes_cp = (_locality_sizes(k, scale, n_loc, most, sc.team_size_least) for k in ("cin", "cp"))
    for li, loc in enumerate(s.localities):
        if li % 3 == 0:
            u = unit(f"Locality Services {li // 3 + 1}")
        s.cin_by_locality[loc] = [add("cin", f"{loc} Child in Need Team" + (f" {i + 1}" if i else ""), u,
                                      n, loc).idx for i, n in enumerate(sizes_cin)]
        s.cp_by_locality[loc] = [add("cp", f"{loc} Child Protection Team" + (f" {i + 1}" if i else ""), u,
                                     n, loc).idx for i, n in enumerate(sizes_cp)]
    # The first two localities' CIN teams are the ones the 2023 restructure cuts deepest.
    for loc in s.localities[:2]:
        s.teams[s.cin_by_locality[loc][0]].deep_cut = True
    # Children in care, leaving care, fostering, adoption
    kinds = [(k, i) for k in ("cla", "leaving_care", "fostering", "adoption")
             for i in range(_count(k, scale, most))]
    labels = {"cla": "Children in Care Team", "leaving_care": "16+ Leaving Care Team",
              "fostering": "Fostering Team", "adoption": "Adoption Team"}
    for k, (kind, i) in enumerate(kinds):
        if k % per_unit == 0:
            u = unit("Children in Care Service" + (f" {k // per_unit + 1}" if k else ""))
        n = _count(kind, scale, most)
        add(kind, labels[kind] + (f" {i + 1}" if n > 1 else ""), u, _size(kind, scale, n))
    # Safeguarding and quality assurance
    u = unit("Safeguarding and Quality Assurance")
    n_iro = _count("iro", scale, most)
    for i in range(n_iro):
        add("iro", "Independent Reviewing Unit" + (f" {i + 1}" if n_iro > 1 else ""), u,
            _size("iro", scale, n_iro))
    n_qa = max(3, int(round(4 * math.sqrt(max(scale, 0.25)))))  # auditors grow with the square root of the council
    for i, n in enumerate(_shares(n_qa, math.ceil(n_qa / most))):
        add("qa", "Quality Assurance Unit" + (f" {i + 1}" if i else ""), u, n)
    return s


def population_rows(sc: Scenario, scale: float, rng: np.random.Generator) -> list[tuple[str, str, int, int]]:
    """Mid-year child population by age band, growing gently (about 0.4% a year)."""
    shares = {"0-4": 0.265, "5-9": 0.285, "10-15": 0.335, "16-17": 0.115}
    rows = []
    for year in range(2018, 2025):
        total = sc.child_population * scale * (1 + 0.004 * (year - 2021))
        for band, share in shares.items():
            rows.append((sc.council, band, year, int(round(total * share * (1 + rng.normal(0, 0.004))))))
    return rows
