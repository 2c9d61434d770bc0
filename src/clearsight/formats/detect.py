"""Which format a path holds, and reading several paths into one Extract (one snapshot).

`--format auto` looks at content, not only names: an xlsx with 'List n' sheets is Annex A; CSVs whose
header has CHILD and DECOM (or SEX and DOB, REVIEW, SW_ID...) are SSDA903; CSV or Parquet files named after
a Standard Safeguarding Dataset table (ssd_person.csv) or whose header has its id column, and DuckDB files
holding ssd_* tables, are SSD; XML whose Header names the
collection CIN or CSWW (or has CINdetails / CSWWWorker elements) is the CIN or workforce census; JSON naming
la_child_id is a DfE CSC API payload; a directory with manifest.json is a canonical extract.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from clearsight.formats.errors import ReaderError
from clearsight.canonical.manifest import MANIFEST_NAME
from clearsight.store.load import Extract

if TYPE_CHECKING:
    from clearsight.formats.source import ReaderOutput

FORMATS = ("canonical", "ssd", "annex-a", "ssda903", "cin", "csww", "csc-api", "hr")


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))
    return [path]


def detect_file(path: Path) -> str | None:
    """The format of one file, or None when it is none this reader set knows."""
    suffix = path.suffix.lower()
    if path.name == MANIFEST_NAME:
        return "canonical"
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        from clearsight.formats.annex_a import is_annex_a
        from clearsight.formats.workbook import check_workbook

        check_workbook(path)  # before any reader opens it: a sheet of billions of cells is refused, not read
        return "annex-a" if is_annex_a(path) else None
    from clearsight.formats.ssd import is_ssd

    if suffix in (".csv", ".parquet", ".duckdb", ".ddb", ".db") and is_ssd(path):
        return "ssd"
    try:
        with open(path, "rb") as fh:
            raw = fh.read(4096)
    except OSError:
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReaderError(path.name, "is UTF-16 text: Clearsight reads UTF-8 (save it as 'CSV UTF-8' or UTF-8 XML)")
    from clearsight.formats.xml import declares_dtd, refuse_dtd

    if declares_dtd(raw):
        refuse_dtd(path)
    head = raw.decode("utf-8-sig", errors="replace")
    from clearsight.formats.csc_api import looks_like_payload

    if looks_like_payload(head):
        return "csc-api"
    if suffix == ".xml" or head.lstrip().startswith("<"):
        if "<CSWWWorker" in head or "<Collection>CSWW" in head or "<LALevelVacancies" in head:
            return "csww"
        if "<CINdetails" in head or "<Collection>CIN" in head or "<LAchildID" in head:
            return "cin"
        return None
    from clearsight.formats.hr import hr_table_of
    from clearsight.formats.ssda903 import table_of

    first = head.splitlines()[0] if head else ""
    if table_of([c for c in first.split(",")]):
        return "ssda903"
    for separator in (";", "\t", "|"):
        if kind := table_of(first.split(separator)):
            raise ReaderError(path.name, f"is an SSDA903 {kind} table separated by {separator!r}: SSDA903 files are "
                                         "comma-separated CSV (save it as CSV with commas)", row=1)
    return "hr" if hr_table_of(path) else None


def unread_files(paths: Sequence[Path], found: dict[str, list[Path]]) -> list[str]:
    """A note for every entry of the directories given that no reader took, saying why."""
    taken = {p for files in found.values() for p in files}
    notes = []
    for path in paths:
        if not path.is_dir() or (path / MANIFEST_NAME).is_file():
            continue
        for entry in sorted(path.iterdir()):
            if entry in taken:
                continue
            if entry.is_dir():
                why = "a folder: folders inside the one given are not read"
            elif entry.name.startswith((".", "~$")):
                why = "a hidden or Office lock file"
            else:
                why = "not in a format Clearsight reads"
            notes.append(f"not read: {entry.name} ({why})")
    return notes


def detect(paths: Sequence[Path]) -> dict[str, list[Path]]:
    """Format -> files, for every path given (directories are looked into)."""
    from clearsight.formats.hr import is_hr_directory

    found: dict[str, list[Path]] = {}
    for path in paths:
        if path.is_dir() and (path / MANIFEST_NAME).is_file():
            # HR files in the canonical layout join other sources in one snapshot; alone, they load as an extract
            hr = len(paths) > 1 and is_hr_directory(path)
            found.setdefault("hr" if hr else "canonical", []).append(path)
            continue
        if not path.exists():
            raise ReaderError(str(path), "does not exist")
        for file in _files(path):
            fmt = detect_file(file)
            if fmt is None:
                if not path.is_dir():
                    raise ReaderError(file.name, "is not in a format Clearsight reads (SSD tables, Annex A "
                                                 "xlsx, SSDA903 CSV, CIN census XML, workforce census XML, "
                                                 "DfE CSC API JSON, canonical extract)")
                continue
            found.setdefault(fmt, []).append(file)
    if not found:
        raise ReaderError(", ".join(str(p) for p in paths), "holds no file in a format Clearsight reads")
    return found


def read_councils(
    paths: Sequence[Path], fmt: str = "auto", con: duckdb.DuckDBPyConnection | None = None,
    extract_date: date | None = None, council: str | None = None,
) -> list[Extract]:
    """Read every path (in one format, or each detected) into one Extract per council: files naming several
    councils (an SSDA903 LA column) give one each. With `council`, files naming several load only that one;
    files naming one (or none) are that council's. ReaderError on unreadable input. Each reader is imported
    only when files of its format were given (the workbook reader alone is a tenth of a second)."""
    from clearsight.formats.source import to_extract

    if fmt == "auto":
        by_format = detect(paths)
    else:
        by_format = {fmt: [f for p in paths for f in _files(p)]}
    if "canonical" in by_format:
        raise ReaderError(", ".join(str(p) for p in by_format["canonical"]),
                          "is a canonical extract: load it on its own (clearsight load DIR)")
    outputs = []
    staff = None
    if by_format.get("hr"):
        from clearsight.formats import hr

        outputs.append(hr.read(by_format["hr"]))
        staff = hr.staff_from_hr(outputs[-1]) if "worker" in outputs[-1].tables else None
    if by_format.get("annex-a"):
        from clearsight.formats import annex_a

        outputs.extend(annex_a.read(path, con, extract_date, staff) for path in by_format["annex-a"])
    if by_format.get("ssd"):
        from clearsight.formats import ssd

        outputs.append(ssd.read(by_format["ssd"], extract_date))
    if by_format.get("ssda903"):
        from clearsight.formats import ssda903

        outputs.extend(ssda903.read(by_format["ssda903"]))
    if by_format.get("cin"):
        from clearsight.formats import cin_census
        from clearsight.formats.xml import by_council

        outputs.extend(cin_census.read(files) for files in by_council(by_format["cin"]))  # a snapshot per LEA
    if by_format.get("csww"):
        from clearsight.formats import csww
        from clearsight.formats.xml import by_council

        outputs.extend(csww.read(files) for files in by_council(by_format["csww"]))
    if by_format.get("csc-api"):
        from clearsight.formats import csc_api

        outputs.append(csc_api.read(by_format["csc-api"]))
    where = ", ".join(str(p) for p in paths)
    groups = _by_council(outputs, council, where)
    unread = unread_files(paths, by_format) if fmt == "auto" else []
    for _, group in groups:
        group[0].notes.extend(unread)
    try:
        return [to_extract(group, extract_date, name) for name, group in groups]
    except ValueError as exc:
        raise ReaderError(where, str(exc)) from None


def _council_key(name: str) -> str:
    return " ".join(name.casefold().split())


def _by_council(
    outputs: list[ReaderOutput], council: str | None, where: str
) -> list[tuple[str | None, list[ReaderOutput]]]:
    """Readers' outputs grouped into snapshots: one group unless the files name several councils."""
    named = sorted({o.council for o in outputs if o.council})
    if len(named) <= 1:
        return [(council, outputs)]
    unnamed = [o for o in outputs if not o.council]
    if council is not None:
        chosen = [o for o in outputs if o.council and _council_key(o.council) == _council_key(council)]
        if not chosen:
            raise ReaderError(where, f"names no council {council!r}; it names {', '.join(named)}")
        return [(chosen[0].council, chosen + unnamed)]
    if unnamed:
        formats = ", ".join(sorted({o.format for o in unnamed}))
        raise ReaderError(where, f"names {len(named)} councils ({', '.join(named)}), and the {formats} files do "
                                 "not say whose they are: load those separately, or choose one council")
    return [(name, [o for o in outputs if o.council == name]) for name in named]


def read_sources(
    paths: Sequence[Path], fmt: str = "auto", con: duckdb.DuckDBPyConnection | None = None,
    extract_date: date | None = None, council: str | None = None,
) -> Extract:
    """Read every path into one Extract (one snapshot); files naming several councils need `council` to choose
    one, or `read_councils` to load them all."""
    extracts = read_councils(paths, fmt, con, extract_date, council)
    if len(extracts) > 1:
        names = ", ".join(e.council for e in extracts)
        raise ReaderError(", ".join(str(p) for p in paths),
                          f"names {len(extracts)} councils ({names}): give --council NAME to load one")
    return extracts[0]
