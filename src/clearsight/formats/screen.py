"""Screen a reader's rows against the canonical model before loading, so one bad row does not stop a load.

A canonical extract is all-or-nothing (store.load). A council's own return is not ours to fix, so a reader
leaves out the rows it cannot map, names each (file, sheet, row, column) in the load report, and loads the
rest. The checks are the loader's own (store.validation.StagedExtract), run in a scratch in-memory DuckDB over
the reader's rows, collecting every failing row rather than examples; rows referring to a rejected row are
left out too (repeated until nothing changes), so the loader then finds nothing to refuse.

Two tolerances the canonical loader does not have: identical rows (a year's file concatenated twice) are kept
once, and an unknown code in an optional coded or yes/no column (e.g. a local primary-need code) is loaded
as blank with a note, rather than losing the child's whole row. Dates are never blanked: an unreadable date
rejects its row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import pyarrow as pa

from clearsight.store import schema
from clearsight.store.staging import stage_arrow
from clearsight.store.validation import Problem, StagedExtract, blank_sql, quote, typed_expression

_MAX_PASSES = 20


@dataclass
class Screened:
    tables: dict[str, pa.Table]
    rejected: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> (rows read, rows kept)


class _Collecting(StagedExtract):
    """StagedExtract that also remembers every failing row, so the rows can be left out."""

    def __init__(self, con: duckdb.DuckDBPyConnection, files: dict[str, str], extract_date: date):
        super().__init__(con, files, extract_date)
        self.bad: dict[str, set[tuple[str, int]]] = {}

    def _collect(self, table: str, column: str, where: str, message: str, value: str | None = None) -> None:
        rows = self.con.execute(f"SELECT source_file, source_row FROM stage_{table} WHERE {where}").fetchall()
        if rows:
            self.bad.setdefault(table, set()).update((str(f), int(r)) for f, r in rows)
            super()._collect(table, column, where, message, value)

    def drop_bad(self) -> int:
        dropped = 0
        for table, rows in self.bad.items():
            if not rows:
                continue
            self.con.execute("CREATE OR REPLACE TEMP TABLE bad_rows (f VARCHAR, r BIGINT)")
            self.con.executemany("INSERT INTO bad_rows VALUES (?, ?)", [list(r) for r in rows])
            n = self.con.execute(
                f"DELETE FROM stage_{table} WHERE (source_file, source_row) IN (SELECT (f, r) FROM bad_rows)"
            ).fetchone()
            dropped += int(n[0]) if n else 0
        self.bad.clear()
        return dropped


def screen(
    tables: dict[str, pa.Table], extract_date: date, headers: dict[tuple[str, str], str] | None = None,
    files: dict[str, str] | None = None,
) -> Screened:
    """Check reader rows against the model; return the rows that pass, and a Problem for every row left out."""
    headers = headers or {}
    con = duckdb.connect()
    names = [t.name for t in schema.TABLES if t.name in tables]
    files = {n: (files or {}).get(n, f"{n} rows") for n in names}
    staged = _Collecting(con, files, extract_date)
    out = Screened({})
    read: dict[str, int] = {}
    try:
        for name in names:
            stage_arrow(con, name, tables[name])
            read[name] = tables[name].num_rows
            out.notes.extend(_dedupe(con, schema.table(name)))
            out.notes.extend(_blank_unknown_codes(con, schema.table(name), headers))
            staged.add_typed_columns(schema.table(name))
        for check in ("check_values", "check_key", "check_overlaps"):
            for name in names:
                getattr(staged, check)(schema.table(name))
            staged.drop_bad()
        for _ in range(_MAX_PASSES):  # a rejected child takes its episodes with it, and their plans...
            for name in names:
                staged.check_references(schema.table(name))
            if not staged.drop_bad():
                break
        out.rejected = [_name_column(p, headers) for p in staged.problems]
        for name in names:
            cols = ", ".join(quote(c) for c in (*schema.table(name).column_names, "source_file", "source_row"))
            out.tables[name] = con.execute(f"SELECT {cols} FROM stage_{name} ORDER BY source_file, source_row").arrow()
            if hasattr(out.tables[name], "read_all"):  # DuckDB >= 1.4 may hand back a RecordBatchReader
                out.tables[name] = out.tables[name].read_all()
            out.counts[name] = (read[name], out.tables[name].num_rows)
    finally:
        con.close()
    return out


def _dedupe(con: duckdb.DuckDBPyConnection, table: schema.Table) -> list[str]:
    cols = ", ".join(quote(c) for c in table.column_names)
    before = con.execute(f"SELECT count(*) FROM stage_{table.name}").fetchone()[0]  # type: ignore[index]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE stage_{table.name} AS SELECT * FROM stage_{table.name} "
        f"QUALIFY row_number() OVER (PARTITION BY {cols} ORDER BY source_file, source_row) = 1"
    )
    after = con.execute(f"SELECT count(*) FROM stage_{table.name}").fetchone()[0]  # type: ignore[index]
    if before == after:
        return []
    return [f"{table.name}: {before - after} rows repeated an identical earlier row and were kept once"]


def _blank_unknown_codes(
    con: duckdb.DuckDBPyConnection, table: schema.Table, headers: dict[tuple[str, str], str]
) -> list[str]:
    notes = []
    for col in table.columns:
        raw = quote(col.name)
        if col.required or not (col.codes or col.type == "bool"):
            continue
        if col.codes:
            allowed = ", ".join(f"'{c}'" for c in col.codes)
            where = f"NOT {blank_sql(raw)} AND trim({raw}) NOT IN ({allowed})"
            what = f"known {col.name} codes"
        else:
            where = f"NOT {blank_sql(raw)} AND ({typed_expression(col, raw)}) IS NULL"
            what = "Y or N"
        found = con.execute(
            f"SELECT source_file, count(*), list(DISTINCT trim({raw}))[:5], min(source_row) "
            f"FROM stage_{table.name} WHERE {where} GROUP BY source_file ORDER BY source_file"
        ).fetchall()
        if not found:
            continue
        con.execute(f"UPDATE stage_{table.name} SET {raw} = NULL WHERE {where}")
        for file, n, values, first in found:
            header = headers.get((file, col.name))
            column = f"'{header}' ({col.name})" if header else f"'{col.name}'"
            notes.append(
                f"{file}, column {column}: {n} values are not {what} and were loaded as blank "
                f"(first at row {first}; found {', '.join(repr(v) for v in values)})"
            )
    return notes


def _name_column(problem: Problem, headers: dict[tuple[str, str], str]) -> Problem:
    """Name the column as the source file does, with the canonical name beside it."""
    header = headers.get((problem.file, problem.column))
    if not header or header == problem.column:
        return problem
    return Problem(
        problem.file, f"{header} ({problem.column})", problem.message, problem.rows, problem.count, problem.values
    )
