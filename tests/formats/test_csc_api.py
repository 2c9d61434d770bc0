"""DfE CSC API payloads: read in order with partial updates and purges, written from a snapshot, round-tripped on
Eastmere, and the spec's rules checked against an independent JSON Schema validator (jsonschema)."""

from __future__ import annotations

import json
import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from clearsight.formats import csc_api
from clearsight.formats.csc_api_spec import CHILD, ID_LENGTH, ID_PATTERN, Block, Kind, check
from clearsight.formats.csc_api_writer import problems, write_csc_api
from clearsight.formats.detect import read_sources
from clearsight.formats.errors import ReaderError
from clearsight.store.database import connect
from clearsight.store.load import load, load_extract
from clearsight.store.snapshots import get_snapshot


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _child(child_id: str, *episodes: dict[str, Any], **details: Any) -> dict[str, Any]:
    return {"la_child_id": child_id, "mis_child_id": child_id, "purge": False,
            "child_details": {"sex": "M", "date_of_birth": "2015-06-01", **details, "purge": False},
            "social_care_episodes": list(episodes)}


def _rows(out: csc_api.ReaderOutput, table: str, *columns: str) -> list[tuple[Any, ...]]:
    rows = out.rows(table)
    held = {**rows.columns, "source_file": rows.source_file, "source_row": rows.source_row}
    return sorted(zip(*(held[c] for c in columns)))


# --- reading: daily payloads in order --------------------------------------------------------------------------


def test_daily_payloads_apply_in_date_order_with_partial_updates_and_purges(tmp_path):
    episode = {"social_care_episode_id": "E1", "referral_date": "2023-11-01", "referral_source": "1A",
               "child_protection_plans": [
                   {"child_protection_plan_id": "CP1", "start_date": "2023-12-01", "purge": False},
                   {"child_protection_plan_id": "CP2", "start_date": "2023-12-05", "purge": False}]}
    # named so that name order and date order differ: the date in the name decides
    _write(tmp_path / "z_payload_2024-01-01.json", {"la_code": 123, "Children": [_child("A", episode), _child("B")]})
    _write(tmp_path / "b_payload_2024-01-02.json", [{
        "la_child_id": "A", "mis_child_id": "A", "child_details": {"sex": "F"},
        "social_care_episodes": [{"social_care_episode_id": "E1", "closure_date": "2024-01-02",
                                  "closure_reason": "RC1", "child_protection_plans": [
                                      {"child_protection_plan_id": "CP1", "purge": True},
                                      {"child_protection_plan_id": "CP2", "end_date": "2024-01-02"}]}]}])
    _write(tmp_path / "a_payload_20240103.json", {"la_child_id": "B", "mis_child_id": "B", "purge": True})
    out = csc_api.read(sorted(tmp_path.iterdir()))
    assert out.council == "LA 123"
    assert out.extract_date == date(2024, 1, 3)
    assert _rows(out, "child", "child_id", "sex", "dob") == [("A", "F", "2015-06-01")]
    assert _rows(out, "episode", "episode_id", "referral_date", "referral_source", "close_date", "close_reason") == [
        ("E1", "2023-11-01", "1A", "2024-01-02", "RC1")]
    assert _rows(out, "cp_plan", "cp_plan_id", "episode_id", "start_date", "end_date") == [
        ("CP2", "E1", "2023-12-05", "2024-01-02")]
    assert _rows(out, "cp_plan", "source_file", "source_row") == [("b_payload_2024-01-02.json", 1)]
    assert any("3 payload file(s) applied in order (z_payload_2024-01-01.json, b_payload_2024-01-02.json, "
               "a_payload_20240103.json)" in n and "1 children and 1 records purged" in n for n in out.notes)


