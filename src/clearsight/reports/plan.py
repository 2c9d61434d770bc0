"""The improvement plan's progress, RAG computed from the data (issue 18), for the scrutiny pack.

Seed papers: an improvement plan under four themes "with milestones and targets so that progress can be
monitored", and an inspection's recommendations to track. The plan is a CSV or XLSX the council keeps (one row
per action): `theme, recommendation, action, owner, milestone, due_date, kpi, target`, and an optional `id`
(else A1, A2, ... in row order), imported into the database (`store.improvement_plan`). An action linked to a
measure (`kpi`: a practice KPI's name, `caseload` for the DfE average caseload, `waiting` for children waiting)
with a `target` is rated from the figure as at the pack's date, never typed: green when the figure meets the
target, amber when it does not yet and the action is not yet due, red when it is due and does not. Actions with
no measure are listed as "not measured". Each month's rating is recorded (`clearsight plan record`) and shown
month by month as recorded then, never re-rated with today's data or targets.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from clearsight.canonical.improvement_plan import PLAN_FIELDS as FIELDS
from clearsight.metrics.kpi import KPIS
from clearsight.render.values import long_date, percent
from clearsight.reports import kpis, position
from clearsight.reports.kpis import practice_kpis
from clearsight.reports.request import BadRequest, Request, months_back, quarter_ending
from clearsight.reports.sections import section
from clearsight.reports.view import View, col

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
                     "target": target, "action_id": str(r.get("id") or "").strip() or f"A{n - 1}"})
    ids = [a["action_id"] for a in plan]
    if len(set(ids)) < len(ids):
        raise BadRequest(f"{path.name}: an id is given to more than one action")
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


def measures(position_view: View, kpi_view: View) -> dict[str, float | None]:
    """The figures actions are rated on: each practice KPI's rate, the DfE average caseload and the children
    waiting, read from a position view and a practice KPI view (the monthly pack's own, or `measured_at`'s)."""
    council = next(iter(position_view.section("council").rows), {})
    measured = {r["kpi"]: r["kpi_rate"] for r in kpi_view.section("kpis").rows
                if r.get("level", "council") == "council"}
    return {**measured, "caseload": council.get("caseload_per_fte_holding"), "waiting": council.get("unallocated")}


def measured_at(req: Request) -> dict[str, float | None]:
    """The measures as at the request's date (KPIs over the three months to it), as the monthly pack reads them."""
    return measures(position.build(req), kpis.build(req.with_period(quarter_ending(req.as_at))))


def _measure(name: str | None) -> tuple[str | None, bool, str]:
    """An action's measure: its title, whether lower is better, and its unit."""
    if not name:
        return None, False, ""
    return MEASURES[name] if name in MEASURES else (KPIS[name].title, not KPIS[name].flag_is_good, "rate")


def rate(plan: list[dict[str, Any]], as_at: date, measured: dict[str, float | None]) -> list[dict[str, Any]]:
    """Each action with its figure as at `as_at` and the RAG it earns (what `clearsight plan record` keeps)."""
    rows = []
    for a in plan:
        title, lower, unit = _measure(a["kpi"])
        current = measured.get(a["kpi"]) if a["kpi"] else None
        current = current if isinstance(current, (int, float)) else None
        rows.append({**a, "measure": title, "value": current, "as_at": as_at,
                     "rag": rag(current, a["target"], lower, a["due_date"], as_at) or "not measured"})
    return rows


def _month_words(month: str) -> str:
    return date.fromisoformat(month + "-01").strftime("%b %Y")


HISTORY_MONTHS = 6  # months of each action's RAG side by side on an A4 page


