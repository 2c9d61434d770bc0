"""The allocation position as at a date: who is waiting, who is overloaded, what it takes to fix.

The first question of every manager in the papers behind this project: how many children are waiting for a
social worker, and for how long (seed 000: 291 while leaders were told none). The headline answers it, with the
change since a week before; then caseloads and capacity by team, service and council.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from clearsight.canonical.words import words
from clearsight.metrics.figures import Figure, compute
from clearsight.metrics.parallel import at_once
from clearsight.metrics.registry import get_metric
from clearsight.render.values import long_date
from clearsight.reports.request import Request
from clearsight.reports.sections import council_row, plural, section
from clearsight.reports.view import Column, View, col

# The capacity tables of the three levels come from one query of the "capacity" metric (sharing its base
# rows); each level is shown under its own registered metric.
LEVEL_SECTIONS = {"teams": ("team", "team_capacity"), "services": ("service", "service_capacity"),
                  "council": ("council", "council_capacity")}

WAITING_COLUMNS = (
    col("child_id", "Child"), col("team", "Team"), col("service", "Service", vocabulary="service"),
    col("legal_status", "Status", vocabulary="legal_status"), col("reason", "Why waiting"),
    col("days_waiting", "Days waiting", "days"), col("held_by", "Held by (manager)"),
)
CAPACITY_COLUMNS: tuple[Column, ...] = (
    col("workers", "Workers", "count", detail=True), col("fte", "FTE", "number"),
    col("cases", "Cases", "count"),
    col("caseload_per_fte_holding", "Cases per FTE of workers holding cases (DfE)", "number"),
    col("caseload_per_head", "Cases per worker holding cases (head count)", "number", detail=True),
    col("cases_over_capacity", "Cases over capacity", "number"),
    col("posts_needed_over_capacity", "Posts for cases over capacity", "number", detail=True),
    col("unallocated", "Waiting", "count"),
    col("posts_needed_waiting", "Posts to allocate the waiting", "number", detail=True),
    col("posts_needed", "Posts needed (unrounded)", "number"),
    col("posts_needed_rounded_up", "Posts needed (whole, by team)", "count"),
    col("span_of_control", "Reports per team manager", "number", detail=True),
)
WORKER_COLUMNS = (
    col("worker_id", "Worker id", detail=True), col("worker", "Worker"), col("team_id", "Team id", detail=True),
    col("team", "Team"), col("role", "Role", vocabulary="role"),
    col("employment", "Employment", vocabulary="employment"), col("fte", "FTE", "number"),
    col("caseload", "Children", "count"), col("caseload_per_fte", "Children per FTE", "number"),
    col("standard_upper", "Standard (upper)", "count"), col("rag", "RAG", "rag"),
)
PHRASES = {"CP": "on a child protection plan", "CLA": "looked after"}
OTHER_CASELOAD_COLUMNS = (
    col("level", "Level", vocabulary="level"), col("team", "Team"), col("caseload_group", "Who", vocabulary="caseload_group"),
    col("cases", "Cases", "count"), col("fte_holding_cases", "FTE holding cases", "number"),
    col("caseload_per_fte_holding", "Cases per FTE holding cases", "number"),
    col("standard_upper", "Standard (upper)", "count"), col("rag", "RAG", "rag"),
)
OTHER_CASELOAD_NOTE = ("Personal advisers (care leavers) and independent reviewing officers are measured against "
                       "their own standards (IRO Handbook: 50-70 children) and never averaged into the social-work "
                       "figure; 'not recorded' where the data holds no allocation of their kind.")
RAG_NOTE = ("RAG: green at or under the lower standard of the worker's role, amber up to the upper standard, "
            "red over it (standards in the council config, defaults from definitions.md).")


def position_figures(req: Request) -> dict[str, Figure]:
    """The figures of the position: waiting children, workers' caseloads, team returns, capacity and the
    caseloads of each group of workers."""
    return _position_and_week_before(req, week_before=False)[0]


def _position_and_week_before(req: Request, week_before: bool) -> tuple[dict[str, Figure], Figure | None]:
    """The position's figures and, with `week_before`, the children waiting a week before, in two lanes run at
    once (`at_once`) and balanced on a two-core machine. The first: the waiting children (the longest query),
    then capacity and the caseloads of each group, which aggregate its rows and the workers' (`compute`'s
    `inputs`). The second: the workers' caseloads, the week before and the team returns' recount. The first
    lane asks for the workers' figure the second works out at the same time, and gets it when ready from the
    figure cache (`compute` lets one thread work a figure out while others wait), so capacity need not wait for
    the other queries; run one after another the lanes give the same figures."""
    con, snap, config, team, as_at = req.con, req.snapshot, req.config, req.team, req.as_at

    def figure(metric: str, inputs: dict[str, Figure] | None = None, team: str | None = team) -> Figure:
        return compute(con, snap, metric, as_at, config, team, inputs=inputs)

    def capacity_lane() -> dict[str, Figure]:
        found = {"unallocated": figure("unallocated_cases"), "workers": figure("caseload_by_worker")}
        # Capacity aggregates the same worker and waiting rows, and personal advisers' and IROs' caseloads the
        # same worker rows: computed from those when the position covers every team and the process hands Arrow
        # to DuckDB cheaply (`compute`), so the records are not read again.
        inputs = None if team else {"caseload_by_worker": found["workers"], "unallocated_cases": found["unallocated"]}
        capacity = figure("capacity", inputs, team=None)
        for key, (level, metric) in LEVEL_SECTIONS.items():
            if team and level != "team":
                continue
            found[key] = capacity.where(get_metric(metric), level=level, **({"team": team} if team else {}))
        found["caseloads"] = figure("caseloads", inputs)
        return found

    def returns_lane() -> tuple[Figure, Figure | None]:
        figure("caseload_by_worker")
        before = waiting_a_week_before(req) if week_before else None
        return figure("reported_vs_records"), before

    found, (reported, before) = at_once([capacity_lane, returns_lane])
    return {"unallocated": found.pop("unallocated"), "workers": found.pop("workers"), "reported": reported,
            **found}, before


def waiting_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    days = sorted(r["days_waiting"] for r in rows)
    return {
        "total": len(rows),
        "by_reason": dict(Counter(r["reason"] for r in rows).most_common()),
        "held_by_manager": sum(1 for r in rows if r["held_by"]),
        "by_legal_status": dict(Counter(r["legal_status"] for r in rows).most_common()),
        "median_days_waiting": days[len(days) // 2] if days else None,
        "longest_days_waiting": days[-1] if days else None,
    }


def waiting_by_reason(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Children waiting by reason and legal status: the aggregate a member or a manager may see."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["reason"], r["legal_status"]), []).append(r)
    return [{"reason": reason, "legal_status": status, "children": len(g),
             "held_by_manager": sum(1 for r in g if r["held_by"]),
             "longest_days_waiting": max(r["days_waiting"] for r in g)}
            for (reason, status), g in sorted(groups.items())]


def reported_discrepancy(reported: Figure) -> dict[str, Any] | None:
    """What the teams' own returns said about unallocated cases, against the records, if they differ."""
    rows = [r for r in reported.records() if r["measure"] == "unallocated_cases"]
    if not rows or not any(r["discrepancy"] for r in rows):
        return None
    return {
        "report_date": rows[0]["report_date"], "reported": sum(r["reported"] for r in rows),
        "from_records": sum(r["from_records"] for r in rows),
        "teams_differing": sum(1 for r in rows if r["discrepancy"]), "teams_reporting": len(rows),
    }


