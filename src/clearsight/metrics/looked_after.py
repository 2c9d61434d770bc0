"""Looked-after children's indicators from the SSDA903 tables beyond episodes: going missing from placement, and
unaccompanied asylum-seeking children (DfE 'Children looked after in England including adoptions', whose
measures these follow). Council level only: SSDA903 has no teams.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.metrics.flow import _flag, _in_period, _single_row
from clearsight.metrics.intervals import current, open_ended
from clearsight.metrics.lazy import ibis
from clearsight.metrics.levels import ratio
from clearsight.metrics.registry import Scope, metric

if TYPE_CHECKING:
    import ibis.expr.types as ir


def _looked_after_in_period(s: Scope) -> ir.Table:
    """Children looked after at any time in the period (an episode starting by its last day and not ended by
    its first)."""
    cla = s.table("cla_episode")
    return cla.filter(cla.start_date <= s.day, open_ended(cla.end_date) > s.first_day).select("child_id").distinct()


@metric(
    "cla_missing", title="Looked-after children missing or away from placement",
    unit="children", polarity="lower_is_better",
    reads=("cla_episode.child_id", "cla_episode.start_date", "cla_episode.end_date", "missing_episode.child_id",
           "missing_episode.kind", "missing_episode.start_date"),
    definition="DfE SSDA903 missing measures for the period: children looked after at any time in it; of them, "
    "those with an incident of going missing from placement (903 MISSING = M) starting in the period, as a share "
    "of the children looked after, and the number of those incidents; likewise for being away from placement "
    "without authorisation (MISSING = A).",
)
def cla_missing(s: Scope) -> ir.Table:
    looked_after = _looked_after_in_period(s)
    m = s.table("missing_episode")
    m = m.filter(_in_period(s, m.start_date)).semi_join(looked_after, "child_id")
    counts = looked_after.aggregate(looked_after=looked_after.count()).cross_join(m.aggregate(
        missing_children=m.child_id.nunique(where=m.kind == "M"),
        missing_incidents=_flag(m.kind == "M").sum().fill_null(0),
        away_children=m.child_id.nunique(where=m.kind == "A"),
        away_incidents=_flag(m.kind == "A").sum().fill_null(0),
    ))
    counts = counts.mutate(
        missing_rate=ratio(counts.missing_children, counts.looked_after).round(3),
        away_rate=ratio(counts.away_children, counts.looked_after).round(3),
    )
    return _single_row(s, counts.select(
        "looked_after", "missing_children", "missing_rate", "missing_incidents", "away_children", "away_rate",
        "away_incidents"))


@metric(
    "uasc_looked_after", title="Unaccompanied asylum-seeking children looked after",
    unit="children", polarity="neutral",
    reads=("cla_episode.child_id", "cla_episode.start_date", "cla_episode.end_date", "uasc.child_id",
           "uasc.ceased_date", "child.uasc"),
    definition="DfE SSDA903 measure as at the date: children looked after on the date, and of them those "
    "unaccompanied asylum-seeking on the date (in the UASC table with no date ceased, or one after the date; "
    "a child the UASC table does not hold counts when their record says UASC), as a share of the children "
    "looked after.",
)
def uasc_looked_after(s: Scope) -> ir.Table:
    cla = current(s.table("cla_episode"), s.as_at).select("child_id").distinct()
    u = s.table("uasc")
    u = u.select(uasc_child=u.child_id, ceased=u.ceased_date)
    child = s.table("child")
    child = child.select(recorded_child=child.child_id, recorded_uasc=child.uasc)
    j = cla.left_join(u, cla.child_id == u.uasc_child).left_join(child, cla.child_id == child.recorded_child)
    rows = j.select(is_uasc=ibis.ifelse(
        j.uasc_child.notnull(), open_ended(j.ceased) > s.day, j.recorded_uasc.fill_null(False)))
    counts = rows.aggregate(looked_after=rows.count(), uasc=_flag(rows.is_uasc).sum().fill_null(0))
    counts = counts.mutate(uasc_share=ratio(counts.uasc, counts.looked_after).round(3))
    return _single_row(s, counts)
