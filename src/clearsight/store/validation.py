"""Column-wise validation of a staged extract against the canonical model.

Each check is one SQL query over a staged table of raw text (per-row Python would cost ~7 us a row:
engineering.md). Every problem names file, row and column and says what was expected; all problems of all
files are collected, not only the first, with up to `EXAMPLES` rows shown per check and the full count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from clearsight.canonical.dates import DATE_FORMS, EXCEL_EPOCH, EXCEL_MAX_SERIAL, sql_parse_date
from clearsight.canonical import schema

EXAMPLES = 20  # rows listed per failing check; the count covers them all

TRUE_WORDS = ("Y", "YES", "TRUE", "T", "1")
FALSE_WORDS = ("N", "NO", "FALSE", "F", "0")


@dataclass(frozen=True)
class Problem:
    """One failing check in one file: where, what was expected, how many rows."""

    file: str
    column: str
    message: str
    rows: tuple[int, ...]  # first EXAMPLES source rows (1 = header line)
    count: int
    values: tuple[str, ...] = ()
    records: tuple[str, ...] = ()  # ids of the failing records, where the value itself is not shown

    def __str__(self) -> str:
        place = self.file
        if self.rows:  # file-level problems (manifest, unreadable file) have no rows
            shown = ", ".join(str(r) for r in self.rows)
            more = f" and {self.count - len(self.rows)} more" if self.count > len(self.rows) else ""
            noun = "row" if self.count == 1 else "rows"
            place += f": {noun} {shown}{more}"
        if self.column:
            place += f", column '{self.column}'"
        vals = f" (found {', '.join(repr(v) for v in self.values[:5])})" if self.values else ""
        if self.records:
            vals += f" (records {', '.join(self.records[:5])}{' ...' if len(self.records) > 5 else ''})"
        return f"{place}: {self.message}{vals}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file, "column": self.column, "message": self.message, "rows": list(self.rows),
            "count": self.count, "values": list(self.values), "records": list(self.records),
        }


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def blank_sql(col: str) -> str:
    return f"({col} IS NULL OR trim({col}) = '')"


def typed_name(column: str) -> str:
    """The staged column holding `column`'s parsed value."""
    return quote(f"{column}__v")


def sql_date(raw: str) -> str:
    """`formats.dates.sql_parse_date`, the same rule, with fast paths for cells already in one plain form.

    Cells written exactly as YYYY-MM-DD, d/m/yyyy or a whole Excel serial (no spaces, no time) are parsed
    directly; only the rest take the full rule, whose whitespace trimming and time-suffix stripping cost
    ~4 us a cell in DuckDB (a 903 return's dd/mm/yyyy dates were 4 s a million). For a plain cell the full
    rule reduces to exactly the branch taken here (tests/formats/test_dates.py checks they agree).
    """
    return (
        f"CASE WHEN {raw} IS NULL OR {raw} = '' THEN NULL "
        f"WHEN regexp_full_match({raw}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') AND NOT starts_with({raw}, '0000') "
        f"THEN TRY_CAST(TRY_STRPTIME({raw}, '%Y-%m-%d') AS DATE) "
        f"WHEN regexp_full_match({raw}, '\\d{{1,2}}/\\d{{1,2}}/\\d{{4}}') "
        f"THEN CASE WHEN NOT ends_with({raw}, '/0000') THEN TRY_CAST(TRY_STRPTIME({raw}, '%d/%m/%Y') AS DATE) END "
        f"WHEN regexp_full_match({raw}, '\\d{{1,7}}') "
        f"THEN CASE WHEN CAST({raw} AS INTEGER) BETWEEN 1 AND {EXCEL_MAX_SERIAL} "
        f"THEN DATE '{EXCEL_EPOCH.isoformat()}' + CAST({raw} AS INTEGER) END "
        f"ELSE {sql_parse_date(raw)} END"
    )


PLAIN_DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"  # a cell written exactly YYYY-MM-DD (RE2, as DuckDB and Arrow match)


def sql_plain_date(raw: str) -> str:
    """`sql_date` for a column whose every value is NULL or matches PLAIN_DATE, to which it reduces there (a
    '0000' year is unreadable). The full rule's nine regular expressions cost DuckDB 2 ms a column to plan
    whatever its rows: a tenth of screening a small return whose reader wrote its dates as ISO (Annex A, CIN)."""
    return f"CASE WHEN starts_with({raw}, '0000') THEN NULL ELSE TRY_CAST(TRY_STRPTIME({raw}, '%Y-%m-%d') AS DATE) END"


