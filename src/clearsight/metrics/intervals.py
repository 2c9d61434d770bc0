"""As-at membership of dated records, one rule for every table whose end names the day after.

The schema declares which day each table's end date names (`schema.Ends`). Where it is the day the record
stopped applying ("day_after": posts, allocations, plans, episodes, teams, establishment), a record is current
on day D when start <= D and (end is empty or end > D) (definitions.md: "start <= as-at < end or open"). The
two tables whose end is the last day (a worker's last day of service, an absence's last day) are compared with
`>=` where they are read (workforce leavers, absence).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis.expr.types as ir

# An empty end date means "still going": compared as this date, so joins on intervals need no OR (which would
# keep the engine from using a hash join) and filters stay simple enough to prune by.
OPEN_END = date(9999, 12, 31)


def open_ended(end: ir.DateValue) -> ir.DateValue:
    """An end date with "still going" read as the far future."""
    return end.fill_null(OPEN_END)


def current(
    table: ir.Table, as_at: date | ir.DateValue, start: str = "start_date", end: str = "end_date"
) -> ir.Table:
    """Rows of `table` (a table whose end is declared "day_after") in force on `as_at`."""
    return table.filter(table[start] <= as_at, open_ended(table[end]) > as_at)


def posts_on(posts: ir.Table, as_at: date) -> ir.Table:
    """Who sat where on `as_at`: worker, team, role, FTE and manager."""
    return current(posts, as_at).select("worker_id", "team_id", "role", "fte", "manager_id")
