"""The committee packs' contents: which views each pack holds, made safe for its readers.

audiences.md: the team manager reads the daily allocation log (their team's waiting children and caseloads, one
page per team); the service manager the weekly performance meeting set (supervision, chronologies, unallocated,
case recording, visits, overdue assessments by team); elected members the monthly scrutiny pack (aggregates
only, small numbers suppressed, trends, England and neighbours, RAG against the council's targets); the
safeguarding board the quarterly assurance report (the flow, re-referrals and repeat plans, timeliness, audits).
Every figure is a view's; this module only chooses and combines them (`clearsight.packs` renders them).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from clearsight.metrics.figures import compute_monthly
from clearsight.metrics.kpi import KPIS
from clearsight.render.values import long_date, percent
from clearsight.reports import audits, flow, kpis, position, risk, trend, workforce
from clearsight.reports import plan as improvement_plan
from clearsight.reports.comparators import comparator
from clearsight.reports.disclosure import member_safe
from clearsight.reports.request import Request, months_back, quarter_ending
from clearsight.reports.sections import section
from clearsight.reports.view import View, col
from clearsight.store import improvement_plan as plan_store
from clearsight.store.commentary import Commentary, commentary_for
from clearsight.store.snapshots import team_names

Kind = Literal["daily", "weekly", "monthly", "quarterly"]
KINDS: tuple[Kind, ...] = ("daily", "weekly", "monthly", "quarterly")
TREND_MONTHS = 13  # the monthly pack's trends: this month and the same month a year before
TREND_KPIS = ("cp_visits", "cla_visits", "cin_visits", "supervision")  # drawn over the 13 months (as-at KPIs)
LEAVER_TEAMS = 2  # the first page sets the council's leavers beside those of the teams that lost most, together
# Leavers are counted by quarter (three months ending with the pack's month), this one back to the same quarter a
# year before: a team's month is nearly always under the threshold, a council's quarter seldom is.
LEAVER_QUARTERS = 5
TITLES = {"daily": "Daily allocation log", "weekly": "Weekly performance meeting pack",
          "monthly": "Monthly performance and risk report to scrutiny",
          "quarterly": "Quarterly safeguarding assurance report"}
AUDIENCES = {"daily": "Team managers", "weekly": "Service managers and heads of service",
             "monthly": "Lead member and scrutiny councillors", "quarterly": "Safeguarding partnership board"}
# Weekly meeting set (seed 000's weekly performance meeting): these KPIs by team.
WEEKLY_KPIS = ("supervision", "chronology_up_to_date", "case_notes_up_to_date", "cp_visits", "cin_visits",
               "cla_visits", "assessments_overdue")


@dataclass(frozen=True)
class Pack:
    """A pack: its chapters (views, rendered in order) and what its cover says."""

    kind: Kind
    title: str
    audience: str
    council: str
    as_at: date
    extract_date: date
    member_facing: bool  # aggregates only, small numbers suppressed
    chapters: tuple[View, ...]
    cover: tuple[str, ...]  # lines for the cover: the stale-extract warning first when there is one
    commentary: dict[str, Commentary] = dataclasses.field(default_factory=dict)  # by chapter (view name)
    headline: tuple[str, ...] = ()  # the cover's first lines (`cover_headline`), from the chapters as shown


def build(req: Request, kind: Kind, *, today: date, teams: list[str] | None = None,
          plan: list[dict[str, Any]] | None = None) -> Pack:
    """The pack `kind` as at the request's date; `teams` limits the daily log to those teams. The monthly pack
    holds the improvement plan's progress: the council's stored plan and its recorded months
    (`store.improvement_plan`), or the actions of `plan` (`reports.plan.read_plan`) rated beside those months."""
    chapters = {"daily": _daily, "weekly": _weekly, "monthly": _monthly, "quarterly": _quarterly}[kind](req, teams)
    actions = None
    if kind == "monthly":
        actions = plan if plan is not None else plan_store.read_actions(req.con, req.council)
    if actions:
        views = {v.name: v for v in chapters}
        history = plan_store.progress(req.con, req.council, *improvement_plan.history_window(req.as_at))
        chapters = (*chapters, improvement_plan.build(actions, req.as_at, improvement_plan.measures(
            views["position"], views["practice_targets"]), history))
    member = kind in ("monthly", "quarterly")
    if member:
        safe = tuple(member_safe(v, req.config.small_number_threshold) for v in chapters)
        if kind == "monthly":  # the first page shows only what the safe chapters show (no sum across them leaks)
            safe = (member_safe(front_page(req, chapters, safe), req.config.small_number_threshold), *safe)
        chapters = safe
    cover = []
    age = (today - req.snapshot.extract_date).days
    if age > req.config.confidence.stale_after_days:
        cover.append(f"Built from an extract of {long_date(req.snapshot.extract_date)}, {age:,} days old (more "
                     f"than {req.config.confidence.stale_after_days}): these figures may not reflect today.")
    if member:
        cover.append(f"Aggregates only: no child or worker is named; counts of 1 to "
                     f"{req.config.small_number_threshold - 1} and figures that could reveal them are suppressed.")
    words = commentary_for(req.con, req.council, kind, f"{req.as_at:%Y-%m}")
    return Pack(kind, TITLES[kind], AUDIENCES[kind], req.council, req.as_at, req.snapshot.extract_date, member,
                chapters, tuple(cover), words, cover_headline(req, kind, chapters))


def chapter_names(kind: Kind) -> tuple[str, ...]:
    """The chapters a commentary may be written for (their views' names)."""
    return {"daily": ("position",), "weekly": ("position", "position_trend", "kpis"),
            "monthly": ("summary", "position_trend", "position", "workforce", "risk", "practice_targets",
                        "improvement_plan"),
            "quarterly": ("flow", "practice_targets", "audits")}[kind]


def _daily(req: Request, teams: list[str] | None) -> tuple[View, ...]:
    """One position per team: who is waiting (oldest first) and each worker's caseload. Without `teams`, every
    team with a child waiting or a worker holding cases, those with most children waiting first (a unit holding
    no cases has nothing to allocate)."""
    views = []
    for name in teams or sorted(set(team_names(req.con, req.snapshot).values())):
        view = position.build(dataclasses.replace(req, team=name))
        views.append(dataclasses.replace(view, title=f"{name}", sections=tuple(
            s for s in view.sections if s.key in ("unallocated", "workers", "teams"))))
    if teams:
        return tuple(views)
    held = [v for v in views if v.section("unallocated").rows or any(
        (w["caseload"] or 0) > 0 for w in v.section("workers").rows)]
    return tuple(sorted(held, key=lambda v: -len(v.section("unallocated").rows)))


def cover_headline(req: Request, kind: Kind, chapters: tuple[View, ...]) -> tuple[str, ...]:
    """The lines a pack's cover leads with, answering its readers' first question (audiences.md): for the daily
    log the children waiting and the teams they wait in, the longest waits first; for the weekly pack the
    allocation chapter's headline (the waiting, the change since the week before, the caseload); for the
    quarterly report each chapter's first line. The monthly pack's first page is its own headline."""
    if kind == "daily":
        waiting = [(v.title, v.section("unallocated").rows) for v in chapters if v.section("unallocated").rows]
        if not waiting:
            return ("No child on this log is waiting for a social worker.",)
        total = sum(len(rows) for _, rows in waiting)
        teams = "; ".join(f"{name} {len(rows):,} (longest {max(r['days_waiting'] for r in rows):,} days)"
                          for name, rows in waiting)
        return (f"{total:,} {'child is' if total == 1 else 'children are'} waiting for a social worker in "
                f"{len(waiting)} of the {len(chapters)} teams on this log, most first: {teams}.",)
    if kind == "weekly":
        return chapters[0].headline[:3]
    if kind == "quarterly":
        return tuple(v.headline[0] for v in chapters if v.headline)
    return ()


def _weekly(req: Request, teams: list[str] | None) -> tuple[View, ...]:
    quarter = req.with_period(quarter_ending(req.as_at))
    table = kpis.build(quarter, level="team")
    wanted = [k for k in WEEKLY_KPIS if k in KPIS]
    rows = [r for r in table.section("kpis").rows if r["kpi"] in wanted]
    if teams:
        rows = [r for r in rows if r["team"] in teams]
    rows.sort(key=lambda r: (wanted.index(r["kpi"]), r["service"] or "", r["team"] or ""))
    meeting = dataclasses.replace(table, title="Practice by team", sections=(
        dataclasses.replace(table.section("kpis"), rows=rows),))
    pos = position.build(req).without_personal()
    allocation = dataclasses.replace(pos, title="Unallocated cases and capacity by team", sections=tuple(
        s for s in pos.sections if s.key in ("waiting", "teams", "services")))
    weekly = trend.build_series(req.with_period(months_back(req.as_at, 2)), step="weekly")
    return allocation, dataclasses.replace(weekly, sections=weekly.sections[:1]), meeting


def _monthly(req: Request, teams: list[str] | None) -> tuple[View, ...]:
    """The scrutiny pack's chapters after its first page (`front_page`, built once they are member-safe)."""
    year = req.with_period(months_back(req.as_at, TREND_MONTHS - 1))
    waiting = trend.build_series(year)
    waiting = dataclasses.replace(waiting, title="Children waiting for a social worker",
                                  sections=waiting.sections[:1])
    pos = position.build(req)
    capacity = dataclasses.replace(pos, title="Caseloads and capacity", sections=tuple(
        s for s in pos.sections if s.key in ("services", "council")))
    staff = leavers_by_quarter(req, workforce.build(req.with_period(staff_start(req)), monthly=True))
    risks = risk.build(req)
    # The trends first: the KPI table's figures as at the pack's date are their last month (`compute_monthly`).
    trends = kpis.kpi_monthly(req.con, req.snapshot, year.start or req.as_at, req.as_at, req.config,
                              names=[k for k in TREND_KPIS if k in KPIS])
    practice = kpis.build(req.with_period(quarter_ending(req.as_at)))
    return waiting, capacity, staff, risks, against_targets(req, practice, trends=trends.rows)


def quarter_words(first: date, last: date) -> str:
    """'Oct to Dec 2023'; 'Dec 2022 to Feb 2023' across a year's end."""
    return f"{first:%b} to {last:%b %Y}" if first.year == last.year else f"{first:%b %Y} to {last:%b %Y}"


def leavers_by_quarter(req: Request, staff: View) -> View:
    """The workforce chapter as members read it: month by month, the period's total, and leavers by quarter for
    the council and the teams that lost most (together, with the other teams), so that the months a team lost
    its staff read as a count above the threshold. Every sum between the three tables is declared to the
    suppression (`disclosure.RULES["workforce"]`), which runs over the chapter as one."""
    start = staff_start(req)
    by_team = compute_monthly(req.con, req.snapshot, "turnover_by_team", start, req.as_at, period=True,
                              config=req.config)
    team_leavers: dict[str, dict[str, int]] = {}
    for r in by_team.records():
        month = r["month_start"].strftime("%Y-%m")
        months = team_leavers.setdefault(r["team"], {})
        months[month] = months.get(month, 0) + (r["leavers"] or 0)
    worst = sorted(team_leavers, key=lambda t: (-sum(team_leavers[t].values()), t))[:LEAVER_TEAMS]
    quarters = []
    for k in range(LEAVER_QUARTERS - 1, -1, -1):
        first, last = months_back(req.as_at, 3 * k + 2), months_back(req.as_at, 3 * k)
        quarters.append((quarter_words(first, last), [f"{months_back(req.as_at, 3 * k + j):%Y-%m}" for j in (2, 1, 0)]))
    of_month = {m: label for label, months in quarters for m in months}
    monthly = [{**r, "quarter": of_month.get(r["month"])} for r in staff.section("monthly").rows]
    leavers = {r["month"]: r.get("leavers") or 0 for r in monthly}
    rows = []
    for label, months in quarters:
        council = sum(leavers.get(m, 0) for m in months)
        teams = sum(team_leavers.get(t, {}).get(m, 0) for t in worst for m in months)
        rows.append({"quarter": label, "leavers": council, "teams": teams, "others": council - teams})
    team_words = " and ".join(worst)
    period = [{"period": f"{long_date(start)} to {long_date(req.as_at)}",
               "starters": sum(r.get("starters") or 0 for r in monthly), "leavers": sum(leavers.values())}]
    sections = (
        dataclasses.replace(staff.section("monthly"), rows=monthly),
        section("period", "Over the whole period", period, (
            col("period", "Period"), col("starters", "Starters", "count"), col("leavers", "Leavers", "count"))),
        section("quarterly", "Leavers by quarter: the council and the teams that lost most", rows, (
            col("quarter", "Three months"), col("leavers", "Council", "count"),
            col("teams", f"{team_words} together" if len(worst) > 1 else team_words, "count"),
            col("others", "Other teams", "count")),
            notes=(f"The teams that lost most over the period: {team_words}.",)),
    )
    return dataclasses.replace(staff, title="Workforce stability", sections=sections)


def _shown_count(value: Any) -> str:
    """A count as a member reads it in a sentence: "<5" as "fewer than 5"; a withheld "[c]" as "withheld"."""
    if _counted(value):
        return f"{value:,.0f}"
    return f"fewer than {value[1:]}" if isinstance(value, str) and value.startswith("<") else "withheld"


def _counted(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def waiting_line(series: list[dict[str, Any]]) -> str:
    """Page one's first line, from the member-safe monthly series: the trend's own headline states every count,
    so the suppression drops it whenever a month had 1 to 4 children waiting (most steady years)."""
    first, last = series[0], series[-1]
    line = (f"Children waiting for a social worker: {_shown_count(last['waiting'])} on {long_date(last['day'])}, "
            f"against {_shown_count(first['waiting'])} on {long_date(first['day'])}")
    counted = [r for r in series if _counted(r["waiting"])]
    if counted:
        peak = max(counted, key=lambda r: r["waiting"])
        line += f"; the most was {peak['waiting']:,.0f} on {long_date(peak['day'])}"
    return line + "."


def front_page(req: Request, chapters: tuple[View, ...], safe: tuple[View, ...]) -> View:
    """The monthly pack's first page (audiences.md: "a one-page picture"): the key figures with England, the
    neighbours, the year they are of and their confidence; the 13-month trend of children waiting; leavers by
    quarter for the council and the teams that lost most; and the escalated alerts. Every count is read from the
    member-safe chapters (`safe`), so the page shows nothing they withhold and no sum across them gives a
    withheld count back; the rates and caseloads (no one's count) from the chapters' figures."""
    views, raw = {v.name: v for v in safe}, {v.name: v for v in chapters}
    waiting, staff, risks = views["position_trend"], views["workforce"], views["risk"]
    series = waiting.section("series").rows
    first, last = series[0], series[-1]
    quarters = staff.section("quarterly").rows
    this, before = quarters[-1], quarters[0]
    in_post = next(iter(raw["workforce"].figures["council_in_post"].records()), {})
    turnover = next(iter(raw["workforce"].figures["council"].records()), {})
    staff_grade = staff.provenance.confidence if staff.provenance else None
    waiting_grade = waiting.provenance.confidence if waiting.provenance else None
    teams = staff.section("quarterly").columns[2].title

    def key(figure: str, unit: str, now: Any, then: Any, indicator: str | None, grade: str | None,
            start: date | None = None) -> dict[str, Any]:
        b = comparator(req, indicator, req.as_at, start) if indicator else None
        text = {"count": _shown_count, "rate": percent, "number": lambda v: f"{v:,.1f}"}[unit]
        shown = (lambda v: None if v is None else percent(v) if unit == "rate" else f"{v:,.1f}")
        counts = [v for v in (now, then) if isinstance(v, (int, float)) and v > 0]
        def shown_value(v: Any) -> str | None:  # a withheld value ("<5", "[c]") as the chapter shows it
            return None if v is None else text(v) if _counted(v) or unit == "count" else str(v)

        return {"figure": figure, "now": shown_value(now), "before": shown_value(then),
                "england": shown(b.england) if b else None, "neighbours": shown(b.neighbours) if b else None,
                "year": None if b is None else b.covers if b.england is not None or b.neighbours is not None
                else f"none held for {b.covers}",
                "confidence": grade, "unit": unit, "check": min(counts) if unit == "count" and counts else None}

    key_rows = [
        key("Children waiting for a social worker", "count", last["waiting"], first["waiting"], None, waiting_grade),
        key("Cases per FTE of social workers holding cases (DfE average caseload)", "number",
            last["caseload_per_fte_holding"], first["caseload_per_fte_holding"], "average_caseload", waiting_grade),
        key("Leavers in the three months", "count", this["leavers"], before["leavers"], None, staff_grade),
        key(f"of whom from {teams.removesuffix(' together')}", "count", this["teams"], before["teams"], None,
            staff_grade),
        key("Turnover, annualised (employed leavers FTE / employed FTE)", "rate",
            turnover.get("turnover_rate_annualised"), None, "turnover_rate", staff_grade, staff_start(req)),
        key("Agency social workers (agency FTE / all FTE)", "rate", in_post.get("agency_rate"), None, "agency_rate",
            staff_grade),
    ]
    spike = f"{_shown_count(this['leavers']).capitalize()} leavers in {this['quarter']}"
    if _counted(before["leavers"]):
        spike += f" against {_shown_count(before['leavers'])} in {before['quarter']}"
    if _counted(this["teams"]):
        spike += f"; {_shown_count(this['teams'])} of them from {teams.removesuffix(' together')}"
    escalated = risks.section("escalated").rows
    headline = (waiting_line(series), spike + ".", *risks.headline)
    more = len(escalated) - risk.FRONT_ALERTS
    return View("summary", "The month on one page", waiting.subtitle, headline, (
        section("key_figures", "Key figures", key_rows, (
            col("figure", "Figure"), col("now", f"{long_date(req.as_at)}"),
            col("before", f"A year before ({long_date(first['day'])})"), col("england", "England"),
            col("neighbours", "Neighbours (median)"), col("year", "Published for"),
            col("confidence", "Confidence", "grade"),
            col("check", "Smallest count shown", "number", detail=True), col("unit", "Unit", detail=True)),
            notes=("England and neighbours: the published figures of the year matching the pack's date (none is "
                   "published for children waiting or for leavers as a count); \u2013 where none is held. Leavers: "
                   "the three months to the date, and the same three months a year before.",)),
        section("waiting", "Children waiting for a social worker, month by month", series,
                waiting.section("series").columns[:4]),
        section("leavers", f"Leavers by quarter: the council and {teams.removesuffix(' together')}", quarters,
                staff.section("quarterly").columns[:3],
                notes=("Every value of both charts is in the tables of chapters 2 and 4.",)),
        section("escalated", "Escalated alerts, the most serious first", escalated[:risk.FRONT_ALERTS], tuple(
            dataclasses.replace(c, detail=True) if c.key in ("raised_on", "due_on") else c for c in risk.ALERT_COLUMNS),
                notes=((f"{more:,} more escalated alerts in chapter 5." if more > 0 else "")
                       + " Confidence: the grade of the alert's figure when it was read.",)),
    ), waiting.provenance, {}, req.warnings)


def staff_start(req: Request) -> date:
    """The first day of the workforce chapter: the first month of the earliest quarter it counts."""
    return months_back(req.as_at, 3 * LEAVER_QUARTERS - 1)


def _quarterly(req: Request, teams: list[str] | None) -> tuple[View, ...]:
    quarter = req.with_period(quarter_ending(req.as_at))
    safeguarding = flow.build(quarter)
    safeguarding = dataclasses.replace(safeguarding, sections=(safeguarding.section("indicators"),))
    practice = against_targets(req, kpis.build(quarter), by_service=kpis.build(quarter, level="service"))
    return safeguarding, practice, audits.build(quarter)


def target_rag(rate: float | None, target: float | None, *, higher_is_better: bool, amber: float) -> str | None:
    """Green meeting the target, amber within `amber` of it, red beyond (None: no target or no rate)."""
    if rate is None or target is None:
        return None
    short = (target - rate) if higher_is_better else (rate - target)
    return "green" if short <= 0 else "amber" if short <= amber else "red"


def against_targets(req: Request, practice: View, by_service: View | None = None,
                    trends: list[dict[str, Any]] | None = None) -> View:
    """Each council KPI with England, neighbours, its grade and, where the council set one, its target and RAG;
    with `by_service` the same KPIs by service in the same view (so suppression sees that they add up); with
    `trends` (`kpis.kpi_monthly` rows) their month-by-month rates, drawn as a chart."""
    settings = req.config.packs
    rows: list[dict[str, Any]] = []
    for r in practice.section("kpis").rows:
        target = settings.targets.get(r["kpi"])
        good = KPIS[r["kpi"]].flag_is_good
        rows.append({**r, "target": target, "rag": target_rag(r["kpi_rate"], target, higher_is_better=good,
                                                               amber=settings.amber_points)})
    columns = (col("title", "KPI"), col("over", "Over"), col("denominator", "Counted", "count"),
               col("numerator", "Meeting it / failing", "count"), col("kpi_rate", "Rate", "rate"),
               col("target_rate", "Council target", "rate"), col("rag", "RAG", "rag"),
               col("england_rate", "England", "rate"), col("neighbours_rate", "Neighbours", "rate"),
               col("confidence", "Confidence", "grade"))
    rows = [{**r, "target_rate": r.pop("target")} for r in rows]
    set_targets = sorted(k for k in settings.targets if k in KPIS)
    note = (f"RAG against the council's targets (config [packs.targets]): green meeting it, amber within "
            f"{settings.amber_points * 100:.1f} percentage points of it, red beyond; for KPIs counting failures "
            "(overdue) the target is a ceiling. "
            + ("No targets are set." if not set_targets else f"Targets set for {len(set_targets)} KPIs."))
    # the practice view's own RAG note is about its `kpi_targets` column, which this table does not show
    inherited = tuple(n for n in practice.section("kpis").notes if n != kpis.TARGET_NOTE)
    sections = [section("kpis", "Practice KPIs, council", rows, columns, notes=(*inherited, note))]
    if by_service is not None:
        services = by_service.section("kpis")
        sections.append(dataclasses.replace(services, key="by_service", title="Practice KPIs by service"))
    if trends is not None:
        sections.append(section("trends", "Month by month", trends, (
            col("month", "Month"), col("title", "KPI"), col("denominator", "Counted", "count"),
            col("numerator", "Meeting it", "count"), col("kpi_rate", "Rate", "rate"),
            col("england_rate", "England", "rate"), col("confidence", "Confidence", "grade"))))
    return dataclasses.replace(practice, name="practice_targets", sections=tuple(sections),
                               title="Timeliness against targets, England and neighbours")
