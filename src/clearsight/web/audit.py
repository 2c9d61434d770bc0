"""The audit log: who saw which children's and workers' records, when, through which page or export.

Append-only: this module inserts and reads, and nothing in Clearsight updates or deletes a row (a council's
information governance needs to answer "who looked at this child's record" years later). Entries are written by
the web application for every page or API answer holding personal rows, every record's history, every
drill-through and every export.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

MAX_IDS = 5000  # record ids kept per entry (a whole-council export names its count beyond this)

def record(con: Any, *, username: str, role: str, action: str, route: str, view: str | None,
           snapshot_id: int | None, record_ids: list[str]) -> None:
    """Append one entry. `action` is view (a page or API answer with personal rows), record (one record's
    history), drill (a drill-through to records) or export."""
    ids = sorted(set(record_ids))
    text = ",".join(ids[:MAX_IDS]) + (f",…(+{len(ids) - MAX_IDS})" if len(ids) > MAX_IDS else "")
    con.execute("INSERT INTO audit_log VALUES (nextval('audit_seq'), ?, ?, ?, ?, ?, ?, ?, ?)",
                [datetime.now(), username, role, action, route[:500], view, snapshot_id, text])


COLUMNS = ("entry_id", "logged_at", "username", "role", "action", "route", "view", "snapshot_id", "record_ids")


def search(con: Any, *, username: str | None = None, record_id: str | None = None, action: str | None = None,
           since: datetime | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Entries newest first, narrowed by user, a record id among those seen, action and time."""
    where, params = [], []
    if username:
        where.append("username = ?")
        params.append(username)
    if record_id:
        where.append("(',' || record_ids || ',') LIKE ?")
        params.append(f"%,{record_id},%")
    if action:
        where.append("action = ?")
        params.append(action)
    if since:
        where.append("logged_at >= ?")
        params.append(since)
    sql = (f"SELECT {', '.join(COLUMNS)} FROM audit_log" + (f" WHERE {' AND '.join(where)}" if where else "")
           + " ORDER BY entry_id DESC LIMIT ?")
    return [dict(zip(COLUMNS, row)) for row in con.execute(sql, [*params, limit]).fetchall()]


def as_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r[c].isoformat(sep=" ") if isinstance(r[c], datetime) else r[c] for c in COLUMNS])
    return out.getvalue()
