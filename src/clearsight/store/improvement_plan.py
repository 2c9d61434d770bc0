"""The improvement plan kept in the database (tables `plan_action` and `plan_progress`, migration 9).

Seed papers: an improvement board reporting monthly to scrutiny on a plan "with milestones and targets so that
progress can be monitored". The actions are the council's, imported from its spreadsheet and edited in place;
each month's progress is recorded once, as rated then (`reports.plan` rates an action from its figure), and read
back as it was: a later change of target or a newer extract never rewrites what members were told.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from clearsight.canonical.improvement_plan import PLAN_FIELDS as ACTION_FIELDS
from clearsight.store.database import Connection

PROGRESS_FIELDS = ("action_id", "theme", "action", "kpi", "value", "target", "due_date", "rag", "as_at")


def save_actions(con: Connection, council: str, actions: list[dict[str, Any]], *,
                 now: datetime | None = None) -> int:
    """Write the plan's actions (an import), each replacing the stored action of its `action_id`; returns how
    many were written. Progress already recorded is kept."""
    stamp = now or datetime.now()
    con.execute("BEGIN TRANSACTION")
    try:
        for a in actions:
            con.execute("DELETE FROM plan_action WHERE council = ? AND action_id = ?", [council, a["action_id"]])
            con.execute("INSERT INTO plan_action VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [council, a["action_id"], *(a[f] for f in ACTION_FIELDS), stamp])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(actions)


def edit_action(con: Connection, council: str, action_id: str, changes: dict[str, Any], *,
                now: datetime | None = None) -> bool:
    """Change some fields of one action (e.g. its target or due date); False when there is no such action."""
    unknown = set(changes) - set(ACTION_FIELDS)
    if unknown:
        raise ValueError(f"no plan field {', '.join(sorted(unknown))}; fields: {', '.join(ACTION_FIELDS)}")
    if not con.execute("SELECT 1 FROM plan_action WHERE council = ? AND action_id = ?",
                       [council, action_id]).fetchall():
        return False
    sets = ", ".join(f"{f} = ?" for f in changes)
    con.execute(f"UPDATE plan_action SET {sets}, changed_at = ? WHERE council = ? AND action_id = ?",
                [*changes.values(), now or datetime.now(), council, action_id])
    return True


def read_actions(con: Connection, council: str) -> list[dict[str, Any]]:
    """The plan's actions in the order of their ids (R1, R2, ... R10 by number where the ids are numbered)."""
    rows = con.execute(f"SELECT action_id, {', '.join(ACTION_FIELDS)} FROM plan_action WHERE council = ?",
                       [council]).fetchall()
    actions = [dict(zip(("action_id", *ACTION_FIELDS), r)) for r in rows]
    return sorted(actions, key=lambda a: _natural(a["action_id"]))


def record_progress(con: Connection, council: str, month: str, rated: list[dict[str, Any]], snapshot_id: int | None,
                    *, now: datetime | None = None) -> None:
    """Keep the month's progress (`rated`: each action's figure, target, due date and RAG as rated at `as_at`),
    replacing any recorded for that month."""
    stamp = now or datetime.now()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM plan_progress WHERE council = ? AND month = ?", [council, month])
        for r in rated:
            con.execute("INSERT INTO plan_progress VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [council, month, *(r[f] for f in PROGRESS_FIELDS), snapshot_id, stamp])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def progress(con: Connection, council: str, first: str, last: str) -> list[dict[str, Any]]:
    """The progress recorded for the months `first`..`last` (YYYY-MM), by month then action."""
    rows = con.execute(f"SELECT month, {', '.join(PROGRESS_FIELDS)} FROM plan_progress WHERE council = ? "
                       "AND month BETWEEN ? AND ? ORDER BY month", [council, first, last]).fetchall()
    return [dict(zip(("month", *PROGRESS_FIELDS), r)) for r in rows]


def _natural(text: str) -> tuple[Any, ...]:
    """'R2' before 'R10'."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))
