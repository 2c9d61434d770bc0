"""Turn the run's row lists into the canonical tables (column arrays in schema order, typed)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.canonical import schema
from clearsight.synth.activity import Activity
from clearsight.synth.council import population_rows
from clearsight.synth.returns import adoption_decisions, as_recorded, child_fields, episode_fields, isin
from clearsight.synth.timeline import CouncilRun
from clearsight.synth.workdays import EPOCH, day
from clearsight.synth.workforce import PRACTITIONER

Columns = dict[str, np.ndarray]


def ids(prefix: str, n: np.ndarray | list, width: int) -> np.ndarray:
    """Formatted ids for 0-based numbers; -1 gives an empty cell."""
    a = np.asarray(n, dtype=np.int64)
    digits = pc.utf8_lpad(pa.array(a + 1).cast(pa.string()), width=width, padding="0")
    out = pc.binary_join_element_wise(prefix, digits, "").to_numpy(zero_copy_only=False)
    out[a < 0] = ""
    return out


def col(rows: list, i: int, dtype: object = object) -> np.ndarray:
    return np.array([r[i] for r in rows], dtype=dtype) if rows else np.array([], dtype=dtype)


def build_tables(run: CouncilRun) -> dict[str, Columns]:
    """Every canonical table as {column: array}; dates are day numbers (-1 = empty), bools 0/1 (-1 empty)."""
    rng = run.rng
    act = Activity(run)
    n_ref_contacts = len(run.contacts)
    contacts = run.contacts + act.extra_contacts(n_ref_contacts)
    contacts.sort(key=lambda c: (c[1], c[0]))
    visits, chron = act.visits()
    reviews = act.reviews()
    supervision = act.supervision()
    absences = act.absences()
    wf, st = run.wf, run.st
    W = lambda a: ids("W", a, 5)  # noqa: E731
    T = lambda a: ids("T", a, 3)  # noqa: E731
    C = lambda a: ids("C", a, 7)  # noqa: E731
    E = lambda a: ids("E", a, 7)  # noqa: E731
    t: dict[str, Columns] = {}

    teams = st.teams
    t["team"] = {
        "team_id": T([x.idx for x in teams]), "name": np.array([x.name for x in teams], dtype=object),
        "parent_team_id": T([x.parent for x in teams]), "service": np.array([x.service for x in teams], dtype=object),
        "locality": np.array([x.locality for x in teams], dtype=object),
        "start_date": np.array([x.start for x in teams]), "end_date": np.array([x.end for x in teams]),
    }
    workers = wf.workers
    nw = len(workers)
    staff = rng.choice(900_000, size=nw, replace=False) + 100_000
    swe = rng.choice(900_000, size=nw, replace=False) + 100_000
    qualified = np.array([w.qualified for w in workers])
    t["worker"] = {
        "worker_id": W(range(nw)),
        "staff_id": np.char.add("E", staff.astype("U")).astype(object),
        "swe_no": np.where(qualified, np.char.add("SW", swe.astype("U")), "").astype(object),
        "name": np.array([w.name for w in workers], dtype=object),
        "role": np.array([w.role for w in workers], dtype=object),
        "qualified": qualified.astype(np.int8),
        "employment": np.array([w.employment for w in workers], dtype=object),
        # the run's `end` is the first day gone (when the post ends); the worker table holds the last day of
        # service (schema: ends="last_day")
        "start_date": np.array([w.start for w in workers]),
        "end_date": np.array([w.end - 1 if w.end >= 0 else -1 for w in workers]),
        "leave_reason": np.array([w.leave_reason for w in workers], dtype=object),
        "leaver_destination": np.array([w.dest for w in workers], dtype=object),
        "start_origin": np.array([w.origin for w in workers], dtype=object),
        "qualification_date": np.array([w.qual_date for w in workers]),
    }
    posts = wf.posts
    t["worker_post"] = {
        "post_id": ids("WP", col(posts, 0, np.int64), 6), "worker_id": W(col(posts, 1, np.int64)),
        "team_id": T(col(posts, 2, np.int64)), "role": col(posts, 3), "fte": col(posts, 4, float),
        "manager_id": W(col(posts, 5, np.int64)), "start_date": col(posts, 6, np.int64),
        "end_date": col(posts, 7, np.int64),
    }
    t["establishment"] = establishment(run)
    t["absence"] = {
        "absence_id": ids("AB", range(len(absences)), 6), "worker_id": W(col(absences, 0, np.int64)),
        "start_date": col(absences, 1, np.int64), "end_date": col(absences, 2, np.int64),
        "reason": col(absences, 3), "working_days": col(absences, 4, float),
    }
    nc = len(run.c_dob)
    t["child"] = {
        "child_id": C(range(nc)), "sex": np.array(run.c_sex, dtype=object), "ethnicity": np.array(run.c_eth, dtype=object),
        "dob": np.array(run.c_dob, dtype=np.int64), "expected_dob": np.full(nc, -1), "death_date": np.full(nc, -1),
        "disability": np.array(run.c_dis, dtype=np.int8), "uasc": np.array(run.c_uasc, dtype=np.int8),
    }
    ep = run.episodes
    t["episode"] = {
        "episode_id": E(col(ep, 0, np.int64)), "child_id": C(col(ep, 1, np.int64)), "referral_date": col(ep, 2, np.int64),
        "referral_source": col(ep, 3), "primary_need": col(ep, 4), "referral_nfa": col(ep, 5, np.int8),
        "close_date": col(ep, 6, np.int64), "close_reason": col(ep, 7), "team_id": T(col(ep, 8, np.int64)),
        "worker_id": W(col(ep, 9, np.int64)),
    }
    al = run.allocs
    t["allocation"] = {
        "allocation_id": ids("A", range(len(al)), 8), "child_id": C(col(al, 0, np.int64)),
        "episode_id": E(col(al, 1, np.int64)), "worker_id": W(col(al, 2, np.int64)), "team_id": T(col(al, 3, np.int64)),
        "role": col(al, 4), "start_date": col(al, 5, np.int64), "end_date": col(al, 6, np.int64),
        "change_reason": col(al, 7),
    }
    t["contact"] = {
        "contact_id": ids("K", range(len(contacts)), 8), "child_id": C(col(contacts, 0, np.int64)),
        "contact_date": col(contacts, 1, np.int64), "source": col(contacts, 2), "outcome": col(contacts, 3),
        "decision_date": col(contacts, 4, np.int64),
    }
    a = run.assessments
    t["assessment"] = {
        "assessment_id": ids("AS", range(len(a)), 7), "child_id": C(col(a, 0, np.int64)),
        "episode_id": E(col(a, 1, np.int64)), "start_date": col(a, 2, np.int64), "authorised_date": col(a, 3, np.int64),
        "child_seen": col(a, 4, np.int8), "outcome_nfa": np.where(col(a, 3, np.int64) < 0, -1, col(a, 5, np.int8)),
        "team_id": T(col(a, 6, np.int64)), "worker_id": W(col(a, 7, np.int64)),
    }
    s = run.s47s
    t["s47"] = {
        "s47_id": ids("S", range(len(s)), 7), "child_id": C(col(s, 0, np.int64)), "episode_id": E(col(s, 1, np.int64)),
        "strategy_date": col(s, 2, np.int64), "end_date": col(s, 3, np.int64), "outcome_nfa": col(s, 4, np.int8),
        "icpc_required": col(s, 5, np.int8),
    }
    ic = run.icpcs
    t["icpc"] = {
        "icpc_id": ids("IC", range(len(ic)), 6), "s47_id": ids("S", col(ic, 0, np.int64), 7),
        "child_id": C(col(ic, 1, np.int64)), "target_date": col(ic, 2, np.int64),
        "conference_date": col(ic, 3, np.int64),
        "resulted_in_plan": np.where(col(ic, 3, np.int64) < 0, -1, col(ic, 4, np.int8)),
    }
    cp = run.cp_plans
    t["cp_plan"] = {
        "cp_plan_id": ids("CP", range(len(cp)), 6), "child_id": C(col(cp, 0, np.int64)),
        "episode_id": E(col(cp, 1, np.int64)), "start_date": col(cp, 2, np.int64), "end_date": col(cp, 3, np.int64),
        "initial_category": col(cp, 4), "latest_category": col(cp, 5),
    }
    cn = run.cin_plans
    t["cin_plan"] = {
        "cin_plan_id": ids("CN", range(len(cn)), 7), "child_id": C(col(cn, 0, np.int64)),
        "episode_id": E(col(cn, 1, np.int64)), "start_date": col(cn, 2, np.int64), "end_date": col(cn, 3, np.int64),
    }
    ce = run.cla_eps
    t["cla_episode"] = {
        "cla_episode_id": ids("CL", range(len(ce)), 7), "child_id": C(col(ce, 0, np.int64)),
        "period_id": ids("P", col(ce, 1, np.int64), 6), "start_date": col(ce, 2, np.int64), "start_reason": col(ce, 3),
        "legal_status": col(ce, 4), "placement_type": col(ce, 5), "placement_provider": col(ce, 6),
        "end_date": col(ce, 7, np.int64), "end_reason": col(ce, 8),
    }
    t["care_leaver"] = care_leavers(run, visits, reviews)
    returns_rng = rng.spawn(1)[0]  # the returns' fields leave the run's own draws as they were
    as_recorded(t, returns_rng)
    t["child"] |= child_fields(t["child"], t["cla_episode"], run.end, returns_rng)
    uasc = set(t["child"]["child_id"][t["child"]["uasc"] == 1])
    t["cla_episode"] |= episode_fields(t["cla_episode"], uasc, returns_rng)
    t["review"] = {
        "review_id": ids("R", range(len(reviews)), 7), "child_id": C(col(reviews, 0, np.int64)),
        "kind": col(reviews, 1),
        "plan_id": np.where(col(reviews, 1) == "CP", ids("CP", [r[2][1] for r in reviews], 6),
                            ids("P", [r[2][1] for r in reviews], 6)).astype(object),
        "due_date": col(reviews, 3, np.int64), "held_date": col(reviews, 4, np.int64),
    }
    n = len(visits["child"])
    seen = rng.random(n) < 0.93
    alone = seen & (rng.random(n) < np.where(visits["kind"] == "PA", 0.9, 0.62))
    t["visit"] = {
        "visit_id": ids("V", range(n), 8), "child_id": C(visits["child"]), "kind": visits["kind"],
        "visit_date": visits["date"], "seen": seen.astype(np.int8), "seen_alone": alone.astype(np.int8),
        "worker_id": W(visits["worker"]),
    }
    sup = supervision
    t["supervision"] = {
        "supervision_id": ids("SU", range(len(sup)), 7), "supervisee_id": W(col(sup, 0, np.int64)),
        "supervisor_id": W(col(sup, 1, np.int64)), "supervision_date": col(sup, 2, np.int64), "kind": col(sup, 3),
        "child_id": np.full(len(sup), "", dtype=object),
    }
    nc = len(chron["child"])
    n_child = np.concatenate([visits["child"], chron["child"]])
    n_date = np.concatenate([visits["date"], chron["date"]])
    n_worker = np.concatenate([visits["worker"], chron["worker"]])
    n_chron = np.concatenate([np.zeros(n, dtype=np.int64), np.ones(nc, dtype=np.int64)])  # case_note < chronology
    order = np.lexsort((n_chron, n_child, n_date))
    t["case_note"] = {
        "case_note_id": ids("N", range(n + nc), 8), "child_id": C(n_child[order]),
        "note_date": n_date[order], "kind": np.where(n_chron[order] == 1, "chronology", "case_note").astype(object),
        "worker_id": W(n_worker[order]),
    }
    au = run.audits
    t["case_audit"] = {
        "audit_id": ids("AU", range(len(au)), 6), "child_id": C(col(au, 0, np.int64)), "audit_date": col(au, 1, np.int64),
        "auditor_id": W(col(au, 2, np.int64)), "auditor_kind": col(au, 3), "worker_id": W(col(au, 4, np.int64)),
        "team_id": T(col(au, 5, np.int64)), "grade": col(au, 6), "moderated_grade": col(au, 7),
    }
    pop = population_rows(run.sc, run.scale, rng)
    t["population"] = {"area": col(pop, 0), "age_band": col(pop, 1), "year": col(pop, 2, np.int64),
                       "children": col(pop, 3, np.int64)}
    t["team_reported"] = team_reported(run)
    t["missing_episode"] = missing_episodes(run, t["cla_episode"])
    t["uasc"] = uasc_children(t["child"], t["cla_episode"])
    t["adoption"] = adoption_decisions(t["cla_episode"], returns_rng)
    t["previous_permanence"] = {c: np.array([], dtype=object) for c in schema.table("previous_permanence").column_names}
    for name, cols in t.items():
        assert list(cols) == list(schema.table(name).column_names), name
    return t


def missing_episodes(run: CouncilRun, cla: Columns) -> Columns:
    """Times looked-after children went missing or away from placement, within their episodes (Scenario
    missing_share, missing_incidents, away_share); one still going at the extract date has no end."""
    rng, sc = run.rng, run.sc
    start, end = cla["start_date"], np.where(cla["end_date"] < 0, run.end, np.minimum(cla["end_date"], run.end))
    chosen = np.flatnonzero((rng.random(len(start)) < sc.missing_share) & (end > start))
    counts = rng.integers(sc.missing_incidents[0], sc.missing_incidents[1] + 1, len(chosen))
    episode = np.repeat(chosen, counts)
    begin = start[episode] + (rng.random(len(episode)) * (end[episode] - start[episode])).astype(np.int64)
    begin = np.unique(np.stack([episode, begin]), axis=1)  # one incident a day per episode: the key is child, day
    episode, begin = begin[0], begin[1]
    until = begin + rng.integers(0, 4, len(begin))
    # as recorded: a child is back before going missing again, and back before the placement they left ended
    # (903 rules 574, 575, 577, 580); one still missing at the extract date is in an open episode
    after = np.append(begin[1:], np.iinfo(np.int64).max)
    same = np.append(episode[1:] == episode[:-1], False)
    until = np.minimum(until, np.where(same, after, until))
    placed_until = np.where(cla["end_date"] < 0, np.iinfo(np.int64).max, cla["end_date"] - 1)[episode]
    until = np.maximum(begin, np.minimum(until, placed_until))
    return {
        "missing_id": ids("MI", range(len(begin)), 7), "child_id": cla["child_id"][episode],
        "kind": np.where(rng.random(len(begin)) < sc.away_share, "A", "M").astype(object), "start_date": begin,
        "end_date": np.where(until > run.end, -1, until),
    }


def uasc_children(child: Columns, cla: Columns) -> Columns:
    """The 903 UASC table: looked-after children the run made unaccompanied asylum-seeking; the status ceases
    at 18 (DUC), which may lie after the extract date."""
    chosen = np.flatnonzero((child["uasc"] == 1) & isin(child["child_id"], cla["child_id"]))
    eighteenth = [day(_years_after(EPOCH + timedelta(days=int(d)), 18)) for d in child["dob"][chosen]]
    return {"child_id": child["child_id"][chosen], "ceased_date": np.array(eighteenth, dtype=np.int64)}


def _years_after(d: date, years: int) -> date:
    """The same day `years` later (29 February: 1 March)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return date(d.year + years, 3, 1)


