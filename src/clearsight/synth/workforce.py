"""Staff, their posts over time, starters (after a recruitment lag) and leavers (a caseload-driven hazard).

A worker's history is a chain of consecutive `worker_post` rows: a new row whenever the team, role or line
manager changes. Slots are funded posts; a leaver leaves a vacancy that recruitment fills after a lag.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from clearsight.canonical import codes
from clearsight.synth.council import CASE_HOLDING_KINDS, Slot, Structure, Team
from clearsight.synth.names import NameMaker
from clearsight.synth.scenario import Scenario

PRACTITIONER = codes.SOCIAL_WORK_CASE_HOLDERS
QUALIFIED_ROLES = set(PRACTITIONER) | {"team_manager", "service_manager", "head_of_service", "director", "iro"}


@dataclass(eq=False)
class Worker:
    idx: int
    name: str
    role: str
    employment: str
    start: int
    team: int
    fte: float
    origin: str
    qualified: bool
    qual_date: int
    end: int = -1  # first day gone (-1: still here); the extract writes the last day of service, end - 1
    leave_reason: str = ""
    dest: str = ""
    slot: Slot | None = None
    post: list | None = None  # current worker_post row
    cases: dict = field(default_factory=dict)  # eid -> case, insertion ordered (deterministic)
    away_until: int = -1  # on maternity leave until this day (exclusive)
    role_since: int = 0
    notice: int = -1  # working their notice until this day (leaving or going on leave): takes no new children
    exit: tuple = ()  # what happens at the end of the notice: ("leave", reason, dest) or ("maternity", days)

    @property
    def away(self) -> bool:
        return self.away_until > 0


class Workforce:
    """All staff and posts; the casework simulation asks it who can take a case and tells it who is busy."""

    def __init__(self, sc: Scenario, st: Structure, rng: np.random.Generator, d0: int) -> None:
        self.sc, self.st, self.rng, self.d0 = sc, st, rng, d0
        self.workers: list[Worker] = []
        self.posts: list[list] = []  # [post_no, worker, team, role, fte, manager, start, end]
        self.absences: list[tuple] = []  # (worker, start, end_inclusive, reason)
        self.starters: dict[int, list[tuple[Slot, str]]] = defaultdict(list)
        self.names = NameMaker(rng)
        self.all_slots: list[Slot] = [s for t in st.teams for s in t.slots]
        for i, s in enumerate(self.all_slots):
            s.sid = i
        self.pending: set[int] = set()  # slot ids with a recruit on the way
        self.leavers_log: list[tuple[int, int]] = []  # (day, team)
        self.version = 0  # bumped whenever who is in post (and not away) changes; keys cached look-ups

    # ---- people -------------------------------------------------------------------------------------
    def manager_for(self, team: Team, role: str) -> int:
        st = self.st
        if role == "director":
            return -1
        if role == "head_of_service":
            return st.teams[st.directorate].manager
        if role == "service_manager":
            return st.hos
        if role == "team_manager":
            return st.teams[team.parent].manager if team.parent >= 0 else -1
        return team.manager

    def hire(self, slot: Slot, day: int, employment: str, origin: str, start: int | None = None) -> Worker:
        team = self.st.teams[slot.team]
        rng = self.rng
        start = day if start is None else start
        role = slot.role
        qualified = role in QUALIFIED_ROLES or (role == "personal_adviser" and rng.random() < 0.1)
        if role == "asye":
            qual = start - int(rng.integers(20, 150))
        elif qualified:
            qual = start - int(rng.integers(365, 365 * 15))
        else:
            qual = -1
        w = Worker(len(self.workers), self.names(), role, employment, start, team.idx, slot.fte, origin, qualified,
                   qual, slot=slot, role_since=max(start, team.start))
        self.workers.append(w)
        slot.holder = w.idx
        self.version += 1
        self.pending.discard(slot.sid)
        self._open_post(w, team.idx, role, max(start, team.start), self.manager_for(team, role))
        return w

    def _open_post(self, w: Worker, team: int, role: str, day: int, manager: int) -> None:
        row = [len(self.posts), w.idx, team, role, w.fte, manager, day, -1]
        self.posts.append(row)
        w.post, w.team, w.role = row, team, role

    def change_post(self, w: Worker, day: int, role: str | None = None, manager: int | None = None) -> None:
        """End the current post and open the next one (consecutive: new start = old end)."""
        old = w.post
        assert old is not None
        if old[6] >= day:  # started today: amend in place instead of a zero-length post
            old[3] = role or old[3]
            old[5] = old[5] if manager is None else manager
            w.role = old[3]
            return
        old[7] = day
        self._open_post(w, old[2], role or old[3], day, old[5] if manager is None else manager)

    def leave(self, w: Worker, day: int, reason: str, dest: str) -> None:
        """`day` is the first day gone: the post ends on it and the last day of service is the day before, so a
        worker serves at least their first day."""
        assert w.post is not None
        day = max(day, w.post[6], w.start + 1)
        w.end, w.leave_reason, w.dest = day, reason, dest
        w.post[7] = day
        if w.slot is not None and w.slot.holder == w.idx:
            w.slot.holder = -1
        self.version += 1
        self.leavers_log.append((day, w.team))

    def set_team_manager(self, team: Team, tm: Worker, day: int) -> None:
        team.manager = tm.idx
        for s in team.slots:
            if s.holder >= 0 and s.role != "team_manager":
                self.change_post(self.workers[s.holder], day, manager=tm.idx)

    # ---- recruitment --------------------------------------------------------------------------------
    def schedule_recruit(self, slot: Slot, day: int, lag_perm: tuple[int, int], lag_agency: tuple[int, int],
                         agency_share: float, force: bool = False) -> None:
        """A vacancy: a replacement starts after the lag (agency cover comes sooner than a permanent hire)."""
        if (slot.sid in self.pending and not force) or slot.end >= 0:
            return
        employment = "agency" if self.rng.random() < agency_share else "permanent"
        lag = lag_agency if employment == "agency" else lag_perm
        start = day + int(self.rng.integers(lag[0], lag[1] + 1))
        self.pending.add(slot.sid)
        self.starters[start].append((slot, employment))

    def origin_for(self, role: str, employment: str) -> str:
        if employment == "agency":
            return "agency"
        if role == "asye":
            return "newly_qualified"
        return str(self.rng.choice(["other_la", "agency", "private_sector", "returner", "unknown"],
                                   p=[0.5, 0.22, 0.08, 0.12, 0.08]))

    def leave_reason(self, w: Worker, pressured: bool) -> tuple[str, str]:
        rng = self.rng
        if w.employment == "agency":
            reason = str(rng.choice(["end_of_contract", "workload", "agency_for_pay", "relocation", "other"],
                                    p=[0.5, 0.25 if pressured else 0.1, 0.1, 0.1, 0.05 if pressured else 0.2]))
        elif pressured:
            reason = str(rng.choice(["workload", "agency_for_pay", "career_development", "relocation", "other"],
                                    p=[0.4, 0.25, 0.2, 0.1, 0.05]))
        else:
            reason = str(rng.choice(
                ["career_development", "relocation", "agency_for_pay", "retirement", "workload", "other"],
                p=[0.32, 0.2, 0.15, 0.1, 0.1, 0.13]))
        dest = {
            "career_development": "other_la", "agency_for_pay": "agency", "retirement": "retired",
            "end_of_contract": "agency",
        }.get(reason) or str(rng.choice(["other_la", "left_profession", "private_sector", "unknown"],
                                        p=[0.4, 0.25, 0.15, 0.2]))
        return reason, dest

    # ---- initial staff ------------------------------------------------------------------------------
    def staff_up(self) -> None:
        """Fill every slot at the start with staff of plausible tenure (backdated start dates)."""
        rng, d0 = self.rng, self.d0
        st = self.st
        directorate = st.teams[st.directorate]
        director = self.hire(Slot(directorate.idx, "director", 1.0, directorate.start, sid=-1), d0, "permanent",
                             "other_la", start=d0 - int(rng.integers(300, 2500)))
        directorate.manager = director.idx
        hos = self.hire(Slot(directorate.idx, "head_of_service", 1.0, directorate.start, sid=-1), d0,
                        "permanent", "other_la", start=d0 - int(rng.integers(300, 2500)))
        st.hos = hos.idx
        for u in st.units:
            sm = self.hire(Slot(u, "service_manager", 1.0, directorate.start, sid=-1), d0, "permanent",
                           "other_la", start=d0 - int(rng.integers(200, 3000)))
            st.teams[u].manager = sm.idx
        for t in st.teams:
            if t.kind in ("unit", "management"):
                continue
            for s in sorted(t.slots, key=lambda s: s.role != "team_manager"):
                agency = s.role not in ("team_manager",) and rng.random() < 0.2
                emp = "agency" if agency else "permanent"
                if s.role == "asye":
                    tenure = int(rng.integers(0, 330))
                elif agency:
                    tenure = int(rng.exponential(300))
                else:
                    tenure = int(rng.exponential(1500))
                w = self.hire(s, d0, emp, self.origin_for(s.role, emp), start=d0 - tenure - 1)
                if s.role == "team_manager":
                    t.manager = w.idx

    def practitioners(self, team: Team) -> list[Worker]:
        return [self.workers[s.holder] for s in team.slots if s.holder >= 0 and s.role != "team_manager"]

    def annual_hazard(self, w: Worker, team: Team, ratio: float, unrest: bool) -> float:
        sc = self.sc
        h = sc.turnover_agency if w.employment == "agency" else sc.turnover_permanent
        if w.role == "team_manager":
            h = 0.08
        if team.crisis_since >= 0:
            h *= sc.crisis_agency_multiplier if w.employment == "agency" else sc.crisis_multiplier
        elif unrest:
            h *= sc.service_unrest_multiplier
        if ratio > sc.pressure_threshold and team.kind in CASE_HOLDING_KINDS:
            h *= min(sc.pressure_max, (ratio / sc.pressure_threshold) ** sc.pressure_exponent)
        return h

    @staticmethod
    def weekly_prob(h: float) -> float:
        return 1.0 - math.exp(-h * 7 / 365)
