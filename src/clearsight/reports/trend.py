"""The allocation position over time, and what changed between two loads.

Audiences.md: "say what changed since they last looked" and "show the trend before the table". The series is
the same position figures at each month's (or week's) end, from one snapshot; the comparison sets two snapshots'
positions side by side, each as at its own extract date: children now waiting, workers gone, figures moved.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

from clearsight.canonical.calendar import months
from clearsight.metrics.figures import compute, compute_monthly
from clearsight.render.values import display, long_date
from clearsight.reports.request import Request, months_back
from clearsight.reports.sections import council_row, plural, section
from clearsight.reports.view import Column, View, col
from clearsight.store.snapshots import Snapshot

REALLOCATION = "awaiting re-allocation"
SERIES_COLUMNS = (
    col("day", "Date", "date"), col("waiting", "Children waiting", "count"), col("new_work", "New work", "count"),
    col("reallocation", "Awaiting re-allocation", "count"), col("held_by_manager", "Held by a manager", "count"),
    col("cases", "Cases held", "count"), col("fte", "FTE", "number"),
    col("caseload_per_fte_holding", "Cases per FTE of workers holding cases (DfE)", "number"),
    col("posts_needed_rounded_up", "Posts needed (whole)", "count"),
)


def dates(start: date, end: date, step: str) -> list[date]:
    """Each month's last day (`monthly`) or each week's last day counting back from `end` (`weekly`)."""
    if step == "weekly":
        days = []
        day = end
        while day >= start:
            days.append(day)
            day -= timedelta(days=7)
        return days[::-1]
    return [last for _, last in months(start, end)]


def position_on(req: Request, day: date) -> dict[str, Any]:
    """The council's (or the team's) waiting children and capacity line on one day."""
    waiting = compute(req.con, req.snapshot, "unallocated_cases", day, req.config, req.team).records()
    capacity = compute(req.con, req.snapshot, "capacity", day, req.config)
    line = council_row(capacity) if not req.team else next(
        (r for r in capacity.records() if r["level"] == "team" and r["team"] == req.team), {})
    return {
        "day": day, "waiting": len(waiting), "new_work": sum(r["reason"] != REALLOCATION for r in waiting),
        "reallocation": sum(r["reason"] == REALLOCATION for r in waiting),
        "held_by_manager": sum(1 for r in waiting if r["held_by"]),
        **{k: line.get(k) for k in ("cases", "fte", "caseload_per_fte_holding", "posts_needed_rounded_up")},
        "_by_team": {t: sum(1 for r in waiting if r["team"] == t) for t in {r["team"] for r in waiting}},
    }


def monthly_points(req: Request, start: date) -> list[dict[str, Any]]:
    """`position_on` for each month end from `start`, the capacity line of every month from one query
    (`capacity_monthly`, a metric with its own spine of months); the first and last days, which the headline
    compares, are `position_on` itself (with the whole posts needed, which count the waiting)."""
    waiting = compute_monthly(req.con, req.snapshot, "unallocated_cases", start, req.as_at, period=False,
                              config=req.config, team=req.team).records()
    level = "team" if req.team else "council"
    capacity = {r["month_end"]: r for r in compute(
        req.con, req.snapshot, "capacity_monthly", req.as_at, req.config, period_start=start).records()
        if r["level"] == level and (not req.team or r["team"] == req.team)}
    days = dates(start, req.as_at, "monthly")
    ends = {d: position_on(req, d) for d in (days[0], days[-1])}
    points = []
    for day in days:
        if day in ends:
            points.append(ends[day])
            continue
        rows = [r for r in waiting if r["month_end"] == day]
        line = capacity.get(day, {})
        points.append({
            "day": day, "waiting": len(rows), "new_work": sum(r["reason"] != REALLOCATION for r in rows),
            "reallocation": sum(r["reason"] == REALLOCATION for r in rows),
            "held_by_manager": sum(1 for r in rows if r["held_by"]),
            **{k: line.get(k) for k in ("cases", "fte", "caseload_per_fte_holding")},
            "_by_team": {t: sum(1 for r in rows if r["team"] == t) for t in {r["team"] for r in rows}},
        })
    return points


def build_series(req: Request, step: str = "monthly") -> View:
    start = req.start or months_back(req.as_at, 11)
    points = (monthly_points(req, start) if step == "monthly"
              else [position_on(req, day) for day in dates(start, req.as_at, step)])
    first, last = points[0], points[-1]
    peak = max(points, key=lambda p: p["waiting"])
    move = "rose from" if last["waiting"] > first["waiting"] else "fell from" if last["waiting"] < first["waiting"] else "were"
    headline = (
        f"Children waiting for a social worker {move} {first['waiting']:,} on {long_date(first['day'])} to "
        f"{last['waiting']:,} on {long_date(last['day'])}; the most was {peak['waiting']:,} on {long_date(peak['day'])}.",
        f"DfE caseload (cases per FTE of social workers holding cases) {first['caseload_per_fte_holding'] or 0:.1f} "
        f"then, {last['caseload_per_fte_holding'] or 0:.1f} now; "
        f"posts needed {first['posts_needed_rounded_up'] or 0:,} then, {last['posts_needed_rounded_up'] or 0:,} now.",
    )
    teams = sorted({t for p in points for t in p["_by_team"]})
    labels = [p["day"].isoformat() for p in points]
    by_team = [{"team": t, **{label: p["_by_team"].get(t, 0) for label, p in zip(labels, points)}} for t in teams]
    recent = labels[-6:]
    # Month by month, the posts needed are worked out on the first and last days only (the headline's).
    columns = SERIES_COLUMNS if step == "weekly" else SERIES_COLUMNS[:-1]
    sections = (
        section("series", f"{'Week' if step == 'weekly' else 'Month'} by {'week' if step == 'weekly' else 'month'}",
                [{k: v for k, v in p.items() if not k.startswith("_") and k in {c.key for c in columns}}
                 for p in points], columns),
        section("by_team", "Children waiting by team", by_team,
                (col("team", "Team"), *(Column(label, label, "count", detail=label not in recent) for label in labels))),
    )
    first_figure = compute(req.con, req.snapshot, "unallocated_cases", req.as_at, req.config, req.team)
    return View("position_trend", "Allocation position over time", f"{req.council}"
                + (f", {req.team}" if req.team else "") + f", {long_date(start)} to {long_date(req.as_at)}",
                headline, sections, req.provenance(first_figure.provenance), {"unallocated_cases": first_figure},
                req.warnings)


def build_compare(req: Request, before: Snapshot) -> View:
    """`before`'s position at its extract date against the request's snapshot's at the request's date."""
    then_req = dataclasses.replace(req, snapshot=before, as_at=before.extract_date, team=req.team)

    def state(r: Request) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        waiting = compute(r.con, r.snapshot, "unallocated_cases", r.as_at, r.config, r.team).records()
        workers = compute(r.con, r.snapshot, "caseload_by_worker", r.as_at, r.config, r.team).records()
        return position_on(r, r.as_at), waiting, workers

    (then, waiting_then, workers_then), (now, waiting_now, workers_now) = state(then_req), state(req)
    was_waiting = {r["child_id"] for r in waiting_then}
    is_waiting = {r["child_id"] for r in waiting_now}
    had, has = {w["worker_id"] for w in workers_then}, {w["worker_id"] for w in workers_now}
    newly = [r for r in waiting_now if r["child_id"] not in was_waiting]
    gone = [w for w in workers_then if w["worker_id"] not in has]
    joined = [w for w in workers_now if w["worker_id"] not in had]
    moved = [_moved(c, then.get(c.key), now.get(c.key)) for c in SERIES_COLUMNS[1:]]
    headline = (
        f"{plural(len(newly), 'child', 'children')} now waiting who were not on {long_date(then['day'])}; "
        f"{plural(len(was_waiting - is_waiting), 'child', 'children')} no longer waiting.",
        f"{plural(len(gone), 'worker')} gone and {plural(len(joined), 'worker')} joined; children waiting "
        f"{then['waiting']:,} then, {now['waiting']:,} now.",
    )
    person = (col("worker_id", "Worker id", detail=True), col("worker", "Worker"), col("team", "Team"),
              col("role", "Role", vocabulary="role"), col("caseload", "Children", "count"))
    sections = (
        section("figures", "Figures moved", moved, (
            col("figure", "Figure"), col("then_shown", "Then", "figure"), col("now_shown", "Now", "figure"),
            col("change_shown", "Change", "figure"),
            col("then", "Then (value)", "number", detail=True), col("now", "Now (value)", "number", detail=True),
            col("change", "Change (value)", "number", detail=True))),
        section("now_waiting", "Children now waiting", newly, (
            col("child_id", "Child"), col("team", "Team"), col("reason", "Why waiting"),
            col("days_waiting", "Days waiting", "days")), personal=True, limit=25),
        section("workers_gone", "Workers gone", gone, person, personal=True),
        section("workers_joined", "Workers joined", joined, person, personal=True),
    )
    figure = compute(req.con, req.snapshot, "unallocated_cases", req.as_at, req.config, req.team)
    return View("compare", "What changed", f"{req.council}: snapshot {before.snapshot_id} "
                f"({long_date(before.extract_date)}) against snapshot {req.snapshot.snapshot_id} "
                f"({long_date(req.as_at)})", headline, sections, req.provenance(figure.provenance),
                {"unallocated_cases": figure}, req.warnings)


def _moved(column: Column, then: Any, now: Any) -> dict[str, Any]:
    """One figure then and now, each shown in its own unit (a count whole, FTE and caseloads to one decimal)."""
    change = None if then is None or now is None else now - then
    return {"figure": column.title, "then": then, "now": now, "change": change,
            **{f"{k}_shown": display(v, column) for k, v in (("then", then), ("now", now), ("change", change))}}
