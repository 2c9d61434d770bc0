"""SSDA903 looked-after-children return (CSV tables, several years concatenated) into the canonical model.

Each CSV is staged by the store's own CSV stager (true line numbers, malformed lines reported, BOM and CRLF
tolerated) into a scratch DuckDB, and mapped column-wise in SQL: the reader runs at CSV speed, not Python's.
Files of the same table from several years are stacked. Each row's collection year comes from a YEAR column, else
from a year in its file's name (SSDA903_2020_episodes.csv, episodes_2019-20.csv: 2020): a record repeated in a
later year's return (an episode open at 31 March is returned again the next year, with its end filled in) is
merged into it, the latest year's version kept, and the notes count the merges; identical rows are kept once
(formats.screen). A child with episodes (or reviews, ...) but no header row is kept with sex, ethnicity and date
of birth unknown and named in the notes, so its episodes load and figures that use those fields grade lower.

What 903 cannot say: it has no teams, so allocations from the social_worker table sit in one team
'Unknown team (SSDA903)'; social workers are known only by SW_ID (their Social Work England number), so they
are provisional workers (role social worker, FTE 1.0, employment unknown); there are no CIN episodes, so no
open cases for the allocation position come from 903 alone; the oc2 table (health and offending) has no
canonical table and is counted, not loaded. Placed-for-adoption and AD1 rows of one child and decision date
are one adoption row. The return has no extract date: it is inferred from the latest
event date unless given. DEC, the day an episode ceased, is the next episode's DECOM: the schema's end date
(the day after the last day in that episode) as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from functools import partial
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from clearsight.formats.errors import ReaderError
from clearsight.formats.rows import from_arrow, query_table
from clearsight.formats.source import ReaderOutput
from clearsight.store.staging import UnreadableFile, normalise_header, scratch_connection, stage_file
from clearsight.store.validation import sql_date

FORMAT = "ssda903"
UNKNOWN_TEAM = "ssda903:unknown-team"

# Table -> columns that identify it (all must be in the header).
TABLES: dict[str, tuple[str, ...]] = {
    "episodes": ("child", "decom", "rne", "ls"),
    "header": ("child", "sex", "dob", "ethnic"),
    "reviews": ("child", "review", "review_code"),
    "oc3": ("child", "in_touch", "activ", "accom"),
    "social_worker": ("child", "sw_id", "sw_decom"),
    "missing": ("child", "missing", "mis_start"),
    "oc2": ("child", "convicted", "health_check"),
    "uasc": ("child", "duc"),
    "previous_permanence": ("child", "prev_perm"),
    "placed_for_adoption": ("child", "date_placed"),
    "ad1": ("child", "date_int"),
}
MODELLED = ("episodes", "header", "reviews", "oc3", "social_worker", "missing", "uasc", "previous_permanence",
            "placed_for_adoption", "ad1")
ADOPTION = ("placed_for_adoption", "ad1")  # two tables, one canonical table: joined on child and decision date


def table_of(header: Sequence[str]) -> str | None:
    names = {normalise_header(h) for h in header}
    return next((t for t, need in TABLES.items() if set(need) <= names), None)


def _t(col: str) -> str:
    return f"NULLIF(upper(trim(CAST({col} AS VARCHAR))), '')"


def _d(col: str) -> str:
    """The date parsed once, when the table was stacked (see `_DATES`)."""
    return f"_date_{col}"


# Every query keeps `_la` (the council a row belongs to, from an LA column) and works within it.
_SQL = {
    "child": f"""SELECT _la, _child AS child_id,
            CASE {_t('sex')} WHEN '1' THEN 'M' WHEN '2' THEN 'F' WHEN 'M' THEN 'M' WHEN 'F' THEN 'F'
                 ELSE {_t('sex')} END AS sex,
            {_t('ethnic')} AS ethnicity, trim(dob) AS dob, {_t('upn')} AS upn,
            CASE {_t('mother')} WHEN '1' THEN 'Y' WHEN '0' THEN 'N' END AS mother,
            NULLIF(trim(mc_dob), '') AS mother_child_dob, source_file, source_row FROM t_header""",
    "cla_episode": f"""WITH e AS (
            SELECT *, {_d('decom')} AS _start,
                   lag({_t('rec')}) OVER w AS _prev_rec, row_number() OVER w AS _n
            FROM t_episodes WINDOW w AS (PARTITION BY _la, _child ORDER BY {_d('decom')}, source_row)),
          p AS (SELECT *, max(CASE WHEN {_t('rne')} = 'S' OR _n = 1 OR _prev_rec <> 'X1'
                                   THEN _start END)
                          OVER (PARTITION BY _la, _child ORDER BY _start, source_row ROWS UNBOUNDED PRECEDING)
                          AS _period FROM e)
        SELECT _la, _child || ':' || coalesce(CAST(_start AS VARCHAR), trim(decom)) AS cla_episode_id,
            _child AS child_id,
            _child || ':' || coalesce(CAST(_period AS VARCHAR), trim(decom)) AS period_id, trim(decom) AS start_date,
            {_t('rne')} AS start_reason, {_t('ls')} AS legal_status, {_t('place')} AS placement_type,
            {_t('place_provider')} AS placement_provider, NULLIF(trim(dec), '') AS end_date,
            {_t('rec')} AS end_reason, {_t('reason_place_change')} AS placement_change_reason,
            {_t('home_post')} AS home_postcode, {_t('pl_post')} AS placement_postcode, {_t('urn')} AS placement_urn,
            source_file, source_row FROM p""",
    "review": f"""SELECT _la, 'CLA:' || _child || ':' || trim(review) AS review_id, _child AS child_id,
            'CLA' AS kind, NULLIF(trim(review), '') AS held_date, source_file, source_row FROM t_reviews""",
    "care_leaver": f"""SELECT _la, _child AS child_id,
            CASE {_t('in_touch')} WHEN 'YES' THEN 'Y' WHEN 'NO' THEN 'N' WHEN 'Y' THEN 'Y' WHEN 'N' THEN 'N' END
                AS in_touch,
            left({_t('accom')}, 1) AS accommodation,
            CASE substr({_t('accom')}, 2, 1) WHEN '1' THEN 'Y' WHEN '2' THEN 'N' END AS suitable,
            {_t('activ')} AS activity, source_file, source_row FROM t_oc3""",
    "allocation": f"""SELECT _la, 'SW:' || _child || ':' || trim(sw_decom) AS allocation_id,
            _child AS child_id, trim(sw_id) AS worker_id, '{UNKNOWN_TEAM}' AS team_id,
            'allocated_social_worker' AS role, trim(sw_decom) AS start_date,
            CAST(lead({_d('sw_decom')}) OVER (PARTITION BY _la, _child ORDER BY {_d('sw_decom')}, source_row)
                 AS VARCHAR) AS end_date,
            source_file, source_row FROM t_social_worker""",
    "worker": f"""SELECT _la, trim(sw_id) AS worker_id, trim(sw_id) AS swe_no, trim(sw_id) AS name,
            'social_worker' AS role, 'permanent' AS employment,
            CAST(min({_d('sw_decom')}) AS VARCHAR) AS start_date,
            min(source_file) AS source_file, min(source_row) AS source_row
            FROM t_social_worker WHERE NULLIF(trim(sw_id), '') IS NOT NULL GROUP BY _la, trim(sw_id)""",
    "worker_post": f"""SELECT _la, trim(sw_id) AS post_id, trim(sw_id) AS worker_id, '{UNKNOWN_TEAM}' AS team_id,
            'social_worker' AS role, '1.0' AS fte, CAST(min({_d('sw_decom')}) AS VARCHAR) AS start_date,
            min(source_file) AS source_file, min(source_row) AS source_row
            FROM t_social_worker WHERE NULLIF(trim(sw_id), '') IS NOT NULL GROUP BY _la, trim(sw_id)""",
    "missing_episode": f"""SELECT _la, _child || ':' || trim(mis_start) AS missing_id, _child AS child_id,
            {_t('missing')} AS kind, trim(mis_start) AS start_date, NULLIF(trim(mis_end), '') AS end_date,
            source_file, source_row FROM t_missing""",
    "uasc": f"""SELECT _la, _child AS child_id, NULLIF(trim(duc), '') AS ceased_date, source_file, source_row
            FROM t_uasc""",
    "previous_permanence": f"""SELECT _la, _child AS child_id, {_t('prev_perm')} AS arrangement,
            NULLIF(trim(date_perm), '') AS order_date, NULLIF(trim(la_perm), '') AS council_code, source_file,
            source_row FROM t_previous_permanence""",
    "adoption": f"""WITH p AS (SELECT * FROM t_placed_for_adoption), a AS (SELECT * FROM t_ad1)
        SELECT coalesce(p._la, a._la) AS _la,
            coalesce(p._child, a._child) || ':' || coalesce(CAST(coalesce(p.{_d('date_placed')}, a.{_d('date_int')}) AS VARCHAR),
                                                     trim(coalesce(p.date_placed, a.date_int))) AS adoption_id,
            coalesce(p._child, a._child) AS child_id, trim(coalesce(p.date_placed, a.date_int)) AS decision_date,
            NULLIF(trim(p.date_placed_ceased), '') AS decision_ceased_date,
            {_t('p.reason_placed_ceased')} AS ceased_reason, NULLIF(trim(a.date_match), '') AS matched_date,
            trim(a.foster_care) AS adopted_by_foster_carer, trim(a.nb_adoptr) AS adopters,
            {_t('a.sex_adoptr')} AS adopters_sex, {_t('a.ls_adoptr')} AS adopters_legal_status,
            coalesce(p.source_file, a.source_file) AS source_file, coalesce(p.source_row, a.source_row) AS source_row
        FROM p FULL JOIN a ON p._la IS NOT DISTINCT FROM a._la AND p._child = a._child
            AND p.{_d('date_placed')} = a.{_d('date_int')}""",
}
_NEEDS = {"cla_episode": ("episodes",), "review": ("reviews",), "care_leaver": ("oc3",),
          "allocation": ("social_worker",), "worker": ("social_worker",), "worker_post": ("social_worker",),
          "missing_episode": ("missing",), "uasc": ("uasc",), "previous_permanence": ("previous_permanence",),
          "adoption": ADOPTION}
_DATES = {"episodes": ("decom", "dec"), "reviews": ("review",), "social_worker": ("sw_decom",),  # parsed once
          "missing": ("mis_start", "mis_end"), "uasc": ("duc",), "placed_for_adoption": ("date_placed",
          "date_placed_ceased"), "ad1": ("date_int", "date_match")}
_EVENT_DATES = {k: v for k, v in _DATES.items() if k != "uasc"}  # DUC is often a future 18th birthday
# What identifies one record of a table across years' returns; the latest year's version of it is kept.
RECORD_KEY = {"episodes": ("child", "decom"), "header": ("child",), "reviews": ("child", "review"),
              "oc3": ("child",), "social_worker": ("child", "sw_decom"), "missing": ("child", "mis_start"),
              "uasc": ("child",), "previous_permanence": ("child",), "placed_for_adoption": ("child", "date_placed"),
              "ad1": ("child", "date_int")}
NAMED_CHILDREN = 20  # children without a header row named in the notes; the count covers them all

# A collection year in a file name: 2020, or 2019-20 / 2019_2020 (the year the return is for ends the span).
_NAME_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:[-_](\d\d)(?:\d\d)?)?(?!\d)")


def year_of_name(name: str) -> int | None:
    """The collection year a file's name gives, if any: the last year written in it."""
    found = _NAME_YEAR.findall(name)
    if not found:
        return None
    start, end = found[-1]
    return int(start) + 1 if end else int(start)


