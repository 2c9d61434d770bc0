"""The DfE children's social care API payload (spec v0.8), declared once: its blocks, their fields, which
fields identify a record, which a full record must have, and how each maps to a canonical column.

The structure is DfE's child-level JSON as documented by Data to Insight (dfe-csc-api-data-flows,
docs/json_payload_structure.md, v0.7, and the v0.8 payload builder's field list): one record per child
(la_child_id, mis_child_id, child_details, health_and_wellbeing, social_care_episodes holding assessments,
plans, s47 enquiries, placements, adoption, care leaver contact and care workers), each block with a `purge`
flag. Ids are letters, digits, '_' or '-', at most 36 characters (a worker id at most 12); dates YYYY-MM-DD;
codes at most their DfE length (referral source 2, closure reason 3, placement type 2, ...): the limits of
the builder's pre-flight checks (pre_flight_checks/ssd_vw_csc_api_schema_checks.sql).

DfE publishes no JSON Schema for the payload, so the reader and writer check records against these
declarations (`check`; the tests check the same rules as a JSON Schema with the jsonschema library). A *full*
record (what Clearsight writes) must carry every field in `required`; an *update* (a daily partial payload)
needs only the fields that identify each record, since unchanged fields are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

SPEC_VERSION = "0.8"

Kind = Literal["id", "worker_id", "date", "bool", "int", "text", "codes"] | int  # an int: a code of at most n


@dataclass(frozen=True)
class Block:
    """One object (or list of objects, `many`) of the payload."""

    name: str
    fields: dict[str, Kind]
    key: tuple[str, ...] = ()  # fields identifying one record of a list (partial updates match on them)
    required: tuple[str, ...] = ()  # fields (or blocks) a full record must carry, beside its key
    many: bool = False
    purge: bool = True  # carries a `purge` flag: true deletes the record
    blocks: tuple[Block, ...] = ()
    table: str = ""  # the canonical table its records load into ("" : not held by Clearsight)
    columns: dict[str, str] = field(default_factory=dict)  # payload field -> canonical column

    def block(self, name: str) -> Block:
        return next(b for b in self.blocks if b.name == name)


_LISTED: dict[str, Kind] = {"start_date": "date", "end_date": "date"}

CHILD = Block(
    "child", {"la_child_id": "id", "mis_child_id": "id"}, key=("la_child_id",),
    required=("mis_child_id", "child_details"), table="child", columns={"la_child_id": "child_id"},
    blocks=(
        Block("child_details", {
            "unique_pupil_number": 13, "former_unique_pupil_number": 13, "unique_pupil_number_unknown_reason": 4,
            "first_name": "text", "surname": "text", "date_of_birth": "date", "expected_date_of_birth": "date",
            "sex": 1, "ethnicity": 4, "disabilities": "codes", "postcode": 8, "uasc_flag": "bool",
            "uasc_end_date": "date",
        }, required=("sex",), table="child",
            columns={"date_of_birth": "dob", "expected_date_of_birth": "expected_dob", "sex": "sex",
                     "ethnicity": "ethnicity"}),
        Block("health_and_wellbeing", {}, blocks=(
            Block("sdq_assessments", {"date": "date", "score": "int"}, key=("date",), required=("score",),
                  many=True, purge=False),
        )),
        Block("education_health_care_plans", {
            "education_health_care_plan_id": "id", "request_received_date": "date", "request_outcome_date": "date",
            "assessment_outcome_date": "date", "plan_start_date": "date",
        }, key=("education_health_care_plan_id",), many=True),
        Block("social_care_episodes", {
            "social_care_episode_id": "id", "referral_date": "date", "referral_source": 2,
            "referral_no_further_action_flag": "bool", "closure_date": "date", "closure_reason": 3,
        }, key=("social_care_episode_id",), required=("referral_date",), many=True, table="episode",
            columns={"social_care_episode_id": "episode_id", "referral_date": "referral_date",
                     "referral_source": "referral_source", "referral_no_further_action_flag": "referral_nfa",
                     "closure_date": "close_date", "closure_reason": "close_reason"},
            blocks=(
                Block("care_worker_details", {"worker_id": "worker_id", **_LISTED}, key=("worker_id", "start_date"),
                      many=True, purge=False, table="allocation",
                      columns={"worker_id": "worker_id", "start_date": "start_date", "end_date": "end_date"}),
                Block("child_and_family_assessments", {
                    "child_and_family_assessment_id": "id", "start_date": "date", "authorisation_date": "date",
                    "factors": "codes",
                }, key=("child_and_family_assessment_id",), required=("start_date",), many=True, table="assessment",
                    columns={"child_and_family_assessment_id": "assessment_id", "start_date": "start_date",
                             "authorisation_date": "authorised_date"}),
                Block("child_in_need_plans", {"child_in_need_plan_id": "id", **_LISTED},
                      key=("child_in_need_plan_id",), required=("start_date",), many=True, table="cin_plan",
                      columns={"child_in_need_plan_id": "cin_plan_id", "start_date": "start_date",
                               "end_date": "end_date"}),
                Block("section_47_assessments", {
                    "section_47_assessment_id": "id", "start_date": "date", "icpc_required_flag": "bool",
                    "icpc_date": "date", "end_date": "date",
                }, key=("section_47_assessment_id",), required=("start_date",), many=True, table="s47",
                    columns={"section_47_assessment_id": "s47_id", "start_date": "strategy_date",
                             "end_date": "end_date", "icpc_required_flag": "icpc_required"}),
                Block("child_protection_plans", {"child_protection_plan_id": "id", **_LISTED},
                      key=("child_protection_plan_id",), required=("start_date",), many=True, table="cp_plan",
                      columns={"child_protection_plan_id": "cp_plan_id", "start_date": "start_date",
                               "end_date": "end_date"}),
                Block("child_looked_after_placements", {
                    "child_looked_after_placement_id": "id", "start_date": "date", "start_reason": 1,
                    "placement_type": 2, "postcode": 8, "end_date": "date", "end_reason": 3, "change_reason": 6,
                }, key=("child_looked_after_placement_id",), required=("start_date",), many=True,
                    table="cla_episode",
                    columns={"child_looked_after_placement_id": "cla_episode_id", "start_date": "start_date",
                             "start_reason": "start_reason", "placement_type": "placement_type",
                             "end_date": "end_date", "end_reason": "end_reason"}),
                Block("adoption", {"initial_decision_date": "date", "matched_date": "date", "placed_date": "date"},
                      table="adoption", columns={"initial_decision_date": "decision_date",
                                                 "matched_date": "matched_date"}),
                Block("care_leavers", {"contact_date": "date", "activity": 2, "accommodation": 1},
                      table="care_leaver", columns={"contact_date": "latest_contact", "activity": "activity",
                                                    "accommodation": "accommodation"}),
            )),
    ),
)

ID_PATTERN = "^[A-Za-z0-9_-]+$"
ID_LENGTH = {"id": 36, "worker_id": 12}


def describe(kind: Kind) -> str:
    """What a field of this kind must hold, in words, for messages."""
    if isinstance(kind, int):
        return f"a code of at most {kind} characters"
    return {"id": "an id of letters, digits, '_' or '-' (at most 36)",
            "worker_id": "a worker id of letters, digits, '_' or '-' (at most 12)",
            "date": "a date YYYY-MM-DD", "bool": "true or false", "int": "a whole number", "text": "text",
            "codes": "a list of codes"}[kind]


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID = re.compile(ID_PATTERN)


def holds(kind: Kind, value: Any) -> bool:
    """Whether `value` is what a field of this kind must hold."""
    if isinstance(kind, int):
        return isinstance(value, str) and len(value) <= kind
    if kind in ID_LENGTH:
        return isinstance(value, str) and len(value) <= ID_LENGTH[kind] and bool(_ID.match(value))
    if kind == "date":
        return isinstance(value, str) and bool(_DATE.match(value))
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "codes":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, str)


def check(record: Any, full: bool, unknown: set[str] | None = None) -> list[tuple[str, str]]:
    """(field path, what was wrong) for each way a child's record falls short of the spec: as a *full* record
    (every required field, no nulls, nothing undeclared), else as an update (identifying fields only; a null
    clears a field; fields the spec does not declare are added to `unknown`, so a later spec's are let
    through and named)."""
    found: list[tuple[str, str]] = []
    _check(CHILD, record, "", full, found, unknown if unknown is not None else set())
    return found


def _check(block: Block, record: Any, where: str, full: bool, found: list[tuple[str, str]],
           unknown: set[str]) -> None:
    if not isinstance(record, dict):
        found.append((where.rstrip(".") or "(record)", "expected an object"))
        return
    for name in (*block.key, *(block.required if full else ())):
        if record.get(name) is None:
            found.append((f"{where}{name}", "is required"))
    for name, value in record.items():
        path = f"{where}{name}"
        sub = next((b for b in block.blocks if b.name == name), None)
        if value is None:
            if full and name not in block.key and name not in block.required:  # those are named above
                found.append((path, "expected a value, not null"))
        elif sub is not None and sub.many:
            if not isinstance(value, list):
                found.append((path, "expected a list of records"))
                continue
            for i, item in enumerate(value):
                _check(sub, item, f"{path}[{i}].", full, found, unknown)
        elif sub is not None:
            _check(sub, value, f"{path}.", full, found, unknown)
        elif name == "purge" and block.purge:
            if not isinstance(value, bool):
                found.append((path, "expected true or false"))
        elif name in block.fields:
            if not holds(block.fields[name], value):
                found.append((path, f"expected {describe(block.fields[name])}"))
        elif full:
            found.append((path, f"is not a field of spec v{SPEC_VERSION}"))
        else:
            unknown.add(re.sub(r"\[\d+\]", "", path))
