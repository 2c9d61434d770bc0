"""Rows a reader maps into one canonical table, column by column, each with its provenance.

Readers append values already normalised to canonical text (`formats.cells`); the builder keeps every
canonical column (blank when the format does not carry it) plus `source_file` and `source_row`, and remembers
which header of the source fed each canonical column so errors can name the column a person would look for.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from clearsight.canonical import schema


class Rows:
    """Column lists for one canonical table, filled row by row by a reader."""

    def __init__(self, table: str):
        self.table = table
        self.names = schema.table(table).column_names
        self.columns: dict[str, list[str | None]] = {c: [] for c in self.names}
        self.source_file: list[str] = []
        self.source_row: list[int] = []
        self.headers: dict[tuple[str, str], str] = {}  # (source_file, canonical column) -> source header

    def __len__(self) -> int:
        return len(self.source_row)

    def add(self, source_file: str, source_row: int, values: dict[str, str | None]) -> None:
        for name in self.names:
            value = values.get(name)
            self.columns[name].append(value if value else None)
        self.source_file.append(source_file)
        self.source_row.append(source_row)

    def name_columns(self, source_file: str, mapping: dict[str, str]) -> None:
        """Record that canonical column -> source header, for messages about `source_file`."""
        for canonical, header in mapping.items():
            self.headers[(source_file, canonical)] = header

    def arrow(self) -> pa.Table:
        data: dict[str, pa.Array] = {n: pa.array(v, pa.string()) for n, v in self.columns.items()}
        data["source_file"] = pa.array(self.source_file, pa.string())
        data["source_row"] = pa.array(self.source_row, pa.int64())
        return pa.table(data)


def empty(table: str) -> pa.Table:
    return Rows(table).arrow()


def query_table(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """A query's rows as one Arrow table, streamed out of DuckDB: `execute(sql).arrow()` first materialises the
    result and then converts it, half as fast again for a 903 return's 500,000 rows."""
    return con.sql(sql).to_arrow_table()


def from_arrow(table: str, data: pa.Table | pa.RecordBatchReader) -> pa.Table:
    """An Arrow table of some canonical columns (text) completed with the missing ones as nulls, in order."""
    if isinstance(data, pa.RecordBatchReader):  # DuckDB's .arrow() may hand back a reader
        data = data.read_all()
    cols = {}
    for name in (*schema.table(table).column_names, "source_file", "source_row"):
        if name in data.column_names:
            cols[name] = data[name]
        else:
            cols[name] = pa.nulls(data.num_rows, pa.int64() if name == "source_row" else pa.string())
    return pa.table(cols)
