"""Screen a reader's rows against the canonical model before loading, so one bad row does not stop a load.

A canonical extract is all-or-nothing (store.load). A council's own return is not ours to fix, so a reader
leaves out the rows it cannot map, names each (file, sheet, row, column) in the load report, and loads the
rest. The checks are the loader's own (store.validation.StagedExtract), run in a scratch in-memory DuckDB over
the reader's rows, collecting every failing row rather than examples; rows referring to a rejected row are
left out too (repeated until nothing changes), so the loader would find nothing to refuse. The checks therefore
run once: the rows that pass go to the loader already parsed (`Screened.clean`, `Extract.screened`), and the
loader writes them without parsing or checking them again.

Two tolerances the canonical loader does not have: identical rows (a year's file concatenated twice) are kept
once, and an unknown code in an optional coded or yes/no column (e.g. a local primary-need code) is loaded
as blank with a note, rather than losing the child's whole row. Dates are never blanked: an unreadable date
rejects its row.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import duckdb
import numpy as np
import pyarrow as pa

from clearsight.canonical import schema
from clearsight.formats.rows import query_table
from clearsight.store.arrow_scan import register_once
from clearsight.store.staging import scratch_connection
from clearsight.store.validation import (
    Problem,
    StagedExtract,
    blank_sql,
    quote,
    sql_plain_date,
    typed_expression,
    typed_name,
)

_MAX_PASSES = 50  # reference chains in the model are a few tables deep; a team hierarchy adds its depth


@dataclass
class Screened:
    """The rows that pass. When `clean` (the checks converged), each table holds the parsed values
    (`<column>__v`, typed as the model says, see validation.typed_name) plus source_file and source_row: the
    loader writes them without parsing or checking again. Otherwise the tables hold canonical text and the
    loader checks everything itself."""

    tables: dict[str, pa.Table]
    rejected: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> (rows read, rows kept)
    clean: bool = False


class _Collecting(StagedExtract):
    """StagedExtract that also remembers every failing row (in table `bad_rows`), so the rows can be left out."""

    def __init__(self, con: duckdb.DuckDBPyConnection, files: dict[str, str], extract_date: date):
        super().__init__(con, files, extract_date)
        con.execute("CREATE OR REPLACE TEMP TABLE bad_rows (t VARCHAR, f VARCHAR, r BIGINT)")
        self.bad: set[str] = set()

    def _collect(self, table: str, column: str, where: str, message: str, value: str | None = None) -> None:
        found = self.con.execute(
            f"INSERT INTO bad_rows SELECT '{table}', source_file, source_row FROM stage_{table} WHERE {where}"
        ).fetchone()
        if found and found[0]:
            self.bad.add(table)
            super()._collect(table, column, where, message, value)

    def drop_bad(self) -> int:
        if not self.bad:
            return 0
        dropped = 0
        for table in sorted(self.bad):
            n = self.con.execute(
                f"DELETE FROM stage_{table} WHERE (source_file, source_row) IN "
                f"(SELECT (f, r) FROM bad_rows WHERE t = '{table}')"
            ).fetchone()
            dropped += int(n[0]) if n else 0
        self.con.execute("DELETE FROM bad_rows")
        self.bad.clear()
        return dropped


def screen(
    tables: dict[str, pa.Table], extract_date: date, headers: dict[tuple[str, str], str] | None = None,
    files: dict[str, str] | None = None, not_carried: dict[str, set[str]] | None = None,
) -> Screened:
    """Check reader rows against the model; return the rows that pass, and a Problem for every row left out.
    A required column in `not_carried` (table -> columns a format does not carry at all) may be blank."""
    headers = headers or {}
    model = {t.name: _optional(t, (not_carried or {}).get(t.name, set())) for t in schema.TABLES}
    con = scratch_connection()
    names = [t.name for t in schema.TABLES if t.name in tables]
    files = {n: (files or {}).get(n, f"{n} rows") for n in names}
    staged = _Collecting(con, files, extract_date)
    out = Screened({})
    read: dict[str, int] = {}
    try:
        for name in names:
            table = model[name]
            _stage_typed(con, table, tables[name])
            read[name] = tables[name].num_rows
            out.notes.extend(_dedupe(con, table))
            out.notes.extend(_blank_unknown_codes(con, table, headers))
        for check in ("check_values", "check_key", "check_overlaps"):
            for name in names:
                getattr(staged, check)(model[name])
            staged.drop_bad()
        for _ in range(_MAX_PASSES):  # a rejected child takes its episodes with it, and their plans...
            for name in names:
                staged.check_references(model[name])
            if not staged.drop_bad():
                out.clean = True
                break
        out.rejected = [_name_column(p, headers) for p in staged.problems]
        for name in names:
            table = schema.table(name)
            cols = [typed_name(c) for c in table.column_names] if out.clean else [quote(c) for c in table.column_names]
            select = ", ".join((*cols, "source_file", "source_row"))
            out.tables[name] = query_table(con, f"SELECT {select} FROM stage_{name} ORDER BY source_file, source_row")
            out.counts[name] = (read[name], out.tables[name].num_rows)
    finally:
        con.close()
    return out


def _optional(table: schema.Table, columns: set[str]) -> schema.Table:
    """`table` with `columns` no longer required."""
    if not columns:
        return table
    cols = tuple(replace(c, required=False) if c.name in columns else c for c in table.columns)
    return replace(table, columns=cols)


def _stage_typed(con: duckdb.DuckDBPyConnection, table: schema.Table, rows: pa.Table) -> None:
    """`stage_<table>`: provenance, every column's text, and its parsed value beside it, in one pass (the
    loader's staging and `add_typed_columns` together)."""
    missing = {"source_file", "source_row"} - set(rows.column_names)
    if missing:
        raise ValueError(f"reader output for {table.name} lacks provenance columns {sorted(missing)}")
    register_once(con, "reader_rows", rows)
    try:
        raw = ", ".join(
            f"CAST({quote(c)} AS VARCHAR) AS {quote(c)}" if c in rows.column_names
            else f"CAST(NULL AS VARCHAR) AS {quote(c)}" for c in table.column_names
        )
        plain = _plain_dates(table, rows)
        typed = ", ".join(f"{sql_plain_date(quote(c.name)) if c.name in plain else typed_expression(c, quote(c.name))}"
                          f" AS {typed_name(c.name)}" for c in table.columns)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE stage_{table.name} AS SELECT *, {typed} FROM ("
            f"SELECT CAST(source_row AS BIGINT) AS source_row, CAST(source_file AS VARCHAR) AS source_file, {raw} "
            f"FROM reader_rows)"
        )
    finally:
        con.unregister("reader_rows")