def test_a_payload_loads_as_a_snapshot_with_what_it_cannot_say_noted(tmp_path):
    placements = [
        {"child_looked_after_placement_id": "PL1", "start_date": "2023-01-10", "start_reason": "S",
         "placement_type": "U1", "end_date": "2023-03-01", "end_reason": "X1"},
        {"child_looked_after_placement_id": "PL2", "start_date": "2023-03-01", "start_reason": "P",
         "placement_type": "K2", "end_date": "2023-06-01", "end_reason": "E13"},
        {"child_looked_after_placement_id": "PL3", "start_date": "2023-09-01", "start_reason": "S",
         "placement_type": "U1"}]
    episode = {"social_care_episode_id": "E1", "referral_date": "2023-01-02", "child_looked_after_placements":
               placements, "care_worker_details": [{"worker_id": "SW1", "start_date": "2023-01-02"}],
               "section_47_assessments": [{"section_47_assessment_id": "S1", "start_date": "2023-01-03",
                                           "icpc_required_flag": True, "icpc_date": "2023-01-09"}]}
    path = _write(tmp_path / "payload.json", [_child("A", episode, uasc_flag=True, uasc_end_date="2025-06-01",
                                                     disabilities=["NONE"])])
    con = connect(tmp_path / "cs.duckdb")
    report = load(con, read_sources([path], "auto", con))
    assert report.status == "loaded", [str(p) for p in report.rejected]
    # no date in the name: the latest event date (a placement's start)
    assert get_snapshot(con).extract_date == date(2023, 9, 1)
    assert con.execute("SELECT cla_episode_id, legal_status, period_id FROM cla_episode ORDER BY 1").fetchall() == [
        ("PL1", None, "A:2023-01-10"), ("PL2", None, "A:2023-01-10"), ("PL3", None, "A:2023-09-01")]
    assert con.execute("SELECT child_id, disability, uasc FROM child").fetchall() == [("A", False, True)]
    assert con.execute("SELECT ceased_date FROM uasc").fetchall() == [(date(2025, 6, 1),)]
    assert con.execute("SELECT s47_id, conference_date FROM icpc").fetchall() == [("S1", date(2023, 1, 9))]
    assert con.execute("SELECT worker_id, role, team_id FROM allocation").fetchall() == [
        ("SW1", "allocated_social_worker", csc_api.UNKNOWN_TEAM)]
    assert any("no legal status" in n for n in report.notes)


def test_a_record_off_the_spec_is_left_out_and_named_without_its_values(tmp_path):
    bad_date = _child("B", {"social_care_episode_id": "E2", "referral_date": "31/12/2023"})
    bad_dob = _child("C", date_of_birth="1st May 2015")
    path = _write(tmp_path / "payload_2024-01-31.json", [_child("A"), bad_date, bad_dob, {"mis_child_id": "D"}])
    out = csc_api.read([path])
    assert _rows(out, "child", "child_id") == [("A",)]
    assert [(p.file, p.rows, p.column, p.message, p.records) for p in out.rejected] == [
        ("payload_2024-01-31.json", (2,), "social_care_episodes[0].referral_date", "expected a date YYYY-MM-DD",
         ("B",)),
        ("payload_2024-01-31.json", (3,), "child_details.date_of_birth", "expected a date YYYY-MM-DD", ("C",)),
        ("payload_2024-01-31.json", (4,), "la_child_id", "is required", ())]
    assert "1st May" not in " ".join(str(p) for p in out.rejected)


def test_fields_of_a_later_spec_are_named_not_read(tmp_path):
    record = _child("A", {"social_care_episode_id": "E1", "referral_date": "2023-01-02", "risk_score": 3})
    out = csc_api.read([_write(tmp_path / "p.json", [record | {"school_urn": "100001"}])])
    assert not out.rejected
    assert any("not in spec v0.8, not read: school_urn, social_care_episodes.risk_score" in n for n in out.notes)


@pytest.mark.parametrize("text, message", [
    ('[{"la_child_id": "A",\n "mis_child_id": }]', "row 2: is not valid JSON"),
    ('{"la_code": 1}', "holds no child records"),
])
def test_a_file_that_is_not_a_payload_is_an_error(tmp_path, text, message):
    path = tmp_path / "p.json"
    path.write_text(text)
    with pytest.raises(ReaderError, match=message):
        csc_api.read([path])


