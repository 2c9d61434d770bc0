"""What a council's case system records for its DfE returns that the simulation does not need: each child's
UPN (or DfE's reason there is none) and MOTHER, each looked-after episode's home and placement postcodes, the
provider's Ofsted URN and why a placement ended; and the codes the simulation draws coarsely, recorded as a
case system would (`as_recorded`). Drawn from a generator spawned off the run's, so the simulated story (every
date) is unchanged.

Sources: DfE, "Unique pupil numbers (UPNs): a guide for schools and local authorities" v1.2 (format and check
letter; Suffolk's LA number 935 is Eastmere's, see synth.postcodes); SSDA903 guidance 2023-24 (HOME_POST,
PL_POST: own provision other than foster care is in the council's area; REASON_PLACE_CHANGE; no placement
location for short breaks, V3/V4); DfE, "Children looked after in England" 2023 (about 4 in 10 placed outside
the council's boundary; mothers are a few in a thousand looked-after girls).
"""

from __future__ import annotations

import zlib
from datetime import date, timedelta
from typing import Any

import numpy as np

from clearsight.synth import postcodes
from clearsight.synth.workdays import EPOCH, day

Columns = dict[str, np.ndarray]

UPN_LA = "935"
_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
# Share of looked-after girls aged 16 or over who have had a child.
MOTHER_SHARE = 0.03
# Why a placement ended when the child moved on, and how often (illustrative: DfE publishes no split yet).
CHANGE_REASONS = {"CARPL": 0.36, "CREQB": 0.12, "CREQO": 0.08, "CHILD": 0.08, "LAREQ": 0.12, "CLOSE": 0.05,
                  "PLACE": 0.06, "STAND": 0.03, "ALLEG": 0.02, "APPRR": 0.01, "CUSTOD": 0.02, "OTHER": 0.05}
# Where a placement is, by provider (share in the council's area, in a neighbour's, far away): own provision
# other than foster care is always in the area (903 rule 1015).
_WHERE = {"PR0": (0.9, 0.1, 0.0), "PR1": (0.92, 0.08, 0.0), "PR2": (0.1, 0.85, 0.05),
          "PR3": (0.5, 0.4, 0.1), "PR4": (0.45, 0.43, 0.12), "PR5": (0.5, 0.4, 0.1)}
_ADOPTION_PLACEMENTS = ("A3", "A4", "A5", "A6")
_FOSTER = ("U1", "U2", "U3", "U4", "U5", "U6")
_FOSTER_OR_ADOPTION = {*_ADOPTION_PLACEMENTS, *_FOSTER}
# Placements with no Ofsted-registered provider (903 rule 222: no URN): with parents, independent living,
# residential employment, young offender institutions and prisons, secure units... (T0-T4 temporary), other.
_NO_URN = {"P1", "P2", "P3", "R1", "R2", "R5", "T0", "T1", "T2", "T3", "T4", "Z1"}
# A few independent fostering agencies and the council's own fostering and adoption services.
_AGENCIES = 6
# The distribution of need among children starting care (DfE CLA 2023 table A2, rounded): for a looked-after
# child's referral recorded as N0 (not stated) or N9 (not in need), which no case system would keep.
LOOKED_AFTER_NEED = {"N1": 0.65, "N2": 0.03, "N3": 0.03, "N4": 0.13, "N5": 0.12, "N6": 0.01, "N7": 0.01, "N8": 0.02}
_PLACEMENT_CHANGE = {"B", "P", "T", "U"}  # reasons for a new episode that change the placement
ADOPTED = {"E11", "E12"}  # reasons a period of care ended in adoption


def isin(values: Any, wanted: Any) -> np.ndarray:
    """np.isin for the generator's columns, which hold Python objects: by hashing, as np.isin compares object
    arrays pair by pair (scale 10 took hours)."""
    wanted = set(wanted.tolist() if isinstance(wanted, np.ndarray) else wanted)
    return np.fromiter((v in wanted for v in values), dtype=bool, count=len(values))


