"""Write a snapshot as an Ofsted Annex A workbook (lists 1, 3-9), as a council's case system would.

Windows follow Annex A: lists 1-5 hold the six months to the extract date; lists 6-8 hold cases open at any
time in those six months; list 9 every care leaver. The allocated team and worker (every list) are the case's holding
allocation on the extract date (its latest current 'allocated social worker' involvement), by name.
Dates are written as Excel dates. The header texts are the reader's own first variants, so what is written
reads back through the same mapping table.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import xlsxwriter

from clearsight.formats.annex_a import COMMON, LISTS
from clearsight.canonical.dates import date_to_excel_serial
from clearsight.store.snapshots import Snapshot

_SEX = {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded"}
_YN = {True: "Yes", False: "No"}

_HOLDING = """holding AS (
    SELECT a.child_id, t.name AS team, w.name AS worker FROM allocation a
    JOIN team t ON t.team_id = a.team_id AND t.snapshot_id = a.snapshot_id
    LEFT JOIN worker w ON w.worker_id = a.worker_id AND w.snapshot_id = a.snapshot_id
    WHERE a.snapshot_id = $s AND a.role = 'allocated_social_worker' AND a.start_date <= $d
      AND (a.end_date IS NULL OR a.end_date > $d)
    QUALIFY row_number() OVER (PARTITION BY a.child_id ORDER BY a.start_date DESC, a.allocation_id DESC) = 1)"""
def _asof(col: str) -> str:
    """A date as known on the as-at day: a later date had not happened yet."""
    return f"CASE WHEN {col} <= $d THEN {col} END"


_CHILD = "c.child_id, c.sex, c.ethnicity, c.dob, c.disability"
_JOIN_CHILD = "JOIN child c ON c.child_id = x.child_id AND c.snapshot_id = x.snapshot_id"

QUERIES: dict[int, str] = {
    1: f"""SELECT {_CHILD}, x.contact_date, x.source FROM contact x {_JOIN_CHILD}
          WHERE x.snapshot_id = $s AND x.contact_date > $w AND x.contact_date <= $d ORDER BY x.contact_date, 1""",
    3: f"""WITH {_HOLDING} SELECT {_CHILD}, x.referral_date, x.referral_source, x.referral_nfa, h.team, h.worker
          FROM episode x {_JOIN_CHILD} LEFT JOIN holding h ON h.child_id = x.child_id
          WHERE x.snapshot_id = $s AND x.referral_date > $w AND x.referral_date <= $d ORDER BY x.referral_date, 1""",
    4: f"""WITH {_HOLDING} SELECT {_CHILD}, x.start_date, x.child_seen, {_asof('x.authorised_date')},
          CASE WHEN x.authorised_date <= $d THEN NOT x.outcome_nfa END, h.team, h.worker
          FROM assessment x {_JOIN_CHILD} LEFT JOIN holding h ON h.child_id = x.child_id
          WHERE x.snapshot_id = $s AND x.start_date <= $d AND (x.start_date > $w OR x.authorised_date IS NULL
                OR x.authorised_date > $w) ORDER BY x.start_date, 1""",
    5: f"""WITH {_HOLDING} SELECT {_CHILD}, x.strategy_date, NOT x.icpc_required, {_asof('i.conference_date')},
          CASE WHEN i.conference_date <= $d THEN i.resulted_in_plan END, h.team, h.worker FROM s47 x {_JOIN_CHILD}
          LEFT JOIN icpc i ON i.s47_id = x.s47_id AND i.snapshot_id = x.snapshot_id
          LEFT JOIN holding h ON h.child_id = x.child_id
          WHERE x.snapshot_id = $s AND x.strategy_date > $w AND x.strategy_date <= $d ORDER BY x.strategy_date, 1""",
    6: f"""WITH {_HOLDING} SELECT {_CHILD}, x.referral_date, x.primary_need, {_asof('x.close_date')},
          CASE WHEN x.close_date <= $d THEN x.close_reason END,
          CASE WHEN x.close_date IS NULL OR x.close_date > $d THEN coalesce(h.team, t.name) ELSE t.name END,
          CASE WHEN x.close_date IS NULL OR x.close_date > $d THEN h.worker END
          FROM episode x {_JOIN_CHILD} LEFT JOIN holding h ON h.child_id = x.child_id
          LEFT JOIN team t ON t.team_id = x.team_id AND t.snapshot_id = x.snapshot_id
          WHERE x.snapshot_id = $s AND x.referral_date <= $d AND NOT coalesce(x.referral_nfa, FALSE)
            AND (x.close_date IS NULL OR x.close_date > $w) ORDER BY x.referral_date, 1""",
    7: f"""WITH {_HOLDING} SELECT {_CHILD}, x.start_date, x.initial_category, x.latest_category, {_asof('x.end_date')},
          CASE WHEN x.end_date IS NULL OR x.end_date > $d THEN h.team END,
          CASE WHEN x.end_date IS NULL OR x.end_date > $d THEN h.worker END
          FROM cp_plan x {_JOIN_CHILD} LEFT JOIN holding h ON h.child_id = x.child_id
          WHERE x.snapshot_id = $s AND x.start_date <= $d AND (x.end_date IS NULL OR x.end_date > $w)
          ORDER BY x.start_date, 1""",
    8: f"""WITH {_HOLDING}, period AS (
            SELECT child_id, snapshot_id, period_id, min(start_date) AS started,
                   CASE WHEN count(*) = count(end_date) THEN max(end_date) END AS ceased,
                   arg_max(legal_status, start_date) AS ls, arg_max(placement_type, start_date) AS place,
                   arg_max(placement_provider, start_date) AS provider, arg_max(end_reason, start_date) AS reason,
                   max(start_date) AS current_start
            FROM cla_episode WHERE snapshot_id = $s AND start_date <= $d GROUP BY ALL)
          SELECT {_CHILD}, c.uasc, x.started, x.current_start, x.ls, {_asof('x.ceased')},
          CASE WHEN x.ceased <= $d THEN x.reason END, x.place, x.provider,
          CASE WHEN x.ceased IS NULL OR x.ceased > $d THEN h.team END,
          CASE WHEN x.ceased IS NULL OR x.ceased > $d THEN h.worker END
          FROM period x {_JOIN_CHILD} LEFT JOIN holding h ON h.child_id = x.child_id
          WHERE x.ceased IS NULL OR x.ceased > $w ORDER BY x.started, 1""",
    9: f"""WITH {_HOLDING}, pa AS (
            SELECT a.child_id, t.name AS team, w.name AS worker FROM allocation a
            JOIN team t ON t.team_id = a.team_id AND t.snapshot_id = a.snapshot_id
            JOIN worker w ON w.worker_id = a.worker_id AND w.snapshot_id = a.snapshot_id
            WHERE a.snapshot_id = $s AND a.role = 'personal_adviser' AND a.start_date <= $d
              AND (a.end_date IS NULL OR a.end_date > $d)
            QUALIFY row_number() OVER (PARTITION BY a.child_id ORDER BY a.start_date DESC, a.allocation_id DESC) = 1)
          SELECT {_CHILD}, coalesce(h.team, pa.team), h.worker, pa.worker, x.eligibility, {_asof('x.pathway_plan_review')},
          x.in_touch, {_asof('x.latest_contact')}, x.accommodation, x.suitable, x.activity FROM care_leaver x {_JOIN_CHILD}
          LEFT JOIN holding h ON h.child_id = x.child_id LEFT JOIN pa ON pa.child_id = x.child_id
          WHERE x.snapshot_id = $s ORDER BY 1""",
}
# Header fields (reader names) in the order each query returns them after the common columns.
COLUMNS: dict[int, tuple[str, ...]] = {
    1: ("contact_date", "contact_source"),
    3: ("referral_date", "referral_source", "referral_nfa", "team", "worker"),
    4: ("start", "child_seen", "authorised", "requiring_support", "team", "worker"),
    5: ("strategy", "icpc_unnecessary", "icpc_date", "icpc_plan", "team", "worker"),
    6: ("cin_start", "primary_need", "cin_close", "close_reason", "team", "worker"),
    7: ("cp_start", "initial_category", "latest_category", "cp_end", "team", "worker"),
    8: ("uasc", "cla_start", "placement_start", "legal_status", "ceased", "ceased_reason", "placement_type",
         "placement_provider", "team", "worker"),
    9: ("team", "worker", "pa", "eligibility", "pathway_review", "in_touch", "latest_contact", "accommodation", "suitable", "activity"),
}
_COMMON_OUT = ("child", "sex", "ethnicity", "dob", "disability")


def write_annex_a(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, out: Path, as_at: date | None = None) -> dict[int, int]:
    """Write `out` (xlsx); returns rows written per list."""
    day = as_at or snapshot.extract_date
    params = {"s": snapshot.snapshot_id, "d": day, "w": day - timedelta(days=183)}
    headers = {f.name: f.variants[0] for f in COMMON}
    counts: dict[int, int] = {}
    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    try:
        date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
        for number, sql in QUERIES.items():
            fields = {f.name: f.variants[0] for f in LISTS[number]} | headers
            names = (*_COMMON_OUT, *COLUMNS[number])
            sheet = wb.add_worksheet(f"List {number}")
            sheet.write_row(0, 0, [fields[n] for n in names])
            rows = con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}).fetchall()
            for r, row in enumerate(rows, 1):
                for c, value in enumerate(row):
                    if value is None:
                        continue
                    if isinstance(value, date):
                        sheet.write_number(r, c, date_to_excel_serial(value), date_fmt)
                    elif isinstance(value, bool):
                        sheet.write_string(r, c, _YN[value])
                    elif c == 1:
                        sheet.write_string(r, c, _SEX.get(value, value))
                    else:
                        sheet.write_string(r, c, str(value))
            counts[number] = len(rows)
    finally:
        wb.close()
    return counts
