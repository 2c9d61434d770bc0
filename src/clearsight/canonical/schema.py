"""The canonical data model: every table, column, key, code list and reference, declared once.

The store's DDL, the loader's validation, the synthetic council and the documentation are all read from
these declarations (../shared/design/data-model.md). Names follow the Standard Safeguarding Dataset where it
has the concept. Every stored row also carries `snapshot_id`, `source_file` and `source_row` (provenance).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from clearsight.canonical import codes

SCHEMA_VERSION = 9

ColumnType = Literal["id", "text", "date", "int", "float", "bool"]

SQL_TYPES: dict[str, str] = {
    "id": "VARCHAR",
    "text": "VARCHAR",
    "date": "DATE",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
}

PROVENANCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("snapshot_id", "BIGINT"),
    ("source_file", "VARCHAR"),
    ("source_row", "BIGINT"),
)


Ends = Literal["last_day", "day_after"]
"""How a record's end date is written (declared on each end column, shown in docs/data-model.md):
- "day_after": the day the record stopped applying, on which it no longer does (a post ending on 1 April was
  held until 31 March; a CP plan ended at the conference of 10 May is not open on 10 May, as DfE counts
  children "at 31 March"). The record is current on day D when start <= D < end. Consecutive records share
  the date: the next starts on the day the last one ended. An ending (a case closing, a plan or episode
  ceasing) counts in the period holding the end date, as DfE counts.
