"""Recorded practice derived from the simulated caseloads after the run: visits (gaps lengthen with the
worker's caseload), case notes and chronology updates, reviews, supervision (missed more in stressed
teams), sickness absence, front-door contacts that did not become referrals, and the team-reported return."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from clearsight.synth.timeline import CouncilRun
from clearsight.synth.workforce import PRACTITIONER

VISIT_STANDARD_WD = {"CIN": 20, "CP": 10, "CLA": 30, "PA": 40, "CHRON": 62}


class Activity:
    def __init__(self, run: CouncilRun) -> None:
        self.run, self.rng, self.cal = run, run.rng, run.cal
        self.d0, self.end = run.d0, run.end
        wf = run.wf
        nw, nd = len(wf.workers), self.end - self.d0 + 2
        a = [r for r in run.allocs if r[4] == "allocated_social_worker"]
        w = np.array([r[2] for r in a], dtype=np.int64)
        s = np.clip(np.array([r[5] for r in a], dtype=np.int64) - self.d0, 0, nd - 1)
        e = np.array([r[6] for r in a], dtype=np.int64)
        e = np.where(e < 0, nd - 1, np.clip(e - self.d0, 0, nd - 1))
        diff = np.zeros((nw, nd), dtype=np.int32)
        np.add.at(diff, (w, s), 1)
        np.add.at(diff, (w, e), -1)
        self.load = np.cumsum(diff, axis=1).astype(np.int16)
        denom = []
        for wk in wf.workers:
            weight = {"asye": run.sc.role_weight_asye, "senior_practitioner": run.sc.role_weight_senior}.get(wk.role, 1.0)
            denom.append(wk.fte * run.sc.standard_caseload * weight)
        self.denom = np.array(denom)
        self.is_prac = np.array([wk.role in PRACTITIONER for wk in wf.workers])
        segs: dict[int, list] = defaultdict(list)
        for r in run.allocs:
            if r[4] == "allocated_social_worker" or r[4] == "personal_adviser":
                segs[r[0]].append((r[5], r[6] if r[6] >= 0 else self.end + 1, r[2], r[4]))
        for v in segs.values():
            v.sort()
        self.segs = segs
        self.tm = {wk.idx for wk in wf.workers if wk.role in ("team_manager",)}

    # ---- visits, case notes, chronology ---------------------------------------------------------------
    def walk(self, child: int, kind: str, s: int, e: int, out: list) -> None:
        """Events of one kind over [s, e) for a child, each by whoever held the case then."""
        cal, rng = self.cal, self.rng
        std = VISIT_STANDARD_WD[kind]
        e = min(e if e >= 0 else self.end + 1, self.end + 1)
        role = "personal_adviser" if kind == "PA" else "allocated_social_worker"
        segs = [x for x in self.segs.get(child, ()) if x[3] == role and x[1] > s and x[0] < e]
        t = cal.add_wd(s, int(rng.integers(1, min(6, std) + 1)))
        k = 0
        noise = rng.lognormal(0.0, 0.22, size=64)
        n = 0
        while t < e:
            while k < len(segs) and segs[k][1] <= t:
                k += 1
            if k >= len(segs) or segs[k][0] > t:
                t = cal.add_wd(t, std)
                continue
            w = segs[k][2]
            if kind == "PA" or kind == "CHRON":
                m = 0.8
            elif w in self.tm:
                m = 2.0
            else:
                ratio = self.load[w, t - self.d0] / self.denom[w]
                m = 0.33 * max(1.0, ratio) ** 2.0
                if kind == "CLA" and t - s > 365:
                    m *= 2.0
            out.append((child, kind, t, w))
            gap = max(1, int(round(std * m * noise[n % 64])))
            n += 1
            t = cal.add_wd(t, gap)

    def visits(self) -> tuple[list, list]:
        run = self.run
        visits: list = []
        for r in run.cin_plans:
            self.walk(r[0], "CIN", r[2], r[3], visits)
        for r in run.cp_plans:
            self.walk(r[0], "CP", r[2], r[3], visits)
        for r in run.periods:
            self.walk(r[0], "CLA", max(r[1], self.d0), r[2], visits)
        for r in run.leavers:
            self.walk(r[0], "PA", max(r[1], self.d0), r[2], visits)
        visits.sort(key=lambda v: (v[2], v[0], v[1]))
        chron: list = []
        for ep in run.episodes:
            if not ep[5]:
                self.walk(ep[1], "CHRON", max(ep[2] + 20, self.d0), ep[6], chron)
        chron.sort(key=lambda v: (v[2], v[0]))
        return visits, chron

    # ---- reviews --------------------------------------------------------------------------------------
    def reviews(self) -> list[tuple]:
        """(child, kind, plan_ref, due, held): CP first at 3 months then 6-monthly; CLA 20 working days,
        3 months, then 6-monthly. The next review due after the extract date is kept with no held date."""
        run, cal, rng = self.run, self.cal, self.rng
        out = []

        def series(child: int, kind: str, ref: tuple[str, int], s: int, e: int, dues: list[int]) -> None:
            e = e if e >= 0 else 10**9
            for due in dues:
                if due >= e:
                    return
                late = rng.random() < 0.06
                held = due + int(rng.integers(1, 25)) if late else due - int(rng.integers(0, 8))
                held = max(held, s + 1)
                if due > self.end:
                    out.append((child, kind, ref, due, -1))
                    return
                out.append((child, kind, ref, due, held if held <= min(self.end, e) else -1))

        for i, r in enumerate(run.cp_plans):
            dues = [r[2] + 91 + 182 * k for k in range(12)]
            series(r[0], "CP", ("cp", i), r[2], r[3], dues)
        for i, r in enumerate(run.periods):
            first = cal.add_wd(r[1], 20)
            dues = [first, first + 91] + [first + 91 + 182 * k for k in range(1, 40)]
            dues = [x for x in dues if x >= self.d0 - 400]
            series(r[0], "CLA", ("period", i), r[1], r[2], dues)
        return out

    # ---- supervision --------------------------------------------------------------------------------
    def supervision(self) -> list[tuple]:
        run, cal, rng = self.run, self.cal, self.rng
        stress: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for t, series in run.team_stress.items():
            ks = np.array(sorted(series))
            stress[t] = (ks, np.array([series[k] for k in ks]))
        out = []
        roles = set(PRACTITIONER) | {"personal_adviser", "iro", "team_manager"}
        for p in run.wf.posts:
            _, w, team, role, _, mgr, s, e = p
            if role not in roles or mgr < 0:
                continue
            wk = run.wf.workers[w]
            s0 = max(s, self.d0)
            e0 = min(e if e >= 0 else self.end + 1, self.end + 1)
            t = s0 + int(rng.integers(3, 20))
            asye_start = wk.role_since if role == "asye" else -1
            if role == "asye":
                asye_start = s
            while t < e0:
                since = t - asye_start if asye_start >= 0 else 10**6
                step = 7 if since < 42 else 14 if since < 182 else int(rng.integers(24, 36))
                ks, vs = stress.get(team, (None, None))
                sv = 0.0
                if ks is not None and len(ks):
                    j = int(np.searchsorted(ks, t, side="right")) - 1
                    sv = float(vs[max(j, 0)])
                if rng.random() > 0.04 + 0.8 * sv:
                    out.append((w, mgr, cal.add_wd(t, 0), "one_to_one"))
                t += step
        out = [x for x in out if x[2] <= self.end]
        out.sort(key=lambda x: (x[2], x[0]))
        return out

    # ---- absence ------------------------------------------------------------------------------------
    def absences(self) -> list[tuple]:
        """Sickness spells (about 3.5% of working days lost) plus the maternity leave the run recorded."""
        run, cal, rng = self.run, self.cal, self.rng
        out = []
        for w in run.wf.workers:
            s = max(w.start, self.d0)
            e = min(w.end if w.end >= 0 else self.end + 1, self.end + 1)
            if e <= s:
                continue
            n = rng.poisson(2.2 * (e - s) / 365)
            for st in np.sort(rng.integers(s, e, size=n)):
                u = rng.random()
                length = int(rng.integers(1, 4)) if u < 0.7 else int(rng.integers(4, 16)) if u < 0.95 else int(rng.integers(20, 90))
                out.append((w.idx, int(st), int(st) + length - 1, "sickness"))
            if rng.random() < 0.3 * (e - s) / 365:
                st = int(rng.integers(s, e))
                out.append((w.idx, st, st + int(rng.integers(0, 3)), "training"))
        out += run.wf.absences
        fixed = []
        for w, s, e, reason in out:
            wk = run.wf.workers[w]
            last = (wk.end - 1) if wk.end >= 0 else self.end
            if s > last or s > self.end:
                continue
            e2 = min(e, last)
            ongoing = e > self.end and e2 == self.end and wk.end < 0
            fixed.append((w, s, -1 if ongoing else e2, reason,
                          float(cal.wd_between(s - 1, e2))))
        fixed.sort(key=lambda x: (x[1], x[0]))
        return fixed

    # ---- contacts -----------------------------------------------------------------------------------
    def extra_contacts(self, n_referral_contacts: int) -> list[tuple]:
        """Contacts that did not become referrals: about half about children already known."""
        run, rng, cal = self.run, self.rng, self.cal
        years = (self.end - self.d0 + 1) / 365.25
        n = max(0, int(run.sc.contacts_per_year * run.scale * years) - n_referral_contacts)
        wd = cal.wd_days[(cal.wd_days >= self.d0) & (cal.wd_days <= self.end)]
        dates = np.sort(rng.choice(wd, size=n))
        known = rng.integers(0, len(run.c_dob), size=n)
        dob = np.array(run.c_dob)[known]
        ok = (rng.random(n) < 0.5) & (dob < dates) & (dates - dob < int(17.9 * 365.25))
        out = []
        outcomes = np.array(["nfa", "early_help", "information_advice"])
        oc = outcomes[rng.choice(3, size=n, p=[0.35, 0.3, 0.35])]
        from clearsight.synth.casework import SOURCES, SOURCES_P
        src = np.array(SOURCES)[rng.choice(len(SOURCES), size=n, p=SOURCES_P)]
        nxt = rng.random(n) < 0.3
        child_ids = known.copy()
        new = np.flatnonzero(~ok)
        child_ids[new] = run.new_children(dates[new])
        for i in range(n):
            d = int(dates[i])
            child = int(child_ids[i])
            dec = cal.add_wd(d, 1) if nxt[i] else d
            out.append((child, d, str(src[i]), str(oc[i]), min(dec, self.end)))
        return out
