"""Day-by-day simulation of casework: referrals arrive, teams allocate within capacity, cases move through
assessment, CIN plan, child protection and care, and close.

The scenario's figures are not written in: each team manager allocates as many children a day as the
practitioners' room allows (`Scenario.allocation_pace_days`), so children wait ("held" by the team manager)
only when the team's caseloads near the cap; a worker leaving hands their children back over their notice;
assessments slow when workers are overloaded or cases wait, and workers leave faster when caseloads are high.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from datetime import date
from typing import Callable

import numpy as np

from clearsight.synth.council import CASE_HOLDING_KINDS, Slot, Structure, Team, patch_team
from clearsight.synth.scenario import Scenario
from clearsight.synth.workdays import Calendar, day
from clearsight.synth.workforce import PRACTITIONER, Worker, Workforce

ETHNICITY = ("WBRI", "WIRI", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN", "AOTH",
             "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT")
ETHNICITY_P = np.array([0.70, 0.01, 0.05, 0.01, 0.04, 0.02, 0.02, 0.03, 0.02, 0.03, 0.01, 0.01, 0.01, 0.02,
                        0.005, 0.005, 0.01, 0.01, 0.01])
ETHNICITY_P = ETHNICITY_P / ETHNICITY_P.sum()
SOURCES = ("6", "2A", "3A", "3B", "3C", "3F", "5A", "5B", "5C", "5D", "1A", "1B", "1D", "4", "7", "8", "9", "10")
SOURCES_P = np.array([0.29, 0.18, 0.04, 0.03, 0.05, 0.02, 0.07, 0.03, 0.02, 0.05, 0.06, 0.02, 0.01, 0.03, 0.03,
                      0.04, 0.01, 0.02])
SOURCES_P = SOURCES_P / SOURCES_P.sum()
NEEDS = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9", "N0")
NEEDS_P = np.array([0.56, 0.04, 0.05, 0.09, 0.14, 0.03, 0.01, 0.04, 0.035, 0.005])
SEXES = ("M", "F", "U")
SEXES_P = [0.52, 0.47, 0.01]
UASC_ETH = ("AOTH", "BAFR", "OOTH", "MOTH")
UASC_ETH_P = [0.25, 0.25, 0.25, 0.25]
AGE_BANDS = ((0.0, 5.0), (5.0, 10.0), (10.0, 16.0), (16.0, 17.99))
CP_CATS = ("NEG", "EMO", "PHY", "SAB", "MUL")
CP_CATS_P = np.array([0.5, 0.36, 0.07, 0.04, 0.03])


class Case:
    """One CIN episode in progress."""

    __slots__ = ("eid", "child", "row", "team", "holder", "tm_held", "arow", "stage", "path", "queued",
                 "q_since", "xfer", "asr", "a_rem", "a_rate", "a_from", "a_tok", "a_run", "p_tok", "cp", "cin",
                 "period", "cla", "closed", "loc", "dob", "cla_kind", "uasc", "low", "gap")

    def __init__(self, eid: int, child: int, row: list, team: int, loc: int, dob: int) -> None:
        self.eid, self.child, self.row, self.team, self.loc, self.dob = eid, child, row, team, loc, dob
        self.holder: Worker | None = None
        self.tm_held = False
        self.arow: list | None = None
        self.stage = "assess"
        self.path = "cin"
        self.queued = False
        self.q_since = -1
        self.xfer = -1
        self.asr: list | None = None
        self.a_rem = 0.0
        self.a_rate = 1.0
        self.a_from = -1
        self.a_tok = 0
        self.a_run = False
        self.p_tok = 0
        self.cp: list | None = None
        self.cin: list | None = None
        self.period = -1
        self.cla: list | None = None
        self.closed = False
        self.cla_kind = ""
        self.uasc = False
        self.low = False
        self.gap = 0.0  # mean days between placement moves while looked after


class Leaver:
    """A care leaver with a personal adviser."""

    __slots__ = ("key", "child", "holder", "arow", "team", "end")

    def __init__(self, key: int, child: int, team: int, end: int) -> None:
        self.key, self.child, self.team, self.end = key, child, team, end
        self.holder: Worker | None = None
        self.arow: list | None = None


class Simulation:
    """Runs the council from the warm start to the extract date, appending rows to plain lists."""

    def __init__(self, sc: Scenario, scale: float, st: Structure, wf: Workforce, cal: Calendar,
                 rng: np.random.Generator, progress: Callable[[str, float], None] | None = None) -> None:
        self.sc, self.scale, self.st, self.wf, self.cal, self.rng = sc, scale, st, wf, cal, rng
        self.progress = progress
        self.d0, self.end = day(sc.sim_start), day(sc.extract_date)
        self.restructure, self.inspection = day(sc.restructure_date), day(sc.inspection_date)
        self.area_waiting: dict[str, float] = {}  # locality -> share of its children waiting (CouncilRun.audit_month)
        self.recovering: list[int] = []  # teams (indices) in crisis at the inspection, where recovery teams go
        self.blitz = day(sc.blitz_start)
        self.recovery_days = [day(x) for x in sc.recovery_team_starts]
        self.ev: dict[int, list] = defaultdict(list)
        # children
        self.c_sex: list[str] = []
        self.c_eth: list[str] = []
        self.c_dob: list[int] = []
        self.c_dis: list[bool] = []
        self.c_uasc: list[bool] = []
        self.c_loc: list[int] = []
        self.c_open: list[bool] = []
        self.c_lastref: list[int] = []
        self.c_cp: list[bool] = []  # has had a child protection plan
        self.cp_pool: list[int] = []  # children whose case closed after a plan: a later referral may return them
        self.recent: list[int] = []  # children whose case closed, for re-referrals
        # rows
        self.episodes: list[list] = []
        self.allocs: list[list] = []  # [child, eid, worker, team, role, start, end, reason]
        self.contacts: list[tuple] = []
        self.assessments: list[list] = []
        self.s47s: list[list] = []
        self.icpcs: list[list] = []
        self.cp_plans: list[list] = []
        self.cin_plans: list[list] = []
        self.cla_eps: list[list] = []
        self.periods: list[list] = []  # [child, start, end, eid]
        self.leavers: list[list] = []  # [child, start, end]
        self.audits: list[tuple] = []
        self.manager_audited: list[tuple[int, Case]] = []  # (day, case) of recent manager audits
        # Audits draw from a stream of their own: how cases are audited does not change what happens to them.
        self.audit_rng = np.random.Generator(np.random.PCG64(int(rng.integers(2**63))))
        self.team_stress: dict[int, dict[int, float]] = defaultdict(dict)  # team -> week day -> stress
        self.team_counts: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)  # -> (waiting, held)
        self.queues: dict[int, list[Case]] = defaultdict(list)
        self.transfers: dict[int, list[Case]] = defaultdict(list)
        self.dirty: set[int] = set()
        self.carry: dict[int, float] = defaultdict(float)  # team -> fraction of a child's allocation carried over
        self.today = self.d0
        self._ubuf: list[float] = []
        self._ui = 0
        self._cum: dict = {}
        self._caps: dict[tuple[int, str], int] = {}
        self._can_hold: dict[int, tuple[int, list[Worker]]] = {}
        self._denoms: dict[tuple[int, str], float] = {}
        self._weights = {"asye": sc.role_weight_asye, "senior_practitioner": sc.role_weight_senior}
        self._cp_cum = (np.cumsum([b[2] for b in sc.cp_plan_days]) / sum(b[2] for b in sc.cp_plan_days)).tolist()

    # ---- helpers ------------------------------------------------------------------------------------
    def u(self) -> float:
        """A uniform draw from a pre-drawn buffer (same stream, far cheaper than one call per draw)."""
        if self._ui >= len(self._ubuf):
            self._ubuf = self.rng.random(65536).tolist()
            self._ui = 0
        self._ui += 1
        return self._ubuf[self._ui - 1]

    def choose(self, options: tuple[str, ...], p: np.ndarray | list[float]) -> str:
        key = (options, id(p))
        cum = self._cum.get(key)
        if cum is None:
            c = np.cumsum(p) / np.sum(p)
            cum = self._cum[key] = (c.tolist(), p)
        return options[min(bisect.bisect(cum[0], self.u()), len(options) - 1)]

    def ri(self, a: int, b: int) -> int:
        return a + int(self.u() * (b - a + 1))

    def at(self, d: int, kind: str, obj: object, tok: int = 0) -> None:
        if d < self.today:  # warm start: an event the backdated history would already have had
            d = self.today + int(self.rng.integers(1, 150))
        if d <= self.end:
            self.ev[d].append((kind, obj, tok))

    def weight(self, w: Worker) -> float:
        return self._weights.get(w.role, 1.0)

    def ratio(self, w: Worker) -> float:
        key = (w.idx, w.role)
        den = self._denoms.get(key)
        if den is None:
            den = self._denoms[key] = w.fte * self.sc.standard_caseload * self.weight(w)
        return len(w.cases) / den

    def cap(self, w: Worker) -> int:
        days = self.today - w.start
        if days >= self.sc.induction_days or w.employment == "agency":  # locums take a full caseload at once
            key = (w.idx, w.role)
            cap = self._caps.get(key)
            if cap is None:
                cap = self._caps[key] = int(round(self.sc.allocation_cap * w.fte * self.weight(w)))
            return cap
        # protected caseload while a new starter finds their feet
        share = self.sc.induction_share
        cap = self.sc.allocation_cap * w.fte * self.weight(w)
        return int(round(cap * (share + (1.0 - share) * max(0, days) / self.sc.induction_days)))

    def room(self, w: Worker) -> float:
        """Children the team manager can give the worker today (`Scenario.allocation_pace_days`)."""
        fast, slow = self.sc.allocation_pace_days
        cap, n = self.cap(w), len(w.cases)
        if w.employment == "agency" and self.today - w.start < self.sc.induction_days:
            # a locum is booked to take a caseload: their first weeks' room is all filled at the first pace
            return max(0.0, cap - n) / fast
        standard = cap * self.sc.standard_caseload / self.sc.allocation_cap
        return max(0.0, standard - n) / fast + (cap - max(n, standard)) / slow

    def team(self, i: int) -> Team:
        return self.st.teams[i]

    def can_hold(self, t: Team) -> list[Worker]:
        """Practitioners in post and not away (cached until the workforce changes; do not mutate)."""
        hit = self._can_hold.get(t.idx)
        if hit is not None and hit[0] == self.wf.version:
            return hit[1]
        ws = [w for w in self.wf.practitioners(t) if w.role in PRACTITIONER and not w.away]
        self._can_hold[t.idx] = (self.wf.version, ws)
        return ws

    # ---- children and episodes ----------------------------------------------------------------------
    def new_child(self, d: int, age_days: int, loc: int, uasc: bool = False) -> int:
        rng = self.rng
        i = len(self.c_dob)
        self.c_sex.append("M" if uasc and self.u() < 0.9 else self.choose(SEXES, SEXES_P))
        self.c_eth.append(self.choose(UASC_ETH, UASC_ETH_P) if uasc else self.choose(ETHNICITY, ETHNICITY_P))
        self.c_dob.append(d - age_days)
        self.c_dis.append(self.u() < 0.08)
        self.c_uasc.append(uasc)
        self.c_loc.append(loc)
        self.c_open.append(False)
        self.c_lastref.append(-10**6)
        self.c_cp.append(False)
        return i

    def new_children(self, dates: np.ndarray) -> np.ndarray:
        """Many new children at once (contacts that never became referrals)."""
        rng, n = self.rng, len(dates)
        first = len(self.c_dob)
        band = np.searchsorted(np.cumsum([0.29, 0.26, 0.35, 0.10]), rng.random(n), side="right").clip(0, 3)
        lo = np.array([b[0] for b in AGE_BANDS])[band]
        hi = np.array([b[1] for b in AGE_BANDS])[band]
        age = ((lo + (hi - lo) * rng.random(n)) * 365.25).astype(np.int64)
        sex = np.array(SEXES)[np.searchsorted(np.cumsum(SEXES_P), rng.random(n), side="right").clip(0, 2)]
        eth = np.array(ETHNICITY)[np.searchsorted(np.cumsum(ETHNICITY_P), rng.random(n), side="right").clip(0, len(ETHNICITY) - 1)]
        self.c_sex += sex.tolist()
        self.c_eth += eth.tolist()
        self.c_dob += (np.asarray(dates) - age).tolist()
        self.c_dis += (rng.random(n) < 0.08).tolist()
        self.c_uasc += [False] * n
        self.c_loc += rng.integers(0, len(self.st.localities), size=n).tolist()
        self.c_open += [False] * n
        self.c_lastref += [-10**6] * n
        self.c_cp += [False] * n
        return np.arange(first, first + n)

    def referral_age(self) -> int:
        u = self.u()
        band = 0 if u < 0.29 else 1 if u < 0.55 else 2 if u < 0.9 else 3
        lo, hi = AGE_BANDS[band]
        return int((lo + (hi - lo) * self.u()) * 365.25)

    def open_episode(self, d: int, child: int, team: int, source: str | None = None) -> Case:
        rng = self.rng
        eid = len(self.episodes)
        row = [eid, child, d, source or self.choose(SOURCES, SOURCES_P), self.choose(NEEDS, NEEDS_P),
               False, -1, "", team, -1]
        self.episodes.append(row)
        c = Case(eid, child, row, team, self.c_loc[child], self.c_dob[child])
        self.c_open[child] = True
        self.c_lastref[child] = d
        c.uasc = self.c_uasc[child]
        eighteen = self.c_dob[child] + int(18 * 365.25)
        if eighteen <= self.end:
            self.at(max(eighteen, d + 1), "age18", c)
        return c

    def pick_child(self, d: int) -> tuple[int, bool]:
        """A re-referred child (same child_id, referred in the last 12 months) or a new one."""
        if self.recent and self.u() < self.sc.rereferral_share * 1.05:
            for _ in range(6):
                k = len(self.recent) - 1 - int(self.rng.integers(0, min(len(self.recent), 1200 * max(self.scale, 0.2))))
                ch = self.recent[k]
                if (not self.c_open[ch] and d - self.c_lastref[ch] <= 360
                        and d - self.c_dob[ch] < int(17.8 * 365.25)):
                    return ch, True
        if self.cp_pool and self.u() < self.sc.returning_cp_share:
            for _ in range(6):
                ch = self.cp_pool[int(self.u() * len(self.cp_pool))]
                if not self.c_open[ch] and d - self.c_lastref[ch] > 30 and d - self.c_dob[ch] < int(17.5 * 365.25):
                    return ch, d - self.c_lastref[ch] <= 365
        loc = int(self.rng.integers(len(self.st.localities)))
        return self.new_child(d, self.referral_age(), loc), False

    # ---- allocation ---------------------------------------------------------------------------------
    def _end_alloc(self, c: Case | Leaver, d: int, reason: str) -> None:
        if c.arow is not None:
            c.arow[6], c.arow[7] = d, reason
            c.arow = None
        if c.holder is not None:
            c.holder.cases.pop(c.key if isinstance(c, Leaver) else c.eid, None)
            c.holder = None

    def _start_alloc(self, c: Case, w: Worker, team: int, d: int, tm: bool) -> None:
        c.arow = [c.child, c.eid, w.idx, team, "allocated_social_worker", d, -1, ""]
        self.allocs.append(c.arow)
        c.holder, c.tm_held = w, tm
        if not tm:
            w.cases[c.eid] = c
            c.row[9] = w.idx

    def enqueue(self, c: Case, team: int, d: int, keep_since: bool = False) -> None:
        c.team = team
        c.row[8] = team
        c.queued = True
        if not keep_since:
            c.q_since = d
        self.queues[team].append(c)
        self.dirty.add(team)

    def hold_with_manager(self, c: Case, d: int) -> None:
        t = self.team(c.team)
        if c.holder is not None and c.tm_held and c.holder.idx == t.manager and c.arow and c.arow[3] == t.idx:
            return
        reason = "case_transfer" if (c.arow is not None and c.arow[3] != t.idx) else "worker_left"
        self._end_alloc(c, d, reason)
        self._start_alloc(c, self.wf.workers[t.manager], t.idx, d, tm=True)

    def allocate(self, c: Case, w: Worker, d: int) -> None:
        if c.holder is not None:
            self._end_alloc(c, d, "new_allocation" if c.tm_held else "case_transfer")
            if c.xfer >= 0:
                self.assess_pause(c, d)
        if c.xfer >= 0:
            c.team = c.xfer
            c.row[8] = c.xfer
            c.xfer = -1
        c.queued = False
        self._start_alloc(c, w, c.team, d, tm=False)
        self.assess_resume(c, w, d)

    def release(self, w: Worker, d: int, reason: str) -> None:
        """A worker leaves or goes on leave: the cases not yet handed over go back to the team to re-allocate."""
        for c in list(w.cases.values()):
            self.hand_back(c, w, d, reason)

    def hand_back(self, c: Case | Leaver, w: Worker, d: int, reason: str) -> None:
        """One child handed back by a worker who is going: a care leaver to another personal adviser at once; a
        case to the colleague in the team with most room (a planned handover, not new work the manager allocates
        at the day's pace) while one carries fewer than `Scenario.handover_caseload`, else to the team's queue
        (awaiting re-allocation)."""
        self._end_alloc(c, d, reason)
        if isinstance(c, Leaver):
            self.assign_pa(c, d, leaving=w)
            return
        self.assess_pause(c, d)
        if c.xfer < 0:
            limit = self.sc.handover_caseload / self.sc.allocation_cap
            room = [o for o in self.can_hold(self.team(c.team))
                    if o is not w and o.notice < 0 and len(o.cases) < self.cap(o) * limit]
            if room:
                self.allocate(c, min(room, key=lambda o: (self.ratio(o), o.idx)), d)
                return
        dest = c.xfer if c.xfer >= 0 else c.team
        c.xfer = -1
        self.enqueue(c, dest, d)

    def give_notice(self, w: Worker, d: int, last: int, exit_: tuple) -> None:
        """The worker goes on day `last` (`exit_` says how); meanwhile they take no new children and hand their
        children back on days spread over the notice's last `Scenario.handback_working_days`, as a manager
        re-allocates a leaver's cases."""
        w.notice, w.exit = last, exit_
        days = self.cal.wd_between(d - 1, last - 1)  # working days from today to the last day of service
        first = (0 if self.cal.working(d) else 1) + max(0, days - self.sc.handback_working_days)
        days = min(days, self.sc.handback_working_days)
        for c in list(w.cases.values()):  # handed back on working days, when the manager can re-allocate
            self.at(self.cal.add_wd(d, first + int(self.u() * days)) if days else d, "handover", c, w.idx)
        self.at(last, "depart", w)

    def allocation_pass(self, t: Team, d: int, working: bool, warm: bool = False) -> None:
        """The team manager's allocations for the day (`Scenario.allocation_fill_days`): as many children as the
        practitioners' room allows, in priority order, each to the practitioner with the most room; the rest
        wait, held by the manager. At the warm start every case is allocated at once."""
        q = [c for c in self.queues[t.idx] if c.queued and not c.closed and c.team == t.idx]
        x = [c for c in self.transfers[t.idx] if c.xfer == t.idx and not c.closed]
        if working and (q or x):
            free = [w for w in self.can_hold(t) if w.notice < 0 and len(w.cases) < self.cap(w)]
            budget = self.carry[t.idx] + sum(self.room(w) for w in free)
            quota = len(q) + len(x) if warm else int(budget)
            delay = self.sc.realloc_queue_delay
            low = self.sc.low_priority_queue_delay
            items = sorted(q, key=lambda c: (0 if c.stage in ("cp", "cla") else 1,
                                             c.q_since + (delay if c.row[9] >= 0 else low if c.low else 0),
                                             c.eid))
            items = sorted(x, key=lambda c: c.eid) + items if self.u() < 0.5 else items + x
            done = 0
            for c in items:  # a child protection or looked-after child goes to anyone with room, quota or not
                if not free or (done >= quota and c.stage not in ("cp", "cla")):
                    break
                w = min(free, key=lambda w: (self.ratio(w), w.idx))
                self.allocate(c, w, d)
                done += 1
                if len(w.cases) >= self.cap(w):
                    free.remove(w)
            # unused room is not banked: only the fraction of a child left over carries to the next day
            self.carry[t.idx] = max(0.0, budget - done) if done >= quota and not warm else 0.0
            q = [c for c in q if c.queued]
            x = [c for c in x if c.xfer == t.idx]
        for c in q:
            if not c.tm_held or c.holder is None:
                self.hold_with_manager(c, d)
        self.queues[t.idx] = q
        self.transfers[t.idx] = x
        if not q and not x:
            self.dirty.discard(t.idx)

    def request_transfer(self, c: Case, dest: int, d: int) -> None:
        if dest == c.team:
            return
        if c.holder is None or c.tm_held or c.queued:
            self.enqueue(c, dest, d)
            return
        c.xfer = dest
        self.transfers[dest].append(c)
        self.dirty.add(dest)

    # ---- assessment progress ------------------------------------------------------------------------
    def assess_pause(self, c: Case, d: int) -> None:
        if c.a_run:
            done = self.cal.wd_between(c.a_from, d) if d > c.a_from else 0
            c.a_rem = max(1.0, c.a_rem - done * c.a_rate)
            c.a_run = False
            c.a_tok += 1

    def assess_resume(self, c: Case, w: Worker, d: int) -> None:
        if c.asr is None or c.asr[3] >= 0:
            return
        r = self.ratio(w)
        c.a_rate = 1.0 / (1.0 + self.sc.assessment_load_drag * max(0.0, r - 1.0))
        c.a_from = max(d, c.asr[2])
        c.a_run = True
        c.a_tok += 1
        self.at(self.cal.add_wd(c.a_from, max(1, math.ceil(c.a_rem / c.a_rate))), "assess_done", c, c.a_tok)

    def start_assessment(self, c: Case, d: int, work: float | None = None) -> None:
        start = min(self.cal.add_wd(d, self.ri(0, 2)), self.end)
        c.asr = [c.child, c.eid, start, -1, self.u() < 0.95, False, c.team, -1]
        self.assessments.append(c.asr)
        c.a_rem = work if work is not None else float(np.clip(self.rng.lognormal(math.log(self.sc.assessment_work_days), self.sc.assessment_work_spread), 3, 90))
        c.stage = "assess"

    # ---- case flow ----------------------------------------------------------------------------------
    def cin_team_for(self, loc: int, child: int) -> int:
        return patch_team([self.team(i) for i in self.st.cin_by_locality[self.st.localities[loc]]], child)

    def cp_team_for(self, loc: int, child: int) -> int:
        return patch_team([self.team(i) for i in self.st.cp_by_locality[self.st.localities[loc]]], child)

    def assessment_team_for(self, loc: int) -> int:
        teams = self.st.by_kind["assessment"]
        if len(teams) == 1:
            return teams[0]
        a, b = teams[loc % len(teams)], teams[(loc + 1) % len(teams)]
        return min((a, b), key=lambda i: (self.team_pressure(self.team(i)), i))

    def team_pressure(self, t: Team) -> float:
        ws = self.can_hold(t)
        cap = sum(w.fte * self.weight(w) for w in ws) or 0.1
        return (sum(len(w.cases) for w in ws) + len(self.queues[t.idx])) / cap

    def cla_team(self) -> int:
        return min(self.st.by_kind["cla"], key=lambda i: (self.team_pressure(self.team(i)), i))

    def arrive(self, d: int) -> None:
        rng, sc = self.rng, self.sc
        child, _ = self.pick_child(d)
        loc = self.c_loc[child]
        u = self.u()
        uasc = False
        if u < 0.012:  # unaccompanied asylum-seeking child, straight into care
            child = self.new_child(d, self.ri(int(14.5 * 365), int(17.4 * 365)), loc, uasc=True)
            uasc = True
        contact = self.cal.add_wd(d - 3, 0) if self.u() < 0.4 else d
        contact = max(min(contact, d), self.c_dob[child])
        source = "5C" if uasc else self.choose(SOURCES, SOURCES_P)
        self.contacts.append((child, contact, source, "referral", d))
        if uasc:
            c = self.open_episode(d, child, self.cla_team(), source)
            self.start_assessment(c, d)
            c.path = "cla_done"
            self.enqueue(c, c.team, d)
            self.start_cla(c, d, uasc=True)
            return
        if self.u() < sc.referral_nfa_share:
            eid = len(self.episodes)
            self.episodes.append([eid, child, d, source, self.choose(NEEDS, NEEDS_P), True, d, "RC8",
                                  self.st.assessment_for_locality[self.st.localities[loc]], -1])
            self.c_lastref[child] = d
            self.recent.append(child)
            return
        returning = self.c_cp[child]  # harm recurs: a child who had a plan is more likely to need another
        if self.u() < (sc.returning_s47_share if returning else sc.s47_referral_share):
            c = self.open_episode(d, child, self.assessment_team_for(loc), source)
            self.start_assessment(c, d)
            self.start_s47(c, d, p_icpc=sc.returning_icpc_share if returning else 0.35)
        else:
            to_assessment = self.u() < sc.assessment_team_share
            team = self.assessment_team_for(loc) if to_assessment else self.cin_team_for(loc, child)
            c = self.open_episode(d, child, team, source)
            c.low = self.u() < sc.low_priority_share
            self.start_assessment(c, d)
            r = self.u()
            c.path = "nfa" if r < 0.62 else ("cin" if r < 0.975 else "cla")
        self.enqueue(c, c.team, d)

    def start_s47(self, c: Case, d: int, p_icpc: float = 0.3) -> None:
        strat = min(self.cal.add_wd(d, self.ri(0, 1)), self.end)
        icpc = self.u() < p_icpc
        end = self.cal.add_wd(strat, self.ri(4, 14))
        row = [c.child, c.eid, strat, end if end <= self.end else -1, (not icpc) and self.u() < 0.55, icpc]
        self.s47s.append(row)
        sno = len(self.s47s) - 1
        if icpc:
            target = self.cal.add_wd(strat, 15)
            conf = self.cal.add_wd(strat, max(5, 15 + self.ri(-5, 1) + (self.ri(0, 6) if self.u() < 0.15 else 0)))
            plan = self.u() < 0.87
            self.icpcs.append([sno, c.child, target, conf if conf <= self.end else -1, plan and conf <= self.end])
            c.path = "icpc"
            self.at(conf, "icpc", c, 1 if plan else 0)
        elif c.stage == "assess":
            r = self.u()
            c.path = "nfa" if r < 0.55 else ("cin" if r < 0.97 else "cla")

    def close(self, c: Case, d: int, reason: str) -> None:
        if c.closed:
            return
        self._end_alloc(c, d, "case_closed")
        c.closed, c.queued, c.xfer = True, False, -1
        c.row[6], c.row[7] = d, reason
        if c.asr is not None and c.asr[3] < 0:
            c.asr[3], c.asr[5] = max(d, c.asr[2]), True
        for plan in (c.cp, c.cin):
            if plan is not None and plan[3] < 0:
                plan[3] = d
        c.cp = c.cin = None
        self.c_open[c.child] = False
        self.recent.append(c.child)
        if self.c_cp[c.child]:
            self.cp_pool.append(c.child)
        c.p_tok += 1
        c.a_tok += 1

    def assess_done(self, c: Case, d: int) -> None:
        c.a_run = False
        a = c.asr
        a[3] = d
        a[6] = c.team
        if c.holder is not None and not c.tm_held:
            a[7] = c.holder.idx
        if c.stage != "assess":
            a[5] = False
            return
        if c.path == "nfa":
            a[5] = True
            self.close(c, d, "RC8")
        elif c.path == "cin":
            self.start_cin(c, d)
            if self.team(c.team).kind == "assessment" and self.u() < 0.5:
                self.request_transfer(c, self.cin_team_for(c.loc, c.child), d)
        elif c.path == "cla":
            self.start_cla(c, d)
        # 'icpc': the conference decides; 'cla_done': already in care

    def start_cin(self, c: Case, d: int, median: float = 110) -> None:
        c.stage = "cin"
        c.cin = [c.child, c.eid, d, -1]
        self.cin_plans.append(c.cin)
        c.p_tok += 1
        dur = int(np.clip(self.rng.lognormal(math.log(median), 0.6), 30, 900))
        self.at(d + dur, "cin_end", c, c.p_tok)

    def end_plan(self, c: Case, d: int) -> None:
        for plan in (c.cp, c.cin):
            if plan is not None and plan[3] < 0:
                plan[3] = d
        c.cp = c.cin = None

    def start_cp(self, c: Case, d: int) -> None:
        self.end_plan(c, d)
        c.stage = "cp"
        cat = self.choose(CP_CATS, CP_CATS_P)
        latest = cat if self.u() < 0.85 else self.choose(CP_CATS, CP_CATS_P)
        c.cp = [c.child, c.eid, d, -1, cat, latest]
        self.cp_plans.append(c.cp)
        self.c_cp[c.child] = True
        c.p_tok += 1
        self.at(d + self.cp_plan_days(), "cp_end", c, c.p_tok)
        if self.team(c.team).kind not in ("cp", "cla"):
            self.request_transfer(c, self.cp_team_for(c.loc, c.child), d)

    def cp_plan_days(self) -> int:
        """A plan's length drawn from England's (`Scenario.cp_plan_days`)."""
        bands = self.sc.cp_plan_days
        lo, hi, _ = bands[min(bisect.bisect(self._cp_cum, self.u()), len(bands) - 1)]
        return self.ri(lo, hi)

    def start_cla(self, c: Case, d: int, uasc: bool = False) -> None:
        rng = self.rng
        self.end_plan(c, d)
        c.stage = "cla"
        age = (d - c.dob) / 365.25
        c.period = len(self.periods)
        self.periods.append([c.child, d, -1, c.eid])
        if uasc:
            kind = "long"
        else:
            r = self.u()
            p_ret = 0.42 if age >= 10 else 0.33
            p_perm = (0.42 if age < 10 else 0.1)
            kind = "return" if r < p_ret else ("perm" if r < p_ret + p_perm else "long")
        c.cla_kind = kind
        if kind == "return":
            dur = int(np.clip(rng.lognormal(math.log(130), 0.8), 5, 1500))
        elif kind == "perm":
            dur = int(np.clip(rng.lognormal(math.log(600), 0.35), 180, 1800))
        else:
            dur = 10**6
        legal = "V2" if uasc else str(rng.choice(["C2", "V2", "L2", "J2", "C1"], p=[0.45, 0.42, 0.06, 0.02, 0.05]))
        self.new_cla_ep(c, d, "S", legal)
        c.p_tok += 1
        if d + dur <= self.end:
            self.at(d + dur, "cla_end", c, c.p_tok)
        if legal in ("C2", "L2"):  # an interim order becomes a full care order (or the child is accommodated)
            self.at(d + self.ri(150, 300), "cla_legal", c, c.p_tok)
        sc = self.sc
        c.gap = sc.placement_gap_days[1 if self.u() < sc.placement_unstable_share else 0]
        early = d >= self.today and self.u() < sc.placement_early_move_share
        # the warm start's backdated periods: moves are memoryless, so the next one is counted from today
        self.at(d + self.ri(14, 120) if early else max(d, self.today) + int(rng.exponential(c.gap)) + 1,
                "cla_move", c, c.p_tok)
        if self.team(c.team).kind != "cla":
            self.request_transfer(c, self.cla_team(), d)

    def placement(self, age: float, uasc: bool, legal: str) -> tuple[str, str]:
        rng = self.rng
        if legal == "E1":
            return "A4", "PR1"
        if uasc or (age >= 16 and self.u() < 0.35):
            return "H5", str(rng.choice(["PR4", "PR1"], p=[0.7, 0.3]))
        if age >= 11 and self.u() < 0.2:
            return "K2", str(rng.choice(["PR4", "PR1"], p=[0.75, 0.25]))
        if self.u() < 0.05:
            return "P1", "PR0"
        t = str(rng.choice(["U1", "U3", "U4", "U6"], p=[0.1, 0.15, 0.6, 0.15]))
        return t, str(rng.choice(["PR1", "PR4"], p=[0.6, 0.4]))

    def new_cla_ep(self, c: Case, d: int, reason: str, legal: str, placement: tuple[str, str] | None = None) -> None:
        if c.cla is not None:
            c.cla[7], c.cla[8] = d, "X1"
        ptype, prov = placement or self.placement((d - c.dob) / 365.25, c.uasc, legal)
        c.cla = [c.child, c.period, d, reason, legal, ptype, prov, -1, ""]
        self.cla_eps.append(c.cla)

    def cla_legal(self, c: Case, d: int) -> None:
        """The interim order ends: a care order (or accommodation), mostly in the same placement (903 'L')."""
        reason = "L" if self.u() < 0.85 else "B"
        self.new_cla_ep(c, d, reason, "C1" if self.u() < 0.75 else "V2",
                        None if reason == "B" else (c.cla[5], c.cla[6]))

    def cla_move(self, c: Case, d: int) -> None:
        """A placement move (903 'P'); the next after the child's usual gap (`Scenario.placement_gap_days`)."""
        self.new_cla_ep(c, d, "P", c.cla[4])
        self.at(d + int(self.rng.exponential(c.gap)) + 1, "cla_move", c, c.p_tok)

    def cla_end(self, c: Case, d: int, at18: bool = False) -> None:
        age = (d - c.dob) / 365.25
        if at18:
            reason = str(self.rng.choice(["E17", "E5", "E8"], p=[0.2, 0.5, 0.3]))
            close = "RC7"
        elif c.cla_kind == "return":
            reason, close = ("E4A" if self.u() < 0.85 else "E4B"), "RC7"
        elif age < 5 and self.u() < 0.7:
            if d - c.cla[2] > 60 and c.cla[4] != "E1":
                self.new_cla_ep(c, d - self.ri(20, 60), "L" if self.u() < 0.5 else "B", "E1")
            reason, close = "E11", "RC1"
        else:
            reason, close = str(self.rng.choice(["E45", "E46", "E48"], p=[0.45, 0.35, 0.2])), "RC4"
            if reason == "E48":
                close = "RC3"
        c.cla[7], c.cla[8] = d, reason
        c.cla = None
        self.periods[c.period][2] = d
        c.p_tok += 1
        if at18 or age >= 17.2:
            self.close(c, d, "RC7")
            self.new_leaver(c.child, d)
        elif c.cla_kind == "return" and self.u() < 0.4:
            self.start_cin(c, d, median=120)
        else:
            self.close(c, d, close)

    def new_leaver(self, child: int, d: int) -> None:
        dob = self.c_dob[child]
        end = dob + int((25 if self.u() < 0.2 else 21) * 365.25)
        lv = Leaver(-1 - child, child, -1, end)
        self.leavers.append([child, d, -1])
        lv_row = len(self.leavers) - 1
        lv.team = min(self.st.by_kind["leaving_care"], key=lambda i: (self.pa_load(self.team(i)), i))
        self.assign_pa(lv, d)
        self.at(end, "pa_end", lv, lv_row)

    def pa_load(self, t: Team) -> float:
        ws = [w for w in self.wf.practitioners(t) if not w.away]
        return sum(len(w.cases) for w in ws) / max(1, len(ws))

    def assign_pa(self, lv: Leaver, d: int, leaving: Worker | None = None) -> None:
        """The team's least-loaded personal adviser takes the young person (never the one leaving or going on
        leave, whose cases are being handed on: with none left they had the fewest)."""
        t = self.team(lv.team)
        ws = [w for w in self.wf.practitioners(t) if not w.away and w is not leaving] or [self.wf.workers[t.manager]]
        w = min(ws, key=lambda w: (len(w.cases), w.idx))
        lv.arow = [lv.child, -1, w.idx, t.idx, "personal_adviser", d, -1, ""]
        self.allocs.append(lv.arow)
        lv.holder = w
        w.cases[lv.key] = lv

    # ---- events -------------------------------------------------------------------------------------
    def handle(self, kind: str, obj: object, tok: int, d: int) -> None:
        if kind == "handover":
            w = self.wf.workers[tok]
            if obj.holder is w and w.end < 0:  # type: ignore[attr-defined]
                self.hand_back(obj, w, d, self.exit_reason(w))  # type: ignore[arg-type]
            return
        if kind == "depart":
            self.depart(obj, d)  # type: ignore[attr-defined]
            return
        if kind == "pa_end":
            lv = obj
            self._end_alloc(lv, d, "case_closed")
            self.leavers[tok][2] = d
            return
        if kind == "contract_end":
            self.contract_end(obj, d)  # type: ignore[attr-defined]
            return
        if kind == "redundancy":
            self.redundancy(obj, d)  # type: ignore[attr-defined]
            return
        if kind == "return":
            w = obj
            w.away_until = -1
            self.wf.version += 1
            self.dirty.update(i for i in [w.team] if self.queues[i])
            return
        c: Case = obj  # type: ignore[assignment]
        if c.closed:
            return
        if kind == "assess_done":
            if tok == c.a_tok and c.a_run:
                self.assess_done(c, d)
        elif kind == "icpc":
            if c.stage == "assess" or c.stage == "cin":
                if tok:
                    self.start_cp(c, d)
                else:
                    c.path = "cin"
                    if c.asr is not None and c.asr[3] >= 0 and c.stage == "assess":
                        self.start_cin(c, d)
        elif kind == "cin_end":
            if tok != c.p_tok or c.stage != "cin":
                return
            r = self.u()
            if r < 0.06:
                self.start_s47(c, d, p_icpc=0.55)
                if c.path != "icpc":
                    c.cin[3] = -1
                    c.p_tok += 1
                    self.at(d + self.ri(30, 120), "cin_end", c, c.p_tok)
            elif r < 0.085:
                self.start_cla(c, d)
            else:
                self.close(c, d, "RC7")
        elif kind == "cp_end":
            if tok != c.p_tok or c.stage != "cp":
                return
            r = self.u()
            if r < 0.17:
                self.start_cla(c, d)
            elif r < 0.75:
                c.cp[3] = d
                c.cp = None
                self.start_cin(c, d, median=130)
            else:
                self.close(c, d, "RC7")
        elif kind == "cla_move":
            if tok == c.p_tok and c.stage == "cla" and c.cla is not None:
                self.cla_move(c, d)
        elif kind == "cla_legal":
            if tok == c.p_tok and c.stage == "cla" and c.cla is not None and c.cla[4] in ("C2", "L2"):
                self.cla_legal(c, d)
        elif kind == "cla_end":
            if tok == c.p_tok and c.stage == "cla" and c.cla is not None:
                self.cla_end(c, d)
        elif kind == "age18":
            if c.stage == "cla" and c.cla is not None:
                self.cla_end(c, d, at18=True)
            else:
                self.close(c, d, "RC7")
