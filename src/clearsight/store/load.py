"""Load one canonical extract as a snapshot: validate everything, then write everything or nothing.

Inputs are sacred: files are only read. A load is atomic (any problem: the database is unchanged) and
idempotent (an extract whose content was loaded before is recognised by its hash and not loaded twice).
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

from clearsight.formats.manifest import MANIFEST_NAME, ManifestError, read_manifest
from clearsight.store import schema
from clearsight.store.snapshots import find_by_hash
from clearsight.store.staging import UnreadableFile, stage_file
from clearsight.store.validation import Problem, StagedExtract, quote, typed_expression

Progress = Callable[[str, int, int], None]
Status = Literal["loaded", "already_loaded", "rejected"]

EXIT_CODES: dict[Status, int] = {"loaded": 0, "already_loaded": 0, "rejected": 2}


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


def _completeness(con: duckdb.DuckDBPyConnection, table: schema.Table) -> tuple[int, dict[str, float]]:
    counts = ", ".join(f"count(NULLIF(trim({quote(c.name)}), ''))" for c in table.columns)
    row = con.execute(f"SELECT count(*), {counts} FROM stage_{table.name}").fetchone()
    assert row is not None
    total = int(row[0])
    return total, {
        c.name: (round(int(n) / total, 4) if total else 1.0) for c, n in zip(table.columns, row[1:], strict=True)
    }


def load_extract(
    con: duckdb.DuckDBPyConnection, directory: str | Path, progress: Progress | None = None
) -> LoadReport:
    """Validate and load the canonical extract in `directory` as one new snapshot."""
    started = time.perf_counter()
    directory = Path(directory)
    report = LoadReport(source=str(directory.resolve()))
    tick = progress or (lambda stage, done, total: None)
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

    digest = content_hash(directory, list(files.values()))
    if (existing := find_by_hash(con, digest)) is not None:
        report.status, report.snapshot_id = "already_loaded", existing.snapshot_id
        report.tables = existing.report.get("tables", {})
        return _finish(report, started)

    staged = StagedExtract(con, files, manifest.extract_date)
    tables = [t for t in schema.TABLES if t.name in files]
    steps = len(tables) * 2 + 1
    try:
        for i, table in enumerate(tables):
            tick(f"reading {files[table.name]}", i, steps)
            try:
                staged_file = stage_file(con, table.name, directory / files[table.name], files[table.name])
            except (duckdb.Error, UnreadableFile) as exc:
                report.problems.append(Problem(files[table.name], "", f"cannot be read: {exc}", (), 1))
                continue
            report.problems.extend(staged_file.problems)
            extra = staged.check_columns(table, staged_file.header)
            report.tables[table.name] = {"file": files[table.name], "extra_columns": extra}
        readable = [t for t in tables if t.name in report.tables]
        if not report.problems and not staged.problems:  # value checks need every declared column present
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
            rows, completeness = _completeness(con, table)
            report.tables[table.name].update(rows=rows, completeness=completeness)
        for name in schema.TABLES_BY_NAME:
            report.tables.setdefault(name, {"file": None, "rows": 0, "note": "not supplied in this extract"})
        tick("writing snapshot", steps - 1, steps)
        report.snapshot_id = _write_snapshot(con, report, digest, readable)
        report.status = "loaded"
    finally:
        for table in tables:
            con.execute(f"DROP TABLE IF EXISTS stage_{table.name}")
    return _finish(report, started)


def _write_snapshot(
    con: duckdb.DuckDBPyConnection, report: LoadReport, digest: str, tables: list[schema.Table]
) -> int:
    """One transaction: the snapshot row and every table's rows, or nothing."""
    con.execute("BEGIN TRANSACTION")
    try:
        row = con.execute("SELECT nextval('snapshot_seq')").fetchone()
        assert row is not None
        snapshot_id = int(row[0])
        for table in tables:
            typed = ", ".join(typed_expression(c, quote(c.name)) for c in table.columns)
            file = str(report.tables[table.name]["file"]).replace("'", "''")
            con.execute(
                f'INSERT INTO "{table.name}" SELECT {typed}, {snapshot_id}, \'{file}\', source_row '
                f"FROM stage_{table.name} ORDER BY source_row"
            )
        con.execute(
            "INSERT INTO snapshot VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                snapshot_id, report.council, report.extract_date, digest, report.source, datetime.now(),
                json.dumps({"tables": report.tables}),
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return snapshot_id


def _finish(report: LoadReport, started: float) -> LoadReport:
    report.seconds = time.perf_counter() - started
    return report
