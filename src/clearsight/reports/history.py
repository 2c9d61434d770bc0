"""One child's or one worker's history in a snapshot: the records behind every figure that counted them.

The drill-through's last step (issue 16: "each record to its history"): a listing, not a figure, so the view has
no provenance of its own; every section is personal. The teams a record belongs to (`child_teams`,
`worker_teams`) are what the web application's access rules check before showing it.
"""

from __future__ import annotations

from typing import Any

from clearsight.render.values import long_date
from clearsight.reports.request import BadRequest, Request
from clearsight.reports.sections import section
from clearsight.reports.view import Section, View, col

# (section key, title, SQL over the snapshot and the record's id, columns): oldest first within each.
_CHILD: tuple[tuple[str, str, str, tuple[Any, ...]], ...] = (
    ("episodes", "Episodes of need",
     "SELECT e.episode_id, e.referral_date, e.referral_source, e.primary_need, e.close_date, e.close_reason, "
     "t.name AS team FROM episode e LEFT JOIN team t ON t.snapshot_id = e.snapshot_id AND t.team_id = e.team_id "
     "WHERE e.snapshot_id = $s AND e.child_id = $id ORDER BY e.referral_date",
     (col("episode_id", "Episode"), col("referral_date", "Referred", "date"), col("referral_source", "Source"),
      col("primary_need", "Need"), col("close_date", "Closed", "date"), col("close_reason", "Why closed"),
      col("team", "Team"))),
    ("allocations", "Allocations",
     "SELECT a.start_date, a.end_date, w.name AS worker, a.worker_id, a.role, t.name AS team, a.change_reason "
     "FROM allocation a LEFT JOIN worker w ON w.snapshot_id = a.snapshot_id AND w.worker_id = a.worker_id "
     "LEFT JOIN team t ON t.snapshot_id = a.snapshot_id AND t.team_id = a.team_id "
     "WHERE a.snapshot_id = $s AND a.child_id = $id ORDER BY a.start_date",
     (col("start_date", "From", "date"), col("end_date", "Until", "date"), col("worker", "Worker"),
      col("worker_id", "Worker id"), col("role", "Role", vocabulary="role"), col("team", "Team"),
      col("change_reason", "Why changed"))),
    ("assessments", "Assessments",
     "SELECT start_date, authorised_date, child_seen, outcome_nfa FROM assessment "
     "WHERE snapshot_id = $s AND child_id = $id ORDER BY start_date",
     (col("start_date", "Started", "date"), col("authorised_date", "Authorised", "date"),
      col("child_seen", "Child seen"), col("outcome_nfa", "No further action"))),
    ("plans", "Child protection and child in need plans",
     "SELECT 'child protection' AS plan, start_date, end_date FROM cp_plan WHERE snapshot_id = $s AND child_id = $id "
     "UNION ALL SELECT 'child in need', start_date, end_date FROM cin_plan WHERE snapshot_id = $s AND child_id = $id "
     "ORDER BY start_date",
     (col("plan", "Plan"), col("start_date", "From", "date"), col("end_date", "Until", "date"))),
    ("care", "Looked-after episodes",
     "SELECT start_date, end_date, legal_status, placement_type, end_reason FROM cla_episode "
     "WHERE snapshot_id = $s AND child_id = $id ORDER BY start_date",
     (col("start_date", "From", "date"), col("end_date", "Until", "date"),
      col("legal_status", "Legal status", vocabulary="legal_status"), col("placement_type", "Placement"),
      col("end_reason", "Why ended"))),
    ("visits", "Visits",
     "SELECT visit_date, kind, seen, seen_alone FROM visit WHERE snapshot_id = $s AND child_id = $id "
     "ORDER BY visit_date",
     (col("visit_date", "Date", "date"), col("kind", "Kind"), col("seen", "Seen"), col("seen_alone", "Seen alone"))),
    ("reviews", "Reviews",
     "SELECT kind, due_date, held_date FROM review WHERE snapshot_id = $s AND child_id = $id ORDER BY due_date",
     (col("kind", "Kind"), col("due_date", "Due", "date"), col("held_date", "Held", "date"))),
)
_WORKER: tuple[tuple[str, str, str, tuple[Any, ...]], ...] = (
    ("posts", "Posts held",
     "SELECT p.start_date, p.end_date, t.name AS team, p.role, p.fte FROM worker_post p LEFT JOIN team t "
     "ON t.snapshot_id = p.snapshot_id AND t.team_id = p.team_id WHERE p.snapshot_id = $s AND p.worker_id = $id "
     "ORDER BY p.start_date",
     (col("start_date", "From", "date"), col("end_date", "Until", "date"), col("team", "Team"),
      col("role", "Role", vocabulary="role"), col("fte", "FTE", "number"))),
    ("allocations", "Children allocated",
     "SELECT a.child_id, a.start_date, a.end_date, t.name AS team FROM allocation a LEFT JOIN team t "
     "ON t.snapshot_id = a.snapshot_id AND t.team_id = a.team_id WHERE a.snapshot_id = $s AND a.worker_id = $id "
     "ORDER BY a.start_date",
     (col("child_id", "Child"), col("start_date", "From", "date"), col("end_date", "Until", "date"),
      col("team", "Team"))),
    ("absences", "Absences",
     "SELECT start_date, end_date, reason, working_days FROM absence WHERE snapshot_id = $s AND worker_id = $id "
     "ORDER BY start_date",
     (col("start_date", "From", "date"), col("end_date", "Last day", "date"), col("reason", "Reason"),
      col("working_days", "Working days", "count"))),
    ("supervision", "Supervision received",
     "SELECT supervision_date, kind FROM supervision WHERE snapshot_id = $s AND supervisee_id = $id "
     "ORDER BY supervision_date",
     (col("supervision_date", "Date", "date"), col("kind", "Kind"))),
)


