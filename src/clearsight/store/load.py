"""Load one canonical extract as a snapshot: validate everything, then write everything or nothing.

Inputs are sacred: files are only read. A load is atomic (any problem: the database is unchanged) and
idempotent (an extract whose content was loaded before is recognised by its hash and not loaded twice).

Staging and validation are DuckDB SQL: on the DuckDB back end they run in the database's own connection (temp
tables), on PostgreSQL in an in-memory DuckDB, whose checked rows are then copied into PostgreSQL in the
snapshot's one transaction. Either way readers see the previous snapshot until that transaction commits.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa

from clearsight.canonical.manifest import MANIFEST_NAME, ManifestError, read_manifest
from clearsight.canonical import schema
from clearsight.store.postgres import PostgresConnection
from clearsight.store.snapshots import find_by_hash
from clearsight.store.staging import UnreadableFile, scratch_connection, stage_arrow, stage_file, stage_parsed, unstage
from clearsight.store.validation import Problem, StagedExtract, quote, typed_name

Progress = Callable[[str, int, int], None]
Status = Literal["loaded", "loaded_with_rejections", "already_loaded", "rejected"]

# 1: loaded, but a reader left rows out (each named in the report); 2: nothing loaded.
EXIT_CODES: dict[Status, int] = {"loaded": 0, "already_loaded": 0, "loaded_with_rejections": 1, "rejected": 2}


@dataclass
class LoadReport:
    """What a load did, table by table, and every problem that stopped it."""

    source: str
    status: Status = "rejected"
    council: str = ""
    extract_date: date | None = None
    snapshot_id: int | None = None
    tables: dict[str, dict[str, object]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)  # rows left out by a reader, the rest loaded
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    @property
    def rows_loaded(self) -> int:
        return sum(int(t.get("rows", 0)) for t in self.tables.values())  # type: ignore[call-overload]

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source, "status": self.status, "council": self.council,
            "extract_date": self.extract_date.isoformat() if self.extract_date else None,
            "snapshot_id": self.snapshot_id, "seconds": round(self.seconds, 3), "tables": self.tables,
            "problems": [p.as_dict() for p in self.problems],
            "rejected": [p.as_dict() for p in self.rejected],
            "notes": self.notes,
        }


def content_hash(directory: Path, files: list[str]) -> str:
    """SHA-256 over the manifest and table files, so the same extract is recognised wherever it lies."""
    digest = hashlib.sha256()
    for name in [MANIFEST_NAME, *sorted(files)]:
        digest.update(name.encode() + b"\0")
        with open(directory / name, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _completeness(
    con: duckdb.DuckDBPyConnection, table: schema.Table, screened: pa.Table | None = None
) -> tuple[int, dict[str, float]]:
    """Rows, and the share of them with a value in each column. Of `screened` rows, from their parsed values'
    null counts (no query): a parsed value is then NULL exactly when the cell was blank (unreadable cells were
    left out)."""
    if screened is not None:
        total = screened.num_rows
        counts = [total - screened.column(f"{c.name}__v").null_count for c in table.columns]
    else:
        blanks = ", ".join(f"count(NULLIF(trim({quote(c.name)}), ''))" for c in table.columns)
        row = con.execute(f"SELECT count(*), {blanks} FROM stage_{table.name}").fetchone()
        assert row is not None
        total, counts = int(row[0]), [int(n) for n in row[1:]]
    return total, {
        c.name: (round(n / total, 4) if total else 1.0) for c, n in zip(table.columns, counts, strict=True)
    }


@dataclass
class Extract:
    """One extract ready to load: whose, as at when, from where, and its canonical tables.

    A table comes as a file (canonical CSV or Parquet) or as rows a format reader produced (an Arrow table of
    canonical columns plus source_file and source_row). `rejected` names rows a reader could not map into the
    model; they are reported, counted in the exit code, and the rest loads. `notes` say what the format
    cannot tell (e.g. worker names it could not match), for the load report.

    `screened` says the reader's rows were already checked, for this extract date, by every check the
    loader runs (formats.screen): each table then holds the parsed values (`<column>__v`) beside
    source_file and source_row, and the loader writes them without parsing or checking them a second time.
    """

    council: str
    extract_date: date
    source: str
    content_hash: str
    tables: dict[str, Path | pa.Table]
    files: dict[str, str]  # table -> how messages name the table's source as a whole
    rejected: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    screened: bool = False


def load_extract(
    con: duckdb.DuckDBPyConnection | PostgresConnection, directory: str | Path, progress: Progress | None = None
) -> LoadReport:
    """Validate and load the canonical extract in `directory` as one new snapshot."""
    started = time.perf_counter()
    directory = Path(directory)
    report = LoadReport(source=str(directory.resolve()))
    try:
        manifest = read_manifest(directory)
    except ManifestError as exc:
        report.problems.append(Problem(MANIFEST_NAME, "", str(exc), (), 1))
        return _finish(report, started)
    report.council, report.extract_date = manifest.council, manifest.extract_date

    files: dict[str, str] = {}
    for name, tf in manifest.tables.items():
        if name not in schema.TABLES_BY_NAME:
            report.problems.append(Problem(MANIFEST_NAME, name, f"'{name}' is not a canonical table", (), 1))
        elif not (directory / tf.file).is_file():
            report.problems.append(Problem(tf.file, "", "file named in the manifest does not exist", (), 1))
        else:
            files[name] = tf.file
    if report.problems:
        return _finish(report, started)
    extract = Extract(
        manifest.council, manifest.extract_date, report.source, content_hash(directory, list(files.values())),
        {name: directory / file for name, file in files.items()}, files,
    )
    return load(con, extract, progress, started)


def load(
    con: duckdb.DuckDBPyConnection | PostgresConnection, extract: Extract, progress: Progress | None = None,
    started: float | None = None,
) -> LoadReport:
    """Validate an extract and write it as one new snapshot, or (on any problem) write nothing."""
    started = time.perf_counter() if started is None else started
    report = LoadReport(source=extract.source, council=extract.council, extract_date=extract.extract_date)
    if (existing := find_by_hash(con, extract.content_hash)) is not None:
        report.status, report.snapshot_id = "already_loaded", existing.snapshot_id
        report.tables = existing.report.get("tables", {})
        return _finish(report, started)
    if isinstance(con, PostgresConnection):
        work = scratch_connection([f for f in extract.tables.values() if isinstance(f, Path)])
        try:
            return _load(work, con, extract, progress, report, started)
        finally:
            work.close()
    return _load(con, con, extract, progress, report, started)


def _load(
    con: duckdb.DuckDBPyConnection, target: duckdb.DuckDBPyConnection | PostgresConnection, extract: Extract,
    progress: Progress | None, report: LoadReport, started: float,
) -> LoadReport:
    """Stage and check the extract in `con`, then write the snapshot into `target` (the same connection on
    DuckDB)."""
    tick = progress or (lambda stage, done, total: None)

    files = extract.files
    staged = StagedExtract(con, files, extract.extract_date)
    tables = [t for t in schema.TABLES if t.name in extract.tables]
    steps = len(tables) * 2 + 1
    try:
        for i, table in enumerate(tables):
            tick(f"reading {files[table.name]}", i, steps)
            source = extract.tables[table.name]
            try:
                if isinstance(source, pa.Table) and extract.screened:
                    staged_file = stage_parsed(con, table.name, source)
                elif isinstance(source, pa.Table):
                    staged_file = stage_arrow(con, table.name, source)
                else:
                    staged_file = stage_file(con, table.name, source, files[table.name])
            except (duckdb.Error, UnreadableFile) as exc:
                report.problems.append(Problem(files[table.name], "", f"cannot be read: {exc}", (), 1))
                continue
            report.problems.extend(staged_file.problems)
            extra = staged.check_columns(table, staged_file.header)
            for name in schema.ADDED_COLUMNS.get(table.name, ()):  # an extract written before them: empty
                if name not in staged_file.header and not isinstance(source, pa.Table):
                    con.execute(f'ALTER TABLE stage_{table.name} ADD COLUMN "{name}" VARCHAR')
            report.tables[table.name] = {"file": files[table.name], "extra_columns": extra}
        readable = [t for t in tables if t.name in report.tables]
        checked = extract.screened  # screening ran these very checks, and left out every row they failed
        if not report.problems and not staged.problems and not checked:  # value checks need every column
            for table in readable:
                staged.add_typed_columns(table)
            for i, table in enumerate(readable):
                tick(f"checking {files[table.name]}", len(tables) + i, steps)
                staged.check_values(table)
                staged.check_key(table)
                staged.check_references(table)
                staged.check_overlaps(table)
        report.problems.extend(staged.problems)
        if report.problems:
            return _finish(report, started)
        for table in readable:
            source = extract.tables[table.name]
            screened = source if extract.screened and isinstance(source, pa.Table) else None
            rows, completeness = _completeness(con, table, screened)
            report.tables[table.name].update(rows=rows, completeness=completeness)
        report.rejected = list(extract.rejected)
        report.notes = list(extract.notes)
        if not any(report.tables[t.name]["rows"] for t in readable):  # never a latest snapshot of nothing
            what = "no table Clearsight holds" if not readable else "no rows in any table"
            report.problems.append(Problem(extract.source, "", f"the extract has {what}: there is nothing to load",
                                           (), 1))
            return _finish(report, started)
        for name in schema.TABLES_BY_NAME:
            report.tables.setdefault(name, {"file": None, "rows": 0, "note": "not supplied in this extract"})
        tick("writing snapshot", steps - 1, steps)
        report.snapshot_id = _write_snapshot(target, con, report, extract.content_hash, readable, extract.screened)
        report.status = "loaded_with_rejections" if extract.rejected else "loaded"
    finally:
        for table in tables:
            unstage(con, table.name, parsed=extract.screened and isinstance(extract.tables[table.name], pa.Table))
    return _finish(report, started)


def _write_snapshot(
    con: duckdb.DuckDBPyConnection | PostgresConnection, stage: duckdb.DuckDBPyConnection, report: LoadReport,
    digest: str, tables: list[schema.Table], sorted_rows: bool = False,
) -> int:
    """One transaction: the snapshot row and every table's rows, or nothing. Rows go in in source order
    (file, row); `sorted_rows` says the staged rows already are (screening sorted them), and DuckDB keeps an
    insert's order (preserve_insertion_order), so they are not sorted again. On PostgreSQL the staged rows
    are copied in from `stage`, and loads take turns (a transaction lock), so each sees the last one's
    snapshot."""
    con.execute("BEGIN TRANSACTION")
    try:
        if isinstance(con, PostgresConnection):
            con.execute(f"SELECT pg_advisory_xact_lock({_LOAD_LOCK})").fetchone()
        row = con.execute("SELECT nextval('snapshot_seq')").fetchone()
        assert row is not None
        snapshot_id = int(row[0])
        for table in tables:
            typed = ", ".join(typed_name(c.name) for c in table.columns)
            select = (f"SELECT {typed}, {snapshot_id}, source_file, source_row FROM stage_{table.name}"
                      + ("" if sorted_rows else " ORDER BY source_file, source_row"))
            names = [*table.column_names, *(name for name, _ in schema.PROVENANCE_COLUMNS)]
            if isinstance(con, PostgresConnection):
                con.copy_arrow(table.name, stage.execute(select).to_arrow_table(), names)
            else:  # by name: a column added by a migration comes after the provenance columns
                columns = ", ".join(f'"{n}"' for n in names)
                con.execute(f'INSERT INTO "{table.name}" ({columns}) {select}')
        con.execute(
            "INSERT INTO snapshot VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                snapshot_id, report.council, report.extract_date, digest, report.source, datetime.now(),
                json.dumps({
                    "tables": report.tables, "rejected": [p.as_dict() for p in report.rejected],
                    "notes": report.notes,
                }),
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if isinstance(con, PostgresConnection):  # fresh statistics, or the planner guesses (autovacuum comes later)
        for table in ("snapshot", *(t.name for t in tables)):
            con.execute(f'ANALYZE "{table}"')
    return snapshot_id


_LOAD_LOCK = 0x436C_6561_7274  # the advisory lock loads take in turn on PostgreSQL


def _finish(report: LoadReport, started: float) -> LoadReport:
    report.seconds = time.perf_counter() - started
    return report