def _birthday(born: date, years: int) -> date:
    """The `years`th birthday (29 February: 1 March)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def upn(index: int, year_of_entry: int) -> str:
    """A UPN in DfE's format: check letter, LA number, establishment (4 digits), year of allocation (2), serial
    (3). Unique per `index` (below ten million)."""
    body = f"{UPN_LA}{2000 + index // 1000:04d}{year_of_entry % 100:02d}{index % 1000:03d}"
    return _CHECK_LETTERS[sum(int(d) * w for d, w in zip(body, range(2, 14))) % 23] + body


def child_fields(child: Columns, cla: Columns, extract_day: int, rng: np.random.Generator) -> Columns:
    """upn, mother and mother_child_dob for each child: a UPN from the year they turned 5 when that is past, else
    UN1 (not yet of school age); girls MOTHER 0, or 1 with their child born in their last looked-after episode."""
    n = len(child["child_id"])
    dob = child["dob"]
    born = [EPOCH + timedelta(days=int(d)) for d in dob]
    upns = np.array([upn(i, b.year + 5) if extract_day - d >= 5 * 365.25 else "UN1"
                     for i, (d, b) in enumerate(zip(dob, born))], dtype=object)
    girl = child["sex"] == "F"
    mother = np.where(girl, 0, -1).astype(np.int8)
    child_dob = np.full(n, -1, dtype=np.int64)
    row = {c: i for i, c in enumerate(child["child_id"])}
    last: dict[int, tuple[int, int]] = {}
    for c, start, end in zip(cla["child_id"], cla["start_date"], cla["end_date"]):
        i = row[c]
        last[i] = max(last.get(i, (start, end)), (start, end))
    for i, (start, end) in sorted(last.items()):
        sixteen = dob[i] + int(16 * 365.25)
        until = extract_day if end < 0 else min(end, extract_day)
        begin = max(start, sixteen)
        if girl[i] and begin < until and rng.random() < MOTHER_SHARE:
            mother[i], child_dob[i] = 1, begin + int(rng.integers(0, until - begin))
    return {"upn": upns, "mother": mother, "mother_child_dob": child_dob}


def _urn(provider: str, ptype: str, place: str, rng: np.random.Generator) -> str:
    """A synthetic Ofsted URN (SC and six digits) for the placement's provider: the place itself for a home
    or supported accommodation, the council's service for its own foster carers and adoptions, else one of a
    few agencies; XXXXXXX is not needed (every Eastmere provider is registered)."""
    if ptype in _NO_URN:
        return ""
    if provider == "PR1" and ptype in _FOSTER_OR_ADOPTION:
        key = f"council:{ptype[0]}"
    elif ptype in _FOSTER_OR_ADOPTION:
        key = f"agency:{int(rng.integers(_AGENCIES))}"
    else:
        key = f"{ptype}:{place}"
    return f"SC{zlib.crc32(key.encode()) % 900000 + 100000}"


def episode_fields(cla: Columns, uasc: set[str], rng: np.random.Generator) -> Columns:
    """placement_change_reason, home_postcode, placement_postcode and placement_urn of each looked-after
    episode, in the episodes' order: one home per child (none for an unaccompanied asylum-seeking child, whose
    home is abroad: 903 rule 406); a new placement when an episode changes it (the same place and provider after
    a change of legal status only); no placement location for short breaks (V3, V4: rule 214)."""
    n = len(cla["child_id"])
    areas = (postcodes.OWN, postcodes.NEAR, postcodes.FAR)
    homes: dict[str, str] = {}
    reason = np.full(n, "", dtype=object)
    home = np.full(n, "", dtype=object)
    place = np.full(n, "", dtype=object)
    urn = np.full(n, "", dtype=object)
    order = np.lexsort((cla["start_date"], cla["child_id"]))
    codes, weights = list(CHANGE_REASONS), np.array(list(CHANGE_REASONS.values()))
    previous = -1
    for i in order:
        child = cla["child_id"][i]
        if child not in homes:
            drawn = postcodes.OWN[int(rng.integers(len(postcodes.OWN)))]
            homes[child] = "" if child in uasc else drawn
            previous = -1
        home[i] = homes[child]
        same_period = previous >= 0 and cla["period_id"][previous] == cla["period_id"][i]
        if cla["legal_status"][i] in ("V3", "V4"):
            pass
        elif same_period and cla["start_reason"][i] == "L" and place[previous]:
            place[i], urn[i] = place[previous], urn[previous]
        elif home[i] and (cla["placement_type"][i] == "P1" or cla["placement_provider"][i] == "PR0"):
            place[i] = home[i]  # with parents or someone with parental responsibility: at home
        else:
            shares = _WHERE.get(cla["placement_provider"][i], _WHERE["PR4"])
            if cla["placement_provider"][i] == "PR1" and cla["placement_type"][i] not in _FOSTER_OR_ADOPTION:
                shares = (1.0, 0.0, 0.0)
            area = areas[int(rng.choice(3, p=shares))]
            # away from home (rule 392d); a new placement is somewhere new (rule 435)
            moved = same_period and cla["start_reason"][i] in _PLACEMENT_CHANGE
            while place[i] in ("", home[i]) or (moved and place[i] == place[previous]):
                place[i] = area[int(rng.integers(len(area)))]
        if place[i] and not urn[i]:
            urn[i] = _urn(cla["placement_provider"][i], cla["placement_type"][i], place[i], rng)
        if same_period and cla["start_reason"][i] in _PLACEMENT_CHANGE:
            reason[previous] = codes[int(rng.choice(len(codes), p=weights / weights.sum()))]
        previous = i
    return {"placement_change_reason": reason, "home_postcode": home, "placement_postcode": place,
            "placement_urn": urn}


def as_recorded(t: dict[str, Columns], rng: np.random.Generator) -> None:
    """Codes the simulation draws coarsely, set as a case system would record them (no date moves), in place:
    PACE (J2) and other youth justice statuses for under-10s become accommodation (V2: PACE lasts hours, and
    no child under 10 is criminally responsible: 903 rules 358, 364); an emergency protection order lasting
    over 21 days was an interim care order (C2, rule 362); supported accommodation (H5) for an under-16 is
    foster care (rule 371); placed with parents (P1) under section 20 is foster care (rule 378); placed for
    adoption under a placement order is A6, with adopters under that order (rules 336, 408), and a child adopted
    from a placement was placed for adoption there (A4 with consent, A6 under an order: rule 390); a special
    guardianship order ending a placement other than foster care was made to other carers (E45, E46 to E47,
    E48: rule 516); the reason for a
    new episode says what changed: B when both the legal status and the placement did (rules 434-436); an E17 ending before the
    18th birthday is E5 (rule 460); a looked-after child's sex is known (rule 101) and their referrals' need is
    one of N1-N8 (rule 504); no care leaver's S or X accommodation is suitable (rule 133); and a case with a
    section 47 enquiry or a plan did not close after assessment with no further action (RC8) but for another
    reason (RC7: CIN census rule 2990); a second referral the same day taken no further is part of the
    first; no conference is held after the case closed (and then none was required)."""
    child, cla = t["child"], t["cla_episode"]
    dob = dict(zip(child["child_id"], child["dob"]))
    age = np.array([(s - dob[c]) / 365.25 for c, s in zip(cla["child_id"], cla["start_date"])])
    legal, ptype, prov = cla["legal_status"], cla["placement_type"], cla["placement_provider"]
    ends = np.where(cla["end_date"] < 0, np.iinfo(np.int64).max, cla["end_date"])
    legal[(legal == "J2") | (isin(legal, ("J1", "J3")) & (age < 10))] = "V2"
    order = np.lexsort((cla["start_date"], cla["child_id"]))
    pairs = [(b, i) for b, i in zip(order[:-1], order[1:]) if cla["period_id"][b] == cla["period_id"][i]]
    # an EPO's episodes in a row: over 21 days in all, an interim care order throughout
    run_start = {i: cla["start_date"][i] for i in order}
    for before, i in pairs:
        if legal[before] == legal[i] == "L2":
            run_start[i] = run_start[before]
    for i in order[::-1]:
        if legal[i] == "L2" and ends[i] - run_start[i] > 21:
            legal[(cla["period_id"] == cla["period_id"][i]) & (legal == "L2")
                  & (cla["start_date"] >= run_start[i])] = "C2"
    foster = ((ptype == "H5") & (age < 16)) | ((ptype == "P1") & (legal == "V2"))
    ptype[foster], prov[foster & (prov == "PR0")] = "U4", "PR1"
    # placed for adoption under a placement order, with adopters (rules 336, 408): the consent codes are not it
    ptype[(legal == "E1") & isin(ptype, ("A3", "A4"))] = "A6"
    # a child adopted from their placement was placed for adoption there (rule 390)
    adopted = isin(cla["end_reason"], ("E11", "E12")) & ~isin(ptype, _ADOPTION_PLACEMENTS)
    ptype[adopted] = np.where(legal[adopted] == "E1", "A6", "A4")
    prov[adopted & (prov == "PR0")] = "PR1"
    # a special guardianship order ending a placement other than foster care was made to other carers (rule 516)
    for former, other in (("E45", "E47"), ("E46", "E48")):
        cla["end_reason"][(cla["end_reason"] == former) & ~isin(ptype, _FOSTER)] = other
    for before, i in pairs:  # the reason for a new episode says what changed (rules 434-436)
        moved = (ptype[i], prov[i]) != (ptype[before], prov[before])
        if legal[i] != legal[before] and cla["start_reason"][i] in ("L", "P") and moved:
            cla["start_reason"][i] = "B"
        elif legal[i] == legal[before] and cla["start_reason"][i] in ("B", "U"):
            cla["start_reason"][i] = "P"
        elif legal[i] != legal[before] and cla["start_reason"][i] == "P":
            cla["start_reason"][i] = "B"
    eighteenth = np.array([day(_birthday(EPOCH + timedelta(days=int(dob[c])), 18)) for c in cla["child_id"]])
    cla["end_reason"][(cla["end_reason"] == "E17") & (cla["end_date"] >= 0) & (cla["end_date"] < eighteenth)] = "E5"
    looked = isin(child["child_id"], cla["child_id"])
    unknown = looked & ~isin(child["sex"], ("M", "F"))
    child["sex"][unknown] = np.where(rng.random(int(unknown.sum())) < 0.56, "M", "F")
    ep = t["episode"]
    vague = isin(ep["child_id"], cla["child_id"]) & isin(ep["primary_need"], ("N0", "N9"))
    needs, p = list(LOOKED_AFTER_NEED), np.array(list(LOOKED_AFTER_NEED.values()))
    ep["primary_need"][vague] = rng.choice(needs, size=int(vague.sum()), p=p / p.sum())
    leaver = t["care_leaver"]
    leaver["suitable"][isin(leaver["accommodation"], ("S", "X"))] = 0
    active = np.concatenate([t[table]["episode_id"] for table in ("s47", "cp_plan", "cin_plan")])
    ep["close_reason"][(ep["close_reason"] == "RC8") & isin(ep["episode_id"], active)] = "RC7"
    # a second referral the same day is one referral: the one taken no further is not kept (rules 8816, 8820)
    day_of = np.array([f"{c}:{d}" for c, d in zip(ep["child_id"], ep["referral_date"])], dtype=object)
    _, first, count = np.unique(day_of, return_index=True, return_counts=True)
    twice = isin(day_of, day_of[first[count > 1]])
    keep = ~(twice & (ep["referral_nfa"] == 1) & (ep["close_date"] == ep["referral_date"]))
    for name in ep:
        ep[name] = ep[name][keep]
    # a conference not held by the day the case closed was not held (rule 8565)
    closed = dict(zip(ep["episode_id"], ep["close_date"]))
    s47_episode = dict(zip(t["s47"]["s47_id"], t["s47"]["episode_id"]))
    icpc = t["icpc"]
    late = np.array([0 <= closed.get(s47_episode.get(s, ""), -1) < held
                     for s, held in zip(icpc["s47_id"], icpc["conference_date"])], dtype=bool)
    icpc["conference_date"][late], icpc["resulted_in_plan"][late] = -1, -1
    t["s47"]["icpc_required"][isin(t["s47"]["s47_id"], icpc["s47_id"][late])] = 0  # rule 8868


def adoption_decisions(cla: Columns, rng: np.random.Generator) -> Columns:
    """The 903 'placed for adoption' record of each child with a placement order (E1) or an adoption placement
    (A3-A6): the decision that they should be placed for adoption, a few weeks to three months before the first
    such episode but not before the period of care began (903 rules 551, 553, 1003); a child who left that period
    of care other than by adoption no longer should be, from the day they left (rule 557: RD1, no longer in their
    best interests, or RD4, another reason); matches and adopters are not recorded."""
    first: dict[str, int] = {}
    period_start: dict[str, int] = {}
    last: dict[str, tuple[int, int, str]] = {}  # each period's latest episode: start, end (-1 open), why it ended
    for period, start, end, why in zip(cla["period_id"], cla["start_date"], cla["end_date"], cla["end_reason"]):
        period_start[period] = min(period_start.get(period, start), start)
        if period not in last or start > last[period][0]:
            last[period] = (int(start), int(end), str(why))
    looked_after_in: dict[str, str] = {}
    for child, period, start, legal, ptype in zip(cla["child_id"], cla["period_id"], cla["start_date"],
                                                 cla["legal_status"], cla["placement_type"]):
        if (legal == "E1" or ptype in _ADOPTION_PLACEMENTS) and start < first.get(child, start + 1):
            first[child], looked_after_in[child] = start, period
    children = sorted(first)
    n = len(children)
    empty = np.full(n, "", dtype=object)
    decided = np.maximum(np.array([first[c] for c in children], dtype=np.int64) - rng.integers(20, 91, n),
                         np.array([period_start[looked_after_in[c]] for c in children], dtype=np.int64))
    ended = [last[looked_after_in[c]] for c in children]
    ceased = np.array([end if end >= 0 and why not in ADOPTED else -1 for _, end, why in ended], dtype=np.int64)
    reasons = rng.choice(np.array(["RD1", "RD4"], dtype=object), size=n, p=[0.7, 0.3])
    return {
        "adoption_id": np.array([f"AD{i + 1:05d}" for i in range(n)], dtype=object),
        "child_id": np.array(children, dtype=object),
        "decision_date": decided,
        "decision_ceased_date": ceased, "ceased_reason": np.where(ceased >= 0, reasons, "").astype(object),
        "matched_date": np.full(n, -1, dtype=np.int64), "adopted_by_foster_carer": np.full(n, -1, dtype=np.int8),
        "adopters": np.full(n, -1, dtype=np.int64), "adopters_sex": empty, "adopters_legal_status": empty,
    }
