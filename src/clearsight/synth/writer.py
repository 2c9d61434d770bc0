"""Write the canonical tables as CSV (ISO dates, Y/N, empty = null) and optionally Parquet, plus the manifest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from clearsight.canonical import schema


def _arrow(values: np.ndarray, type_: str, for_csv: bool) -> pa.Array:
    if type_ == "date":
        v = np.asarray(values, dtype=np.int64)
        mask = v < 0
        arr = pa.array(np.where(mask, 0, v).astype(np.int32), type=pa.date32(), mask=mask)
        return arr.cast(pa.string()) if for_csv else arr  # ISO yyyy-mm-dd, empty = null
    if type_ == "bool":
        v = np.asarray(values, dtype=np.int8)
        mask = v < 0
        if for_csv:
            s = np.where(v > 0, "Y", "N").astype(object)
            s[mask] = None
            return pa.array(s, type=pa.string())
        return pa.array(v > 0, type=pa.bool_(), mask=mask)
    if type_ == "int":  # -1 = empty, as for dates (no count or year is negative)
        v = np.asarray(values, dtype=np.int64)
        return pa.array(v, type=pa.int64(), mask=v < 0)
    if type_ == "float":
        v = np.round(np.asarray(values, dtype=float), 4)
        mask = np.isnan(v)
        arr = pa.array(v, type=pa.float64(), mask=mask)
        return arr.cast(pa.string()) if for_csv else arr
    s = np.asarray(values, dtype=object)
    s = np.where(s == "", None, s)
    return pa.array(s, type=pa.string())


def to_arrow(name: str, cols: dict[str, np.ndarray], for_csv: bool) -> pa.Table:
    table = schema.table(name)
    return pa.table({c.name: _arrow(cols[c.name], c.type, for_csv) for c in table.columns})


def write_table(out_dir: Path, name: str, cols: dict[str, np.ndarray], parquet: bool) -> int:
    """Write `name.csv` (and `name.parquet`); returns the row count."""
    t = to_arrow(name, cols, for_csv=True)
    opts = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    pacsv.write_csv(t, str(out_dir / f"{name}.csv"), write_options=opts)
    if parquet:
        pq.write_table(to_arrow(name, cols, for_csv=False), str(out_dir / f"{name}.parquet"))
    return t.num_rows