def test_payloads_of_two_councils_are_refused(tmp_path):
    _write(tmp_path / "a.json", {"la_code": 1, "Children": [_child("A")]})
    _write(tmp_path / "b.json", {"la_code": 2, "Children": [_child("B")]})
    with pytest.raises(ReaderError, match="name 2 councils"):
        csc_api.read(sorted(tmp_path.iterdir()))


# --- writing ---------------------------------------------------------------------------------------------------


def test_the_writer_refuses_records_off_the_spec():
    record = _child("C:1", {"social_care_episode_id": "E1"})
    assert problems([record]) == [
        "child C:1, la_child_id: expected an id of letters, digits, '_' or '-' (at most 36)",
        "child C:1, mis_child_id: expected an id of letters, digits, '_' or '-' (at most 36)",
        "child C:1, social_care_episodes[0].referral_date: is required"]


@pytest.fixture(scope="module")
def eastmere(tmp_path_factory, small_eastmere):
    root = tmp_path_factory.mktemp("csc_api")
    con = connect(root / "cs.duckdb")
    assert load_extract(con, small_eastmere).status == "loaded"
    return root, con, get_snapshot(con)


# What the payload carries, per table: the rows must come back the same (`where` keeps those it can carry).
CARRIED = {
    "child": ("child_id, sex, ethnicity, dob, expected_dob, uasc, CASE WHEN disability THEN NULL ELSE disability END", ""),
    "episode": ("episode_id, child_id, referral_date, referral_source, referral_nfa, close_date, close_reason", ""),
    "assessment": ("assessment_id, child_id, episode_id, start_date, authorised_date", ""),
    "cin_plan": ("cin_plan_id, child_id, episode_id, start_date, end_date", ""),
    "cp_plan": ("cp_plan_id, child_id, episode_id, start_date, end_date", ""),
    "s47": ("s47_id, child_id, episode_id, strategy_date, end_date, icpc_required", ""),
    "icpc": ("s47_id, child_id, max(conference_date)", "AND conference_date IS NOT NULL GROUP BY ALL"),
    "cla_episode": ("cla_episode_id, child_id, start_date, start_reason, placement_type, end_date, end_reason", ""),
    "allocation": ("child_id, episode_id, worker_id, start_date, end_date", "AND episode_id IS NOT NULL"),
    "care_leaver": ("child_id, latest_contact, activity, accommodation", ""),
    "uasc": ("child_id, ceased_date", ""),
}


def test_eastmere_round_trips_through_the_payload(eastmere):
    root, con, canonical = eastmere
    counts = write_csc_api(con, canonical, root / "out")
    assert counts["children"] > 1000 and counts["child_looked_after_placements"] > 100
    path = root / "out" / f"csc_api_{canonical.extract_date}.json"
    report = load(con, read_sources([path], "auto", con))
    assert report.status == "loaded", [str(p) for p in report.rejected][:5]
    back = get_snapshot(con, report.snapshot_id)
    assert back.extract_date == canonical.extract_date
    for table, (columns, where) in CARRIED.items():
        q = f"SELECT {columns} FROM {table} WHERE snapshot_id = ? {where} ORDER BY ALL"
        before = con.execute(q, [canonical.snapshot_id]).fetchall()
        assert before, table
        assert con.execute(q, [back.snapshot_id]).fetchall() == before, table
    # periods of care are worked out again from the placements: the same placements share a period
    q = ("SELECT list(cla_episode_id ORDER BY cla_episode_id) FROM cla_episode WHERE snapshot_id = ? "
         "GROUP BY period_id ORDER BY 1")
    assert con.execute(q, [back.snapshot_id]).fetchall() == con.execute(q, [canonical.snapshot_id]).fetchall()


# --- properties ------------------------------------------------------------------------------------------------


