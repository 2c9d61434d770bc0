"""Case recording up to date: chronologies and case notes on open cases (local standards, definitions.md).

Seed 000's weekly monitoring looked at "chronologies" and "case recording"; here both come from the records.
A case's clock starts at its referral when nothing has been recorded since.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.metrics.allocation import open_case_teams
from clearsight.metrics.kpi import kpi, plus, with_overdue, with_working_days_after
from clearsight.metrics.lazy import ibis
from clearsight.metrics.registry import Scope

if TYPE_CHECKING:
    import ibis.expr.types as ir

_READS = ("case_note.child_id", "case_note.note_date", "case_note.kind", "episode.referral_date",
          "episode.close_date")


def _last_recorded(s: Scope, kind: str) -> ir.Table:
    """Each open case with the date its record of `kind` was last written (on or before the as-at date)."""
    cases = open_case_teams(s)
    notes = s.table("case_note")
    notes = notes.filter(notes.kind == kind)
    notes = notes.select(_child=notes.child_id, _noted=notes.note_date)
    # Each open case joined to its own notes (the table holds every child's, all years) and the latest on or
    # before the date kept: a monthly series then matches each month's cases to their notes rather than every
    # note to every month first, and the open cases are worked out once (a join to their children, then back to
    # them, worked them out twice: a fifth of the figure's time).
    j = cases.left_join(notes, cases.child_id == notes._child)
    # One row per child: grouped by the child alone, its case's other columns (one value each) carried by max.
    keys = ("episode_id", "team_id", "team", "service", "referral_date")
    last = j.group_by("child_id").agg(
        **{k: j[k].max() for k in keys},
        last_recorded=ibis.ifelse(j._noted <= s.day, j._noted, ibis.null("date")).max(),
    )
    return last.select(
        "child_id", *keys, "last_recorded",
        clock=ibis.greatest(ibis.coalesce(last.last_recorded, last.referral_date), last.referral_date),
    )


def _with_status(s: Scope, rows: ir.Table) -> ir.Table:
    """Up to date unless a working day has passed since the due date (a weekend as-at date makes none late)."""
    rows = with_overdue(s, rows, "due_date")
    return rows.mutate(up_to_date=~rows.overdue).drop("overdue")


@kpi(
    "chronology_up_to_date",
    title="Open cases with a chronology updated within the standard",
    definition="Open cases on the date whose chronology was last updated within the local standard (default 3 "
    "months), counting from the referral when it has not been updated since.",
    polarity="higher_is_better", reads=_READS, period=False, measures={"up_to_date": "up_to_date"},
    order_by=("up_to_date", "days_overdue desc", "child_id"),
)
def chronology_up_to_date_children(s: Scope) -> ir.Table:
    rows = _last_recorded(s, "chronology")
    rows = rows.mutate(due_date=plus(rows.clock, months=s.config.timescales.chronology_months))
    return _with_status(s, rows).drop("clock")


@kpi(
    "case_notes_up_to_date",
    title="Open cases with a case note within the standard",
    definition="Open cases on the date with a case note recorded within the local standard (default 20 working "
    "days), counting from the referral when none has been recorded since.",
    polarity="higher_is_better", reads=_READS, period=False, measures={"up_to_date": "up_to_date"},
    order_by=("up_to_date", "days_overdue desc", "child_id"),
)
def case_notes_up_to_date_children(s: Scope) -> ir.Table:
    rows = with_working_days_after(
        _last_recorded(s, "case_note"), "clock", s.config.timescales.case_note_working_days, "due_date"
    )
    return _with_status(s, rows).drop("clock")
