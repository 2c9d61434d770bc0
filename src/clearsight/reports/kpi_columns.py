"""The columns of one KPI's figure and records in words (`clearsight kpi NAME`): titles a team manager reads,
units from what each column holds, codes shown as words.

The KPI metrics name their columns for SQL (`working_days_since_seen`, `seen_alone_in_time_rate`); these are
the headers the terminal, XLSX and HTML show. CSV and JSON keep the names, for analysts' tools.
"""

from __future__ import annotations

import pyarrow as pa

from clearsight.reports.view import Column, Unit, col

# name -> (title, unit, vocabulary); a column not listed is titled from its name, its unit from its type.
KPI_COLUMN_WORDS: dict[str, tuple[str, Unit, str | None]] = {
    "level": ("Level", "text", "level"), "service": ("Service", "text", "service"), "team": ("Team", "text", None),
    "denominator": ("Counted", "count", None), "rate": ("Rate", "rate", None),
    "month_start": ("Month from", "date", None), "month_end": ("Month to", "date", None),
    "awaiting_decision": ("Awaiting a decision", "count", None),
    "awaiting_decision_rate": ("Awaiting a decision (rate)", "rate", None),
    "seen_alone_in_time": ("Seen alone in time", "count", None),
    "seen_alone_in_time_rate": ("Seen alone in time (rate)", "rate", None),
    "within_timescale": ("In time", "count", None),
    "within_timescale_from_referral": ("In time from the referral", "count", None),
    "within_timescale_from_referral_rate": ("In time from the referral (rate)", "rate", None),
    "within_timescale_from_start": ("In time from the start", "count", None),
    "within_timescale_from_start_rate": ("In time from the start (rate)", "rate", None),
    "data_warning": ("Data warning", "text", None), "history_from": ("Records from", "date", None),
    "history_status": ("History held", "text", None),
    "child_id": ("Child", "text", None), "worker": ("Worker", "text", None), "role": ("Role", "text", "role"),
    "schedule": ("Supervision schedule", "text", None), "joined": ("Joined", "date", None),
    "asye_start": ("ASYE from", "date", None), "last_supervision": ("Last supervision", "date", None),
    "authorised_date": ("Authorised", "date", None), "contact_date": ("Contact", "date", None),
    "decision_date": ("Decided", "date", None), "conference_date": ("Conference", "date", None),
    "strategy_date": ("Strategy discussion", "date", None), "due_date": ("Due", "date", None),
    "held_date": ("Held", "date", None), "last_recorded": ("Last recorded", "date", None),
    "last_review": ("Last review", "date", None), "last_seen": ("Last seen", "date", None),
    "last_seen_alone": ("Last seen alone", "date", None), "next_due": ("Next due", "date", None),
    "placement_start": ("Placement from", "date", None), "previous_plan_start": ("Previous plan from", "date", None),
    "previous_referral_date": ("Previous referral", "date", None), "previous_review": ("Previous review", "date", None),
    "referral_date": ("Referral", "date", None), "start_date": ("Start", "date", None),
    "span_start": ("Period from", "date", None), "span_end": ("Period to", "date", None),
    "days_open": ("Days open", "days", None), "days_overdue": ("Days overdue", "days", None),
    "days_since_seen": ("Days since seen", "days", None), "working_days": ("Working days", "days", None),
    "working_days_from_referral": ("Working days from the referral", "days", None),
    "working_days_from_start": ("Working days from the start", "days", None),
    "working_days_open": ("Working days open", "days", None),
    "working_days_overdue": ("Working days overdue", "days", None),
    "working_days_since_seen": ("Working days since seen", "days", None),
    "working_days_to_decision": ("Working days to the decision", "days", None),
    "earlier_plans": ("Earlier plans", "count", None), "earlier_referrals": ("Earlier referrals", "count", None),
    "review_number": ("Review number", "count", None), "reviews_held": ("Reviews held", "count", None),
    "initial_category": ("Category of abuse", "text", "cp_category"),
    "placement_type": ("Placement", "text", "placement_type"), "outcome": ("Outcome", "text", "contact_outcome"),
    "visit_interval": ("Visits due every", "text", None), "long_term_placement": ("Long-term placement", "text", None),
    "in_time": ("In time", "text", None), "on_time": ("On time", "text", None), "overdue": ("Overdue", "text", None),
    "up_to_date": ("Up to date", "text", None), "re_referral": ("Re-referral", "text", None),
    "referral_nfa": ("Referral closed with no further action", "text", None),
    "repeat_plan": ("Repeat plan", "text", None), "resulted_in_plan": ("Led to a plan", "text", None),
    "two_years_or_more": ("Two years or more", "text", None),
}


# A KPI's numerator counts the records its flag marks: titled as what they are.
NUMERATOR_WORDS = {"re_referral": "Re-referrals", "repeat_plan": "Repeat plans",
                   "two_years_or_more": "Open two years or more"}


# A KPI's records lead with whose they are and whether they meet it, and end with where they sit.
RECORDS_FIRST = ("child_id", "worker")
RECORDS_STATUS = ("due_date", "working_days_overdue", "days_overdue")
RECORDS_LAST = ("team", "service")


def records_order(names: list[str], flag: str) -> list[str]:
    """The columns of a KPI's records in reading order: the child or worker, the flag (in time, overdue), when
    it was due and how late, then the rest as the metric gives them, the team and service last."""
    first = [n for n in (*RECORDS_FIRST, flag, *RECORDS_STATUS) if n in names]
    last = [n for n in RECORDS_LAST if n in names]
    return [*first, *(n for n in names if n not in first and n not in last), *last]


def kpi_column(name: str, kind: pa.DataType, flag: str) -> Column:
    """A KPI figure's column in words: its numerator titled by what it counts (the records its `flag` marks: in
    time, overdue, repeat plans); the council's name, the same on every row, is left to the files."""
    if name == "numerator":
        return col(name, NUMERATOR_WORDS.get(flag) or KPI_COLUMN_WORDS.get(flag, (flag,))[0], "count")
    if name == "council":
        return col(name, "Council", detail=True)
    if name in KPI_COLUMN_WORDS:
        title, unit, vocabulary = KPI_COLUMN_WORDS[name]
        return col(name, title, unit, vocabulary)
    unit: Unit = ("rate" if name.endswith("rate") else "date" if pa.types.is_date(kind)
                  else ("days" if "days" in name else "count") if pa.types.is_integer(kind)
                  else "number" if pa.types.is_floating(kind) else "text")
    return col(name, name.replace("_", " ").capitalize(), unit)