def _rows(req: Request, sql: str, record_id: str) -> list[dict[str, Any]]:
    """Rows of `sql`, with `$s` bound to the snapshot and `$id` to the record's id by DuckDB."""
    cursor = req.con.cursor()
    try:
        params = {"s": req.snapshot.snapshot_id, "id": record_id} if "$id" in sql else {"s": req.snapshot.snapshot_id}
        result = cursor.execute(sql, params)
        names = [d[0] for d in result.description]
        return [dict(zip(names, row)) for row in result.fetchall()]
    finally:
        cursor.close()


def _teams(req: Request, sql: str, record_id: str) -> set[str]:
    return {r["team"] for r in _rows(req, sql, record_id) if r["team"] is not None}


def child_teams(req: Request, child_id: str) -> set[str]:
    """Every team the child has had an episode or allocation with in the snapshot (by name)."""
    return _teams(req, "SELECT t.name AS team FROM team t WHERE t.snapshot_id = $s AND t.team_id IN ("
                  "SELECT team_id FROM episode WHERE snapshot_id = $s AND child_id = $id UNION "
                  "SELECT team_id FROM allocation WHERE snapshot_id = $s AND child_id = $id)", child_id)


def worker_teams(req: Request, worker_id: str) -> set[str]:
    """Every team the worker has held a post in, in the snapshot (by name)."""
    return _teams(req, "SELECT t.name AS team FROM team t WHERE t.snapshot_id = $s AND t.team_id IN ("
                  "SELECT team_id FROM worker_post WHERE snapshot_id = $s AND worker_id = $id)", worker_id)


def team_services(req: Request) -> dict[str, str]:
    """Team name -> service code in the snapshot."""
    return {r["team"]: r["service"] for r in _rows(
        req, "SELECT name AS team, service FROM team WHERE snapshot_id = $s", "")}


def build(req: Request, kind: str, record_id: str) -> View:
    """The history of child or worker `record_id`: a section per kind of record, oldest first."""
    if kind == "child":
        found = _rows(req, "SELECT child_id, dob FROM child WHERE snapshot_id = $s AND child_id = $id", record_id)
        specs, title = _CHILD, f"Child {record_id}"
    elif kind == "worker":
        found = _rows(req, "SELECT name FROM worker WHERE snapshot_id = $s AND worker_id = $id", record_id)
        specs, title = _WORKER, f"Worker {record_id}" + (f": {found[0]['name']}" if found else "")
    else:
        raise BadRequest(f"record kind {kind!r}: expected child or worker")
    if not found:
        raise BadRequest(f"no {kind} {record_id!r} in snapshot {req.snapshot.snapshot_id}")
    sections: list[Section] = [section(key, name, _rows(req, sql, record_id), columns, personal=True)
                               for key, name, sql, columns in specs]
    counts = ", ".join(f"{len(s.rows):,} {s.title.lower()}" for s in sections if s.rows)
    return View(f"{kind}_history", title, f"{req.council}, snapshot {req.snapshot.snapshot_id} of "
                f"{long_date(req.snapshot.extract_date)}", (f"{title}: {counts or 'no records'}.",),
                tuple(sections), None, {}, req.warnings)