def _year_sql(col: str) -> str:
    """A YEAR cell as a collection year: 2020, or 2019-20 / 2019/2020 read as 2020."""
    t = f"trim(CAST({col} AS VARCHAR))"
    return (f"CASE WHEN regexp_full_match({t}, '\\d{{4}}[-/_]\\d{{2}}(\\d{{2}})?') "
            f"THEN TRY_CAST(left({t}, 4) AS INTEGER) + 1 ELSE TRY_CAST({t} AS INTEGER) END")


def read(paths: Sequence[Path]) -> list[ReaderOutput]:
    """Read SSDA903 CSV files (any tables, any years) into canonical rows: one output per council when an LA
    column names several (a regional or national stack), else one for the council the files do not name."""
    files = ReaderOutput(FORMAT, list(paths))  # what is said of whole files: malformed lines, column names
    con = scratch_connection(paths)
    try:
        staged, merged = _stage(con, paths, files)
        councils = sorted({r[0] for kind in staged for r in con.execute(f"SELECT DISTINCT _la FROM t_{kind}")
                           .fetchall()}, key=lambda c: (c is not None, c or "")) or [None]  # no rows: one, empty
        outputs = {la: ReaderOutput(FORMAT, list(paths), council=la or "", notes=list(files.notes),
                                    rejected=list(files.rejected), headers=dict(files.headers)) for la in councils}
        if len(councils) > 1:
            named = ", ".join(c or "(blank LA)" for c in councils)
            for out in outputs.values():
                out.notes.insert(0, f"SSDA903: the LA column names {len(councils)} councils, each loaded as its "
                                    f"own snapshot ({named})")
        for kind, by_la in merged.items():
            key = " and ".join(c.upper() for c in RECORD_KEY[kind])
            for la, n in by_la.items():
                outputs[la].notes.append(f"SSDA903 {kind}: {n:,} rows repeat a record (same {key}) of a later "
                                         "year's return and were merged into it, the latest year's version kept")
        for kind in staged:
            if kind not in MODELLED:
                for la, n in con.execute(f"SELECT _la, count(*) FROM t_{kind} GROUP BY _la").fetchall():
                    outputs[la].notes.append(f"SSDA903 {kind}: {n} rows read; no canonical table holds them, so "
                                             "they are not loaded")
        child_tables = [k for k in MODELLED if k in staged]
        queries = {kind: _SQL[kind] for kind, needs in _NEEDS.items() if any(n in staged for n in needs)}
        if "adoption" in queries:
            for kind in ADOPTION:
                if kind not in staged:  # joined with the other: an empty table of its columns
                    _empty_table(con, kind)
        if child_tables:
            _stage_unheaded(con, child_tables)
            queries = {"child": _children_sql(child_tables), **queries}
            for la, note in _headerless_notes(con, child_tables).items():
                outputs[la].notes.append(note)
        for kind, sql in queries.items():
            for la, rows in _by_council(query_table(con, sql), councils).items():
                outputs[la].tables[kind] = from_arrow(kind, rows)
        for la, out in outputs.items():
            if "allocation" in out.tables:
                out.tables["team"] = from_arrow("team", con.execute(
                    f"SELECT '{UNKNOWN_TEAM}' AS team_id, 'Unknown team (SSDA903)' AS name, 'cla' AS service, "
                    "'SSDA903 social_worker' AS source_file, 1 AS source_row").arrow())
                out.notes.append("SSDA903 names social workers by SW_ID only and no teams: they are provisional "
                                 "workers in 'Unknown team (SSDA903)' (FTE 1.0, employment and start date unknown)")
        for la, (latest, outliers) in _latest(con, staged).items():
            outputs[la].extract_date = latest
            outputs[la].extract_date_basis = ("inferred from the SSDA903 files: the latest event date (episode, "
                                              f"review, social worker, missing, adoption){outliers}")
    finally:
        con.close()
    return list(outputs.values())


