"""Benchmarks: what England, the region and the statistical neighbours publish, to set beside each figure.

A council loads them from a CSV with columns indicator, area, area_type (england, region, neighbour),
period and value (a rate as a fraction, e.g. 0.857). England's figures from the DfE statistics in
definitions.md are built in (council config `england`) and used until a CSV supplies a newer England value.
The neighbour value is the median of the statistical neighbours (DfE's method).
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass
from pathlib import Path

import duckdb

from clearsight.config import CouncilConfig
from clearsight.store.validation import Problem

AREA_TYPES = ("england", "region", "neighbour")
# Where a KPI's published counterpart has another name; otherwise the CSV names the KPI itself.
KPI_INDICATORS = {
    "assessment_timeliness": "assessments_within_45_days",
    "re_referrals": "re_referral_rate",
    "repeat_cp_plans": "repeat_cp_plan_rate",
    "cp_plans_two_years": "cp_two_years",
}
COLUMNS = ("indicator", "area", "area_type", "period", "value")


@dataclass(frozen=True)
class Benchmark:
    indicator: str
    england: float | None
    england_period: str | None
    region: float | None
    neighbours: float | None  # median of the neighbours' latest values
    neighbour_count: int


def load_benchmarks(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[int, list[Problem]]:
    """Validate the whole file, then replace the rows it carries in one transaction; nothing on any problem."""
    name = path.name
    problems: list[Problem] = []
    rows = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            return 0, [Problem(name, ", ".join(missing), "column is missing from the header", (1,), 1)]
        for line, raw in enumerate(reader, start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
            if not any(row.values()):
                continue
            for column in ("indicator", "area", "period"):
                if not row[column]:
                    problems.append(Problem(name, column, "a value is required", (line,), 1))
            if row["area_type"] not in AREA_TYPES:
                problems.append(Problem(name, "area_type", f"expected one of {', '.join(AREA_TYPES)}", (line,), 1,
                                        (row["area_type"],)))
            try:
                value = float(row["value"])
            except ValueError:
                problems.append(Problem(name, "value", "expected a number", (line,), 1, (row["value"],)))
                continue
            rows.append((row["indicator"], row["area"], row["area_type"], row["period"], value, name))
    if problems:
        return 0, problems
    con.execute("BEGIN TRANSACTION")
    try:
        con.executemany("INSERT OR REPLACE INTO benchmark VALUES (?, ?, ?, ?, ?, ?)", rows)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(rows), []


def benchmark(con: duckdb.DuckDBPyConnection, config: CouncilConfig, indicator: str) -> Benchmark:
    """The latest England, region and neighbour-median values for `indicator` (a KPI name or an indicator)."""
    indicator = KPI_INDICATORS.get(indicator, indicator)
    latest = con.execute(
        """
        SELECT area_type, area, value, period FROM benchmark WHERE indicator = ?
        QUALIFY row_number() OVER (PARTITION BY area ORDER BY period DESC) = 1
        """,
        [indicator],
    ).fetchall()
    england = next(((v, p) for t, _a, v, p in latest if t == "england"), None)
    regions = [v for t, _a, v, _p in latest if t == "region"]
    neighbours = [v for t, _a, v, _p in latest if t == "neighbour"]
    if england is None and indicator in config.england:
        england = (config.england[indicator], "DfE 2025 (built in)")
    return Benchmark(
        indicator,
        england[0] if england else None,
        england[1] if england else None,
        regions[0] if regions else None,
        statistics.median(neighbours) if neighbours else None,
        len(neighbours),
    )