def _kind_schema(kind: Kind) -> dict[str, Any]:
    if isinstance(kind, int):
        return {"type": "string", "maxLength": kind}
    if kind in ID_LENGTH:
        return {"type": "string", "pattern": ID_PATTERN, "maxLength": ID_LENGTH[kind]}
    return {"date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}, "bool": {"type": "boolean"},
            "int": {"type": "integer"}, "text": {"type": "string"},
            "codes": {"type": "array", "items": {"type": "string"}}}[kind]


def _json_schema(block: Block, full: bool) -> dict[str, Any]:
    """The spec's declarations restated as a JSON Schema: an oracle independent of csc_api_spec.check."""
    props: dict[str, Any] = {}
    for name, kind in block.fields.items():
        one = _kind_schema(kind)
        props[name] = one if full or name in block.key else {"anyOf": [one, {"type": "null"}]}
    for sub in block.blocks:
        inner = _json_schema(sub, full)
        many = {"type": "array", "items": inner} if sub.many else inner
        props[sub.name] = many if full else {"anyOf": [many, {"type": "null"}]}
    if block.purge:
        props["purge"] = {"type": "boolean"} if full else {"anyOf": [{"type": "boolean"}, {"type": "null"}]}
    schema: dict[str, Any] = {"type": "object", "properties": props, "required": list(block.key)}
    if full:
        schema["required"] += list(block.required)
        schema["additionalProperties"] = False
    return schema


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(
    ["", "A1", "2024-01-31", "31/01/2024", "C:1", "x" * 40, "M", "RC1", "NONE"]), st.lists(st.sampled_from(["NONE", "MOB"]), max_size=2))


def _records(block: Block, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    names = [*block.fields, *(["purge"] if block.purge else []), "extra_field"]
    subs = [] if depth > 2 else [
        (b.name, st.lists(_records(b, depth + 1), max_size=2) if b.many else _records(b, depth + 1))
        for b in block.blocks]
    return st.fixed_dictionaries({}, optional={**{n: _VALUES for n in names}, **dict(subs)})


@settings(max_examples=300, deadline=None)
@given(record=_records(CHILD), full=st.booleans())
def test_the_spec_check_agrees_with_a_json_schema_validator(record, full):
    valid = Draft202012Validator(_json_schema(CHILD, full)).is_valid(record)
    assert (check(record, full) == []) == valid, check(record, full)


_DAYS = st.lists(st.lists(st.tuples(st.sampled_from(["P1", "P2", "P3"]), st.one_of(
    st.none(), st.dates(date(2023, 1, 2), date(2023, 12, 31)))), max_size=4), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days=_DAYS)
def test_daily_updates_leave_each_plan_as_the_last_update_said(days):
    """Each day upserts plans (an end date, None = purge); the plans read back are those a dict kept by
    applying the same days in order."""
    expected: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for n, day in enumerate(days):
            plans = []
            for plan_id, end in day:
                if end is None:
                    plans.append({"child_protection_plan_id": plan_id, "purge": True})
                    expected.pop(plan_id, None)
                else:
                    plans.append({"child_protection_plan_id": plan_id, "start_date": "2023-01-01",
                                  "end_date": end.isoformat()})
                    expected[plan_id] = end.isoformat()
            episode = {"social_care_episode_id": "E1", "referral_date": "2023-01-01",
                       "child_protection_plans": plans}
            paths.append(_write(Path(tmp) / f"day_2024-02-{n + 10}.json", [_child("A", episode)]))
        out = csc_api.read(paths)
    assert _rows(out, "cp_plan", "cp_plan_id", "end_date") == sorted(expected.items())


@settings(max_examples=200, deadline=None)
@given(data=st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
                         lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                             st.sampled_from(["la_child_id", "Children", "child_details", "social_care_episodes",
                                              "purge", "sex", "la_code", "x"]), inner, max_size=4), max_leaves=20))
def test_any_json_is_read_or_refused_with_a_reader_error(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp) / "p.json", data)
        try:
            out = csc_api.read([path])
        except ReaderError as exc:
            assert re.match(r"p\.json", str(exc))
            return
    for problem in out.rejected:
        assert problem.file == "p.json" and problem.rows