def _stage(con: duckdb.DuckDBPyConnection, paths: Sequence[Path], files: ReaderOutput
           ) -> tuple[dict[str, list[str]], dict[str, dict[str | None, int]]]:
    """Stage every file and stack each table's files as `t_<table>`, with each row's collection year (`_year`),
    council (`_la`), child (`_child`) and parsed dates worked out as the file is staged, a record repeated in a
    later year's return merged into it (`_merge_years`); returns table -> its files' stage names, and table ->
    council -> rows merged."""
    staged: dict[str, list[str]] = {}
    for i, path in enumerate(paths):
        try:
            with open(path, newline="", encoding="utf-8-sig") as fh:
                first = fh.readline()
        except (OSError, UnicodeDecodeError) as exc:
            raise ReaderError(path.name, f"cannot be read as UTF-8 CSV text ({exc})") from None
        kind = table_of(first.rstrip("\r\n").split(","))
        if kind is None:
            raise ReaderError(path.name, "header names no SSDA903 table (expected e.g. CHILD,DECOM,RNE,LS,... "
                                         "or CHILD,SEX,DOB,ETHNIC,...)", row=1)
        try:
            staged_file = stage_file(con, f"f{i}", path, path.name, partial(_derived, kind, year_of_name(path.stem)))
        except (duckdb.Error, UnreadableFile) as exc:
            raise ReaderError(path.name, f"cannot be read as CSV ({str(exc).splitlines()[0]})") from None
        files.rejected.extend(staged_file.problems)
        files.headers.update({(path.name, col): code.upper() for col, code in _HEADER_OF.get(kind, {}).items()})
        known = _KNOWN_COLUMNS.get(kind, set(TABLES[kind])) | {"year", "la"}
        extra = [h for h in staged_file.header if h not in known]
        if extra and kind in MODELLED:
            files.notes.append(f"{path.name}: columns not used: {', '.join(extra)}")
        staged.setdefault(kind, []).append(f"stage_f{i}")
    merged: dict[str, dict[str | None, int]] = {}
    for kind, parts in staged.items():
        if len(parts) == 1:  # one file (a stack with a YEAR column, or one year): the stage is the table
            con.execute(f"ALTER TABLE {parts[0]} RENAME TO t_{kind}")
        else:
            union = " UNION ALL BY NAME ".join(f"SELECT * FROM {p}" for p in parts)
            con.execute(f"CREATE TEMP TABLE t_{kind} AS {union}")
            for p in parts:
                con.execute(f"DROP TABLE {p}")
        if kind in MODELLED:
            merged[kind] = _merge_years(con, kind)
    return staged, merged


