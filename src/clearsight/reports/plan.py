"""The improvement plan's progress, RAG computed from the data (issue 18), for the scrutiny pack.

Seed papers: an improvement plan under four themes "with milestones and targets so that progress can be
monitored", and an inspection's recommendations to track. The plan is a CSV or XLSX the council keeps (one row
per action): `theme, recommendation, action, owner, milestone, due_date, kpi, target`. An action linked to a
measure (`kpi`: a practice KPI's name, `caseload` for the DfE average caseload, `waiting` for children waiting)
with a `target` is rated from the figure as at the pack's date, never typed: green when the figure meets the
target, amber when it does not yet and the action is not yet due, red when it is due and does not. Actions with
no measure are listed as "not measured".
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from clearsight.metrics.kpi import KPIS
from clearsight.render.values import percent
from clearsight.reports.kpis import practice_kpis
from clearsight.reports.request import BadRequest
from clearsight.reports.sections import section
from clearsight.reports.view import View, col

FIELDS = ("theme", "recommendation", "action", "owner", "milestone", "due_date", "kpi", "target")
# Measures beyond the practice KPIs: (title, lower is better, unit)
MEASURES = {"caseload": ("DfE average caseload (cases per FTE holding cases)", True, "number"),
            "waiting": ("Children waiting for a social worker", True, "count")}


def read_plan(path: Path) -> list[dict[str, Any]]:
    """The plan's actions from a CSV or the first sheet of an XLSX (header row of FIELDS); a bad row is an
    error naming its row and column."""
    practice_kpis()  # the KPI registry, filled
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        header, body = [str(h).strip() for h in sheet[0]], sheet[1:]
        rows = [dict(zip(header, ("" if v is None else v for v in r))) for r in body]
    else:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    missing = [f for f in ("theme", "action", "due_date") if rows and f not in rows[0]]
    if missing:
        raise BadRequest(f"{path.name}: no column {', '.join(missing)}; expected {', '.join(FIELDS)}")
    plan = []
    for n, r in enumerate(rows, start=2):
        try:
            due = r["due_date"] if isinstance(r["due_date"], date) else date.fromisoformat(str(r["due_date"])[:10])
            target = float(r["target"]) if str(r.get("target") or "").strip() else None
        except ValueError:
            raise BadRequest(f"{path.name} row {n}: due_date as YYYY-MM-DD and target as a number") from None
        kpi = str(r.get("kpi") or "").strip() or None
        if kpi and kpi not in KPIS and kpi not in MEASURES:
            raise BadRequest(f"{path.name} row {n}: kpi {kpi!r} is no practice KPI, caseload or waiting")
        plan.append({**{f: str(r.get(f) or "").strip() for f in FIELDS}, "due_date": due, "kpi": kpi,
                     "target": target})
    return plan


def _shown(value: float | None, unit: str) -> str | None:
    """A measure's value as the pack shows it: rates as percentages, caseloads to one decimal, counts whole."""
    if value is None:
        return None
    return percent(value) if unit == "rate" else f"{value:,.1f}" if unit == "number" else f"{value:,.0f}"


def rag(current: float | None, target: float | None, lower_is_better: bool, due: date, as_at: date) -> str | None:
    if current is None or target is None:
        return None
    met = current <= target if lower_is_better else current >= target
    return "green" if met else "amber" if due > as_at else "red"


def build(plan: list[dict[str, Any]], as_at: date, measured: dict[str, float | None]) -> View:
    """The plan's actions with each linked figure as at `as_at` (`measured`: KPI name or measure -> value from
    the pack's own views) and its RAG; and the plan on a page: actions by theme and RAG."""
    rows = []
    for a in plan:
        name = a["kpi"]
        title, lower, unit = (None, False, "") if not name else MEASURES[name] if name in MEASURES else (
            KPIS[name].title, not KPIS[name].flag_is_good, "rate")
        current = measured.get(name) if name else None
        current = current if isinstance(current, (int, float)) else None
        rows.append({**a, "measure": title, "current_value": current, "target_value": a["target"],
                     "current": _shown(current, unit), "target": _shown(a["target"], unit),
                     "rag": rag(current, a["target"], lower, a["due_date"], as_at) or "not measured"})
    themes: dict[str, dict[str, Any]] = {}
    for r in rows:
        t = themes.setdefault(r["theme"], {"theme": r["theme"], "actions": 0, "green": 0, "amber": 0, "red": 0,
                                            "not measured": 0})
        t["actions"] += 1
        t[r["rag"]] += 1
    page = [{**t, "not_measured": t.pop("not measured")} for t in themes.values()]
    red = sum(t["red"] for t in page)
    headline = (f"{len(rows)} actions under {len(page)} themes: {sum(t['green'] for t in page)} green, "
                f"{sum(t['amber'] for t in page)} amber, {red} red from the data; "
                f"{sum(t['not_measured'] for t in page)} not linked to a measure.",)
    columns = (col("theme", "Theme"), col("recommendation", "Recommendation"), col("action", "Action"),
               col("owner", "Owner"), col("due_date", "Due", "date"), col("measure", "Measure"),
               col("target", "Target"), col("current", "Now"), col("rag", "RAG", "rag"),
               col("target_value", "Target (value)", "number", detail=True),
               col("current_value", "Now (value)", "number", detail=True))
    note = ("RAG from the data as at the pack's date: green meeting the target, amber not yet but not yet due, red "
            "due and not met. Rates are fractions (0.85 is 85%).")
    return View("improvement_plan", "Improvement plan progress", f"As at {as_at.isoformat()}", headline, (
        section("plan_on_a_page", "Plan on a page: actions by theme and RAG", page, (
            col("theme", "Theme"), col("actions", "Actions", "count"), col("green", "Green", "count"),
            col("amber", "Amber", "count"), col("red", "Red", "count"),
            col("not_measured", "Not measured", "count"))),
        section("actions", "Actions", rows, columns, notes=(note,)),
    ), None)