def waiting_line(summary: dict[str, Any]) -> str:
    total = summary["total"]
    if not total:
        return "No child is waiting for a social worker."
    reasons = ", ".join(f"{n:,} {r}" for r, n in summary["by_reason"].items())
    status = summary["by_legal_status"]
    flagged = [f"{status[s]:,} {PHRASES[s]}" for s in ("CP", "CLA") if status.get(s)]
    return (f"{plural(total, 'child is', 'children are')} waiting for a social worker ({reasons}); "
            f"{summary['held_by_manager']:,} held by a manager"
            + (f"; among them {' and '.join(flagged)}" if flagged else "")
            + f". Longest wait {summary['longest_days_waiting']:,} days, median {summary['median_days_waiting']:,}.")


def waiting_a_week_before(req: Request) -> Figure:
    """The children waiting by team a week before the date, from the same snapshot."""
    return compute(req.con, req.snapshot, "children_waiting", req.as_at - timedelta(days=7), req.config, req.team)


def change_line(before: Figure, now: int) -> str:
    then = sum(r["children"] for r in before.records())
    move = "up" if now > then else "down" if now < then else "no change"
    diff = f"{move} {abs(now - then):,}" if now != then else move
    return f"Change since {long_date(before.provenance.as_at)}: {diff} (then {then:,} waiting)."


