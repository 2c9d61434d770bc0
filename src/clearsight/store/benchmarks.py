"""Benchmarks: what England, the region and the statistical neighbours publish, to set beside each figure.

A council loads them from a CSV with columns indicator, area, area_type (england, region, neighbour),
period and value (a rate as a fraction, e.g. 0.857). England's figures from the DfE statistics in
definitions.md are built in by year (council config `england`) and used where no CSV gives England's figure
for that year. Every comparison takes the figures of the year matching the council's period
(`benchmark_for`), never the latest for every period, and says when no year matches (definitions.md,
Workforce: "every comparison uses the benchmark of the matching year"). The neighbour value is the median of
the statistical neighbours' values for that year (DfE's method).
"""

from __future__ import annotations

import csv
import re
import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from clearsight.store.database import Connection

from clearsight.config import CouncilConfig
from clearsight.store.database import fetch_rows
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
    """The published figures for one indicator and one year, to set beside a council's figure."""

    indicator: str
    period: str  # the publication year matched, e.g. "2023"
    covers: str  # what that year is, e.g. "the year to 30 September 2023"
    england: float | None
    england_source: str | None  # "loaded" (a benchmark file) or "built in" (DfE figures in the config)
    region: float | None
    neighbours: float | None  # median of the neighbours' values for the year
    neighbour_count: int
    note: str | None = None  # said when no England figure matches the year: which years are held


def load_benchmarks(con: Connection, path: Path) -> tuple[int, list[Problem]]:
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
    try:  # a figure given again replaces the one held (delete, then insert: the same SQL on both back ends)
        con.executemany("DELETE FROM benchmark WHERE indicator = ? AND area = ? AND period = ?",
                        [(r[0], r[1], r[3]) for r in rows])
        con.executemany("INSERT INTO benchmark VALUES (?, ?, ?, ?, ?, ?)", rows)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(rows), []


_PERIOD = re.compile(r"^(\d{4})(?:\s*[-/]\s*(\d{2}|\d{4}))?$")


def publication_year(period: str) -> int | None:
    """The year a published period ends in: "2023" and "2022-23" (or 2022/2023) are 2023; else None."""
    m = _PERIOD.match(period.strip())
    if not m:
        return None
    if m[2] is None:
        return int(m[1])
    return int(m[2]) if len(m[2]) == 4 else int(m[1][:2] + m[2])


def _year_end(indicator: str, year: int, config: CouncilConfig) -> date:
    """Last day of publication year `year` of `indicator`: the workforce census's 30 September, else the CIN
    census and SSDA903's 31 March."""
    return date(year, 9, 30) if indicator in config.workforce.census_indicators else date(year, 3, 31)


def matching_year(indicator: str, period_end: date, period_start: date | None, config: CouncilConfig) -> int:
    """The publication year matching a period: the one holding most of its days (the later on a tie), or for
    a date (no start) the one holding it."""
    start = period_start or period_end
    year = start.year if start <= _year_end(indicator, start.year, config) else start.year + 1
    best, best_days = year, 0
    while True:
        first = _year_end(indicator, year - 1, config) + timedelta(days=1)
        last = _year_end(indicator, year, config)
        days = (min(last, period_end) - max(first, start)).days + 1
        if days >= best_days:
            best, best_days = year, days
        if last >= period_end:
            return best
        year += 1


LoadedFigures = dict[str, list[tuple[str, str, float, str]]]  # indicator -> (area type, area, value, period)


def loaded_figures(con: Connection) -> LoadedFigures:
    """Every loaded benchmark figure by indicator, in one query: for a caller asking about many indicators
    (the KPI table asks about seventeen, ten milliseconds a query)."""
    found: LoadedFigures = {}
    for indicator, *row in fetch_rows(
        con, "SELECT indicator, area_type, area, value, period FROM benchmark ORDER BY indicator, area", {},
    ):
        found.setdefault(indicator, []).append(tuple(row))  # type: ignore[arg-type]
    return found


def benchmark_for(
    con: Connection, indicator: str, period_end: date, *, period_start: date | None = None,
    config: CouncilConfig | None = None, loaded: LoadedFigures | None = None,
) -> Benchmark | None:
    """England's, the region's and the neighbours' figures for `indicator` (a KPI name or an indicator) in the
    publication year matching the period `period_start`..`period_end` (or the date `period_end`): loaded
    figures first (from `loaded` when the caller read them with `loaded_figures`), England's built-in DfE
    figure for that year otherwise. None when nothing is known of the indicator in any year; when England has
    no figure for the matching year, `england` is None and `note` names the years held."""
    config = config or CouncilConfig()
    indicator = KPI_INDICATORS.get(indicator, indicator)
    year = matching_year(indicator, period_end, period_start, config)
    found = loaded.get(indicator, []) if loaded is not None else fetch_rows(
        con, "SELECT area_type, area, value, period FROM benchmark WHERE indicator = $indicator ORDER BY area",
        {"indicator": indicator},
    )
    rows = [(t, a, v, publication_year(p)) for t, a, v, p in found]
    built_in = {year_: values[indicator] for label, values in config.england.items()
                if indicator in values and (year_ := publication_year(label)) is not None}
    if not rows and not built_in:
        return None
    of_year = [(t, v) for t, _a, v, y in rows if y == year]
    england = next((v for t, v in of_year if t == "england"), None)
    source = "loaded" if england is not None else None
    if england is None and year in built_in:
        england, source = built_in[year], "built in"
    regions = [v for t, v in of_year if t == "region"]
    neighbours = [v for t, v in of_year if t == "neighbour"]
    last = _year_end(indicator, year, config)
    covers = f"the year to {last.day} {last:%B %Y}"
    note = None
    if england is None:
        held = sorted({y for t, _a, _v, y in rows if t == "england" and y is not None} | set(built_in))
        note = (f"no figure for {year} ({covers}); "
                + (f"published years held: {', '.join(map(str, held))}" if held else "none held"))
    return Benchmark(
        indicator, str(year), covers, england, source, regions[0] if regions else None,
        statistics.median(neighbours) if neighbours else None, len(neighbours), note,
    )
