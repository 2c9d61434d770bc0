"""Recorded practice derived from the simulated caseloads after the run: visits (gaps lengthen with the
worker's caseload), case notes and chronology updates, reviews, supervision (missed more in stressed
teams), sickness absence, front-door contacts that did not become referrals, and the team-reported return."""

from __future__ import annotations

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
        # Allocation segments, sorted by (child, personal adviser or not, start), for vectorised look-ups.
        rows = [r for r in run.allocs if r[4] == "allocated_social_worker" or r[4] == "personal_adviser"]
        child = np.array([r[0] for r in rows], dtype=np.int64)
        pa = np.array([r[4] == "personal_adviser" for r in rows], dtype=np.int64)
        start = np.array([r[5] for r in rows], dtype=np.int64)
        stop = np.array([r[6] if r[6] >= 0 else self.end + 1 for r in rows], dtype=np.int64)
        worker = np.array([r[2] for r in rows], dtype=np.int64)
        key = child * 2 + pa
        order = np.lexsort((worker, stop, start, key))
        self.seg_key, self.seg_start = key[order], start[order]
        self.seg_end, self.seg_worker = stop[order], worker[order]
        self.seg_team = np.array([r[3] for r in rows], dtype=np.int64)[order]
        self.pressure, self.team_area = self._pressure(nd)
        self.seg_comp = self.seg_key * self.BIG + (self.seg_start - self.d0 + self.OFF)
        self.is_tm = np.array([wk.role == "team_manager" for wk in wf.workers], dtype=bool)

    def _pressure(self, nd: int) -> tuple[np.ndarray, np.ndarray]:
        """Daily share of the open cases that are waiting for a worker, in each locality (rows 0..L-1: its
        child-in-need, child-protection and recovery teams) and across the whole service (row L), from the
        weekly counts the run kept; and each team's row (its locality's, or the service's)."""
        run = self.run
        locs = list(run.st.localities)
        wait = np.zeros((len(locs) + 1, nd))
        held = np.zeros((len(locs) + 1, nd))
        area = np.full(len(run.st.teams), len(locs), dtype=np.int64)
        for t in run.st.teams:
            if t.locality in locs:
                area[t.idx] = locs.index(t.locality)
        for ti in sorted(run.team_counts):
            series = run.team_counts[ti]
            ks = sorted(series)
            for j, k in enumerate(ks):
                a = max(0, k - self.d0)
                b = min(nd, (ks[j + 1] if j + 1 < len(ks) else k + 7) - self.d0)
                if b <= a:
                    continue
                q, h = series[k]
                for row in {int(area[ti]), len(locs)}:
                    wait[row, a:b] += q
                    held[row, a:b] += h
        return wait / np.maximum(1.0, wait + held), area

    BIG = 1 << 22
    OFF = 1 << 20

    # ---- visits, case notes, chronology ---------------------------------------------------------------
    def walk(self, kind: str, child: np.ndarray, s: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, ...]:
        """Events of one kind over [s, e) for each (child, s, e), each by whoever held the case then; all the
        walks step together, one event each per pass. Returns (child, day, worker) arrays."""
        cal, rng, d0 = self.cal, self.rng, self.d0
        std = VISIT_STANDARD_WD[kind]
        n = len(child)
        child = np.asarray(child, dtype=np.int64)
        s = np.asarray(s, dtype=np.int64)
        e = np.asarray(e, dtype=np.int64)
        e = np.minimum(np.where(e < 0, self.end + 1, e), self.end + 1)
        key = child * 2 + (1 if kind == "PA" else 0)
        t = cal.add_wd_vec(s, rng.integers(1, min(6, std) + 1, size=n)).astype(np.int64)
        idx = np.arange(n)
        out_c, out_t, out_w = [], [], []
        fixed = kind in ("PA", "CHRON")
        sc = self.run.sc
        base = dict(sc.visit_gap_share).get(kind, 0.25)
        expo, push = dict(sc.visit_load_exponent).get(kind, 3.0), sc.visit_pressure_push
        while True:
            live = t < e[idx]
            idx, t = idx[live], t[live]
            if not len(idx):
                break
            k = key[idx]
            pos = np.searchsorted(self.seg_comp, k * self.BIG + (t - d0 + self.OFF), side="right") - 1
            pos_c = np.maximum(pos, 0)
            held = (pos >= 0) & (self.seg_key[pos_c] == k) & (self.seg_end[pos_c] > t)
            # nobody holds the case: nothing recorded, look again a standard interval later
            t_next = cal.add_wd_vec(t, np.full(len(t), std)).astype(np.int64)
            if held.any():
                hi, ht = idx[held], t[held]
                w = self.seg_worker[pos_c[held]]
                if fixed:
                    m = np.full(len(hi), 0.8)
                else:
                    ratio = self.load[w, ht - d0] / self.denom[w]
                    m = base * np.maximum(1.0, ratio) ** expo
                    # practitioners cover the waiting work of their locality (duty, held cases): visits slip
                    # as the share of its cases waiting for a worker rises
                    area = self.team_area[self.seg_team[pos_c[held]]]
                    m = m * (1.0 + push * self.pressure[area, ht - d0])
                    if kind == "CLA":
                        m = np.where(ht - s[hi] > 365, m * 2.0, m)
                    m = np.where(self.is_tm[w], 2.0, m)
                out_c.append(child[hi])
                out_t.append(ht)
                out_w.append(w)
                noise = rng.lognormal(0.0, 0.22, size=len(hi))
                gap = np.maximum(1, np.rint(std * m * noise)).astype(np.int64)
                t_next[held] = cal.add_wd_vec(ht, gap)
            t = t_next
        if not out_c:
            z = np.zeros(0, dtype=np.int64)
            return z, z, z
        return np.concatenate(out_c), np.concatenate(out_t), np.concatenate(out_w)

    def visits(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Statutory visits (CIN, CP, CLA, PA) sorted by (date, child, kind), and chronology updates sorted by
        (date, child): column arrays child, kind, date, worker."""
        run = self.run
        d0 = self.d0
        parts = []

        def rows(lst: list, i_c: int, i_s: int, i_e: int, floor: bool) -> tuple[np.ndarray, ...]:
            a = np.array([(r[i_c], r[i_s], r[i_e]) for r in lst], dtype=np.int64).reshape(-1, 3)
            st = np.maximum(a[:, 1], d0) if floor else a[:, 1]
            return a[:, 0], st, a[:, 2]

        for kind, lst, floor in (("CIN", run.cin_plans, False), ("CP", run.cp_plans, False),
                                 ("CLA", run.periods, True)):
            c, s, e = rows(lst, 0, 1 if kind == "CLA" else 2, 2 if kind == "CLA" else 3, floor)
            parts.append((kind, *self.walk(kind, c, s, e)))
        c, s, e = rows(run.leavers, 0, 1, 2, True)
        parts.append(("PA", *self.walk("PA", c, s, e)))
        visits = self._columns(parts, ("CIN", "CP", "CLA", "PA"))
        eps = [ep for ep in run.episodes if not ep[5]]
        a = np.array([(ep[1], ep[2], ep[6]) for ep in eps], dtype=np.int64).reshape(-1, 3)
        chron = self._columns([("CHRON", *self.walk("CHRON", a[:, 0], np.maximum(a[:, 1] + 20, d0), a[:, 2]))],
                              ("CHRON",))
        return visits, chron

    @staticmethod
    def _columns(parts: list, kinds: tuple[str, ...]) -> dict[str, np.ndarray]:
        child = np.concatenate([p[1] for p in parts])
        date = np.concatenate([p[2] for p in parts])
        worker = np.concatenate([p[3] for p in parts])
        code = np.concatenate([np.full(len(p[1]), kinds.index(p[0]), dtype=np.int64) for p in parts])
        # the old tuple sort: (date, child, kind name), ties kept in generation order
        names = np.array(kinds, dtype=object)
        rank = np.argsort(np.argsort(names.astype(str), kind="stable"), kind="stable")
        order = np.lexsort((rank[code], child, date))
        return {"child": child[order], "kind": names[code[order]], "date": date[order], "worker": worker[order]}

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
