"""Standard Safeguarding Dataset (SSD) tables into the canonical model.

Input is one CSV or Parquet file per SSD table (named after it, `ssd_person.csv`, any case; or recognised by
its key column), or a DuckDB database holding `ssd_*` tables. Each is staged by the store's stager (true line
numbers, BOM, CRLF and malformed lines handled) into a scratch DuckDB and mapped column-wise in SQL
(`formats.ssd_sql`), as the SSDA903 reader does. Field names and their renamings: `formats.ssd_spec`.

What the SSD cannot say, so Clearsight does not invent it:
- there is no staff history: each professional becomes one provisional post (`worker_post`) in their current
  department at their current FTE (1.0 when blank) and job title, open from their first involvement (else the
  extract date). Role changes, moves between teams, leaving dates, establishment, absence and supervision are
  unavailable; workforce figures from an SSD snapshot alone describe the extract date only, and a leaver shows
  as a worker with no cases. Employment is 'agency' when prof_agency_worker_flag says Y, else 'permanent';
- teams have no service: it is inferred from words in the team's name (else 'cin'); a team named in a table
  but not in ssd_department becomes a team of that name, listed in the notes;
- a looked-after episode's legal status is the ssd_legal_status row current when the episode began, its
  placement the ssd_cla_placement row it names (else the one current when it began);
- visits carry no worker; personal-adviser contacts with care leavers have no SSD table. The SSD numbers each
  table's rows separately, so review and visit ids are prefixed by their kind ('CP:', 'CLA:', 'CIN:').
Unknown codes are never guessed: a required one (job title, involvement role, legal status) leaves its row out
with the value named; an optional one (close reason, change reason...) is loaded blank and named in the notes.
A council whose case system writes its own job titles or involvement roles maps them in `ssd_local_codes.csv`
(columns field, written, code; e.g. `invo_professional_role_id,CIN Key Worker,allocated_social_worker`).
Other SSD objects (SDQ scores, EHCPs, address...) are counted, not loaded. The SSD has no extract date: it is
inferred from the latest event date unless given. Rows of a database table are numbered from 1 in table order.
End and close dates (involvements, episodes, plans, placements, legal statuses) are the day the record ended,
the next starting that day: the schema's end dates as written.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb

from clearsight.canonical import codes
from clearsight.formats.cells import name_key
from clearsight.formats.errors import ReaderError
from clearsight.formats.rows import from_arrow
from clearsight.formats.source import ReaderOutput
from clearsight.formats.ssd_spec import NOT_MODELLED, TABLES, key_column
from clearsight.formats.ssd_sql import CANONICAL, EVENT_DATES, HEADER_OF, UNKNOWN_TEAM, build
from clearsight.store.staging import UnreadableFile, normalise_header, scratch_connection, stage_file

FORMAT = "ssd"
_AS_DATA = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
TABLE_SUFFIXES = (".csv", ".parquet")
DATABASE_SUFFIXES = (".duckdb", ".ddb", ".db")
# A council's own job titles and involvement roles: ssd_local_codes.csv with columns field, written, code.
LOCAL_CODES = "ssd_local_codes"
LOCAL_FIELDS: dict[str, tuple[str, ...]] = {
    "prof_professional_job_title": codes.ROLE, "invo_professional_role_id": codes.ALLOCATION_ROLE,
}


def table_of(path: Path, header: Sequence[str] = ()) -> str | None:
    """The SSD table a file holds: by its name (ssd_person.csv), else by the key column in its header."""
    stem = path.stem.strip().lower()
    if stem in TABLES or stem in NOT_MODELLED:
        return stem
    names = {normalise_header(h) for h in header}
    return next((t for t in TABLES if names & set(TABLES[t][key_column(t)])), None)


def csv_header(path: Path) -> list[str]:
    """The first line of a CSV file as column names ([] when it cannot be read as text)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            return next(csv.reader([fh.readline()]), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def database_objects(path: Path) -> list[tuple[str, str, str]]:
    """(schema, name, 'BASE TABLE' or 'VIEW') of each ssd_* table or view in a DuckDB database file ([] when it is
    not one). The file is opened read-only, as data: no extension is loaded and no other file can be reached."""
    try:
        con = duckdb.connect(str(path), read_only=True, config={**_AS_DATA, "enable_external_access": False})
    except duckdb.Error:
        return []
    try:
        rows = con.execute("SELECT table_schema, table_name, table_type FROM information_schema.tables").fetchall()
    finally:
        con.close()
    known = set(TABLES) | set(NOT_MODELLED)
    return sorted((str(s), str(t), str(k)) for s, t, k in rows if str(t).lower() in known)


def database_tables(path: Path) -> list[tuple[str, str]]:
    """(schema, table) of each ssd_* base table of a DuckDB database file: only stored rows are read, never a
    view (a view is a query: it could read other files on the machine)."""
    return [(s, t) for s, t, kind in database_objects(path) if kind == "BASE TABLE"]


def is_ssd(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in DATABASE_SUFFIXES:
        return bool(database_objects(path))
    if suffix == ".parquet":
        return table_of(path) is not None
    if suffix == ".csv" and path.stem.strip().lower() == LOCAL_CODES:
        return True
    return suffix == ".csv" and table_of(path, csv_header(path)) is not None


def read(paths: Sequence[Path], extract_date: date | None = None) -> ReaderOutput:
    """Read SSD table files (or a DuckDB database of ssd_* tables) into canonical rows."""
    out = ReaderOutput(FORMAT, [])
    con = scratch_connection(paths)
    try:
        staged: dict[str, list[str]] = {}
        local: dict[str, dict[str, str]] = {}
        for i, path in enumerate(paths):
            if path.stem.strip().lower() == LOCAL_CODES:
                _read_local_codes(path, local, out)
            elif path.suffix.lower() in DATABASE_SUFFIXES:
                _stage_database(con, path, i, staged, out)
            elif path.suffix.lower() in TABLE_SUFFIXES:
                _stage_table_file(con, path, i, staged, out)
            else:
                out.notes.append(f"{path.name}: not an SSD table file (CSV, Parquet or DuckDB), not read")
        if not set(staged) & set(TABLES):
            names = ", ".join(p.name for p in paths) or "no files"
            raise ReaderError(names, "holds no SSD table (expected files such as ssd_person.csv, "
                                     "ssd_cin_episodes.csv, ssd_involvements.csv)")
        _combine(con, staged, out)
        out.extract_date = _latest(con)
        out.extract_date_basis = "inferred from the SSD tables: the latest referral, involvement, plan, visit or " \
                                 "review date"
        day = extract_date or out.extract_date or date.today()
        for name, sql in build(day, set(staged), local):
            con.execute(f"CREATE TEMP TABLE {name} AS {sql}")
        _emit(con, staged, out)
    except duckdb.Error as exc:  # a value the mapping cannot handle: say so rather than crash
        raise ReaderError(", ".join(p.name for p in paths), f"cannot be read as SSD tables "
                                                            f"({str(exc).splitlines()[0]})") from None
    finally:
        con.close()
    return out


def _read_local_codes(path: Path, local: dict[str, dict[str, str]], out: ReaderOutput) -> None:
    """A council's mapping of its own job titles and involvement roles onto Clearsight's codes."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReaderError(path.name, f"cannot be read as CSV ({exc})") from None
    header = [normalise_header(h) for h in (rows[0] if rows else [])]
    if not {"field", "written", "code"} <= set(header):
        raise ReaderError(path.name, "expected the columns field, written, code", row=1)
    at = {name: header.index(name) for name in ("field", "written", "code")}
    for line, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        field, written, code = (row[at[n]].strip() if at[n] < len(row) else "" for n in ("field", "written", "code"))
        if field.lower() not in LOCAL_FIELDS:
            raise ReaderError(path.name, f"expected one of {', '.join(LOCAL_FIELDS)}", row=line, column="field")
        if code not in LOCAL_FIELDS[field.lower()]:
            raise ReaderError(path.name, f"expected one of {', '.join(LOCAL_FIELDS[field.lower()])} "
                                         f"(found {code!r})", row=line, column="code")
        local.setdefault(field.lower(), {})[name_key(written)] = code
    out.files.append(path)
    out.notes.append(f"{path.name}: {sum(len(v) for v in local.values())} local job titles and involvement roles "
                     "mapped onto Clearsight's codes")


def _stage_table_file(con: duckdb.DuckDBPyConnection, path: Path, i: int, staged: dict[str, list[str]],
                      out: ReaderOutput) -> None:
    try:
        staged_file = stage_file(con, f"f{i}", path, path.name)
    except (duckdb.Error, UnreadableFile, UnicodeDecodeError) as exc:
        kind = "Parquet" if path.suffix.lower() == ".parquet" else "CSV"
        raise ReaderError(path.name, f"cannot be read as {kind} ({str(exc).splitlines()[0]})") from None
    table = table_of(path, staged_file.header)
    if table is None:
        raise ReaderError(path.name, "is not an SSD table: name the file after its table (e.g. ssd_person.csv) "
                                     "or include the table's id column (e.g. pers_person_id)", row=1)
    out.files.append(path)
    out.rejected.extend(staged_file.problems)
    _name_columns(out, path.name, table, staged_file.header)
    staged.setdefault(table, []).append(f"stage_f{i}")


def _stage_database(con: duckdb.DuckDBPyConnection, path: Path, i: int, staged: dict[str, list[str]],
                    out: ReaderOutput) -> None:
    tables = database_tables(path)
    views = [name for _, name, kind in database_objects(path) if kind != "BASE TABLE"]
    if views:
        out.notes.append(f"{path.name}: {', '.join(views)} are views, not read: only stored tables are read from a "
                         "database (a view is a query, and could read other files)")
    if not tables:  # e.g. Clearsight's own database beside the files: not an error unless nothing else is SSD
        out.notes.append(f"{path.name}: not a DuckDB database holding ssd_* tables (or in use), not read")
        return
    con.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS ssd_db{i} (READ_ONLY)")
    out.files.append(path)
    for n, (schema, table) in enumerate(tables):
        source = f'ssd_db{i}."{schema}"."{table}"'
        cols = [str(r[0]) for r in con.execute(f"DESCRIBE {source}").fetchall()]
        header = [normalise_header(c) for c in cols]
        if len(set(header)) < len(header):
            raise ReaderError(path.name, "names a column more than once", sheet=table)
        display = f"{path.name}, {table}".replace("'", "''")
        select = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{h}"' for c, h in zip(cols, header, strict=True))
        name = f"stage_d{i}_{n}"
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT CAST(row_number() OVER () AS BIGINT) AS source_row, "
                    f"'{display}' AS source_file, {select} FROM {source}")
        _name_columns(out, f"{path.name}, {table}", table.lower(), header)
        staged.setdefault(table.lower(), []).append(name)


def _name_columns(out: ReaderOutput, display: str, table: str, header: Sequence[str]) -> None:
    """Remember which SSD column fed each canonical column, so messages name the column in the file."""
    if table not in TABLES:
        return
    for canonical, field in HEADER_OF.get(table, {}).items():
        written = next((n for n in TABLES[table].get(field, ()) if n in header), field)
        out.headers[(display, canonical)] = written
    known = {n for names in TABLES[table].values() for n in names}
    extra = [h for h in header if h not in known]
    if extra:
        out.notes.append(f"{display}: columns not used: {', '.join(extra)}")


def _combine(con: duckdb.DuckDBPyConnection, staged: dict[str, list[str]], out: ReaderOutput) -> None:
    """One table t_<ssd table> per SSD table, every spec column present (renamed fields under one name)."""
    for table, parts in staged.items():
        if len(parts) == 1:
            con.execute(f"ALTER TABLE {parts[0]} RENAME TO t_{table}")
        else:
            union = " UNION ALL BY NAME ".join(f"SELECT * FROM {p}" for p in parts)
            con.execute(f"CREATE TEMP TABLE t_{table} AS {union}")
        if table in NOT_MODELLED:
            n = con.execute(f"SELECT count(*) FROM t_{table}").fetchone()[0]  # type: ignore[index]
            out.notes.append(f"SSD {table}: {n} rows read; no canonical table holds them, so they are not loaded")
            continue
        have = {str(r[0]) for r in con.execute(f"DESCRIBE t_{table}").fetchall()}
        for field, names in TABLES[table].items():
            for alias in names[1:]:
                if alias not in have:
                    continue
                if field in have:
                    con.execute(f'UPDATE t_{table} SET "{field}" = coalesce("{field}", "{alias}")')
                else:
                    con.execute(f'ALTER TABLE t_{table} RENAME COLUMN "{alias}" TO "{field}"')
                    have = (have - {alias}) | {field}
            if field not in have:
                con.execute(f'ALTER TABLE t_{table} ADD COLUMN "{field}" VARCHAR')
                have.add(field)
    for table, fields in TABLES.items():
        if table not in staged:
            cols = ", ".join(f'"{f}" VARCHAR' for f in fields)
            con.execute(f"CREATE TEMP TABLE t_{table} (source_row BIGINT, source_file VARCHAR, {cols})")


def _latest(con: duckdb.DuckDBPyConnection) -> date | None:
    from clearsight.formats.ssd_sql import parsed

    found = []
    for table, cols in EVENT_DATES.items():
        for col in cols:
            row = con.execute(f"SELECT max({parsed(col)}) FROM t_{table}").fetchone()
            if row and row[0]:
                found.append(row[0])
    return max(found) if found else None


def _emit(con: duckdb.DuckDBPyConnection, staged: dict[str, list[str]], out: ReaderOutput) -> None:
    uses_unknown = 0
    for table in ("episode", "allocation", "assessment", "worker_post"):
        row = con.execute(f"SELECT count(*) FROM c_{table} WHERE team_id = '{UNKNOWN_TEAM}'").fetchone()
        uses_unknown += int(row[0]) if row else 0
    if not uses_unknown:
        con.execute(f"DELETE FROM c_team WHERE team_id = '{UNKNOWN_TEAM}'")
    for name, sources in CANONICAL.items():
        if any(s in staged for s in sources):
            out.tables[name] = from_arrow(name, con.execute(f"SELECT * FROM c_{name}").arrow())
    teams = con.execute("SELECT count(*) FILTER (WHERE provisional), string_agg(name, ', ' ORDER BY name) "
                        "FILTER (WHERE provisional) FROM team_key").fetchone()
    if teams and teams[0]:
        out.notes.append(f"{teams[0]} team names are not in ssd_department and were loaded as teams of that name "
                         f"(service from the name): {teams[1]}")
    if uses_unknown:
        out.notes.append(f"{uses_unknown} rows name no team and no team could be found from their referral or "
                         "worker: they are in 'Team not recorded (SSD)'")
    for needed, what in (("ssd_person", "a child"), ("ssd_professionals", "a worker")):
        if needed not in staged:
            out.notes.append(f"{needed} was not supplied: every row naming {what} is left out (supply "
                             f"{needed}.csv with the other tables)")
    if "ssd_professionals" in staged:
        out.notes.append("the SSD has no staff history: each professional is one post in their current "
                         "department, FTE (1.0 when blank) and job title from their first involvement (else the "
                         "extract date), employment 'agency' only where prof_agency_worker_flag is Y; leaving "
                         "dates, moves, establishment, absence and supervision are unavailable, so workforce "
                         "figures from this snapshot are too")
