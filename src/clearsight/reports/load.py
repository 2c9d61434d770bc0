"""What a load did, in words: the snapshot made (or why none was), notes, and every row left out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from clearsight.render.values import clean_text
from clearsight.store.load import LoadReport

Kind = Literal["error", "warning"] | None


def load_lines(report: LoadReport, database: Path) -> list[tuple[str, Kind]]:
    """The lines to show after a load: (text, None for the outcome and notes, "warning"/"error" for problems)."""
    if report.status == "rejected":
        n = sum(p.count for p in report.problems)
        return [(f"Load rejected: {n:,} problem rows in {len(report.problems)} checks; the database is unchanged.",
                 "error"), *((f"  {clean_text(str(p))}", "error") for p in report.problems)]
    if report.status == "already_loaded":
        return [(f"Already loaded as snapshot {report.snapshot_id}: nothing changed.", None)]
    lines: list[tuple[str, Kind]] = [(
        f"Loaded snapshot {report.snapshot_id}: {report.council}, extract date {report.extract_date}, "
        f"{report.rows_loaded:,} rows in {report.seconds:.1f}s into {database}.", None)]
    for table, info in report.tables.items():
        if info.get("extra_columns"):
            lines.append((f"  note: {table}: extra columns ignored: {', '.join(info['extra_columns'])}", None))
    lines += [(f"  note: {clean_text(note)}", None) for note in report.notes]
    if report.rejected:
        n = sum(p.count for p in report.rejected)
        lines.append((f"{n:,} rows were left out (exit code 1):", "warning"))
        lines += [(f"  {clean_text(str(p))}", "warning") for p in report.rejected]
    return lines


def report_json(report: LoadReport) -> str:
    def default(value: Any) -> str:
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    return json.dumps(report.as_dict(), indent=2, default=default)
