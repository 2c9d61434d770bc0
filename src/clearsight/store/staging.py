"""Copy one extract file into a temp table of text, each row numbered by its line in the file.

Every cell is staged as text so that validation can say what a bad value was, not only that a cast failed.
Malformed lines (too many or too few fields) are collected with their line numbers rather than padded or
guessed at, and the line numbers of good rows stay true even where blank or malformed lines were skipped.
"""

from __future__ import annotations

import csv
import itertools
import mmap
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from clearsight.store.arrow_scan import register_once
from clearsight.store.validation import EXAMPLES, Problem, blank_sql, quote


class UnreadableFile(ValueError):
    """The file cannot be read as a table at all (not text, no header, duplicate header names)."""


@dataclass
class StagedFile:
    header: list[str]  # normalised column names, in file order
    problems: list[Problem] = field(default_factory=list)


def normalise_header(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


def _csv_header(path: Path) -> list[str]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            first = fh.readline()
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if "\x00" in first:
        raise UnreadableFile("not a text file (it contains NUL bytes)")
    header = next(csv.reader([first]), [])
    if not any(h.strip() for h in header):
        raise UnreadableFile("the first line should be a header of column names, and it is empty")
    return header


_CHUNK = 1 << 26  # bytes scanned for line ends at a time, so a large file never needs a file-sized array


def _blank_lines(path: Path) -> list[int]:
    """Line numbers of empty lines, which DuckDB's CSV reader skips without a word. Found with NumPy over the
    mapped file, so a million of them take well under a second."""
    if path.stat().st_size == 0:
        return []
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        if mm.find(b"\n\n") == -1 and mm.find(b"\n\r\n") == -1:
            return []  # the usual case
        data = np.frombuffer(mm, dtype=np.uint8)
        ends = np.concatenate([np.flatnonzero(data[i:i + _CHUNK] == 10) + i for i in range(0, len(data), _CHUNK)])
        starts = np.concatenate(([0], ends[:-1] + 1))
        length = ends - starts
        blank = (length == 0) | ((length == 1) & (data[np.minimum(starts, len(data) - 1)] == 13))
        blank[0] = False  # the header line: an empty one is refused before this
        lines = (np.flatnonzero(blank) + 1).tolist()
        del data  # the mapping closes only once no array views it
    return lines


def _line_numbers(con: duckdb.DuckDBPyConnection, table: str, skipped: list[int]) -> tuple[str, str]:
    """SQL for a row's line, over `_pos` (its position among kept lines: the header is line 1, then file order),
    and the join that feeds it: the position plus the skipped lines before it. With skipped lines
    s_1 < ... < s_m, the kept line at position p is line p + #{i : s_i - i < p}; an as-of join finds that count
    for every row at once."""
    if not skipped:
        return "_pos", ""
    lines = np.sort(np.asarray(skipped, dtype=np.int64))
    lines = lines[np.append(True, lines[1:] != lines[:-1])]  # (np.unique hashes: 15 s for a million lines in a row)
    shifted = lines - np.arange(1, len(lines) + 1)  # s_i - i, never decreasing
    last = np.flatnonzero(np.append(shifted[1:] != shifted[:-1], True))  # the last i of each distinct value
    con.register(f"skipped_{table}", pa.table({"_skip_c": shifted[last], "_skip_n": last + 1}))
    return "_pos + coalesce(_skip_n, 0)", f"ASOF LEFT JOIN skipped_{table} ON _pos > _skip_c"


def _malformed_lines(rejects: list[tuple[int, str, str]], display: str) -> list[Problem]:
    """One problem per kind of malformed line, naming the lines; DuckDB reports a short line once per
    missing field, so each line keeps its true field count (the fewest or most it reports)."""
    found: dict[int, tuple[int, int, str]] = {}  # line -> (fields found, fields expected, message)
    for line, kind, message in rejects:
        numbers = message.replace("Expected Number of Columns: ", "").split(" Found: ")
        if len(numbers) != 2:
            found.setdefault(int(line), (-1, -1, message))
            continue
        expected, got = int(numbers[0]), int(numbers[1])
        current = found.get(int(line))
        if current is None or (got < current[0] if kind == "MISSING COLUMNS" else got > current[0]):
            found[int(line)] = (got, expected, message)
    by_text: dict[str, list[int]] = {}
    for line, (got, expected, message) in sorted(found.items()):
        text = f"has {got} fields, the header has {expected}" if got >= 0 else message
        by_text.setdefault(text, []).append(line)
    return [Problem(display, "", text, tuple(lines[:EXAMPLES]), len(lines)) for text, lines in by_text.items()]


def stage_arrow(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> StagedFile:
    """Stage rows a format reader produced: canonical columns plus `source_file` and `source_row`, where
    source_file names the file and sheet and source_row the row a person would find the value on."""
    missing = {"source_file", "source_row"} - set(rows.column_names)
    if missing:
        raise ValueError(f"reader output for {table} lacks provenance columns {sorted(missing)}")
    name = f"reader_{table}"
    register_once(con, name, rows)
    try:
        header = [c for c in rows.column_names if c not in ("source_file", "source_row")]
        select = ", ".join(f"CAST({quote(c)} AS VARCHAR) AS {quote(c)}" for c in header)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE stage_{table} AS SELECT CAST(source_row AS BIGINT) AS source_row, "
            f"CAST(source_file AS VARCHAR) AS source_file{', ' + select if select else ''} FROM {name}"
        )
    finally:
        con.unregister(name)
    return StagedFile(header)


def stage_parsed(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> StagedFile:
    """Stage screened rows as they are, parsed values (`<column>__v`) plus source_file and source_row: the
    Arrow table is registered as view `stage_<table>` (no copy) for the one scan that inserts it; `unstage`
    removes it."""
    missing = {"source_file", "source_row"} - set(rows.column_names)
    if missing:
        raise ValueError(f"reader output for {table} lacks provenance columns {sorted(missing)}")
    con.execute(f"DROP TABLE IF EXISTS stage_{table}")
    register_once(con, f"stage_{table}", rows)
    header = [c.removesuffix("__v") for c in rows.column_names if c not in ("source_file", "source_row")]
    return StagedFile(header)


def unstage(con: duckdb.DuckDBPyConnection, table: str, parsed: bool = False) -> None:
    """Remove `stage_<table>` (a registered view when staged by `stage_parsed`)."""
    if parsed:
        con.unregister(f"stage_{table}")
    else:
        con.execute(f"DROP TABLE IF EXISTS stage_{table}")


_PATTERN = "*?[{"  # characters DuckDB expands in a path
_NO_EXTENSIONS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
# A scratch connection's own directory for links to inputs whose path DuckDB would read as a pattern.
_LINK_DIRS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, Path] = weakref.WeakKeyDictionary()
_LINK_NUMBERS = itertools.count()


def _sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def scratch_connection(inputs: Sequence[Path] = ()) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for a reader's or the screen's working tables. One thread: these tables are a few
    row groups at most, so a second thread buys little, and on a shared 2-core machine it cost 3-4x (the
    threads wait on each other: a 45,678-row stage took 0.35 s on two threads, 0.09 s on one).

    It fetches and loads no extension, and reads no file but `inputs` (with a database's write-ahead log beside
    it): a view in a supplied database, or a file path written in a cell, reaches nothing else."""
    con = duckdb.connect(config=_NO_EXTENSIONS)
    con.execute("SET threads = 1")
    paths = [str(p.resolve()) for p in inputs]
    con.execute(f"SET allowed_paths = {_sql_list([*paths, *(p + '.wal' for p in paths)])}")
    if any(c in p for p in paths for c in _PATTERN):
        links = Path(tempfile.mkdtemp(prefix="clearsight-"))
        weakref.finalize(con, shutil.rmtree, links, True)
        _LINK_DIRS[con] = links
        con.execute(f"SET allowed_directories = {_sql_list([str(links) + '/'])}")
    con.execute("SET enable_external_access = false")
    return con


@contextmanager
def _literal(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[Path]:
    """`path` as DuckDB will read it literally: DuckDB expands *, ?, [ and { in a path as a pattern, so a file
    whose path holds one is read through a link whose name holds none (in the scratch connection's own link
    directory, else a fresh one)."""
    if not any(c in str(path.resolve()) for c in _PATTERN):
        yield path
        return
    suffix = "".join(c for c in path.suffix if c.isalnum() or c == ".")
    links = _LINK_DIRS.get(con)
    with tempfile.TemporaryDirectory(prefix="clearsight-") if links is None else nullcontext(str(links)) as tmp:
        link = Path(tmp) / f"input{next(_LINK_NUMBERS)}{suffix}"
        link.symlink_to(path.resolve())
        try:
            yield link
        finally:
            link.unlink(missing_ok=True)


def stage_file(con: duckdb.DuckDBPyConnection, table: str, path: Path, display: str,
               derived: Callable[[list[str]], Sequence[str]] | None = None) -> StagedFile:
    """Stage `path` as temp table `stage_<table>` (text columns plus source_row). `derived` gives, from the
    file's (normalised) header, SQL columns (`expression AS name`) over its columns to add in the same pass, so a
    reader working out more from each row does not copy the table again."""
    with _literal(con, path) as readable:
        return _stage_file(con, table, readable, display, derived)


def _stage_file(con: duckdb.DuckDBPyConnection, table: str, path: Path, display: str,
                derived: Callable[[list[str]], Sequence[str]] | None = None) -> StagedFile:
    quoted_path = str(path).replace("'", "''")
    skipped: list[int] = []
    problems: list[Problem] = []
    if path.suffix.lower() == ".parquet":
        source = f"read_parquet('{quoted_path}')"
        con.execute(f"CREATE OR REPLACE TEMP TABLE raw_{table} AS SELECT * FROM {source}")
        raw_header = [r[0] for r in con.execute(f"DESCRIBE raw_{table}").fetchall()]
        raw_cols = raw_header
    else:
        raw_header = _csv_header(path)
        raw_cols = [f"c{i}" for i in range(len(raw_header))]
        columns = ", ".join(f"'{c}': 'VARCHAR'" for c in raw_cols)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE raw_{table} AS SELECT * FROM read_csv('{quoted_path}', header = true, "
            f"columns = {{{columns}}}, delim = ',', quote = '\"', escape = '\"', auto_detect = false, "
            f"strict_mode = true, null_padding = false, store_rejects = true, "
            f"rejects_table = 'rejects_{table}', rejects_scan = 'rejects_scan_{table}')"
        )
        rejects = con.execute(
            f"SELECT DISTINCT line, error_type, error_message FROM rejects_{table} ORDER BY line"
        ).fetchall()
        con.execute(f"DROP TABLE IF EXISTS rejects_{table}")
        con.execute(f"DROP TABLE IF EXISTS rejects_scan_{table}")
        skipped = _blank_lines(path) + [int(r[0]) for r in rejects]
        problems = _malformed_lines(rejects, display)
    header = [normalise_header(h) for h in raw_header]
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise UnreadableFile(f"the header names {', '.join(duplicates)} more than once")
    select = ", ".join(f"CAST({quote(raw)} AS VARCHAR) AS {quote(n)}" for raw, n in zip(raw_cols, header, strict=True))
    not_blank = " OR ".join(f"NOT {blank_sql(quote(raw))}" for raw in raw_cols)
    file_literal = display.replace("'", "''")
    line, join = _line_numbers(con, table, skipped)
    rows = (f"SELECT {line} AS source_row, '{file_literal}' AS source_file, {select} "
            f"FROM (SELECT rowid + 2 AS _pos, * FROM raw_{table}) {join} WHERE {not_blank}")
    more = "".join(f", {column}" for column in (derived(header) if derived else ()))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE stage_{table} AS SELECT *{more} FROM ({rows})"
        + (" ORDER BY source_row" if join else "")  # a join may reorder; rows stay in file order
    )
    con.execute(f"DROP TABLE raw_{table}")
    if join:
        con.unregister(f"skipped_{table}")
    return StagedFile(header, problems)
