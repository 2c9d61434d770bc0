"""The allocation position as at a date: who is waiting, who is overloaded, what it takes to fix.

One object assembled from registered metrics only, so the CLI, the HTML summary and (later) the web pages and
packs show the same numbers with the same provenance.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pyarrow.compute as pc

from clearsight.config import CouncilConfig
from clearsight.metrics.figures import Figure, compute
from clearsight.metrics.registry import get_metric
from clearsight.store.snapshots import Snapshot

# The capacity tables of the three levels come from one query of the "capacity" metric (sharing its base
# rows); each level is shown under its own registered metric.
LEVEL_SECTIONS = {"teams": ("team", "team_capacity"), "services": ("service", "service_capacity"),
                  "council": ("council", "council_capacity")}


@dataclass(frozen=True)
class Position:
    as_at: date
    snapshot: Snapshot
    figures: dict[str, Figure]
    team: str | None = None

    @property
    def unallocated(self) -> list[dict[str, Any]]:
        return self.figures["unallocated"].records()

    def unallocated_summary(self) -> dict[str, Any]:
        rows = self.unallocated
        days = sorted(r["days_waiting"] for r in rows)
        return {
            "total": len(rows),
            "by_reason": dict(Counter(r["reason"] for r in rows).most_common()),
            "held_by_manager": sum(1 for r in rows if r["held_by"]),
            "by_legal_status": dict(Counter(r["legal_status"] for r in rows).most_common()),
            "median_days_waiting": days[len(days) // 2] if days else None,
            "longest_days_waiting": days[-1] if days else None,
        }

    def reported_discrepancy(self) -> dict[str, Any] | None:
        """What the teams' own returns said about unallocated cases, against the records, if they differ."""
        rows = [r for r in self.figures["reported"].records() if r["measure"] == "unallocated_cases"]
        if not rows or not any(r["discrepancy"] for r in rows):
            return None
        return {
            "report_date": rows[0]["report_date"],
            "reported": sum(r["reported"] for r in rows),
            "from_records": sum(r["from_records"] for r in rows),
            "teams_differing": sum(1 for r in rows if r["discrepancy"]),
            "teams_reporting": len(rows),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_at": self.as_at.isoformat(),
            "team": self.team,
            "unallocated_summary": self.unallocated_summary(),
            "reported_discrepancy": self.reported_discrepancy(),
            **{name: figure.as_dict() for name, figure in self.figures.items()},
        }


def allocation_position(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    as_at: date | None = None,
    config: CouncilConfig | None = None,
    team: str | None = None,
) -> Position:
    as_at = as_at or snapshot.extract_date
    figures = {
        "unallocated": compute(con, snapshot, "unallocated_cases", as_at, config, team),
        "workers": compute(con, snapshot, "caseload_by_worker", as_at, config, team),
    }
    figures["reported"] = compute(con, snapshot, "reported_vs_records", as_at, config, team)
    # The capacity tables aggregate the same worker and waiting rows: computed from those (not the records
    # again) when the position covers every team.
    inputs = {"caseload_by_worker": figures["workers"], "unallocated_cases": figures["unallocated"]}
    capacity = compute(con, snapshot, "capacity", as_at, config, inputs=None if team else inputs)
    rows = capacity.rows
    for section, (level, metric) in LEVEL_SECTIONS.items():
        if team and level != "team":
            continue
        mask = pc.equal(rows["level"], level)
        if team:
            mask = pc.and_(mask, pc.or_(pc.equal(rows["team"], team), pc.equal(rows["team_id"], team)))
        figures[section] = capacity.subset(get_metric(metric), mask)
    return Position(as_at, snapshot, figures, team)