def build(plan: list[dict[str, Any]], as_at: date, measured: dict[str, float | None],
          history: list[dict[str, Any]] | None = None) -> View:
    """The plan's actions with each linked figure as at `as_at` and its RAG; the plan on a page (actions by theme
    and RAG); and, from `history` (`store.improvement_plan.progress`: the months before as recorded then, and this
    month's if recorded), the progress month by month."""
    month = f"{as_at:%Y-%m}"
    recorded_now = [h for h in history or [] if h["month"] == month]
    rated = {r["action_id"]: r for r in rate(plan, as_at, measured)}
    rows = []
    for r in rated.values():
        _, _, unit = _measure(r["kpi"])
        rows.append({**r, "unit": unit or None, "current_value": r["value"], "target_value": r["target"],
                     "current": _shown(r["value"], unit), "target": _shown(r["target"], unit)})
    themes: dict[str, dict[str, Any]] = {}
    for r in rows:
        t = themes.setdefault(r["theme"], {"theme": r["theme"], "actions": 0, "green": 0, "amber": 0, "red": 0,
                                            "not measured": 0})
        t["actions"] += 1
        t[r["rag"]] += 1
    page = [{**t, "not_measured": t.pop("not measured")} for t in themes.values()]
    red = sum(t["red"] for t in page)
    headline = [f"{len(rows)} actions under {len(page)} themes: {sum(t['green'] for t in page)} green, "
                f"{sum(t['amber'] for t in page)} amber, {red} red from the data; "
                f"{sum(t['not_measured'] for t in page)} not linked to a measure."]
    columns = (col("action_id", "Id"), col("theme", "Theme"), col("recommendation", "Recommendation"),
               col("action", "Action"), col("owner", "Owner"), col("due_date", "Due", "date"),
               col("measure", "Measure"), col("target", "Target"), col("current", "Now"), col("rag", "RAG", "rag"),
               col("target_value", "Target (value)", "number", detail=True),
               col("current_value", "Now (value)", "number", detail=True))
    note = ("RAG from the data as at the pack's date: green meeting the target, amber not yet but not yet due, red "
            "due and not met. Rates are fractions (0.85 is 85%).")
    sections = [
        section("plan_on_a_page", "Plan on a page: actions by theme and RAG", page, (
            col("theme", "Theme"), col("actions", "Actions", "count"), col("green", "Green", "count"),
            col("amber", "Amber", "count"), col("red", "Red", "count"),
            col("not_measured", "Not measured", "count"))),
        section("actions", "Actions", rows, columns, notes=(note,)),
    ]
    if history is not None:
        past = [h for h in history if h["month"] < month]
        shown_now = recorded_now or [{**r, "month": month} for r in rated.values()]
        by_month: dict[str, dict[str, str]] = {}
        for h in (*past, *shown_now):
            by_month.setdefault(h["month"], {})[h["action_id"]] = h["rag"]
        months = sorted(by_month)
        counts = [{"month": _month_words(m), **{k: sum(v == k.replace("_", " ") for v in by_month[m].values())
                                               for k in ("green", "amber", "red", "not_measured")},
                   "actions": len(by_month[m])} for m in months]
        recent = months[-HISTORY_MONTHS:]
        actions = [{"action_id": r["action_id"], "action": r["action"],
                    **{f"m{m}": by_month[m].get(r["action_id"]) for m in recent}} for r in rows]
        now_words = (f"{_month_words(month)} as recorded on {long_date(recorded_now[0]['as_at'])}" if recorded_now
                     else f"{_month_words(month)} rated now from the data as at {long_date(as_at)} (not yet recorded)")
        history_note = (f"Each month as recorded then (`clearsight plan record`), against the target and due date of "
                        f"that month; {now_words}." + ("" if past else " No earlier month is recorded."))
        sections += [
            section("progress", "Progress month by month: actions by RAG", counts, (
                col("month", "Month"), col("actions", "Actions", "count"), col("green", "Green", "count"),
                col("amber", "Amber", "count"), col("red", "Red", "count"),
                col("not_measured", "Not measured", "count")), notes=(history_note,)),
            section("history", f"Each action's RAG, the last {len(recent)} months", actions, (
                col("action_id", "Id"), col("action", "Action"),
                *(col(f"m{m}", _month_words(m), "rag") for m in recent))),
        ]
        if past or recorded_now:
            headline.append(f"Recorded monthly since {_month_words(months[0])}: " + ", ".join(
                f"{c['month']} {c['red']} red" for c in counts[-3:]) + ".")
        else:
            headline.append("No month recorded yet: `clearsight plan record` keeps each month's rating as it stood.")
    return View("improvement_plan", "Improvement plan progress", f"As at {long_date(as_at)}", tuple(headline),
                tuple(sections), None)


def history_window(as_at: date) -> tuple[str, str]:
    """The months of progress a pack shows: the twelve before its own, and its own."""
    return f"{months_back(as_at, 12):%Y-%m}", f"{as_at:%Y-%m}"
