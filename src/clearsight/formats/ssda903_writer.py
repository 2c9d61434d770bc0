"""Write a snapshot as SSDA903 CSV tables (header, episodes, reviews, oc3, social_worker, missing, uasc,
placed_for_adoption, ad1, previous_permanence), dd/mm/yyyy dates, each with DfE's column set (as DfE's 903
validator matches tables). A girl looked after in the year has MOTHER 1 when her child was born by the
year's end (with MC_DOB), else 0 (rule 628: none for a care leaver not looked after in the year).

Given a collection year (`year_end`, a 31 March), the files are that year's return, as DfE's SSDA903 guidance
asks: every looked-after episode open at some time from 1 April to 31 March (an episode ending later is written
open: DEC and REC blank), with the header, reviews, social worker episodes, missing periods, UASC and adoption
rows of those children within the year; the OC3 cohort (care leavers who turn 17 to 21 in the year, a 17- or
18-year-old only when no longer looked after on that birthday); previous permanence for each child starting a
period of care in the year (Z1, none recorded, when Clearsight holds no arrangement). Without a year the whole
history is written, one row per record (multi-year use and round trips).

Codes follow DfE's: an episode's CIN is the child's latest need in N1-N8 (N0 and N9 have no 903 code)
recorded at a referral on or before the start of its period of care, so constant over the period; a review is
PN0 for a child under 4, else PN1; SW_REASON is why that social worker episode began: the reason the previous
one ended when it follows on within DfE's 7 days, else FCONTA (the first contact); the social worker episodes
are those of the child's time looked after in the year: for a child who came into care in the year they begin
that day (the last such day), and for one who left care none begins after that day (DfE's rules SW10-SW12). The
placed-for-adoption and AD1 rows are those of decisions made in the child's care in the year (a decision of an
earlier period of care that ended in adoption is not this year's: rule 1003). SW_ID is the worker's
Social Work England number where known, else their worker id. DuckDB's COPY writes the files, so exporting a
large council runs at database speed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from clearsight.formats.ssd_spec import CHANGE_REASON_CODES
from clearsight.store.snapshots import Snapshot

# A social worker episode following the last within this many days continues the child's social work (DfE
# 903 rule SW10: SW_DECOM within 7 days of the previous SW_DEC); after a longer gap it is a first contact.
SW_CONTINUES_DAYS = 7


def _d(col: str) -> str:
    return f"strftime({col}, '%d/%m/%Y')"


def _in_year(col: str) -> str:
    """`col` formatted, blank when it lies after the year (not yet known to the return)."""
    return f"CASE WHEN {col} <= $last THEN {_d(col)} END"


_SEX = "CASE c.sex WHEN 'M' THEN '1' WHEN 'F' THEN '2' END"
# DfE's reasons for a change of social worker (the SSD uses the same code set)
_SW_REASON = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CHANGE_REASON_CODES.items())


# The year's episodes, the children they hold and the OC3 cohort, shared by every table's query.
_YEAR = """WITH eps AS (SELECT * FROM cla_episode WHERE snapshot_id = $s AND start_date <= $last
        AND (end_date IS NULL OR end_date >= $first)),
    looked AS (SELECT DISTINCT child_id FROM eps),
    -- in a year's return: the last day the child came into care in the year, and the day they left it
    span AS (SELECT child_id, max(start_date) FILTER (WHERE start_reason = 'S' AND start_date >= $first)
                AS care_start,
            CASE WHEN count(end_date) = count(*) AND max(end_date) <= $last THEN max(end_date) END AS care_end
        FROM eps WHERE $bounded GROUP BY child_id),
    periods AS (SELECT child_id, period_id, min(start_date) AS period_start FROM cla_episode WHERE snapshot_id = $s
        GROUP BY ALL),
    -- the start of the child's first period of care in the year
    looked_from AS (SELECT child_id, min(period_start) AS period_start FROM eps JOIN periods USING (child_id, period_id)
        GROUP BY ALL),
    aged AS (SELECT l.*, c.dob, year($last) - year(c.dob)
            - CASE WHEN strftime(c.dob, '%m%d') > strftime($last, '%m%d') THEN 1 ELSE 0 END AS age
        FROM care_leaver l JOIN child c USING (child_id, snapshot_id) WHERE l.snapshot_id = $s),
    cohort AS (SELECT * FROM aged a WHERE NOT $bounded OR (a.age BETWEEN 17 AND 21 AND (a.age > 18
        OR NOT EXISTS (SELECT 1 FROM cla_episode e WHERE e.snapshot_id = $s AND e.child_id = a.child_id
            AND (e.end_date IS NULL OR e.end_date >= a.dob + to_years(CAST(a.age AS INTEGER)))))))