def establishment(run: CouncilRun) -> Columns:
    """Funded FTE by team and role, one row per period between changes (restructure, recovery posts)."""
    rows = []
    for tm in run.st.teams:
        if tm.kind == "management":
            rows += [(tm.idx, "director", 1.0, tm.start, -1), (tm.idx, "head_of_service", 1.0, tm.start, -1)]
            continue
        if tm.kind == "unit":
            rows.append((tm.idx, "service_manager", 1.0, tm.start, -1))
            continue
        by_role: dict[str, list] = {}
        for s in tm.slots:
            by_role.setdefault(s.role, []).append(s)
        for role in sorted(by_role):
            slots = by_role[role]
            cuts = sorted({s.start for s in slots} | {s.end for s in slots if s.end >= 0})
            for i, a in enumerate(cuts):
                b = cuts[i + 1] if i + 1 < len(cuts) else -1
                fte = sum(s.fte for s in slots if s.start <= a and (s.end < 0 or s.end > a))
                if fte > 0:
                    rows.append((tm.idx, role, round(fte, 2), a, b))
    return {
        "establishment_id": ids("ES", range(len(rows)), 5), "team_id": ids("T", col(rows, 0, np.int64), 3),
        "role": col(rows, 1), "funded_fte": col(rows, 2, float), "start_date": col(rows, 3, np.int64),
        "end_date": col(rows, 4, np.int64),
    }


