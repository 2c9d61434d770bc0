"""Write a snapshot as SSDA903 CSV tables (header, episodes, reviews, oc3, social_worker), dd/mm/yyyy dates.

DuckDB's COPY writes the files, so exporting a large council runs at database speed. SW_ID is the worker's
Social Work England number where known, else their worker id.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from clearsight.store.snapshots import Snapshot


def _d(col: str) -> str:
    return f"strftime({col}, '%d/%m/%Y')"


QUERIES = {
    "header": f"""SELECT child_id AS CHILD, CASE sex WHEN 'M' THEN '1' WHEN 'F' THEN '2' END AS SEX,
        {_d('dob')} AS DOB, ethnicity AS ETHNIC FROM child WHERE snapshot_id = $s
        AND child_id IN (SELECT child_id FROM cla_episode WHERE snapshot_id = $s) ORDER BY child_id""",
    "episodes": f"""SELECT child_id AS CHILD, {_d('start_date')} AS DECOM, start_reason AS RNE, legal_status AS LS,
        placement_type AS PLACE, placement_provider AS PLACE_PROVIDER, {_d('end_date')} AS DEC, end_reason AS REC
        FROM cla_episode WHERE snapshot_id = $s ORDER BY child_id, start_date""",
    "reviews": f"""SELECT r.child_id AS CHILD, {_d('c.dob')} AS DOB, {_d('r.held_date')} AS REVIEW,
        'PN1' AS REVIEW_CODE FROM review r JOIN child c USING (child_id, snapshot_id)
        WHERE r.snapshot_id = $s AND r.kind = 'CLA' AND r.held_date IS NOT NULL ORDER BY 1, r.held_date""",
    "oc3": f"""SELECT l.child_id AS CHILD, {_d('c.dob')} AS DOB,
        CASE WHEN l.in_touch THEN 'YES' WHEN NOT l.in_touch THEN 'NO' END AS IN_TOUCH, l.activity AS ACTIV,
        l.accommodation || CASE WHEN l.suitable THEN '1' WHEN NOT l.suitable THEN '2' ELSE '' END AS ACCOM
        FROM care_leaver l JOIN child c USING (child_id, snapshot_id) WHERE l.snapshot_id = $s ORDER BY 1""",
    "social_worker": f"""SELECT a.child_id AS CHILD, coalesce(w.swe_no, w.worker_id) AS SW_ID,
        {_d('a.start_date')} AS SW_DECOM, a.change_reason AS SW_REASON
        FROM allocation a JOIN worker w USING (worker_id, snapshot_id)
        WHERE a.snapshot_id = $s AND a.role = 'allocated_social_worker'
          AND (a.end_date IS NULL OR a.end_date > a.start_date)  -- never held: would repeat its SW_DECOM
          AND a.child_id IN (SELECT child_id FROM cla_episode WHERE snapshot_id = $s)
        ORDER BY a.child_id, a.start_date""",
}


def write_ssda903(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, out: Path) -> dict[str, int]:
    """Write `<out>/SSDA903_<table>.csv` for each table; returns rows written per table."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table, sql in QUERIES.items():
        path = out / f"SSDA903_{table}.csv"
        rel = con.sql(sql, params={"s": snapshot.snapshot_id})
        rel.write_csv(str(path), header=True)
        counts[table] = int(con.execute(f"SELECT count(*) FROM ({sql})", {"s": snapshot.snapshot_id}).fetchone()[0])  # type: ignore[index]
    return counts