def _plain_dates(table: schema.Table, rows: pa.Table) -> set[str]:
    """The date columns of `rows` holding only plain YYYY-MM-DD text (or nothing), parsed by the one rule those
    reduce to (validation.sql_plain_date)."""
    return {c.name for c in table.columns if c.type == "date" and c.name in rows.column_names
            and all_plain_dates(rows.column(c.name))}


_PLAIN = np.array([b"0000-00-00"], "S10").view(np.uint8) == ord("-")  # where the dashes are; digits elsewhere


def all_plain_dates(values: pa.ChunkedArray) -> bool:
    """Whether every value of a text column is NULL or validation.PLAIN_DATE (ASCII digits and dashes as in
    YYYY-MM-DD), read from Arrow's buffers with NumPy: matching the pattern with pyarrow.compute costs a load
    that does not use it otherwise (a CIN census) its import, 0.03 s."""
    if not pa.types.is_string(values.type):
        return False
    for chunk in values.chunks:
        if chunk.null_count == len(chunk):
            continue
        validity, offsets, data = chunk.buffers()
        ends = np.frombuffer(offsets, np.int32, len(chunk) + 1, offset=4 * chunk.offset)  # type: ignore[arg-type]
        starts, lengths = ends[:-1], np.diff(ends)
        if chunk.null_count:  # a null's slot may hold anything: only the values are looked at
            bits = np.unpackbits(np.frombuffer(validity, np.uint8), bitorder="little")  # type: ignore[arg-type]
            valid = bits[chunk.offset:chunk.offset + len(chunk)].astype(bool)
            starts, lengths = starts[valid], lengths[valid]
        if (lengths != len(_PLAIN)).any():
            return False
        text = np.frombuffer(data, np.uint8)  # type: ignore[arg-type]
        if ends[-1] - ends[0] == len(_PLAIN) * len(starts):  # the values side by side, as Arrow writes them
            chars = text[ends[0]:ends[-1]].reshape(-1, len(_PLAIN))
        else:  # nulls holding bytes: each value picked out
            chars = text[starts[:, None] + np.arange(len(_PLAIN))]
        dashes = chars[:, _PLAIN] == ord("-")
        digits = chars[:, ~_PLAIN] - np.uint8(ord("0")) <= 9  # a byte below '0' wraps round past 9
        if not (dashes.all() and digits.all()):
            return False
    return True


def _dedupe(con: duckdb.DuckDBPyConnection, table: schema.Table) -> list[str]:
    cols = ", ".join(quote(c) for c in table.column_names)
    # Identical rows hash alike, so when every row's hash is distinct there is nothing to do (the usual case).
    found = con.execute(f"SELECT count(*), count(DISTINCT hash({cols})) FROM stage_{table.name}").fetchone()
    assert found is not None
    before, hashes = int(found[0]), int(found[1])
    if before == hashes:
        return []
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
    checks = []  # (column, failing condition, what was expected), over the parsed values staged beside the text
    for col in table.columns:
        raw, v = quote(col.name), typed_name(col.name)
        if col.required or not (col.codes or col.type == "bool"):
            continue
        if col.codes:  # coded columns are text: parsed, the trimmed text, NULL exactly when blank
            allowed = ", ".join(f"'{c}'" for c in col.codes)
            checks.append((col, f"{v} IS NOT NULL AND {v} NOT IN ({allowed})", f"known {col.name} codes"))
        else:
            checks.append((col, f"NOT {blank_sql(raw)} AND {v} IS NULL", "Y or N"))
    if not checks:
        return []
    counts = con.execute(
        f"SELECT {', '.join(f'count_if(coalesce({w}, FALSE))' for _, w, _ in checks)} FROM stage_{table.name}"
    ).fetchone()
    assert counts is not None
    notes = []
    for (col, where, what), n_found in zip(checks, counts, strict=True):
        if not n_found:
            continue
        raw = quote(col.name)
        found = con.execute(
            f"SELECT source_file, count(*), list(DISTINCT trim({raw}))[:5], min(source_row) "
            f"FROM stage_{table.name} WHERE {where} GROUP BY source_file ORDER BY source_file"
        ).fetchall()
        con.execute(f"UPDATE stage_{table.name} SET {raw} = NULL, {typed_name(col.name)} = NULL WHERE {where}")
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
        problem.file, f"{header} ({problem.column})", problem.message, problem.rows, problem.count, problem.values,
        problem.records
    )
