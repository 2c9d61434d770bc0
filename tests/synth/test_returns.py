"""Eastmere's codes as a case system records them (synth.returns.as_recorded), on hand-made rows: each change
is the one DfE's 903 or CIN validator rule named in its docstring asks for."""

from __future__ import annotations

import numpy as np

from clearsight.synth.returns import adoption_decisions, as_recorded, episode_fields


def _a(*values: object) -> np.ndarray:
    return np.array(values, dtype=object if isinstance(values[0], str) else np.int64)


def test_as_recorded():
    year = 365
    t = {
        "child": {"child_id": _a("A", "B", "C"), "sex": _a("M", "U", "F"), "dob": _a(0, 0, 0)},
        # A aged 8: PACE for months; B aged 12: an EPO of 100 days, then the placement order with a new placement
        # recorded as a change of legal status only; C aged 14 in supported accommodation
        "cla_episode": {"child_id": _a("A", "B", "B", "C"), "period_id": _a("P1", "P2", "P2", "P3"),
                        "start_date": _a(8 * year, 12 * year, 12 * year + 100, 14 * year),
                        "start_reason": _a("S", "S", "L", "S"), "legal_status": _a("J2", "L2", "E1", "V2"),
                        "placement_type": _a("U4", "U4", "A4", "H5"), "placement_provider": _a("PR1", "PR1", "PR1", "PR4"),
                        "end_date": _a(8 * year + 200, 12 * year + 100, -1, -1), "end_reason": _a("E4A", "X1", "", "")},
        # A's referral the day of another, taken no further; B's case closed RC8 after an enquiry
        "episode": {"episode_id": _a("E1", "E2", "E3"), "child_id": _a("A", "A", "B"),
                    "referral_date": _a(100, 100, 200), "referral_nfa": _a(1, 0, 0), "close_date": _a(100, 300, 400),
                    "close_reason": _a("RC8", "RC7", "RC8"), "primary_need": _a("N9", "N0", "N1")},
        "s47": {"s47_id": _a("S1"), "episode_id": _a("E3"), "icpc_required": _a(1)},
        "icpc": {"s47_id": _a("S1"), "conference_date": _a(410), "resulted_in_plan": _a(0)},  # after closing
        "cp_plan": {"episode_id": _a("none")}, "cin_plan": {"episode_id": _a("none")},
        "care_leaver": {"accommodation": _a("S", "D"), "suitable": _a(1, 1)},
    }
    as_recorded(t, np.random.Generator(np.random.PCG64(0)))
    cla, ep = t["cla_episode"], t["episode"]
    assert list(cla["legal_status"]) == ["V2", "C2", "E1", "V2"]  # rules 364, 362
    assert list(cla["placement_type"]) == ["U4", "U4", "A6", "U4"]  # rules 371; 336, 408 (A6 under an E1)
    assert list(cla["start_reason"]) == ["S", "S", "B", "S"]  # rule 434
    assert t["child"]["sex"][1] in ("M", "F")  # rule 101
    assert list(ep["episode_id"]) == ["E2", "E3"]  # rules 8816, 8820
    assert list(ep["close_reason"]) == ["RC7", "RC7"]  # rule 2990
    assert set(ep["primary_need"][:1]) <= {f"N{i}" for i in range(1, 9)}  # rule 504 (A is looked after)
    assert list(t["icpc"]["conference_date"]) == [-1]  # rule 8565
    assert list(t["s47"]["icpc_required"]) == [0]  # rule 8868
    assert list(t["care_leaver"]["suitable"]) == [0, 1]  # rule 133


def test_a_decision_to_place_for_adoption_ceases_when_the_child_leaves_care_unadopted():
    """Rules 557 and 1003: A left the period of care with the placement order on day 500 other than by adoption
    (E4A): the decision ceased that day, with a reason; B was adopted (E11) and C is still looked after: theirs
    stand."""
    cla = {"child_id": _a("A", "A", "B", "B", "C"), "period_id": _a("PA", "PA", "PB", "PB", "PC"),
           "start_date": _a(100, 300, 100, 300, 100), "end_date": _a(300, 500, 300, 600, -1),
           "end_reason": _a("X1", "E4A", "X1", "E11", ""), "legal_status": _a("C2", "E1", "C2", "E1", "E1"),
           "placement_type": _a("U4", "A6", "U4", "A6", "A6")}
    made = adoption_decisions(cla, np.random.Generator(np.random.PCG64(0)))
    assert list(made["child_id"]) == ["A", "B", "C"]
    assert list(made["decision_ceased_date"]) == [500, -1, -1]
    assert made["ceased_reason"][0] in ("RD1", "RD4") and list(made["ceased_reason"][1:]) == ["", ""]
    assert all(100 <= d <= 300 for d in made["decision_date"][:2])  # rules 551, 1003


def test_a_placement_change_is_to_somewhere_new():
    """Rule 435: an episode starting for a new placement (P) is never at the last one's postcode, whatever the
    draw (here 1,000 children moving between foster placements of one agency)."""
    n = 1000
    cla = {"child_id": np.repeat(np.array([f"C{i}" for i in range(n)], dtype=object), 2),
           "period_id": np.repeat(np.array([f"P{i}" for i in range(n)], dtype=object), 2),
           "start_date": np.tile(_a(10, 20), n), "start_reason": np.tile(_a("S", "P"), n),
           "legal_status": np.tile(_a("C2", "C2"), n), "placement_type": np.tile(_a("U4", "U4"), n),
           "placement_provider": np.tile(_a("PR4", "PR4"), n)}
    fields = episode_fields(cla, set(), np.random.Generator(np.random.PCG64(1)))
    place = fields["placement_postcode"]
    assert all(place[i] and place[i] != place[i + 1] for i in range(0, 2 * n, 2))


def test_adoptions_and_special_guardianship_end_the_placements_they_can():
    """Rule 390: A, adopted from a foster placement under accommodation, was placed for adoption there (A4,
    with consent); rule 516: B's special guardianship order from a children's home was made to carers other than
    former foster carers (E46 to E48), C's from foster care to them (E45 stays)."""
    t = {
        "child": {"child_id": _a("A", "B", "C"), "sex": _a("M", "F", "F"), "dob": _a(0, 0, 0)},
        "cla_episode": {"child_id": _a("A", "B", "C"), "period_id": _a("P1", "P2", "P3"),
                        "start_date": _a(1000, 4000, 4000), "start_reason": _a("S", "S", "S"),
                        "legal_status": _a("V2", "C2", "C2"), "placement_type": _a("U1", "K2", "U4"),
                        "placement_provider": _a("PR1", "PR1", "PR4"), "end_date": _a(1100, 4400, 4400),
                        "end_reason": _a("E11", "E46", "E45")},
        "episode": {"episode_id": _a("E1"), "child_id": _a("A"), "referral_date": _a(900), "referral_nfa": _a(0),
                    "close_date": _a(1100), "close_reason": _a("RC1"), "primary_need": _a("N1")},
        "s47": {"s47_id": _a("none"), "episode_id": _a("none"), "icpc_required": _a(1)},
        "icpc": {"s47_id": _a("none"), "conference_date": _a(0), "resulted_in_plan": _a(0)},
        "cp_plan": {"episode_id": _a("none")}, "cin_plan": {"episode_id": _a("none")},
        "care_leaver": {"accommodation": _a("D"), "suitable": _a(1)},
    }
    as_recorded(t, np.random.Generator(np.random.PCG64(0)))
    cla = t["cla_episode"]
    assert list(cla["placement_type"]) == ["A4", "K2", "U4"]
    assert list(cla["end_reason"]) == ["E11", "E48", "E45"]