def capacity_line(council: dict[str, Any], config_upper: float) -> str:
    if not council:
        return ""
    return (f"Caseload {council.get('caseload_per_fte_holding') or 0:.1f} cases per FTE of social workers "
            f"holding cases (DfE; {council.get('caseload_per_head') or 0:.1f} per head) against a social-worker "
            f"standard of {config_upper:g}; {council.get('cases_over_capacity') or 0:,.0f} cases over capacity "
            f"and {council.get('unallocated') or 0:,} waiting: {council.get('posts_needed_rounded_up') or 0:,} "
            f"posts needed ({council.get('posts_needed') or 0:.1f} unrounded; whole posts by team).")


def other_caseloads_line(rows: list[dict[str, Any]]) -> str:
    """Personal advisers' and IROs' caseloads in one sentence, each against its own standard."""
    parts = []
    for r in rows:
        if r["caseload_group"] == "social_work":
            continue
        who = words("caseload_group", r["caseload_group"]).capitalize()
        parts.append(f"{who}: not recorded" if r["caseload_status"] == "not recorded" else
                     f"{who} {r['caseload_per_fte_holding'] or 0:.1f} per FTE against "
                     f"{r['standard_lower']:g}-{r['standard_upper']:g}")
    return "; ".join(parts) + "." if parts else ""


def build(req: Request) -> View:
    figures, before = _position_and_week_before(req, week_before=True)
    assert before is not None
    waiting = figures["unallocated"].records()
    summary = waiting_summary(waiting)
    top = figures["teams"] if req.team else figures["council"]
    line = council_row(figures["council"]) if not req.team else next(iter(top.records()), {})
    headline = [waiting_line(summary), change_line(before, summary["total"]),
                capacity_line(line, req.config.caseload_standards["social_worker"].upper)]
    if (gap := reported_discrepancy(figures["reported"])) is not None:
        headline.append(
            f"Team returns disagree with the records: on {long_date(gap['report_date'])} "
            f"{plural(gap['teams_reporting'], 'team')} reported {plural(gap['reported'], 'unallocated case')}; the "
            f"records show {gap['from_records']:,.0f} ({plural(gap['teams_differing'], 'team')} "
            f"{'differs' if gap['teams_differing'] == 1 else 'differ'}).")
    waiting.sort(key=lambda r: (-r["days_waiting"], r["child_id"]))
    sections = [
        section("waiting", "Children waiting, by reason and status", waiting_by_reason(waiting), (
            col("reason", "Why waiting"), col("legal_status", "Status", vocabulary="legal_status"),
            col("children", "Children", "count"), col("held_by_manager", "Held by a manager", "count"),
            col("longest_days_waiting", "Longest wait (days)", "days"))),
        section("unallocated", "Children waiting, longest first", waiting, WAITING_COLUMNS, personal=True,
                limit=25, notes=(get_metric("unallocated_cases").definition,)),
        section("teams", "Capacity by team", figures["teams"].records(),
                (col("team", "Team"), col("service", "Service", vocabulary="service"), *CAPACITY_COLUMNS),
                notes=(get_metric("capacity").definition,)),
    ]
    if not req.team:
        sections += [
            section("services", "By service", figures["services"].records(),
                    (col("service", "Service", vocabulary="service"), *CAPACITY_COLUMNS)),
            section("council", "Council", figures["council"].records(), (col("council", "Council"), *CAPACITY_COLUMNS)),
        ]
    others = figures["caseloads"]
    sections.append(section(
        "other_caseloads", "Personal advisers and IROs, each against their own standard",
        [r for r in others.records() if r["caseload_group"] != "social_work" and r["level"] in ("council", "team")],
        OTHER_CASELOAD_COLUMNS, notes=(OTHER_CASELOAD_NOTE,)))
    headline.append(other_caseloads_line([r for r in others.records() if r["level"] == ("team" if req.team else
                                                                                         "council")]))
    sections.append(section("workers", "Caseload by worker", figures["workers"].records(), WORKER_COLUMNS,
                            personal=True, notes=(RAG_NOTE,)))
    return View(
        "position", "Allocation position",
        f"{req.council}" + (f", {req.team}" if req.team else "") + f", as at {long_date(req.as_at)}",
        tuple(h for h in headline if h), tuple(sections), req.provenance(figures["unallocated"].provenance),
        figures, req.warnings,
    )
