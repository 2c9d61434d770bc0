"""The run: warm start, the daily loop, the teams' crises (set off by weeks of overload, not by a date) and the
dated scenario events (restructure, inspection, recovery teams) acting on the workforce; monthly case audits are
taken from the live caseload."""

from __future__ import annotations

import math

import numpy as np

from clearsight.synth.casework import CP_CATS, CP_CATS_P, NEEDS, NEEDS_P, SOURCES, SOURCES_P, Case, Simulation
from clearsight.synth.council import CASE_HOLDING_KINDS, Slot, Team
from clearsight.synth.workdays import day
from clearsight.synth.workforce import PRACTITIONER, Worker

GRADES = ("outstanding", "good", "requires_improvement", "inadequate")
PRACTICE_KINDS = ("front_door", "assessment", "cin", "cp", "cla", "fostering", "adoption")


def grade(z: float) -> str:
    return GRADES[0] if z > 1.6 else GRADES[1] if z > 0.3 else GRADES[2] if z > -0.6 else GRADES[3]


class CouncilRun(Simulation):
    """Adds the workforce dynamics and the scenario's dated events to the casework simulation."""

    # ---- warm start ---------------------------------------------------------------------------------
    def warm_start(self) -> None:
        """Open cases and care leavers already in the system on the first simulated day, with backdated
        histories, sized to the steady state so the first months are not an artificial ramp-up."""
        d0, rng = self.d0, self.rng
        for t in list(self.st.teams):
            if t.kind not in CASE_HOLDING_KINDS:
                continue
            cap = sum(w.fte * self.weight(w) for w in self.can_hold(t))
            n = int(round(cap * 17.0))
            loc = self.st.localities.index(t.locality) if t.locality else -1
            for _ in range(n):
                if t.kind == "cin":
                    stage = "assess" if self.u() < 0.42 else "cin"
                elif t.kind == "assessment":
                    stage = "assess" if self.u() < 0.8 else "cin"
                elif t.kind == "cp":
                    stage = "cp" if self.u() < 0.8 else "cin"
                else:
                    stage = "cla"
                self.warm_case(t, stage, loc if loc >= 0 else int(rng.integers(len(self.st.localities))))
        n_leavers = int(round(235 * self.scale))
        for _ in range(n_leavers):
            self.warm_leaver()
        for _ in range(int(round(self.sc.cp_history_children * self.scale))):
            self.warm_cp_history()
        for ti in sorted(self.dirty):
            self.allocation_pass(self.team(ti), d0, True, warm=True)

    def warm_case(self, t: Team, stage: str, loc: int) -> None:
        d0 = self.d0
        if stage == "cla":
            age = int(min(17.85, max(0.1, self.rng.triangular(0, 14, 18))) * 365.25)
        elif stage == "cp":
            age = int(self.rng.uniform(0, 16) * 365.25)
        else:
            age = min(self.referral_age() + self.ri(0, 100), int(17.8 * 365.25))
        child = self.new_child(d0, max(age, 20), loc)
        dob = self.c_dob[child]
        if stage == "assess":
            ref = d0 - self.ri(0, 25)
        elif stage == "cin":
            start = d0 - self.ri(0, 200)
            ref = start - self.ri(15, 60)
        elif stage == "cp":
            start = d0 - self.ri(0, 600)
            ref = start - self.ri(20, 45)
        else:
            start = d0 - int(self.rng.uniform(0, min(age - 10, 3650)))
            ref = start - self.ri(0, 40)
        ref = max(ref, dob)
        if stage != "assess":
            start = max(start, ref + 1)
        c = self.open_episode(ref, child, t.idx)
        if stage == "assess":
            self.start_assessment(c, ref)
            c.asr[2] = min(c.asr[2], d0)
            c.a_rem *= self.u() * 0.7 + 0.3
            r = self.u()
            c.path = "nfa" if r < 0.6 else ("cin" if r < 0.97 else "cla")
        else:
            self.assessments.append([child, c.eid, min(ref + 1, start), start, True, False, t.idx, -1])
            if stage == "cin":
                self.start_cin(c, start)
            elif stage == "cp":
                self.start_cp(c, start)
            else:
                self.start_cla(c, start)
                if c.cla[4] in ("C2", "L2") and start < d0 - 300:
                    c.cla[4] = "C1"
        self.enqueue(c, t.idx, d0)

    def warm_cp_history(self) -> None:
        """A child whose child protection plan ended (and case closed) in the six years before the start: the
        closed episode, its assessment and the plan are in the records, and the child may be referred again."""
        d0 = self.d0
        closed = d0 - self.ri(30, 6 * 365)
        plan_end = closed - (self.ri(60, 250) if self.u() < 0.6 else 0)  # stepped down to a CIN plan first
        plan_start = plan_end - self.cp_plan_days()
        referral = plan_start - self.ri(20, 45)
        age = self.ri(0, int(15.5 * 365.25))  # at the referral
        loc = int(self.rng.integers(len(self.st.localities)))
        child = self.new_child(referral, age, loc)
        team = self.cp_team_for(loc, child)
        eid = len(self.episodes)
        self.episodes.append([eid, child, referral, self.choose(SOURCES, SOURCES_P), self.choose(NEEDS, NEEDS_P),
                              False, closed, "RC7", team, -1])
        self.assessments.append([child, eid, referral + 1, plan_start - 1, True, False, team, -1])
        cat = self.choose(CP_CATS, CP_CATS_P)
        self.cp_plans.append([child, eid, plan_start, plan_end, cat, cat])
        if plan_end < closed:
            self.cin_plans.append([child, eid, plan_end, closed])
        self.c_cp[child] = True
        self.c_lastref[child] = referral
        if closed - self.c_dob[child] < int(17.5 * 365.25):
            self.cp_pool.append(child)

    def warm_leaver(self) -> None:
        d0 = self.d0
        age = self.rng.uniform(18.0, 21.0) if self.u() < 0.85 else self.rng.uniform(21.0, 24.5)
        loc = int(self.rng.integers(len(self.st.localities)))
        child = self.new_child(d0, int(age * 365.25), loc)
        dob = self.c_dob[child]
        left = dob + int(18 * 365.25)
        start = left - self.ri(200, 3000)
        cla_team = self.st.by_kind["cla"][0]
        eid = len(self.episodes)
        self.episodes.append([eid, child, start - self.ri(0, 30), "5A", "N1", False, left, "RC7", cla_team, -1])
        self.periods.append([child, start, left, eid])
        self.cla_eps.append([child, len(self.periods) - 1, start, "S", "C1", "U4", "PR1", left,
                             str(self.rng.choice(["E17", "E5", "E8"], p=[0.2, 0.5, 0.3]))])
        end = dob + int((25 if age > 21 or self.u() < 0.2 else 21) * 365.25)
        if end <= d0:
            end = d0 + self.ri(30, 400)
        from clearsight.synth.casework import Leaver
        lv = Leaver(-1 - child, child, -1, end)
        self.leavers.append([child, left, -1])
        lv.team = min(self.st.by_kind["leaving_care"], key=lambda i: (self.pa_load(self.team(i)), i))
        self.assign_pa(lv, d0)
        self.at(end, "pa_end", lv, len(self.leavers) - 1)

    # ---- workforce ----------------------------------------------------------------------------------
    def recruit_terms(self, t: Team, d: int) -> tuple[tuple[int, int], tuple[int, int], float]:
        sc = self.sc
        if t.crisis_since >= 0:
            return sc.crisis_lag_days, sc.crisis_agency_lag_days, sc.crisis_agency_share
        if d >= self.inspection and (t.idx in self.recovering or t.recovery):
            return sc.permanent_lag_days, sc.recovery_agency_lag_days, 0.85
        if d >= self.inspection:  # after the inspection the council buys agency cover everywhere
            return sc.permanent_lag_days, sc.agency_lag_days, 0.5
        return sc.permanent_lag_days, sc.agency_lag_days, sc.agency_fill_share

    def worker_leaves(self, w: Worker, d: int, reason: str, dest: str) -> None:
        t = self.team(w.team)
        self.release(w, d, "restructure" if reason == "restructure" else "worker_left")
        self.wf.leave(w, d, reason, dest)
        slot = w.slot
        if slot is None:
            return
        if w.role == "team_manager" and slot.end < 0:
            emp = "agency" if self.u() < 0.25 else "permanent"
            tm = self.wf.hire(slot, d, emp, self.wf.origin_for("team_manager", emp))
            self.wf.set_team_manager(t, tm, d)
            for c in self.queues[t.idx]:
                if c.queued and c.team == t.idx and not c.closed:
                    self.hold_with_manager(c, d)
        elif reason != "restructure":
            lp, la, share = self.recruit_terms(t, d)
            self.wf.schedule_recruit(slot, d, lp, la, share)

    def contract_end(self, w: Worker, d: int) -> None:
        """A short agency contract in a team in crisis ends and is not renewed."""
        if w.end >= 0 or w.away or w.notice >= 0 or w.slot is None or w.slot.holder != w.idx:
            return
        reason, dest = self.wf.leave_reason(w, True)
        self.give_notice(w, d, d + self.sc.notice_days_agency, ("leave", reason, dest))

    def notice_days(self, w: Worker) -> int:
        return self.sc.notice_days_agency if w.employment == "agency" else self.sc.notice_days_permanent

    def exit_reason(self, w: Worker) -> str:
        """The allocation end reason of a child handed back by a worker working their notice."""
        if w.exit[0] == "maternity":
            return "other"
        return "restructure" if w.exit[1] == "restructure" else "worker_left"

    def depart(self, w: Worker, d: int) -> None:
        """The end of a worker's notice: they leave, or their maternity leave starts."""
        if w.end >= 0 or w.notice < 0:
            return
        exit_, w.notice = w.exit, -1
        if exit_[0] == "maternity":
            dur = exit_[1]
            self.wf.absences.append((w.idx, d, d + dur - 1, "maternity"))
            w.away_until = d + dur
            self.wf.version += 1
            self.release(w, d, "other")
            self.ev[d + dur].append(("return", w, 0))
        else:
            self.worker_leaves(w, d, exit_[1], exit_[2])

    def workforce_week(self, d: int) -> None:
        wf, sc = self.wf, self.sc
        unrest = self.restructure <= d < self.inspection
        for t in self.st.teams:
            if t.kind in ("unit", "management") or (t.end >= 0 and t.end <= d):
                continue
            caseholding = t.kind in CASE_HOLDING_KINDS
            stressed = 0
            for s in list(t.slots):
                if s.holder < 0:
                    continue
                w = wf.workers[s.holder]
                if w.away or w.notice >= 0:
                    continue
                practitioner = w.role in PRACTITIONER
                if practitioner and w.role == "asye" and d - w.role_since >= 365:
                    wf.change_post(w, d, role="social_worker")
                    w.role_since = d
                if w.role != "team_manager" and self.u() < 1 - math.exp(-0.03 * 7 / 365):
                    self.give_notice(w, d, d + self.notice_days(w), ("maternity", self.ri(180, 365)))
                    continue
                r = self.ratio(w) if (practitioner and caseholding) else 1.0
                if r > 1.2:
                    stressed += 1
                h = wf.annual_hazard(w, t, r, unrest)
                if self.u() < wf.weekly_prob(h):
                    reason, dest = wf.leave_reason(w, t.crisis_since >= 0 or r > 1.2)
                    if w.role == "team_manager":
                        self.worker_leaves(w, d, reason, dest)
                    else:
                        self.give_notice(w, d, d + self.notice_days(w), ("leave", reason, dest))
            if caseholding:
                q = len(self.queues[t.idx])
                if q > 5 and d >= self.inspection and t.kind == "cin" and not t.recovery:
                    self.share_with_recovery_teams(t, d)
                old = sum(1 for c in self.queues[t.idx] if c.queued and d - c.q_since > sc.cover_wait_days)
                ws = self.can_hold(t)
                held = sum(len(w.cases) for w in ws) / max(0.1, sum(w.fte * self.weight(w) for w in ws))
                self.crisis_week(t, d, held, old > sc.cover_wait_cases)
                if (old > sc.cover_wait_cases or held > sc.cover_caseload) and t.crisis_since < 0:
                    # a queue building: the manager gets agency cover for every vacancy
                    for s in t.slots:
                        if s.holder < 0 and s.end < 0 and s.role in PRACTITIONER:
                            self.wf.schedule_recruit(s, d, sc.agency_lag_days, sc.agency_lag_days, 1.0, force=True)
                held = sum(len(w.cases) for w in wf.practitioners(t))
                if d >= self.inspection and not t.recovery:
                    self.recovery_cover(t, d, held + q)
                if self.blitz <= d < self.blitz + sc.blitz_days:
                    self.assessment_blitz(t, d)
                self.team_stress[t.idx][d] = q / max(1, q + held)
                self.team_counts[t.idx][d] = (q, held)

    def crisis_week(self, t: Team, d: int, held: float, waiting: bool) -> None:
        """A team overloaded for `Scenario.crisis_weeks` running goes into crisis: its practitioners carry more
        than the crisis caseload per weighted FTE while children wait weeks for a worker, or, in a team whose
        posts the restructure cut, far more than they are used to (`Scenario.crisis_rise`: its staff feel the
        rise, waiting list or not). It comes out after as many weeks with no child waiting that long and the
        caseload no longer risen, or at the inspection. After the inspection the council covers every
        overloaded team (`recovery_cover`) and none is left to sink into crisis."""
        sc = self.sc
        usual = held if t.usual_load < 0 else t.usual_load
        t.usual_load = usual + (held - usual) * 7 / sc.crisis_usual_days
        risen = t.cut and held > sc.crisis_caseload and held > usual * sc.crisis_rise
        if t.crisis_since < 0:
            overloaded = risen or (waiting and held > sc.crisis_caseload)
            t.crisis_run = t.crisis_run + 1 if overloaded and d < self.inspection else 0
            if t.crisis_run >= sc.crisis_weeks:
                t.crisis_since, t.crisis_run = d, 0
                t.crises.append(d)
        else:
            t.crisis_run = 0 if waiting or risen else t.crisis_run + 1
            if t.crisis_run >= sc.crisis_weeks:
                t.crisis_since, t.crisis_run = -1, 0

    def assessment_blitz(self, t: Team, d: int) -> None:
        """After the inspection the backlog is cleared: each week a share of the team's open assessments close
        to or past the timescale are finished and authorised, whoever holds them."""
        cases = [c for c in self.queues[t.idx] if c.queued and not c.closed and c.team == t.idx]
        cases += [c for w in self.wf.practitioners(t) for c in list(w.cases.values()) if isinstance(c, Case)]
        for c in cases:
            a = c.asr
            if (c.closed or c.stage != "assess" or a is None or a[3] >= 0
                    or self.cal.wd_between(c.row[2], d) <= 40 or self.u() >= self.sc.blitz_weekly_share):
                continue
            c.a_tok += 1
            self.assess_done(c, d)

    def starters(self, d: int) -> None:
        for slot, emp in self.wf.starters.pop(d, []):
            if slot.end >= 0 or slot.holder >= 0:
                self.wf.pending.discard(slot.sid)
                continue
            w = self.wf.hire(slot, d, emp, self.wf.origin_for(slot.role, emp))
            if emp == "agency" and self.team(slot.team).crisis_since >= 0:
                lo, hi = self.sc.crisis_agency_stay_days
                self.at(d + self.ri(lo, hi), "contract_end", w)
            if self.queues[slot.team] or self.transfers[slot.team]:
                self.dirty.add(slot.team)

    # ---- scenario events ----------------------------------------------------------------------------
    def do_restructure(self, d: int) -> None:
        """Announced a notice period ahead: delete a share of practitioner posts in every practice team on the
        restructure date, `Scenario.restructure_deep_cut` in the two teams cut deepest and the rest of
        `restructure_cut` shared by the others. As councils do (no redundancy to pay), the vacant posts go
        first, then agency staff's, then permanent staff's at random: the establishment falls by the cut on the
        restructure date and the staff in post by less where posts stood vacant. The staff whose posts go keep
        their children until they are told their last day, some weeks after it (`Scenario.restructure_exit_days`),
        and then work their notice handing them back."""
        sc = self.sc
        teams = [t for t in self.st.teams if t.kind in PRACTICE_KINDS]
        pools = {t.idx: [s for s in t.slots if s.role in PRACTITIONER and s.end < 0] for t in teams}
        deep = {i: int(round(len(p) * sc.restructure_deep_cut)) for i, p in pools.items() if self.team(i).deep_cut}
        rest = {i: len(p) for i, p in pools.items() if i not in deep}
        cut = max(0.0, sc.restructure_cut * sum(len(p) for p in pools.values()) - sum(deep.values())) / max(
            1, sum(rest.values()))
        exact = {i: n * cut for i, n in rest.items()}
        quota = {i: int(math.floor(x)) for i, x in exact.items()}
        order = sorted(exact, key=lambda i: (-(exact[i] - quota[i]), i))
        for i in order[: max(0, int(round(sum(exact.values()))) - sum(quota.values()))]:
            quota[i] += 1
        quota.update(deep)

        def order_of(s: Slot) -> tuple[int, float]:
            if s.holder < 0:
                return (0, 0.0)
            w = self.wf.workers[s.holder]
            return (1 if w.employment == "agency" else 2, float(self.rng.random()))
        for t in teams:
            t.cut = quota[t.idx] > 0
            for s in sorted(pools[t.idx], key=order_of)[: quota[t.idx]]:
                s.end = self.restructure
                self.wf.pending.discard(s.sid)
                if s.holder < 0:
                    continue
                told = self.restructure + self.ri(*sc.restructure_exit_days)
                self.at(told, "redundancy", self.wf.workers[s.holder])

    def redundancy(self, w: Worker, d: int) -> None:
        """A worker whose post the restructure deleted is told their last day: they work their notice from today
        (one going on maternity leave leaves instead; one already leaving goes as planned)."""
        if w.end >= 0 or (w.notice >= 0 and w.exit[0] != "maternity"):
            return
        dest = str(self.rng.choice(["other_la", "unknown", "private_sector", "left_profession"],
                                   p=[0.45, 0.25, 0.15, 0.15]))
        if w.notice >= 0:
            w.exit = ("leave", "restructure", dest)
        else:
            self.give_notice(w, d, d + self.notice_days(w), ("leave", "restructure", dest))

    def do_inspection(self, d: int) -> None:
        """Every crisis ends. Agency cover: extra posts in the teams that were in crisis and wherever caseloads run
        above the recovery level, vacancies there filled by agency quickly."""
        sc = self.sc
        cin = [t for t in self.st.teams if t.kind == "cin" and not t.recovery and (t.end < 0 or t.end > d)]
        # the recovery teams go to the teams in crisis, else to the child-in-need teams with most children waiting
        self.recovering = [t.idx for t in self.st.teams if t.crisis_since >= 0] or [t.idx for t in sorted(
            cin, key=lambda t: (-len(self.queues[t.idx]), t.idx))[:len(sc.recovery_team_starts)]]
        for t in self.st.teams:
            t.crisis_since, t.crisis_run = -1, 0
        for t in self.st.teams:
            if t.kind not in CASE_HOLDING_KINDS or t.recovery or (t.end >= 0 and t.end <= d):
                continue
            slots = [s for s in t.slots if s.role in PRACTITIONER and s.end < 0]
            funded = sum(s.fte * self._weights.get(s.role, 1.0) for s in slots)
            held = sum(len(w.cases) for w in self.wf.practitioners(t))
            recovering = t.idx in self.recovering
            waiting = len(self.queues[t.idx]) // (2 if recovering else 1)  # recovery teams take half of it
            extra = max(0, math.ceil((held + waiting) / sc.recovery_caseload - funded - 0.5))
            extra += sc.recovery_extra_posts if recovering else 0
            for _ in range(extra):
                s = Slot(t.idx, "social_worker", 1.0, d, sid=len(self.wf.all_slots))
                t.slots.append(s)
                self.wf.all_slots.append(s)
            lp, la, share = self.recruit_terms(t, d)
            for s in t.slots:
                if s.holder < 0 and s.end < 0 and s.role in PRACTITIONER:
                    self.wf.schedule_recruit(s, d, lp, la, 1.0, force=True)

    def recovery_cover(self, t: Team, d: int, load: int) -> None:
        """After the inspection the council funds an agency post wherever a team's cases run above the recovery
        caseload per funded (weighted) post, one at a time."""
        slots = [s for s in t.slots if s.role in PRACTITIONER and s.end < 0]
        if any(s.holder < 0 for s in slots):
            return  # a post is already being filled
        funded = sum(s.fte * self._weights.get(s.role, 1.0) for s in slots)
        if load <= self.sc.recovery_caseload * (funded + 1.0):
            return
        s = Slot(t.idx, "social_worker", 1.0, d, sid=len(self.wf.all_slots))
        t.slots.append(s)
        self.wf.all_slots.append(s)
        self.wf.schedule_recruit(s, d, self.sc.recovery_agency_lag_days, self.sc.recovery_agency_lag_days, 1.0)

    def add_recovery_team(self, d: int, k: int) -> None:
        src = self.team(self.recovering[k % len(self.recovering)])
        size = max(3, int(round(self.sc.recovery_team_size * max(1, len(src.slots) - 1) / 10)))
        t = self.st.add_team(Team(0, "", f"{src.locality} Assessment Recovery Team", "cin", "cin",
                                  parent=src.parent, locality=src.locality, start=d, recovery=True))
        t.slots.append(Slot(t.idx, "team_manager", 1.0, d))
        for j in range(size):
            t.slots.append(Slot(t.idx, "senior_practitioner" if j == 0 else "social_worker", 1.0, d))
        for s in t.slots:
            s.sid = len(self.wf.all_slots)
            self.wf.all_slots.append(s)
            w = self.wf.hire(s, d, "agency", "agency")
            if s.role == "team_manager":
                t.manager = w.idx
        for w in self.wf.practitioners(t):
            w.post[5] = t.manager
        waiting = [c for c in self.queues[src.idx] if c.queued and c.team == src.idx and not c.closed]
        waiting.sort(key=lambda c: (c.q_since, c.eid))
        for c in waiting[::2] + waiting[1::2][: len(waiting) // 4]:
            self.enqueue(c, t.idx, d, keep_since=True)
            self.hold_with_manager(c, d)

    def share_with_recovery_teams(self, t: Team, d: int) -> None:
        """After the inspection, waiting work anywhere is passed to a recovery team with room for it."""
        rec = [self.team(i) for i in self.st.by_kind["cin"] if self.team(i).recovery]
        if not rec:
            return
        for r in sorted(rec, key=lambda r: (self.team_pressure(r), r.idx)):
            room = sum(max(0, self.cap(w) - len(w.cases)) for w in self.can_hold(r)) - len(self.queues[r.idx])
            waiting = [c for c in self.queues[t.idx] if c.queued and c.team == t.idx and not c.closed]
            waiting.sort(key=lambda c: (c.q_since, c.eid))
            for c in waiting[: max(0, room)]:
                self.enqueue(c, r.idx, d, keep_since=True)
                self.hold_with_manager(c, d)

    # ---- audits -------------------------------------------------------------------------------------
    def audit_month(self, d: int) -> None:
        """Each team manager audits two of the team's cases a month; the QA unit audits about 25 (scaled), a
        share of them moderating a case a manager audited in the last two months (a second look at the same
        case, which is how the optimism of managers' grades shows)."""
        rng, sc = self.audit_rng, self.sc
        era = 0.0
        if self.restructure <= d < self.inspection:
            era = 0.1
        elif d >= self.inspection:
            era = min(0.45, 0.45 * (d - self.inspection) / 240)
        pool: list[Case] = []
        self.area_waiting = self.waiting_shares()
        qa = [self.wf.workers[s.holder] for t in self.st.teams if t.kind == "qa" for s in t.slots
              if s.holder >= 0 and s.role != "team_manager"]
        self.manager_audited = [(a, c) for a, c in self.manager_audited if d - a <= 61 and not c.closed]
        for t in self.st.teams:
            if t.kind not in CASE_HOLDING_KINDS or (t.end >= 0 and t.end <= d):
                continue
            team_cases = [c for w in self.wf.practitioners(t) for c in w.cases.values() if isinstance(c, Case)]
            team_cases += [c for c in self.queues[t.idx] if c.queued and not c.closed and c.team == t.idx]
            pool += team_cases
            for _ in range(2):
                if team_cases:
                    c = team_cases[int(rng.integers(len(team_cases)))]
                    self.audit(c, d, "manager", self.wf.workers[t.manager].idx, era)
                    self.manager_audited.append((d, c))
        if pool and qa:
            moderate = [c for _, c in self.manager_audited]
            for _ in range(int(rng.poisson(sc.independent_audits_per_month * self.scale))):
                if moderate and rng.random() < sc.audit_moderation_share:
                    c = moderate.pop(int(rng.integers(len(moderate))))
                else:
                    c = pool[int(rng.integers(len(pool)))]
                self.audit(c, d, "independent", qa[int(rng.integers(len(qa)))].idx, era)

    def waiting_shares(self) -> dict[str, float]:
        """Each locality's share of its case-holding teams' children waiting for a worker (key '': the teams
        outside the localities)."""
        held: dict[str, int] = {}
        waiting: dict[str, int] = {}
        for t in self.st.teams:
            if t.kind in CASE_HOLDING_KINDS and (t.end < 0 or t.end > self.today):
                waiting[t.locality] = waiting.get(t.locality, 0) + len(self.queues[t.idx])
                held[t.locality] = held.get(t.locality, 0) + sum(len(w.cases) for w in self.can_hold(t))
        return {a: waiting[a] / max(1, waiting[a] + held[a]) for a in waiting}

    def audit(self, c: Case, d: int, kind: str, auditor: int, era: float) -> None:
        """The grade follows the practice on the case (worse when the worker is overloaded or nobody holds
        it, and as the share of its locality's children waiting rises: `Scenario.audit_pressure_push`); a
        manager's grade follows it only weakly and leans to 'good'."""
        rng, sc = self.audit_rng, self.sc
        unalloc = c.holder is None or c.tm_held
        r = 1.0 if unalloc or c.holder is None else self.ratio(c.holder)
        z = float(rng.normal()) + 0.55 - 2.2 * max(0.0, r - 1.0) - (1.0 if unalloc else 0.0) + era
        z -= sc.audit_pressure_push * self.area_waiting.get(self.team(c.team).locality, 0.0)
        if kind == "manager":
            zm = z * 0.4 + 1.15 + float(rng.normal(0, 0.35))
            g, mod = grade(zm), (grade(z) if rng.random() < 0.12 else "")
        else:
            g, mod = grade(z), ""
        worker = c.holder.idx if c.holder is not None else -1
        self.audits.append((c.child, d, auditor, kind, worker, c.team, g, mod))

    # ---- the loop -----------------------------------------------------------------------------------
    def run(self) -> None:
        sc, cal = self.sc, self.cal
        self.wf.staff_up()
        self.warm_start()
        rate = sc.referrals_per_year * self.scale / 253.0
        total = self.end - self.d0 + 1
        month = -1
        for d in range(self.d0, self.end + 1):
            self.today = d
            working = cal.working(d)
            self.starters(d)
            if d == self.restructure - sc.notice_days_permanent:
                self.do_restructure(d)
            if d == self.inspection:
                self.do_inspection(d)
            for k, rd in enumerate(self.recovery_days):
                if d == rd:
                    self.add_recovery_team(d, k)
            if (d + 3) % 7 == 0:  # Monday
                self.workforce_week(d)
            while self.ev.get(d):
                for kind, obj, tok in self.ev.pop(d):
                    self.handle(kind, obj, tok, d)
            if working:
                m = (np.datetime64(d, "D").astype(object)).month
                season = {8: 0.8, 12: 0.88, 9: 1.06, 10: 1.08, 11: 1.08, 1: 1.02}.get(m, 1.0)
                for _ in range(int(self.rng.poisson(rate * season))):
                    self.arrive(d)
            for ti in sorted(self.dirty):
                self.allocation_pass(self.team(ti), d, working)
            if working:
                m = (np.datetime64(d, "D").astype(object)).month
                if m != month:
                    month = m
                    self.audit_month(d)
            if self.progress and (d - self.d0) % 120 == 0:
                self.progress("simulate", (d - self.d0) / total)
