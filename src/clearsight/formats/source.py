"""What every reader hands back, and how one or several readers' output becomes one loadable Extract.

The content hash covers the input files' bytes, the format each was read as, the reader version, and the
extract date and council when given, so the same inputs read the same way load once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date
from pathlib import Path

import pyarrow as pa

from clearsight.formats.rows import Rows, from_arrow
from clearsight.formats.screen import screen
from clearsight.store.load import Extract
from clearsight.store.validation import Problem

READER_VERSION = "2"  # 2: a file enters the hash by its own SHA-256


@dataclass
class ReaderOutput:
    """One format's reading of its files: canonical rows with provenance, and what it could not say."""

    format: str
    files: list[Path]
    tables: dict[str, Rows | pa.Table] = field(default_factory=dict)
    extract_date: date | None = None  # what the files say (e.g. a census reference date), if anything
    extract_date_basis: str = ""
    council: str = ""
    notes: list[str] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)
    headers: dict[tuple[str, str], str] = field(default_factory=dict)
    carried: dict[str, pa.Table] = field(default_factory=dict)  # rows taken over from an earlier snapshot
    # required canonical columns the format does not carry at all (the CSC API payload has no legal status):
    # blank there is the format's silence, not a fault of the row
    not_carried: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def rows(self, table: str) -> Rows:
        found = self.tables.get(table)
        if found is None:
            found = self.tables[table] = Rows(table)
        assert isinstance(found, Rows)
        return found


@lru_cache(maxsize=4096)
def _file_digest(path: str, size: int, modified_ns: int) -> bytes:
    """SHA-256 of a file's bytes, once per file version: a stack of many councils hashes each file once, not
    once per council."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.digest()


def files_hash(parts: list[tuple[str, Path]], extra: str = "") -> str:
    digest = hashlib.sha256(f"clearsight-readers/{READER_VERSION}\0{extra}\0".encode())
    for fmt, path in sorted(parts, key=lambda p: (p[0], p[1].name, str(p[1]))):
        stat = path.stat()
        digest.update(f"{fmt}\0{path.name}\0".encode())
        digest.update(_file_digest(str(path.resolve()), stat.st_size, stat.st_mtime_ns))
    return digest.hexdigest()


def to_extract(outputs: list[ReaderOutput], extract_date: date | None = None, council: str | None = None) -> Extract:
    """Screen and combine readers' output into one Extract (one snapshot)."""
    notes: list[str] = []
    if extract_date is None:
        dated = [o for o in outputs if o.extract_date]
        if not dated:
            raise ValueError("no extract date: the files do not say one; give --extract-date YYYY-MM-DD")
        chosen = max(dated, key=lambda o: o.extract_date)  # type: ignore[arg-type, return-value]
        extract_date = chosen.extract_date
        notes.append(f"extract date {extract_date} {chosen.extract_date_basis}")
    assert extract_date is not None
    council = council or next((o.council for o in outputs if o.council), "") or "unknown council"
    tables: dict[str, list[pa.Table]] = {}
    headers: dict[tuple[str, str], str] = {}
    rejected: list[Problem] = []
    not_carried: dict[str, set[str]] = {}
    for out in outputs:
        for name, columns in out.not_carried.items():
            not_carried.setdefault(name, set()).update(columns)
        for name, rows in [*out.tables.items(), *out.carried.items()]:
            if isinstance(rows, Rows):
                headers.update(rows.headers)
                rows = rows.arrow()
            tables.setdefault(name, []).append(from_arrow(name, rows))
        headers.update(out.headers)
        notes.extend(out.notes)
        rejected.extend(out.rejected)
    combined = {name: pa.concat_tables(parts) for name, parts in tables.items()}
    screened = screen(combined, extract_date, headers, not_carried=not_carried)
    for name, (read, kept) in screened.counts.items():
        notes.append(f"{name}: {read:,} rows read, {kept:,} loaded, {read - kept:,} left out")
    notes.extend(screened.notes)
    parts = [(o.format, f) for o in outputs for f in o.files]
    digest = files_hash(parts, f"{extract_date}\0{council}")
    source = ", ".join(str(f) for _, f in parts)
    display = {name: f"{name} rows read from {', '.join(sorted({o.format for o in outputs if name in o.tables}))}"
               for name in screened.tables}
    return Extract(
        council, extract_date, source, digest, dict(screened.tables), display,
        rejected=rejected + screened.rejected, notes=notes, screened=screened.clean,
    )
