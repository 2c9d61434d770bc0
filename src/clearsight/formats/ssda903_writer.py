"""Write a snapshot as SSDA903 CSV tables (header, episodes, reviews, oc3, social_worker, missing, uasc,
placed_for_adoption, ad1, previous_permanence), dd/mm/yyyy dates, each with DfE's column set (as DfE's 903
validator matches tables): columns Clearsight does not hold (UPN, MOTHER, MC_DOB, REASON_PLACE_CHANGE,
HOME_POST, PL_POST, URN) are blank; an episode's CIN is the primary need of the CIN episode open at its DECOM;
SW_REASON is DfE's code for the change of social worker (a closed case: OTHERS).

DuckDB's COPY writes the files, so exporting a large council runs at database speed. SW_ID is the worker's
Social Work England number where known, else their worker id.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from clearsight.formats.ssd_spec import CHANGE_REASON_CODES
from clearsight.store.snapshots import Snapshot


def _d(col: str) -> str:
    return f"strftime({col}, '%d/%m/%Y')"


def _of_children(table: str, columns: str, order: str) -> str:
    """Rows of `table` for the snapshot, beside each child's date of birth (the 903 repeats it per table)."""
    return (f"SELECT t.child_id AS CHILD, {columns} FROM {table} t JOIN child c USING (child_id, snapshot_id) "
            f"WHERE t.snapshot_id = $s ORDER BY t.child_id, {order}")


_SEX = "CASE c.sex WHEN 'M' THEN '1' WHEN 'F' THEN '2' END"
# DfE's reasons for a change of social worker (the SSD uses the same code set)
_SW_REASON = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CHANGE_REASON_CODES.items())


def _NOT_HELD(*columns: str) -> str:
    """DfE columns Clearsight does not hold, written blank so each table has DfE's exact column set."""
    return ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in columns)


QUERIES = {
    "header": f"""SELECT child_id AS CHILD, CASE sex WHEN 'M' THEN '1' WHEN 'F' THEN '2' END AS SEX,
        {_d('dob')} AS DOB, ethnicity AS ETHNIC, {_NOT_HELD('UPN', 'MOTHER', 'MC_DOB')}
        FROM child WHERE snapshot_id = $s
        AND child_id IN (SELECT child_id FROM cla_episode WHERE snapshot_id = $s) ORDER BY child_id""",
    "episodes": f"""SELECT c.child_id AS CHILD, {_d('c.start_date')} AS DECOM, c.start_reason AS RNE,
        c.legal_status AS LS,
        (SELECT e.primary_need FROM episode e WHERE e.snapshot_id = $s AND e.child_id = c.child_id
           AND e.referral_date <= c.start_date AND (e.close_date IS NULL OR e.close_date > c.start_date)
         ORDER BY e.referral_date DESC LIMIT 1) AS CIN,
        c.placement_type AS PLACE, c.placement_provider AS PLACE_PROVIDER, {_d('c.end_date')} AS DEC,
        c.end_reason AS REC, {_NOT_HELD('REASON_PLACE_CHANGE', 'HOME_POST', 'PL_POST', 'URN')}
        FROM cla_episode c WHERE c.snapshot_id = $s ORDER BY c.child_id, c.start_date""",
    "reviews": f"""SELECT r.child_id AS CHILD, {_d('c.dob')} AS DOB, {_d('r.held_date')} AS REVIEW,
        'PN1' AS REVIEW_CODE FROM review r JOIN child c USING (child_id, snapshot_id)
        WHERE r.snapshot_id = $s AND r.kind = 'CLA' AND r.held_date IS NOT NULL ORDER BY 1, r.held_date""",
    "oc3": f"""SELECT l.child_id AS CHILD, {_d('c.dob')} AS DOB,
        CASE WHEN l.in_touch THEN 'YES' WHEN NOT l.in_touch THEN 'NO' END AS IN_TOUCH, l.activity AS ACTIV,
        l.accommodation || CASE WHEN l.suitable THEN '1' WHEN NOT l.suitable THEN '2' ELSE '' END AS ACCOM
        FROM care_leaver l JOIN child c USING (child_id, snapshot_id) WHERE l.snapshot_id = $s ORDER BY 1""",
    "social_worker": f"""SELECT a.child_id AS CHILD, {_d('c.dob')} AS DOB, coalesce(w.swe_no, w.worker_id) AS SW_ID,
        {_d('a.start_date')} AS SW_DECOM, {_d('a.end_date')} AS SW_DEC, CASE a.change_reason {_SW_REASON} END AS SW_REASON
        FROM allocation a JOIN worker w USING (worker_id, snapshot_id) JOIN child c USING (child_id, snapshot_id)
        WHERE a.snapshot_id = $s AND a.role = 'allocated_social_worker'
          AND (a.end_date IS NULL OR a.end_date > a.start_date)  -- never held: would repeat its SW_DECOM
          AND a.child_id IN (SELECT child_id FROM cla_episode WHERE snapshot_id = $s)
        ORDER BY a.child_id, a.start_date""",
    "missing": _of_children("missing_episode", f"{_d('c.dob')} AS DOB, t.kind AS MISSING, "
                            f"{_d('t.start_date')} AS MIS_START, {_d('t.end_date')} AS MIS_END", "t.start_date"),
    "uasc": _of_children("uasc", f"{_SEX} AS SEX, {_d('c.dob')} AS DOB, {_d('t.ceased_date')} AS DUC", "1"),
    "placed_for_adoption": _of_children(
        "adoption", f"{_d('c.dob')} AS DOB, {_d('t.decision_date')} AS DATE_PLACED, "
        f"{_d('t.decision_ceased_date')} AS DATE_PLACED_CEASED, t.ceased_reason AS REASON_PLACED_CEASED",
        "t.decision_date"),
    "ad1": _of_children(
        "(SELECT * FROM adoption WHERE matched_date IS NOT NULL OR adopters IS NOT NULL)",
        f"{_d('c.dob')} AS DOB, {_d('t.decision_date')} AS DATE_INT, {_d('t.matched_date')} AS DATE_MATCH, "
        "CASE WHEN t.adopted_by_foster_carer THEN '1' WHEN NOT t.adopted_by_foster_carer THEN '0' END "
        "AS FOSTER_CARE, t.adopters AS NB_ADOPTR, t.adopters_sex AS SEX_ADOPTR, "
        "t.adopters_legal_status AS LS_ADOPTR", "t.decision_date"),
    "previous_permanence": _of_children(
        "previous_permanence", f"{_d('c.dob')} AS DOB, t.arrangement AS PREV_PERM, t.council_code AS LA_PERM, "
        "t.order_date AS DATE_PERM", "1"),
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