def typed_expression(column: schema.Column, raw: str) -> str:
    """SQL converting raw text to the column's canonical type (NULL when blank or unreadable)."""
    if column.type == "date":
        return sql_date(raw)
    if column.type == "int":
        return f"TRY_CAST(trim({raw}) AS BIGINT)"
    if column.type == "float":
        return f"TRY_CAST(trim({raw}) AS DOUBLE)"
    if column.type == "bool":
        t = ", ".join(f"'{w}'" for w in TRUE_WORDS)
        f = ", ".join(f"'{w}'" for w in FALSE_WORDS)
        return f"CASE WHEN upper(trim({raw})) IN ({t}) THEN TRUE WHEN upper(trim({raw})) IN ({f}) THEN FALSE END"
    return f"NULLIF(trim({raw}), '')"


def _expected(column: schema.Column) -> str:
    return {
        "date": f"a date ({DATE_FORMS})",
        "int": "a whole number",
        "float": "a number",
        "bool": "Y or N",
    }.get(column.type, "text")


class StagedExtract:
    """Raw staged tables (`stage_<table>`, all VARCHAR plus source_row) and the checks over them."""

    def __init__(self, con: duckdb.DuckDBPyConnection, files: dict[str, str], extract_date: date):
        self.con = con
        self.files = files  # table -> file name as shown in messages
        self.extract_date = extract_date
        self.problems: list[Problem] = []
        self.unique_keys: set[str] = set()  # tables check_values found no repeated key in (rows are only ever
        # left out after it, never added, so check_key has nothing to look for)

    def stage(self, table: str) -> str:
        return f"stage_{table}"

    def _collect(self, table: str, column: str, where: str, message: str, value: str | None = None) -> None:
        """One problem per source file (a sheet, for workbooks) whose rows fail `where`. A personal value (a
        date of birth: schema.NOT_SHOWN) is never shown: the failing records are named by their id instead."""
        shown_as_id = column in schema.NOT_SHOWN
        if shown_as_id:
            value = typed_name(schema.table(table).key[0])
        value_sql = f", CAST({value} AS VARCHAR)" if value else ""
        rows = self.con.execute(
            f"SELECT source_file, count(*) OVER (PARTITION BY source_file), source_row{value_sql} "
            f"FROM {self.stage(table)} WHERE {where} "
            f"QUALIFY row_number() OVER (PARTITION BY source_file ORDER BY source_row) <= {EXAMPLES} "
            f"ORDER BY source_file, source_row"
        ).fetchall()
        by_file: dict[str, list[tuple[object, ...]]] = {}
        for row in rows:
            by_file.setdefault(str(row[0]), []).append(row)
        for file, found in by_file.items():
            values = tuple(dict.fromkeys(str(r[3]) for r in found)) if value else ()
            rows_shown = tuple(int(r[2]) for r in found)  # type: ignore[call-overload]
            shown, records = ((), values) if shown_as_id else (values, ())
            self.problems.append(Problem(file, column, message, rows_shown, int(found[0][1]), shown, records))  # type: ignore[call-overload]

    def check_columns(self, table: schema.Table, present: list[str]) -> list[str]:
        """Missing columns are problems (but for those added since extracts were first written); returns the
        header's extra columns (ignored, reported)."""
        for col in table.columns:
            if col.name not in present and col.name not in schema.ADDED_COLUMNS.get(table.name, ()):
                self.problems.append(
                    Problem(self.files[table.name], col.name, "column is missing from the header", (1,), 1)
                )
        return [c for c in present if c not in table.column_names and c not in ("source_row", "source_file")]

    def add_typed_columns(self, table: schema.Table) -> None:
        """Parse every column once into `<column>__v` beside its raw text; checks and the final insert read
        the parsed values instead of parsing again."""
        typed = ", ".join(
            f"{typed_expression(c, quote(c.name))} AS {typed_name(c.name)}" for c in table.columns
        )
        stage = self.stage(table.name)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT *, {typed} FROM {stage}")

    def check_values(self, table: schema.Table) -> None:
        """Required, type, code, range, future-date and date-order checks, counted in one pass."""
        checks: list[tuple[str, str, str, str | None]] = []  # column, failing condition, message, value shown
        for col in table.columns:
            raw, v = quote(col.name), typed_name(col.name)
            if col.required:  # text is parsed to NULL exactly when blank: no second trim of every cell
                blank = f"{v} IS NULL" if col.type in ("id", "text") else blank_sql(raw)
                checks.append((col.name, blank, "a value is required", None))
            if col.type not in ("id", "text"):
                checks.append((col.name, f"{v} IS NULL AND NOT {blank_sql(raw)}", f"expected {_expected(col)}", raw))
            if col.codes:
                allowed = ", ".join(f"'{c}'" for c in col.codes)
                shown = ", ".join(col.codes[:12]) + (" ..." if len(col.codes) > 12 else "")
                checks.append((col.name, f"{v} NOT IN ({allowed})", f"expected one of {shown}", v))
            if col.minimum is not None or col.maximum is not None:
                lo = -1e308 if col.minimum is None else col.minimum
                hi = 1e308 if col.maximum is None else col.maximum
                checks.append((
                    col.name, f"NOT ({v} BETWEEN {lo} AND {hi})",
                    f"expected a number from {col.minimum} to {col.maximum}", raw,
                ))
            if col.type == "date" and not col.future_ok:
                checks.append((
                    col.name, f"{v} > DATE '{self.extract_date.isoformat()}'",
                    f"date is after the extract date {self.extract_date.isoformat()}", raw,
                ))
        for earlier, later in table.date_order:
            checks.append((
                later, f"{typed_name(later)} < {typed_name(earlier)}", f"'{later}' is before '{earlier}'",
                quote(later),
            ))
        if not checks:
            return
        counts = ", ".join(f"count_if(coalesce({cond}, FALSE))" for _, cond, _, _ in checks)
        keys = [typed_name(k) for k in table.key]
        if keys:  # rows less distinct keys: 0 when no key repeats (a NULL key is never a repeat: only counted)
            counts += (f", count({keys[0]}) - count(DISTINCT {keys[0]})" if len(keys) == 1
                       else f", count(*) - count(DISTINCT ({', '.join(keys)}))")
        found = self.con.execute(f"SELECT {counts} FROM {self.stage(table.name)}").fetchone()
        assert found is not None
        if keys and found[-1] == 0:
            self.unique_keys.add(table.name)
        for (column, cond, message, value), n in zip(checks, found[:len(checks)], strict=True):
            if n:
                self._collect(table.name, column, f"coalesce({cond}, FALSE)", message, value)

    def check_key(self, table: schema.Table) -> None:
        if not table.key or table.name in self.unique_keys:
            return
        keys = ", ".join(typed_name(k) for k in table.key)
        stage = self.stage(table.name)
        where = f"({keys}) IN (SELECT ({keys}) FROM {stage} GROUP BY ALL HAVING count(*) > 1)"
        self._collect(
            table.name, " + ".join(table.key), where, "duplicate key: each value must appear once",
            typed_name(table.key[0]),
        )

    def check_references(self, table: schema.Table) -> None:
        for column, target in table.references.items():
            target_key = typed_name(schema.table(target).key[0])
            ref = typed_name(column)
            if target in self.files:
                source = f"SELECT {target_key} FROM {self.stage(target)} WHERE {target_key} IS NOT NULL"
            else:
                source = "SELECT NULL::VARCHAR WHERE FALSE"
            self._collect(
                table.name, column, f"{ref} IS NOT NULL AND {ref} NOT IN ({source})",
                f"refers to a {target} that is not in the extract ({self.files.get(target, f'{target} not supplied')})",
                ref,
            )

    def check_overlaps(self, table: schema.Table) -> None:
        if not table.no_overlap:
            return
        start, end = typed_name("start_date"), typed_name("end_date")
        keys = ", ".join(typed_name(k) for k in table.no_overlap)
        where = f"""source_row IN (
            SELECT source_row FROM (
                SELECT source_row, {start} AS s,
                       lag({end}) OVER w AS prev_end, lag({start}) OVER w AS prev_start
                FROM {self.stage(table.name)}
                WINDOW w AS (PARTITION BY {keys} ORDER BY {start}, source_row)
            ) WHERE prev_start IS NOT NULL AND (prev_end IS NULL OR prev_end > s)
        )"""
        self._collect(
            table.name, "start_date", where,
            f"overlaps an earlier row for the same {' + '.join(table.no_overlap)}", typed_name(table.no_overlap[0]),
        )