def _derived(kind: str, name_year: int | None, header: list[str]) -> list[str]:
    """What a file of `kind` adds to each row as it is staged: its collection year (a YEAR column, else the
    year its file's name gives), council (an LA column), normalised child id; for a modelled table, the columns
    of the table the file lacks (empty) and its dates parsed once (`_DATES`)."""
    year = _year_sql("year") if "year" in header else (str(name_year) if name_year else "NULL")
    la = "NULLIF(trim(la), '')" if "la" in header else "CAST(NULL AS VARCHAR)"
    columns = [f"CAST({year} AS INTEGER) AS _year", f"{la} AS _la", f"{_t('child')} AS _child"]
    if kind in MODELLED:
        columns += [f"CAST(NULL AS VARCHAR) AS {c}" for c in sorted(_KNOWN_COLUMNS[kind] - set(header))]
        columns += [f"{sql_date(c) if c in header else 'CAST(NULL AS DATE)'} AS {_d(c)}" for c in _DATES.get(kind, ())]
    return columns


def _empty_table(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    cols = [f"CAST(NULL AS VARCHAR) AS {c}" for c in sorted(_KNOWN_COLUMNS[kind])]
    cols += [f"CAST(NULL AS DATE) AS {_d(c)}" for c in _DATES.get(kind, ())]
    con.execute(f"CREATE TEMP TABLE t_{kind} AS SELECT {', '.join(cols)}, CAST(NULL AS VARCHAR) AS _la, "
                "CAST(NULL AS INTEGER) AS _year, CAST(NULL AS VARCHAR) AS _child, CAST(NULL AS VARCHAR) AS source_file, "
                "CAST(NULL AS BIGINT) AS source_row WHERE false")


def _by_council(rows: pa.Table, councils: list[str | None]) -> dict[str | None, pa.Table]:
    """A query's rows split by council (`_la`); every council gets a table, perhaps empty."""
    if len(councils) == 1:
        return {councils[0]: rows}
    la = rows["_la"]
    return {c: rows.filter(pc.is_null(la) if c is None else pc.fill_null(pc.equal(la, c), False))
            for c in councils}


def _record_key(kind: str) -> str:
    """The partition naming one record: a date by its parsed value, or by its text when it has none (a date
    that does not parse is still a key, named by the checks later); the child by `_child`."""
    dates = _DATES.get(kind, ())
    return ", ".join(f"{_d(c)}, CASE WHEN {_d(c)} IS NULL THEN trim({c}) END" if c in dates
                     else "_child" if c == "child" else _t(c) for c in RECORD_KEY[kind])


def _merge_years(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str | None, int]:
    """Delete from `t_<kind>` the rows of a record that a later year's return repeats (per council), keeping
    the latest year's; return, per council, how many rows were merged away. Rows of one year sharing a key are
    all kept, so a true duplicate is still named by the key check."""
    years = con.execute(f"SELECT count(DISTINCT coalesce(_year, -1)) FROM t_{kind}").fetchone()
    if years is None or years[0] < 2:
        return {}
    con.execute(f"CREATE TEMP TABLE repeats AS SELECT rowid AS r, _la FROM t_{kind} QUALIFY coalesce(_year, -1) "
                f"< max(coalesce(_year, -1)) OVER (PARTITION BY _la, {_record_key(kind)})")
    merged = dict(con.execute("SELECT _la, count(*) FROM repeats GROUP BY _la").fetchall())
    con.execute(f"DELETE FROM t_{kind} WHERE rowid IN (SELECT r FROM repeats)")
    con.execute("DROP TABLE repeats")
    return merged


def _stage_unheaded(con: duckdb.DuckDBPyConnection, child_tables: list[str]) -> None:
    """`t_unheaded`: children named in a table other than the header but with no header row (per council), one
    row each, at the first row naming them; found once for both the children's rows and the note naming them."""
    if child_tables == ["header"]:
        return
    named = " UNION ALL ".join(f"SELECT _la, _child AS child_id, source_file, source_row FROM t_{k}"
                               for k in child_tables if k != "header")
    known = (f" AND NOT EXISTS (SELECT 1 FROM t_header h WHERE h._la IS NOT DISTINCT FROM n._la "
             f"AND h._child = n.child_id)" if "header" in child_tables else "")
    con.execute(f"CREATE TEMP TABLE t_unheaded AS SELECT _la, child_id, source_file, source_row FROM ({named}) n "
                f"WHERE child_id IS NOT NULL{known} "
                "QUALIFY row_number() OVER (PARTITION BY _la, child_id ORDER BY source_file, source_row) = 1")


def _children_sql(child_tables: list[str]) -> str:
    """The header's children and those with no header row; a child in the UASC table is marked UASC."""
    parts = [_SQL["child"]] if "header" in child_tables else []
    if child_tables != ["header"]:
        parts.append(f"SELECT _la, child_id, NULL AS sex, NULL AS ethnicity, NULL AS dob, NULL AS upn, NULL AS mother, "
                     "NULL AS mother_child_dob, source_file, source_row FROM t_unheaded")
    children = " UNION ALL ".join(parts)
    if "uasc" not in child_tables:
        return children
    return (f"SELECT c.*, CASE WHEN u.child_id IS NOT NULL THEN 'Y' END AS uasc FROM ({children}) c LEFT JOIN "
            f"(SELECT DISTINCT _la, _child AS child_id FROM t_uasc) u "
            "ON c._la IS NOT DISTINCT FROM u._la AND c.child_id = u.child_id")


def _headerless_notes(con: duckdb.DuckDBPyConnection, child_tables: list[str]) -> dict[str | None, str]:
    if child_tables == ["header"]:
        return {}
    found = con.execute(f"SELECT _la, count(*), list(child_id ORDER BY child_id)[:{NAMED_CHILDREN}] "
                        "FROM t_unheaded GROUP BY _la").fetchall()
    notes = {}
    for la, n, ids in found:
        more = f" and {n - len(ids):,} more" if n > len(ids) else ""
        notes[la] = (f"SSDA903: {n:,} children have episodes, reviews or other rows but no header row: they are "
                     "kept with sex, ethnicity and date of birth unknown, and figures by age or sex grade lower for "
                     f"them (CHILD {', '.join(ids)}{more})")
    return notes


_KNOWN_COLUMNS = {
    "episodes": {"child", "decom", "rne", "ls", "cin", "place", "place_provider", "dec", "rec",
                 "reason_place_change", "home_post", "pl_post", "urn"},
    "header": {"child", "sex", "dob", "ethnic", "upn", "mother", "mc_dob"},
    "reviews": {"child", "dob", "review", "review_code"},
    "oc3": {"child", "dob", "in_touch", "activ", "accom"},
    "social_worker": {"child", "dob", "sw_id", "sw_decom", "sw_dec", "sw_reason"},
    "missing": {"child", "dob", "missing", "mis_start", "mis_end"},
    "uasc": {"child", "sex", "dob", "duc"},
    "previous_permanence": {"child", "dob", "prev_perm", "la_perm", "date_perm"},
    "placed_for_adoption": {"child", "dob", "date_placed", "date_placed_ceased", "reason_placed_ceased"},
    "ad1": {"child", "dob", "date_int", "date_match", "foster_care", "nb_adoptr", "sex_adoptr", "ls_adoptr"},
}


# canonical column -> 903 column, per table, so messages name the column a person sees in the file
_HEADER_OF = {
    "episodes": {"child_id": "child", "start_date": "decom", "start_reason": "rne", "legal_status": "ls",
                 "placement_type": "place", "placement_provider": "place_provider", "end_date": "dec",
                 "end_reason": "rec", "placement_change_reason": "reason_place_change", "home_postcode": "home_post",
                 "placement_postcode": "pl_post", "placement_urn": "urn"},
    "header": {"child_id": "child", "sex": "sex", "dob": "dob", "ethnicity": "ethnic", "upn": "upn", "mother": "mother",
               "mother_child_dob": "mc_dob"},
    "reviews": {"child_id": "child", "held_date": "review"},
    "oc3": {"child_id": "child", "in_touch": "in_touch", "activity": "activ", "accommodation": "accom"},
    "social_worker": {"child_id": "child", "worker_id": "sw_id", "start_date": "sw_decom"},
    "missing": {"child_id": "child", "kind": "missing", "start_date": "mis_start", "end_date": "mis_end"},
    "uasc": {"child_id": "child", "ceased_date": "duc"},
    "previous_permanence": {"child_id": "child", "arrangement": "prev_perm", "order_date": "date_perm",
                            "council_code": "la_perm"},
    "placed_for_adoption": {"child_id": "child", "decision_date": "date_placed",
                            "decision_ceased_date": "date_placed_ceased", "ceased_reason": "reason_placed_ceased"},
    "ad1": {"child_id": "child", "decision_date": "date_int", "matched_date": "date_match",
            "adopted_by_foster_carer": "foster_care", "adopters": "nb_adoptr", "adopters_sex": "sex_adoptr",
            "adopters_legal_status": "ls_adoptr"},
}


# The extract date is the latest event date of the bulk of them: dates more than OUTLIER_MARGIN_DAYS after the
# date OUTLIER_QUANTILE of a council's event dates fall by (a DECOM keyed as 2052, a few dates a year ahead) do
# not move it; they are named in a note and their rows left out as after the extract date.
OUTLIER_QUANTILE = 0.99
OUTLIER_MARGIN_DAYS = 31


def _latest(con: duckdb.DuckDBPyConnection, staged: dict[str, list[str]]) -> dict[str | None, tuple[date, str]]:
    """Per council, the latest event date of the bulk of its rows, and a note naming the outlying later ones."""
    parts = [f"SELECT _la, {_d(c)} AS d FROM t_{kind} WHERE {_d(c)} IS NOT NULL"
             for kind, cols in _EVENT_DATES.items() if kind in staged for c in cols]
    if not parts:
        return {}
    rows = con.execute(f"""WITH e AS ({' UNION ALL '.join(parts)}),
            b AS (SELECT _la, quantile_disc(d, {OUTLIER_QUANTILE}) + {OUTLIER_MARGIN_DAYS} AS bound FROM e GROUP BY _la)
        SELECT e._la, max(d) FILTER (WHERE d <= bound), count(*) FILTER (WHERE d > bound),
               list(DISTINCT d ORDER BY d DESC) FILTER (WHERE d > bound)
        FROM e JOIN b ON e._la IS NOT DISTINCT FROM b._la GROUP BY e._la""").fetchall()
    found = {}
    for la, latest, outlying, dates in rows:
        note = ""
        if outlying:
            shown = ", ".join(d.isoformat() for d in dates[:5]) + (" ..." if len(dates) > 5 else "")
            note = (f"; {outlying:,} later dates lie more than {OUTLIER_MARGIN_DAYS} days beyond "
                    f"{OUTLIER_QUANTILE:.0%} of the others and were not taken as the extract date ({shown})")
        found[la] = (latest, note)
    return found