def team_reported(run: CouncilRun) -> Columns:
    """Each team's hand-made monthly return: always 0 unallocated cases (the figure that hid the problem)."""
    month_ends = np.arange(np.datetime64("2019-05", "M"), np.datetime64("2025-04", "M")).astype("datetime64[D]") - 1
    days = month_ends.astype(np.int64)
    rows = []
    for tm in run.st.teams:
        if tm.kind in ("unit", "management", "qa"):
            continue
        for d in days:
            if tm.start <= d and (tm.end < 0 or tm.end > d):
                rows.append((tm.idx, int(d)))
    rows.sort(key=lambda r: (r[1], r[0]))
    n = len(rows)
    return {
        "report_id": ids("TR", range(n), 6), "team_id": ids("T", col(rows, 0, np.int64), 3),
        "report_date": col(rows, 1, np.int64), "measure": np.full(n, "unallocated_cases", dtype=object),
        "value": np.zeros(n),
    }


def care_leavers(run: CouncilRun, visits: dict[str, np.ndarray], reviews: list) -> Columns:
    """One row per care leaver: latest PA contact, accommodation, activity, latest pathway plan review."""
    rng = run.rng
    pa = visits["kind"] == "PA"
    # visits are in date order, so the last write per child is its latest contact
    last_pa: dict[int, int] = dict(zip(visits["child"][pa].tolist(), visits["date"][pa].tolist()))
    seen: dict[int, list] = {}
    for r in run.leavers:
        seen.setdefault(r[0], r)
    children = list(seen)
    n = len(children)
    acc = np.array(["B", "C", "D", "E", "G", "H", "K", "R", "S", "T", "U", "V", "W", "X", "Y", "Z"])
    acc_p = np.array([0.05, 0.02, 0.2, 0.05, 0.02, 0.02, 0.01, 0.2, 0.25, 0.05, 0.1, 0.01, 0.01, 0.003, 0.003, 0.004])
    act = np.array(["F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5", "G4", "G5", "G6"])
    act_p = np.array([0.08, 0.04, 0.18, 0.06, 0.1, 0.05, 0.02, 0.01, 0.3, 0.06, 0.1])
    latest = np.array([last_pa.get(c, -1) for c in children], dtype=np.int64)
    in_touch = (latest >= 0) & (rng.random(n) < 0.92)
    ppr = np.where(latest >= 0, np.maximum(latest - rng.integers(0, 120, size=n), np.array([seen[c][1] for c in children])), -1)
    ppr = np.minimum(ppr, run.end)
    return {
        "child_id": ids("C", children, 7),
        "eligibility": np.array(["former relevant"] * n, dtype=object),
        "in_touch": in_touch.astype(np.int8), "latest_contact": latest,
        "accommodation": acc[rng.choice(len(acc), size=n, p=acc_p / acc_p.sum())].astype(object),
        "suitable": (rng.random(n) < 0.88).astype(np.int8),
        "activity": act[rng.choice(len(act), size=n, p=act_p / act_p.sum())].astype(object),
        "pathway_plan_review": ppr,
    }