"""


# an adoption decision made in the child's care in the year, not one of an earlier period that ended in adoption
# (903 rule 1003)
_THIS_CARE = ("(NOT $bounded OR t.decision_date >= (SELECT f.period_start FROM looked_from f "
              "WHERE f.child_id = t.child_id))")


def _of_children(table: str, columns: str, order: str, where: str = "TRUE") -> str:
    """Rows of `table` for the year's children, beside each child's date of birth (the 903 repeats it)."""
    return (f"{_YEAR} SELECT t.child_id AS CHILD, {columns} FROM {table} t JOIN child c USING (child_id, snapshot_id) "
            f"WHERE t.snapshot_id = $s AND t.child_id IN (SELECT child_id FROM looked) AND {where} "
            f"ORDER BY t.child_id, {order}")


QUERIES = {
    "header": f"""{_YEAR} SELECT child_id AS CHILD, CASE sex WHEN 'M' THEN '1' WHEN 'F' THEN '2' END AS SEX,
        {_d('dob')} AS DOB, ethnicity AS ETHNIC, upn AS UPN,
        CASE WHEN sex = 'F' AND mother IS NOT NULL AND child_id IN (SELECT child_id FROM looked)
            THEN CASE WHEN mother_child_dob <= $last THEN '1' ELSE '0' END END AS MOTHER,
        CASE WHEN sex = 'F' AND mother_child_dob <= $last AND child_id IN (SELECT child_id FROM looked)
            THEN {_d('mother_child_dob')} END AS MC_DOB
        FROM child WHERE snapshot_id = $s
        AND child_id IN (SELECT child_id FROM looked UNION SELECT child_id FROM cohort) ORDER BY child_id""",
    "episodes": f"""{_YEAR} SELECT c.child_id AS CHILD, {_d('c.start_date')} AS DECOM, c.start_reason AS RNE,
        c.legal_status AS LS,
        (SELECT e.primary_need FROM episode e WHERE e.snapshot_id = $s AND e.child_id = c.child_id
           AND e.primary_need BETWEEN 'N1' AND 'N8' AND e.referral_date <= c.period_start
         ORDER BY e.referral_date DESC LIMIT 1) AS CIN,
        c.placement_type AS PLACE, c.placement_provider AS PLACE_PROVIDER, {_in_year('c.end_date')} AS DEC,
        CASE WHEN c.end_date <= $last THEN c.end_reason END AS REC,
        CASE WHEN c.end_date <= $last THEN c.placement_change_reason END AS REASON_PLACE_CHANGE,
        c.home_postcode AS HOME_POST, c.placement_postcode AS PL_POST, c.placement_urn AS URN
        FROM (SELECT e.*, p.period_start FROM eps e JOIN periods p USING (child_id, period_id)) c
        ORDER BY c.child_id, c.start_date""",
    "reviews": _of_children(
        "review", f"{_d('c.dob')} AS DOB, {_d('t.held_date')} AS REVIEW, "
        "CASE WHEN t.held_date < c.dob + INTERVAL 4 YEAR THEN 'PN0' ELSE 'PN1' END AS REVIEW_CODE",
        "t.held_date", "t.kind = 'CLA' AND t.held_date BETWEEN $first AND $last"),
    "oc3": f"""{_YEAR} SELECT l.child_id AS CHILD, {_d('l.dob')} AS DOB,
        CASE WHEN l.in_touch THEN 'YES' WHEN NOT l.in_touch THEN 'NO' END AS IN_TOUCH, l.activity AS ACTIV,
        l.accommodation || CASE WHEN l.suitable THEN '1' WHEN NOT l.suitable THEN '2' ELSE '' END AS ACCOM
        FROM cohort l ORDER BY 1""",
    # each social worker episode with the reason the one before it ended, over the child's whole history; in a
    # year's return, those of the child's time looked after in the year: from the day they came into care in the
    # year (an earlier worker's episode begins then, as a first contact), and none beginning after they left care
    # in it (rules SW10-SW12: a later worker is the child in need service's, not the return's)
    "social_worker": _of_children(
        f"""(SELECT h.*, greatest(h.start_date, coalesce(n.care_start, h.start_date)) AS sw_start,
                CASE WHEN h.start_date >= coalesce(n.care_start, h.start_date) THEN h.reason_before END AS sw_reason
            FROM (SELECT a.*, coalesce(w.swe_no, w.worker_id) AS sw_id,
                    CASE WHEN lag(a.end_date) OVER child_order >= a.start_date - {SW_CONTINUES_DAYS}
                         THEN lag(a.change_reason) OVER child_order END AS reason_before
                FROM allocation a JOIN worker w USING (worker_id, snapshot_id)
                WHERE a.snapshot_id = $s AND a.role = 'allocated_social_worker'
                  AND (a.end_date IS NULL OR a.end_date > a.start_date)  -- never held: would repeat its SW_DECOM
                WINDOW child_order AS (PARTITION BY a.snapshot_id, a.child_id ORDER BY a.start_date)) h
            LEFT JOIN span n USING (child_id)
            WHERE (h.end_date IS NULL OR n.care_start IS NULL OR h.end_date > n.care_start)
              AND (n.care_end IS NULL OR h.start_date < n.care_end))""",
        f"{_d('c.dob')} AS DOB, t.sw_id AS SW_ID, {_d('t.sw_start')} AS SW_DECOM, {_in_year('t.end_date')} AS SW_DEC, "
        f"coalesce(CASE t.sw_reason {_SW_REASON} END, 'FCONTA') AS SW_REASON",
        "t.start_date", "t.start_date <= $last AND (t.end_date IS NULL OR t.end_date >= $first)"),
    # a missing period within one of the year's episodes
    "missing": _of_children(
        "missing_episode", f"{_d('c.dob')} AS DOB, t.kind AS MISSING, {_d('t.start_date')} AS MIS_START, "
        f"{_in_year('t.end_date')} AS MIS_END", "t.start_date",
        "t.start_date <= $last AND (t.end_date IS NULL OR t.end_date >= $first) AND (NOT $bounded OR EXISTS ("
        "SELECT 1 FROM eps e WHERE e.child_id = t.child_id AND t.start_date >= e.start_date "
        "AND (e.end_date IS NULL OR t.start_date <= e.end_date)))"),
    "uasc": _of_children("uasc", f"{_SEX} AS SEX, {_d('c.dob')} AS DOB, {_d('t.ceased_date')} AS DUC", "1",
                         "(t.ceased_date IS NULL OR t.ceased_date >= $first)"),
    "placed_for_adoption": _of_children(
        "adoption", f"{_d('c.dob')} AS DOB, {_d('t.decision_date')} AS DATE_PLACED, "
        f"{_in_year('t.decision_ceased_date')} AS DATE_PLACED_CEASED, "
        "CASE WHEN t.decision_ceased_date <= $last THEN t.ceased_reason END AS REASON_PLACED_CEASED",
        "t.decision_date", f"t.decision_date <= $last AND (t.decision_ceased_date IS NULL "
        f"OR t.decision_ceased_date >= $first) AND {_THIS_CARE}"),
    "ad1": _of_children(
        "(SELECT * FROM adoption WHERE matched_date IS NOT NULL OR adopters IS NOT NULL)",
        f"{_d('c.dob')} AS DOB, {_d('t.decision_date')} AS DATE_INT, {_in_year('t.matched_date')} AS DATE_MATCH, "
        "CASE WHEN t.adopted_by_foster_carer THEN '1' WHEN NOT t.adopted_by_foster_carer THEN '0' END "
        "AS FOSTER_CARE, t.adopters AS NB_ADOPTR, t.adopters_sex AS SEX_ADOPTR, "
        "t.adopters_legal_status AS LS_ADOPTR", "t.decision_date", f"t.decision_date <= $last AND {_THIS_CARE}"),
    # in a year's return, every child starting a period of care in the year: Z1 when none is recorded
    "previous_permanence": f"""{_YEAR} SELECT s.child_id AS CHILD, {_d('c.dob')} AS DOB,
        coalesce(p.arrangement, 'Z1') AS PREV_PERM, p.council_code AS LA_PERM, p.order_date AS DATE_PERM
        FROM (SELECT child_id FROM eps WHERE start_reason = 'S' AND start_date >= $first AND $bounded
              UNION SELECT child_id FROM previous_permanence WHERE snapshot_id = $s AND NOT $bounded) s
        JOIN child c ON c.snapshot_id = $s AND c.child_id = s.child_id
        LEFT JOIN previous_permanence p ON p.snapshot_id = $s AND p.child_id = s.child_id ORDER BY 1""",
}


def write_ssda903(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, out: Path,
                  year_end: date | None = None) -> dict[str, int]:
    """Write `<out>/SSDA903_<table>.csv` for each table: the return for the collection year ending `year_end`
    (a 31 March), or the whole history when None; returns rows written per table."""
    if year_end is not None and (year_end.month, year_end.day) != (3, 31):
        raise ValueError(f"an SSDA903 year ends on 31 March, not {year_end.isoformat()}")
    params = {"s": snapshot.snapshot_id, "bounded": year_end is not None,
              "first": date(year_end.year - 1, 4, 1) if year_end else date(1, 1, 1),
              "last": year_end or date(9999, 12, 31)}
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table, sql in QUERIES.items():
        path = out / f"SSDA903_{table}.csv"
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        con.sql(sql, params=used).write_csv(str(path), header=True)
        counts[table] = int(con.execute(f"SELECT count(*) FROM ({sql})", used).fetchone()[0])  # type: ignore[index]
    return counts
