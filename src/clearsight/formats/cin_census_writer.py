"""Write a snapshot as a DfE children in need census XML file, as a council's case system would.

The census year runs 1 April to the reference date, 31 March (the one ending on or after `as_at`, default the
extract date, when that is a 31 March; else the last 31 March before it). A child is in it when one of their
episodes was open at some time in the year; each such episode is written with its assessments, CIN plans,
S47 enquiries and CP plans open at some time in the year (a CP plan with the number of the child's plans
before it; an enquiry is this census's when its conference was held in the year, even if the enquiry was
completed before the year began, so a plan starting in the year has its conference: CIN rule 2885). Anything
after the reference date is not yet known to the census: an episode, plan or enquiry ending later is written
open. Elements follow the order of DfE's CIN census schema (as in DfE's published sample file); gender is DfE's
number (1 male, 2 female, 0 not known); the UPN, or DfE's UN code for why there is none (UPNunknown); what
Clearsight does not hold (assessment factors, the internal review date) is left out, which DfE's validator
queries (bench/dfe_validators.py).
Closure and end dates are the day the record ended, as the reader reads them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
from lxml import etree

from clearsight.canonical.dates import year_ending_31_march
from clearsight.store.snapshots import Snapshot

_GENDER = {"M": "1", "F": "2", "U": "0"}
SOFTWARE = "Clearsight"


reference_date = year_ending_31_march  # the census reference date: 31 March of the census year holding a day


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def _add(parent: etree._Element, tag: str, value: Any) -> etree._Element | None:
    """A child element holding `value` (dates ISO, booleans true/false); nothing when the value is blank."""
    if value is None or value == "":
        return None
    element = etree.SubElement(parent, tag)
    element.text = value.isoformat() if isinstance(value, date) else (
        ("true" if value else "false") if isinstance(value, bool) else str(value))
    return element


def _ended(end: date | None, ref: date) -> date | None:
    return end if end is not None and end <= ref else None


def write_cin_census(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, out: Path,
                     as_at: date | None = None) -> dict[str, int]:
    """Write `out` (an .xml file, else `<out>/cin_census_<reference date>.xml`); returns elements written."""
    ref = reference_date(as_at or snapshot.extract_date)
    params = {"s": snapshot.snapshot_id, "ref": ref, "first": date(ref.year - 1, 4, 1)}
    episodes = _rows(con, """SELECT * FROM episode WHERE snapshot_id = $s AND referral_date <= $ref
        AND (close_date IS NULL OR close_date >= $first) ORDER BY child_id, referral_date""", params)
    by_episode: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    icpcs = {r["s47_id"]: r for r in _rows(con, "SELECT * FROM icpc WHERE snapshot_id = $s ORDER BY icpc_id",
                                           params)}
    for table, start, end in (("assessment", "start_date", "authorised_date"), ("cin_plan", "start_date", "end_date"),
                              ("s47", "strategy_date", "end_date"), ("cp_plan", "start_date", "end_date")):
        # open at some time in the year; a CP plan counts the child's plans before it (NumberOfPreviousCPP)
        previous = (", count(*) OVER (PARTITION BY child_id ORDER BY start_date, cp_plan_id ROWS BETWEEN "
                    "UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous" if table == "cp_plan" else "")
        for row in _rows(con, f"SELECT * FROM (SELECT *{previous} FROM {table} WHERE snapshot_id = $s) "
                              f"WHERE {start} <= $ref ORDER BY episode_id, {start}", params):
            held = icpcs.get(row.get("s47_id"), {}).get("conference_date") if table == "s47" else None
            if held is not None:  # an enquiry is this census's when its conference is in the year
                wanted = params["first"] <= held <= ref
            else:
                wanted = row[end] is None or row[end] >= params["first"]
            if wanted:
                by_episode[row["episode_id"]][table].append(row)
    reviews: dict[str, list[date]] = defaultdict(list)
    for r in _rows(con, "SELECT * FROM review WHERE snapshot_id = $s AND kind = 'CP' AND held_date <= $ref "
                        "ORDER BY held_date", params):
        reviews[r["plan_id"]].append(r["held_date"])
    children = {r["child_id"]: r for r in _rows(
        con, "SELECT * FROM child WHERE snapshot_id = $s AND child_id IN (SELECT child_id FROM episode "
             "WHERE snapshot_id = $s AND referral_date <= $ref AND (close_date IS NULL OR close_date >= $first))",
        params)}
    message = etree.Element("Message")
    header = etree.SubElement(message, "Header")
    details = etree.SubElement(header, "CollectionDetails")
    _add(details, "Collection", "CIN")
    _add(details, "Year", ref.year)
    _add(details, "ReferenceDate", ref)
    source = etree.SubElement(header, "Source")
    _add(source, "SourceLevel", "L")
    if snapshot.council.startswith("LA ") and snapshot.council[3:].isdigit():
        _add(source, "LEA", snapshot.council[3:])
    _add(source, "SoftwareCode", SOFTWARE)
    _add(source, "DateTime", datetime.now().replace(microsecond=0).isoformat())
    root = etree.SubElement(message, "Children")
    counts: dict[str, int] = defaultdict(int)
    child_element: dict[str, etree._Element] = {}
    for episode in episodes:
        child_id = episode["child_id"]
        if child_id not in child_element:
            child_element[child_id] = _child(root, children[child_id])
            counts["children"] += 1
        _episode(child_element[child_id], episode, by_episode[episode["episode_id"]], icpcs, reviews, ref, counts)
    path = out if out.suffix.lower() == ".xml" else out / f"cin_census_{ref.isoformat()}.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    etree.ElementTree(message).write(str(path), xml_declaration=True, encoding="utf-8", pretty_print=True)
    return dict(counts)


def _child(root: etree._Element, child: dict[str, Any]) -> etree._Element:
    element = etree.SubElement(root, "Child")
    ids = etree.SubElement(element, "ChildIdentifiers")
    _add(ids, "LAchildID", child["child_id"])
    upn = child["upn"] or ""
    _add(ids, "UPN", None if upn.startswith("UN") else upn)
    _add(ids, "UPNunknown", upn if upn.startswith("UN") else None)
    _add(ids, "PersonBirthDate", child["dob"])
    _add(ids, "ExpectedPersonBirthDate", child["expected_dob"])
    _add(ids, "GenderCurrent", _GENDER.get(child["sex"] or "U", "0"))
    _add(ids, "PersonDeathDate", child["death_date"])
    traits = etree.SubElement(element, "ChildCharacteristics")
    _add(traits, "Ethnicity", child["ethnicity"])
    if child["disability"] is False:
        _add(etree.SubElement(traits, "Disabilities"), "Disability", "NONE")
    return element


def _episode(child: etree._Element, episode: dict[str, Any], held: dict[str, list[dict[str, Any]]],
             icpcs: dict[str, dict[str, Any]], reviews: dict[str, list[date]], ref: date,
             counts: dict[str, int]) -> None:
    cin = etree.SubElement(child, "CINdetails")
    counts["episodes"] += 1
    closed = _ended(episode["close_date"], ref)
    _add(cin, "CINreferralDate", episode["referral_date"])
    _add(cin, "ReferralSource", episode["referral_source"])
    _add(cin, "PrimaryNeedCode", episode["primary_need"])
    _add(cin, "CINclosureDate", closed)
    _add(cin, "ReasonForClosure", episode["close_reason"] if closed else None)
    for a in held["assessment"]:
        element = etree.SubElement(cin, "Assessments")
        _add(element, "AssessmentActualStartDate", a["start_date"])
        _add(element, "AssessmentAuthorisationDate", _ended(a["authorised_date"], ref))
        counts["assessments"] += 1
    for p in held["cin_plan"]:
        element = etree.SubElement(cin, "CINPlanDates")
        _add(element, "CINPlanStartDate", p["start_date"])
        _add(element, "CINPlanEndDate", _ended(p["end_date"], ref))
        counts["cin_plans"] += 1
    for s in held["s47"]:
        element = etree.SubElement(cin, "Section47")
        icpc = icpcs.get(s["s47_id"], {})
        _add(element, "S47ActualStartDate", s["strategy_date"])
        _add(element, "InitialCPCtarget", icpc.get("target_date"))
        _add(element, "DateOfInitialCPC", _ended(icpc.get("conference_date"), ref))
        _add(element, "ICPCnotRequired", None if s["icpc_required"] is None else not s["icpc_required"])
        counts["s47s"] += 1
    _add(cin, "ReferralNFA", episode["referral_nfa"])
    for p in held["cp_plan"]:
        element = etree.SubElement(cin, "ChildProtectionPlans")
        _add(element, "CPPstartDate", p["start_date"])
        _add(element, "CPPendDate", _ended(p["end_date"], ref))
        _add(element, "InitialCategoryOfAbuse", p["initial_category"])
        _add(element, "LatestCategoryOfAbuse", p["latest_category"])
        _add(element, "NumberOfPreviousCPP", p["previous"])
        held_on = reviews.get(p["cp_plan_id"], [])
        if held_on:
            review = etree.SubElement(element, "Reviews")
            for day in held_on:
                _add(review, "CPPreviewDate", day)
        counts["cp_plans"] += 1
