"""Local HR files in the canonical layout, read as one source among others in a single snapshot.

A council whose HR system is not its case system sends the workforce as CSV (or Parquet) files named after the
canonical tables: `team`, `worker`, `worker_post`, `establishment`, `absence` (README, "HR data from a system
other than the case system"). On their own they load as a canonical extract. Given beside an Annex A workbook
or a workforce census (`clearsight load annex_a.xlsx hr/`), they are read here into the same snapshot, and the
workbook's worker names are resolved against these workers (`staff_from_hr`) rather than an earlier snapshot's.
Values are staged as text with their true line numbers and parsed and checked by the screen like every reader's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from clearsight.formats.errors import ReaderError
from clearsight.canonical.manifest import MANIFEST_NAME, ManifestError, read_manifest
from clearsight.formats.rows import from_arrow
from clearsight.formats.source import ReaderOutput
from clearsight.formats.staff import KnownStaff, index_staff
from clearsight.canonical import schema
from clearsight.store.staging import UnreadableFile, scratch_connection, stage_file
from clearsight.store.validation import quote

FORMAT = "hr"
HR_TABLES = ("team", "worker", "worker_post", "establishment", "absence")
SUFFIXES = (".csv", ".parquet")


def hr_table_of(path: Path) -> str | None:
    """The HR table a file holds, by its name (worker.csv, Worker_Post.parquet)."""
    stem = path.stem.strip().lower().replace("-", "_").replace(" ", "_")
    return stem if path.suffix.lower() in SUFFIXES and stem in HR_TABLES else None


def is_hr_directory(path: Path) -> bool:
    """A canonical extract directory holding HR tables only (so it can join other sources in one snapshot)."""
    try:
        manifest = read_manifest(path)
    except (ManifestError, OSError, ValueError):
        return False
    return bool(manifest.tables) and set(manifest.tables) <= set(HR_TABLES)


def hr_files(path: Path) -> list[Path]:
    """The HR table files of a directory, or the file itself."""
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    return [f for f in files if f.is_file() and hr_table_of(f)]


def read(paths: Sequence[Path]) -> ReaderOutput:
    """Every HR file (or directory of them) into canonical text rows with provenance."""
    files = [f for p in paths for f in hr_files(p)]
    out = ReaderOutput(FORMAT, files)
    for path in paths:
        if path.is_dir() and (path / MANIFEST_NAME).is_file():
            manifest = read_manifest(path)
            out.extract_date, out.council = manifest.extract_date, manifest.council
            out.extract_date_basis = f"from the HR manifest in {path.name}"
    con = scratch_connection(files)
    try:
        for i, path in enumerate(files):
            table = hr_table_of(path)
            assert table is not None
            stage = f"{table}_{i}"
            try:
                staged = stage_file(con, stage, path, path.name)
            except (duckdb.Error, UnreadableFile, UnicodeDecodeError) as exc:
                raise ReaderError(path.name, f"cannot be read as CSV ({str(exc).splitlines()[0]})") from None
            out.rejected.extend(staged.problems)
            columns = schema.table(table).column_names
            extra = [h for h in staged.header if h not in columns]
            if extra:
                out.notes.append(f"{path.name}: extra columns ignored: {', '.join(extra)}")
            kept = [c for c in staged.header if c in columns]
            rows = con.execute(
                f"SELECT {', '.join(quote(c) for c in kept)}{', ' if kept else ''}source_file, source_row "
                f"FROM stage_{stage} ORDER BY source_row"
            ).arrow()
            rows = from_arrow(table, rows)  # every canonical column: a missing one is blank, and screened so
            if table in out.tables:  # a table split over several files
                rows = pa.concat_tables([out.tables[table], rows])
            out.tables[table] = rows
            for c in kept:
                out.headers[(path.name, c)] = c
    finally:
        con.close()
    return out


def staff_from_hr(out: ReaderOutput) -> KnownStaff:
    """The HR files' workers and teams as the staff Annex A names are resolved against (nothing is carried:
    the HR rows are in the snapshot already)."""
    return index_staff(
        workers=out.tables.get("worker"), teams=out.tables.get("team"), source="the HR files loaded with it",
    )
