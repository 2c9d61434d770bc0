"""Placements of looked-after children, read from SSDA903 episodes: which episodes start a placement.

An SSDA903 episode starts on a change of legal status or of placement. A change of legal status only (reason
for new episode L) leaves the child where they are, so it does not start a placement: not for the visits of
SI 2010/959 reg 28 ("the start of any placement"), nor for the DfE's placement stability indicators. Where the
reason is not recorded (Annex A has none), an episode beginning the day the previous one ended, with the same
placement type and provider but a new legal status, is taken as the same placement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.metrics.intervals import current
from clearsight.metrics.lazy import ibis
from clearsight.metrics.registry import Scope

if TYPE_CHECKING:
    import ibis.expr.types as ir

LEGAL_STATUS_ONLY = "L"  # SSDA903 reason for new episode: change of legal status only

# The fields a placement is read from (the provider and legal status only where the reason is missing).
PLACEMENT_FIELDS = (
    "cla_episode.child_id", "cla_episode.period_id", "cla_episode.start_date", "cla_episode.end_date",
    "cla_episode.start_reason", "cla_episode.placement_type",
)


def placement_episodes(s: Scope) -> ir.Table:
    """Every looked-after episode with `new_placement`: whether it starts a placement (the first episode of a
    period of care always does)."""
    e = s.table("cla_episode")
    w = ibis.window(group_by=[e.child_id, e.period_id], order_by=[e.start_date, e.cla_episode_id])
    e = e.mutate(
        _first=ibis.row_number().over(w) == 0,
        _prev_end=e.end_date.lag().over(w),
        _prev_type=e.placement_type.lag().over(w),
        _prev_provider=e.placement_provider.lag().over(w),
        _prev_status=e.legal_status.lag().over(w),
    )
    unrecorded_same = (
        (e._prev_end == e.start_date) & (e._prev_type == e.placement_type)
        & (e._prev_provider.fill_null("") == e.placement_provider.fill_null(""))
        & (e._prev_status != e.legal_status)
    )
    same = ibis.ifelse(e.start_reason.notnull(), e.start_reason == LEGAL_STATUS_ONLY, unrecorded_same)
    e = e.mutate(new_placement=e._first | ~same.fill_null(False))
    return e.drop("_first", "_prev_end", "_prev_type", "_prev_provider", "_prev_status")


def current_placements(s: Scope) -> ir.Table:
    """Children looked after on the as-at date, one row each: child_id, period_id, the current episode
    (cla_episode_id, legal_status, placement_type), and the start of the period of care (`period_start`) and of
    the placement the child is in (`placement_start`)."""
    # The current episode is read from the episodes themselves: only the placements' starts need the window
    # over each period's episodes (`placement_episodes`), which DuckDB would otherwise work out twice.
    now = current(s.table("cla_episode"), s.day)
    e = placement_episodes(s)
    e = e.filter(e.start_date <= s.day)
    order = [now.start_date.desc(), now.cla_episode_id.desc()]
    latest = ibis.row_number().over(group_by=now.child_id, order_by=order)
    now = now.mutate(_n=latest).filter(ibis._._n == 0)
    now = now.select("child_id", "period_id", "cla_episode_id", "legal_status", "placement_type")
    spans = e.group_by(_child=e.child_id, _period=e.period_id).agg(
        period_start=e.start_date.min(),
        _placed=ibis.ifelse(e.new_placement, e.start_date, ibis.null("date")).max(),
    )
    j = now.left_join(spans, (now.child_id == spans._child) & (now.period_id == spans._period))
    return j.select(
        *[now[c] for c in now.columns], j.period_start,
        placement_start=ibis.coalesce(j._placed, j.period_start),
    )
