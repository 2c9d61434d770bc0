"""DfE children in need census XML (one file per year, several years) into the canonical model.

Where a child or episode appears in several years, the latest year's record is kept (it carries the closure).
What the census cannot say: it has no teams or workers, so episodes and assessments sit in one team
'Unknown team (CIN census)' with no worker, and no allocation comes from it: with the CIN census alone the
allocation position counts every open case as unallocated, so that figure is marked unavailable in the notes.
CINclosureDate, CINPlanEndDate and CPPendDate are the day the episode or plan ended, on which it is no longer
open (DfE counts children in need "at 31 March" without those closed that day): the schema's end dates as
written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from clearsight.formats.cells import iso_date, yes_no
from clearsight.formats.errors import ReaderError
from clearsight.formats.source import ReaderOutput
from clearsight.formats.xml import child_text, line, parse, reference_date

FORMAT = "cin"
UNKNOWN_TEAM = "cin:unknown-team"
_SEX = {"1": "M", "2": "F", "0": "U", "9": "U"}


def _t(e: etree._Element, path: str) -> str:
    return child_text(e, path)


def read(paths: Sequence[Path]) -> ReaderOutput:
    """Read CIN census XML files; the latest reference date is the extract date."""
    out = ReaderOutput(FORMAT, list(paths))
    docs = []
    for path in paths:
        root = parse(path, "Message", "CIN")
        docs.append((reference_date(root, path), path, root))
    docs.sort(key=lambda d: (d[0], d[1].name))
    kept: dict[str, dict[str, tuple[str, int, dict[str, str | None]]]] = {}

    def put(table: str, key: str, file: str, row: int, values: dict[str, str | None]) -> None:
        kept.setdefault(table, {})[key] = (file, row, values)  # later years replace earlier ones

    for _ref, path, root in docs:
        children = root.find("Children")
        if children is None:
            raise ReaderError(path.name, "has no <Children> element", row=line(root))
        for child in children.iterfind("Child"):
            ids = child.find("ChildIdentifiers")
            cid = _t(child, "ChildIdentifiers/LAchildID")
            if ids is None or not cid:
                raise ReaderError(path.name, "a <Child> has no ChildIdentifiers/LAchildID", row=line(child),
                                  column="LAchildID")
            disabilities = [d.text.strip().upper() for d in child.iterfind(".//Disabilities/Disability") if d.text]
            put("child", cid, path.name, line(child), {
                "child_id": cid, "sex": _SEX.get(_t(ids, "GenderCurrent"), _t(ids, "GenderCurrent")),
                "dob": iso_date(_t(ids, "PersonBirthDate")), "expected_dob": iso_date(_t(ids, "ExpectedPersonBirthDate")),
                "death_date": iso_date(_t(ids, "PersonDeathDate")),
                "ethnicity": _t(child, "ChildCharacteristics/Ethnicity"),
                "disability": ("N" if disabilities == ["NONE"] else "Y") if disabilities else None,
                "upn": _t(ids, "UPN") or _t(ids, "UPNunknown"),
            })
            for cin in child.iterfind("CINdetails"):
                _episode(put, path.name, cid, cin)
    for table, rows in kept.items():
        target = out.rows(table)
        for file, row, values in rows.values():
            target.add(file, row, values)
    if kept.get("episode"):
        out.rows("team").add(paths[0].name, 1, {"team_id": UNKNOWN_TEAM, "name": "Unknown team (CIN census)",
                                                "service": "cin"})
        out.notes.append("the CIN census names no teams or workers: episodes and assessments are in 'Unknown team "
                         "(CIN census)' and no allocations are known, so unallocated cases and caseloads are "
                         "unavailable from it alone")
    if docs:
        out.extract_date = max(d[0] for d in docs)
        out.extract_date_basis = "from the CIN census reference date"
        out.council = f"LA {_t(docs[-1][2], 'Header/Source/LEA')}".strip() if _t(docs[-1][2], "Header/Source/LEA") else ""
    return out


def _episode(put, file: str, cid: str, cin: etree._Element) -> None:  # type: ignore[no-untyped-def]
    start = iso_date(_t(cin, "CINreferralDate"))
    eid = f"{cid}:{start}"
    put("episode", eid, file, line(cin), {
        "episode_id": eid, "child_id": cid, "referral_date": start, "referral_source": _t(cin, "ReferralSource"),
        "primary_need": _t(cin, "PrimaryNeedCode"), "referral_nfa": yes_no(_t(cin, "ReferralNFA")),
        "close_date": iso_date(_t(cin, "CINclosureDate")), "close_reason": _t(cin, "ReasonForClosure"),
        "team_id": UNKNOWN_TEAM,
    })
    for a in cin.iterfind("Assessments"):
        s = iso_date(_t(a, "AssessmentActualStartDate"))
        put("assessment", f"{cid}:{s}", file, line(a), {
            "assessment_id": f"{cid}:{s}", "child_id": cid, "episode_id": eid, "start_date": s,
            "authorised_date": iso_date(_t(a, "AssessmentAuthorisationDate")), "team_id": UNKNOWN_TEAM,
        })
    for p in cin.iterfind("CINPlanDates"):
        s = iso_date(_t(p, "CINPlanStartDate"))
        put("cin_plan", f"{cid}:{s}", file, line(p), {
            "cin_plan_id": f"{cid}:{s}", "child_id": cid, "episode_id": eid, "start_date": s,
            "end_date": iso_date(_t(p, "CINPlanEndDate")),
        })
    for s47 in cin.iterfind("Section47"):
        s = iso_date(_t(s47, "S47ActualStartDate"))
        sid = f"{cid}:{s}"
        not_required = yes_no(_t(s47, "ICPCnotRequired"))
        required = {"Y": "N", "N": "Y"}.get(not_required, not_required)
        put("s47", sid, file, line(s47), {"s47_id": sid, "child_id": cid, "episode_id": eid, "strategy_date": s,
                                          "icpc_required": required})
        held = iso_date(_t(s47, "DateOfInitialCPC"))
        if held or required == "Y":
            put("icpc", sid, file, line(s47), {"icpc_id": sid, "s47_id": sid, "child_id": cid,
                                               "target_date": iso_date(_t(s47, "InitialCPCtarget")),
                                               "conference_date": held})
    for cp in cin.iterfind("ChildProtectionPlans"):
        s = iso_date(_t(cp, "CPPstartDate"))
        pid = f"{cid}:{s}"
        put("cp_plan", pid, file, line(cp), {
            "cp_plan_id": pid, "child_id": cid, "episode_id": eid, "start_date": s,
            "end_date": iso_date(_t(cp, "CPPendDate")), "initial_category": _t(cp, "InitialCategoryOfAbuse"),
            "latest_category": _t(cp, "LatestCategoryOfAbuse"),
        })
        for r in cp.iterfind("Reviews/CPPreviewDate"):
            held = iso_date((r.text or "").strip())
            put("review", f"CP:{pid}:{held}", file, line(r), {"review_id": f"CP:{pid}:{held}", "child_id": cid,
                                                              "kind": "CP", "plan_id": pid, "held_date": held})