- "last_day": the last day the record applied (the workforce census's leaving date, the last day of service;
  the last day of an absence). The record is current on day D when start <= D <= end, and an end counts in
  the period holding it: a worker whose last day is 31 March is a March leaver and not in post on 1 April."""

ENDS_DOC: dict[str, str] = {
    "day_after": "the day it stopped applying (exclusive: current on D when start <= D < end)",
    "last_day": "the last day it applied (inclusive: current on D when start <= D <= end)",
}


# Columns where an empty cell is information (still open, not yet held, not a leaver), not a gap in the data:
# completeness is not measured on them.
EMPTY_MEANS_NOT_YET = frozenset({
    "end_date", "close_date", "death_date", "authorised_date", "conference_date", "held_date", "decision_date",
    "parent_team_id", "expected_dob", "leave_reason", "leaver_destination", "moderated_grade",
    "ceased_date", "decision_ceased_date", "ceased_reason", "matched_date",
})


# Personal values never printed in a load report or message (a date of birth identifies a child): a failing
# row is named by its record id instead.
NOT_SHOWN = frozenset({"dob", "expected_dob", "death_date"})


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    doc: str
    required: bool = False
    codes: tuple[str, ...] | None = None
    future_ok: bool = False  # targets and due dates may lie after the extract date
    minimum: float | None = None  # inclusive bounds for numbers
    maximum: float | None = None
    ends: Ends | None = None  # for a date ending a record: which day it names (see Ends)


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    references: dict[str, str] = field(default_factory=dict)  # column -> referenced table (its key)
    date_order: tuple[tuple[str, str], ...] = ()  # (earlier, later) pairs
    no_overlap: tuple[str, ...] = ()  # rows with these keys must not overlap in [start_date, end_date)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def end_column(self) -> Column | None:
        """The date that ends a record of this table, if its records run over time."""
        return next((c for c in self.columns if c.ends), None)


def _c(name: str, type_: ColumnType, doc: str, **kw: object) -> Column:
    return Column(name, type_, doc, **kw)  # type: ignore[arg-type]


TABLES: tuple[Table, ...] = (
    Table(
        "team", "A team or unit; services group teams (ssd_department).",
        (
            _c("team_id", "id", "Team identifier.", required=True),
            _c("name", "text", "Team name as staff know it.", required=True),
            _c("parent_team_id", "id", "The team or unit this one reports into."),
            _c("service", "text", "Service the team belongs to.", required=True, codes=codes.SERVICE),
            _c("locality", "text", "Locality served, if any."),
            _c("start_date", "date", "Team created."),
            _c("end_date", "date", "Team closed (restructure).", ends="day_after"),
        ),
        key=("team_id",), references={"parent_team_id": "team"}, date_order=(("start_date", "end_date"),),
    ),
    Table(
        "worker", "A member of staff (ssd_professionals; workforce census CSWWWorker).",
        (
            _c("worker_id", "id", "Case-system professional id.", required=True),
            _c("staff_id", "id", "HR staff number."),
            _c("swe_no", "id", "Social Work England registration number."),
            _c("name", "text", "Full name as it appears on case lists.", required=True),
            _c("role", "text", "Role at the extract date (history in worker_post).", required=True,
               codes=codes.ROLE),
            _c("qualified", "bool", "Registered social worker."),
            _c("employment", "text", "Employment type.", required=True, codes=codes.EMPLOYMENT),
            _c("start_date", "date", "Started with the council.", required=True),
            _c("end_date", "date", "Last day of service with the council (the census leaving date).",
               ends="last_day"),
            _c("leave_reason", "text", "Why they left, as collated at exit.", codes=codes.LEAVE_REASON),
            _c("leaver_destination", "text", "Where they went.", codes=codes.LEAVER_DESTINATION),
            _c("start_origin", "text", "Where they came from.", codes=codes.START_ORIGIN),
            _c("qualification_date", "date", "Date of social work qualification (for ASYE and experience)."),
        ),
        key=("worker_id",), date_order=(("start_date", "end_date"),),
    ),
    Table(
        "worker_post", "Who sat where, at what FTE, reporting to whom, over time (local HR extension).",
        (
            _c("post_id", "id", "Post-holding identifier.", required=True),
            _c("worker_id", "id", "The worker.", required=True),
            _c("team_id", "id", "Team of the post.", required=True),
            _c("role", "text", "Role in this post.", required=True, codes=codes.ROLE),
            _c("fte", "float", "Full-time equivalent, 0 < fte <= 1.5.", required=True, minimum=0.01, maximum=1.5),
            _c("manager_id", "id", "Line manager (worker_id)."),
            _c("start_date", "date", "Start in post.", required=True),
            _c("end_date", "date", "Left the post: the next post starts on this day.", ends="day_after"),
        ),
        key=("post_id",), references={"worker_id": "worker", "team_id": "team", "manager_id": "worker"},
        date_order=(("start_date", "end_date"),), no_overlap=("worker_id",),
    ),
    Table(
        "establishment", "Funded FTE by team and role over time (local extension).",
        (
            _c("establishment_id", "id", "Row identifier.", required=True),
            _c("team_id", "id", "Team.", required=True),
            _c("role", "text", "Role funded.", required=True, codes=codes.ROLE),
            _c("funded_fte", "float", "Funded FTE.", required=True, minimum=0),
            _c("start_date", "date", "Funding from.", required=True),
            _c("end_date", "date", "Funding stopped.", ends="day_after"),
        ),
        key=("establishment_id",), references={"team_id": "team"}, date_order=(("start_date", "end_date"),),
    ),
    Table(
        "absence", "Spells of absence (workforce census absence fields; local extension).",
        (
            _c("absence_id", "id", "Row identifier.", required=True),
            _c("worker_id", "id", "The worker.", required=True),
            _c("start_date", "date", "First day absent.", required=True),
            _c("end_date", "date", "Last day absent.", ends="last_day"),
            _c("reason", "text", "Reason.", required=True, codes=codes.ABSENCE_REASON),
            _c("working_days", "float", "Working days lost."),
        ),
        key=("absence_id",), references={"worker_id": "worker"}, date_order=(("start_date", "end_date"),),
    ),
    Table(
        "child", "A child or young person (ssd_person; CIN census; 903 header).",
        (
            _c("child_id", "id", "Person id = Annex A Child Unique ID = CIN LAchildID = 903 CHILD.",
               required=True),
            _c("sex", "text", "Sex.", codes=codes.SEX),
            _c("ethnicity", "text", "Ethnicity code (CIN census)."),
            _c("dob", "date", "Date of birth."),
            _c("expected_dob", "date", "Expected date of birth (unborn).", future_ok=True),
            _c("death_date", "date", "Date of death."),
            _c("disability", "bool", "Has a disability."),
            _c("uasc", "bool", "Unaccompanied asylum-seeking child."),
            _c("upn", "id", "Unique pupil number (903 UPN, CIN census UPN), or DfE's code UN1-UN5 saying why "
               "there is none."),
            _c("mother", "bool", "903 MOTHER: the young woman is herself a mother (recorded for girls)."),
            _c("mother_child_dob", "date", "903 MC_DOB: date of birth of her child."),
        ),
        key=("child_id",), date_order=(("dob", "death_date"),),
    ),
    Table(
        "episode", "A child-in-need episode from referral to closure (ssd_cin_episodes).",
        (
            _c("episode_id", "id", "Episode id.", required=True),
            _c("child_id", "id", "The child.", required=True),
            _c("referral_date", "date", "Referral date: the case opens.", required=True),
            _c("referral_source", "text", "CIN census referral source.", codes=codes.REFERRAL_SOURCE),
            _c("primary_need", "text", "CIN census primary need code.", codes=codes.PRIMARY_NEED),
            _c("referral_nfa", "bool", "Referral led to no further action."),
            _c("close_date", "date", "Case closed.", ends="day_after"),
            _c("close_reason", "text", "CIN census reason for closure.", codes=codes.CLOSE_REASON),
            _c("team_id", "id", "Team responsible for the case now.", required=True),
            _c("worker_id", "id", "Lead worker recorded on the episode (allocation holds the history)."),
        ),
        key=("episode_id",), references={"child_id": "child", "team_id": "team", "worker_id": "worker"},
        date_order=(("referral_date", "close_date"),),
    ),
    Table(
        "allocation", "Who held the case, when (ssd_involvements; 903 social_worker; Annex A allocated worker).",
        (
            _c("allocation_id", "id", "Allocation id.", required=True),
            _c("child_id", "id", "The child.", required=True),
            _c("episode_id", "id", "The episode, if the allocation belongs to one."),
            _c("worker_id", "id", "Worker; empty when held by a team or duty only."),
            _c("team_id", "id", "Team holding the case.", required=True),
            _c("role", "text", "Kind of involvement.", required=True, codes=codes.ALLOCATION_ROLE),
            _c("start_date", "date", "Allocated from.", required=True),
            _c("end_date", "date", "Allocation ended: the next starts on this day.", ends="day_after"),
            _c("change_reason", "text", "Why it ended or changed.", codes=codes.CHANGE_REASON),
        ),
        key=("allocation_id",),
        references={"child_id": "child", "episode_id": "episode", "worker_id": "worker", "team_id": "team"},
        date_order=(("start_date", "end_date"),),
    ),
    Table(
        "contact", "Contacts to the front door (ssd_contacts; Annex A list 1).",
        (
            _c("contact_id", "id", "Contact id.", required=True),
            _c("child_id", "id", "The child.", required=True),
            _c("contact_date", "date", "Date of contact.", required=True),
            _c("source", "text", "Source of contact (referral source codes).", codes=codes.REFERRAL_SOURCE),
            _c("outcome", "text", "What the front door decided.", codes=codes.CONTACT_OUTCOME),
            _c("decision_date", "date", "Date of the decision."),
        ),
        key=("contact_id",), references={"child_id": "child"}, date_order=(("contact_date", "decision_date"),),
    ),
    Table(
        "assessment", "Child and family (single) assessments (ssd_cin_assessments; Annex A list 4).",
        (
            _c("assessment_id", "id", "Assessment id.", required=True),
            _c("child_id", "id", "The child.", required=True),
            _c("episode_id", "id", "The episode.", required=True),
            _c("start_date", "date", "Assessment started.", required=True),
            _c("authorised_date", "date", "Assessment completed and authorised."),
            _c("child_seen", "bool", "Child seen during the assessment."),
            _c("outcome_nfa", "bool", "Assessment outcome: no further action."),
            _c("team_id", "id", "Team.", required=True),
            _c("worker_id", "id", "Worker."),
        ),
        key=("assessment_id",),
        references={"child_id": "child", "episode_id": "episode", "team_id": "team", "worker_id": "worker"},
        date_order=(("start_date", "authorised_date"),),
    ),
    Table(
        "s47", "Section 47 enquiries (ssd_s47_enquiry; Annex A list 5).",
        (
            _c("s47_id", "id", "Enquiry id.", required=True),
            _c("child_id", "id", "The child.", required=True),
            _c("episode_id", "id", "The episode.", required=True),
            _c("strategy_date", "date", "Strategy discussion that started the enquiry.", required=True),
            _c("end_date", "date", "Enquiry completed.", ends="day_after"),
            _c("outcome_nfa", "bool", "No further action."),
            _c("icpc_required", "bool", "Initial child protection conference required."),
        ),
        key=("s47_id",), references={"child_id": "child", "episode_id": "episode"},
        date_order=(("strategy_date", "end_date"),),
    ),
    Table(
        "icpc", "Initial child protection conferences (ssd_initial_cp_conference; Annex A list 5).",
        (
            _c("icpc_id", "id", "Conference id.", required=True),
            _c("s47_id", "id", "Enquiry that led to it.", required=True),
            _c("child_id", "id", "The child.", required=True),
            _c("target_date", "date", "15 working days after the strategy discussion.", future_ok=True),
            _c("conference_date", "date", "Conference held."),
            _c("resulted_in_plan", "bool", "Child made subject of a CP plan."),
        ),
        key=("icpc_id",), references={"s47_id": "s47", "child_id": "child"},
    ),
    Table(
        "cp_plan", "Child protection plans (ssd_cp_plans; Annex A list 7).",
        (
            _c("cp_plan_id", "id", "Plan id.", required=True),
            _c("child_id", "id", "The child.", required=True),
            _c("episode_id", "id", "The episode.", required=True),
            _c("start_date", "date", "Plan started.", required=True),
            _c("end_date", "date", "Plan ended.", ends="day_after"),
            _c("initial_category", "text", "Initial category of abuse.", codes=codes.CP_CATEGORY),
            _c("latest_category", "text", "Latest category of abuse.", codes=codes.CP_CATEGORY),
        ),
        key=("cp_plan_id",), references={"child_id": "child", "episode_id": "episode"},
        date_order=(("start_date", "end_date"),),
    ),
    Table(
        "cin_plan", "Child in need plans (ssd_cin_plans).",
        (
            _c("cin_plan_id", "id", "Plan id.", required=True),
            _c("child_id", "id", "The child.", required=True),
            _c("episode_id", "id", "The episode.", required=True),
            _c("start_date", "date", "Plan started.", required=True),
            _c("end_date", "date", "Plan ended.", ends="day_after"),
        ),
        key=("cin_plan_id",), references={"child_id": "child", "episode_id": "episode"},
        date_order=(("start_date", "end_date"),),
    ),
    Table(
        "cla_episode", "Looked-after episodes: legal status and placement (903 episodes; Annex A list 8).",
        (
            _c("cla_episode_id", "id", "Episode id.", required=True),
            _c("child_id", "id", "The child.", required=True),
            _c("period_id", "id", "Period of care this episode belongs to.", required=True),
            _c("start_date", "date", "Episode started.", required=True),
            _c("start_reason", "text", "903 reason for new episode.", codes=codes.CLA_START_REASON),
            _c("legal_status", "text", "903 legal status.", required=True, codes=codes.LEGAL_STATUS),
            _c("placement_type", "text", "903 placement type.", codes=codes.PLACEMENT_TYPE),
            _c("placement_provider", "text", "903 placement provider.", codes=codes.PLACEMENT_PROVIDER),
            _c("end_date", "date", "Episode ended (903 DEC): the next episode starts on this day.",
               ends="day_after"),
            _c("end_reason", "text", "903 reason episode ceased.", codes=codes.CLA_END_REASON),
            _c("placement_change_reason", "text", "903 REASON_PLACE_CHANGE: why the placement ended, when the "
               "child moved to another.", codes=codes.PLACEMENT_CHANGE_REASON),
            _c("home_postcode", "text", "903 HOME_POST: postcode of the child's home when the episode began."),
            _c("placement_postcode", "text", "903 PL_POST: postcode of the placement."),
            _c("placement_urn", "text", "903 URN: Ofsted unique reference number of the placement's provider, "
               "XXXXXXX when it has none."),
        ),
        key=("cla_episode_id",), references={"child_id": "child"}, date_order=(("start_date", "end_date"),),
    ),
    Table(
        "missing_episode", "Times a looked-after child was missing or away from placement (903 missing; ssd_missing).",
        (
            _c("missing_id", "id", "Row identifier.", required=True),
            _c("child_id", "id", "The child.", required=True),
            _c("kind", "text", "903 MISSING: M missing from placement, A away without authorisation.",
               required=True, codes=codes.MISSING_KIND),
            _c("start_date", "date", "Went missing or away.", required=True),
            _c("end_date", "date", "Returned (903 MIS_END): missing until that day.", ends="day_after"),
        ),
        key=("missing_id",), references={"child_id": "child"}, date_order=(("start_date", "end_date"),),
    ),
    Table(
        "uasc", "Unaccompanied asylum-seeking children, and when that ceased (903 UASC; ssd_immigration_status).",
        (
            _c("child_id", "id", "The child.", required=True),
            _c("ceased_date", "date", "903 DUC: the child ceased to be UASC (usually at 18); empty while UASC.",
               future_ok=True),
        ),
        key=("child_id",), references={"child_id": "child"},
    ),
    Table(
        "adoption", "Decisions that a child should be placed for adoption, matches and adopters (903 placed for "
        "adoption and AD1; ssd_permanence).",
        (
            _c("adoption_id", "id", "Row identifier.", required=True),
            _c("child_id", "id", "The child.", required=True),
            _c("decision_date", "date", "Decision that the child should be placed for adoption.", required=True),
            _c("decision_ceased_date", "date", "That decision ceased (no longer the plan)."),
            _c("ceased_reason", "text", "903 reason the decision ceased.", codes=codes.ADOPTION_CEASED_REASON),
            _c("matched_date", "date", "Matched with prospective adopters."),
            _c("adopted_by_foster_carer", "bool", "Adopted by their foster carer."),
            _c("adopters", "int", "Number of adopters.", minimum=1, maximum=2),
            _c("adopters_sex", "text", "903 sex of adopters.", codes=codes.ADOPTERS_SEX),
            _c("adopters_legal_status", "text", "903 legal status of adopters.", codes=codes.ADOPTERS_LEGAL_STATUS),
        ),
        key=("adoption_id",), references={"child_id": "child"},
        date_order=(("decision_date", "decision_ceased_date"), ("decision_date", "matched_date")),
    ),
    Table(
        "previous_permanence", "Permanence the child had before coming into care (903 previous permanence).",
        (
            _c("child_id", "id", "The child.", required=True),
            _c("arrangement", "text", "903 PREV_PERM: adoption, special guardianship, child arrangements order.",
               codes=codes.PREVIOUS_PERMANENCE),
            _c("order_date", "text", "903 DATE_PERM as recorded: dd/mm/yyyy, unknown parts written Z."),
            _c("council_code", "text", "903 LA_PERM: code of the council that made the arrangement."),
        ),
        key=("child_id",), references={"child_id": "child"},
    ),
    Table(
        "care_leaver", "Care leavers' latest status (ssd_care_leavers; Annex A list 9; 903 oc3).",
        (
            _c("child_id", "id", "The young person.", required=True),
            _c("eligibility", "text", "Eligible, relevant or former relevant."),
            _c("in_touch", "bool", "The council is in touch."),
            _c("latest_contact", "date", "Latest contact date."),
            _c("accommodation", "text", "903 accommodation code.", codes=codes.CARE_LEAVER_ACCOMMODATION),
            _c("suitable", "bool", "Accommodation suitable."),
            _c("activity", "text", "903 activity (EET) code.", codes=codes.CARE_LEAVER_ACTIVITY),
            _c("pathway_plan_review", "date", "Latest pathway plan review."),
        ),
        key=("child_id",), references={"child_id": "child"},
    ),
    Table(
        "review", "CP review conferences and CLA reviews (ssd_cp_reviews, ssd_cla_reviews; 903 reviews).",
        (
            _c("review_id", "id", "Review id.", required=True),
            _c("child_id", "id", "The child.", required=True),
            _c("kind", "text", "CP or CLA.", required=True, codes=codes.REVIEW_KIND),
            _c("plan_id", "id", "CP plan or CLA period reviewed."),
            _c("due_date", "date", "Date the review was due.", future_ok=True),
            _c("held_date", "date", "Date the review was held."),
        ),
        key=("review_id",), references={"child_id": "child"},
    ),
    Table(
        "visit", "Statutory visits (ssd_*_visits; worker is an extension).",
        (
            _c("visit_id", "id", "Visit id.", required=True),
            _c("child_id", "id", "The child.", required=True),
            _c("kind", "text", "CIN, CP, CLA or PA.", required=True, codes=codes.VISIT_KIND),
            _c("visit_date", "date", "Date of the visit.", required=True),
            _c("seen", "bool", "Child seen."),
            _c("seen_alone", "bool", "Child seen alone."),
            _c("worker_id", "id", "Visiting worker."),
        ),
        key=("visit_id",), references={"child_id": "child", "worker_id": "worker"},
    ),
    Table(
        "supervision", "Supervision sessions (extension).",
        (
            _c("supervision_id", "id", "Session id.", required=True),
            _c("supervisee_id", "id", "Worker supervised.", required=True),
            _c("supervisor_id", "id", "Supervisor."),
            _c("supervision_date", "date", "Date held.", required=True),
            _c("kind", "text", "Kind of supervision.", required=True, codes=codes.SUPERVISION_KIND),
            _c("child_id", "id", "Child, for case-level oversight."),
        ),
        key=("supervision_id",),
        references={"supervisee_id": "worker", "supervisor_id": "worker", "child_id": "child"},
    ),
    Table(
        "case_note", "Case notes and chronology updates (extension).",
        (
            _c("case_note_id", "id", "Note id.", required=True),
            _c("child_id", "id", "The child.", required=True),
            _c("note_date", "date", "Date recorded.", required=True),
            _c("kind", "text", "Case note or chronology update.", required=True, codes=codes.CASE_NOTE_KIND),
            _c("worker_id", "id", "Author."),
        ),
        key=("case_note_id",), references={"child_id": "child", "worker_id": "worker"},
    ),
    Table(
        "case_audit", "Case file audits (extension).",
        (
            _c("audit_id", "id", "Audit id.", required=True),
            _c("child_id", "id", "The child.", required=True),
            _c("audit_date", "date", "Date of the audit.", required=True),
            _c("auditor_id", "id", "Auditor."),
            _c("auditor_kind", "text", "Manager, independent or peer.", required=True, codes=codes.AUDITOR_KIND),
            _c("worker_id", "id", "Case worker at audit."),
            _c("team_id", "id", "Team at audit."),
            _c("grade", "text", "Grade given.", required=True, codes=codes.GRADE),
            _c("moderated_grade", "text", "Grade after moderation.", codes=codes.GRADE),
        ),
        key=("audit_id",),
        references={"child_id": "child", "auditor_id": "worker", "worker_id": "worker", "team_id": "team"},
    ),
    Table(
        "population", "Child population by age band (ONS mid-year estimates) for rates per 10,000.",
        (
            _c("area", "text", "Area code or name.", required=True),
            _c("age_band", "text", "Age band, e.g. 0-4.", required=True),
            _c("year", "int", "Mid-year of the estimate.", required=True),
            _c("children", "int", "Children in the band.", required=True, minimum=0),
        ),
        key=("area", "age_band", "year"),
    ),
    Table(
        "team_reported", "Figures teams reported upward by hand, kept to reconcile against the records.",
        (
            _c("report_id", "id", "Row identifier.", required=True),
            _c("team_id", "id", "Reporting team.", required=True),
            _c("report_date", "date", "Date the figure describes.", required=True),
            _c("measure", "text", "What was reported, e.g. unallocated_cases.", required=True),
            _c("value", "float", "Reported value.", required=True),
        ),
        key=("report_id",), references={"team_id": "team"},
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

# Columns added after canonical extracts were first written (database migration 8: the SSDA903 fields a return
# needs); an extract whose header lacks them loads with them empty.
ADDED_COLUMNS: dict[str, tuple[str, ...]] = {
    "child": ("upn", "mother", "mother_child_dob"),
    "cla_episode": ("placement_change_reason", "home_postcode", "placement_postcode", "placement_urn"),
}


def table(name: str) -> Table:
    """The declaration of canonical table `name`."""
    return TABLES_BY_NAME[name]
