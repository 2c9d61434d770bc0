"""Eastmere's codes as a case system records them (synth.returns.as_recorded), on hand-made rows: each change
is the one DfE's 903 or CIN validator rule named in its docstring asks for."""

from __future__ import annotations

import numpy as np

from clearsight.synth.returns import as_recorded


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
    assert list(cla["placement_type"]) == ["U4", "U4", "A4", "U4"]  # rule 371
    assert list(cla["start_reason"]) == ["S", "S", "B", "S"]  # rule 434
    assert t["child"]["sex"][1] in ("M", "F")  # rule 101
    assert list(ep["episode_id"]) == ["E2", "E3"]  # rules 8816, 8820
    assert list(ep["close_reason"]) == ["RC7", "RC7"]  # rule 2990
    assert set(ep["primary_need"][:1]) <= {f"N{i}" for i in range(1, 9)}  # rule 504 (A is looked after)
    assert list(t["icpc"]["conference_date"]) == [-1]  # rule 8565
    assert list(t["s47"]["icpc_required"]) == [0]  # rule 8868
    assert list(t["care_leaver"]["suitable"]) == [0, 1]  # rule 133
