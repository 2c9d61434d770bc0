"""Alerts: the inbox (open alerts, the worst and oldest first, with their owner and deadline) and a replay's
timeline of when each alert would have fired and climbed.

Seed 000: safeguarding meetings were "continually" told there were no unallocated cases. The headline says how
many alerts are open, how many are past their deadline and how high the oldest has climbed; each line names the
figure, whose it is, who must answer by when, and the records behind it (ids, never names). The same view is
rendered by the CLI, the web inbox and the packs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import date, timedelta
from typing import Any

from clearsight.alerts.lifecycle import Replay, RunResult
from clearsight.alerts.rules import Reading
from clearsight.alerts.store import STATUS_WORDS, Alert, AlertStore
from clearsight.canonical.words import WORDS, words
from clearsight.config import CouncilConfig
from clearsight.config.alerts import SEVERITIES, AlertRule
from clearsight.render.values import long_date
from clearsight.reports.request import Request, unknown
from clearsight.reports.sections import plural, section
from clearsight.reports.view import View, col
from clearsight.store.snapshots import team_names

KIND_WORDS = {"rule": "alert", "concern": "staff concern", "scrutiny": "scrutiny request", "change": "service change"}
ALERT_COLUMNS = (
    col("alert_id", "Alert", "count"), col("severity", "Severity"), col("title", "What"), col("whose", "Whose"),
    col("team", "Team"), col("figure", "Figure"), col("raised_on", "Raised", "date"), col("status", "Status"),
    col("owner", "Now with"), col("due_on", "Answer by", "date"), col("records", "Records when raised"),
    col("record_ids", "Every record when raised", detail=True), col("team_id", "Team id", detail=True),
    col("service", "Service", detail=True), col("kind", "Kind", detail=True), col("rule", "Rule", detail=True),
    col("snapshot_id", "Snapshot", detail=True),
)
SUMMARY_COLUMNS = (col("title", "What"), col("severity", "Severity"), col("service", "Service"),
                   col("open", "Open", "count"), col("late", "Past the deadline", "count"),
                   col("escalated", "Escalated", "count"))
HISTORY_COLUMNS = (
    col("day", "Day", "date"), col("event", "What happened"), col("alert_id", "Alert", "count"), col("title", "What"),
    col("whose", "Whose"), col("figure", "Figure"), col("severity", "Severity"),
)
RECORD_KEYS = {"child_id": "child", "worker_id": "worker"}  # evidence columns a record page exists for
TERMINAL_RECORDS = 5  # record ids shown in a terminal cell; files carry every one


def role_words(config: CouncilConfig, role: str | None) -> str:
    return "" if role is None else config.alerts.roles.get(role, role.replace("_", " "))


# Alert figures that are ratios (a caseload, a gap in grades): shown to one decimal as the tables show them,
# 24.0 beside 20.5, though their limit (20) is written whole.
RATIO_COLUMNS = ("caseload_per_fte_holding", "caseload_per_fte", "mean_gap")


def _number(value: float | None, column: str | None, *, limit: bool = False) -> str:
    if value is None:
        return "none"
    if column and ("rate" in column or "share" in column):
        return f"{value:.0%}"
    shown = f"{value:,.1f}"
    return shown if column in RATIO_COLUMNS and not limit else shown.removesuffix(".0")


def figure_text(kind: str, column: str | None, value: float | None, threshold: float | None,
                compare: float | None) -> str:
    """A rule's figure against its line, in words: '14 (line 0)', 'reported 0, records 52', '71% (was 43%)'."""
    if kind == "discrepancy":
        return f"reported {_number(value, column)}, records {_number(compare, column)}"
    if kind == "rate_of_change":
        return f"{_number(value, column)} (was {_number(compare, column)})"
    if kind == "confidence_falling":
        return f"grade {'ABCD'[int(value or 0)]} (line {'ABCD'[int(threshold or 0)]})"
    return (_number(value, column) if threshold is None
            else f"{_number(value, column)} (line {_number(threshold, column, limit=True)})")


def reading_words(rule: AlertRule, reading: Reading) -> str:
    return figure_text(rule.condition.kind, rule.column, reading.value, reading.limit, reading.compare)


def figure_words(alert: Alert) -> str:
    """An alert's figure in words; a register entry says what it is about."""
    if alert.kind != "rule":
        return str(alert.detail.get("summary", ""))
    e = alert.evidence
    return figure_text(e.get("kind", "threshold"), e.get("column"), alert.value, alert.threshold, e.get("compare"))


def alert_row(alert: Alert, config: CouncilConfig, teams: dict[str, str] | None = None) -> dict[str, Any]:
    """One alert as a row; `teams` (id -> name) names its team."""
    return {
        "alert_id": alert.alert_id, "severity": alert.severity, "title": alert.title, "whose": alert.entity_name,
        "team_id": alert.team_id, "team": (teams or {}).get(alert.team_id or "", alert.team_id),
        "service": alert.service, "figure": figure_words(alert), "raised_on": alert.raised_on,
        "status": STATUS_WORDS.get(alert.status, alert.status), "owner": role_words(config, alert.owner_role),
        "due_on": None if not alert.is_open else alert.due_on, "records": records_words(alert.records),
        "record_ids": ", ".join(alert.records),
        "record_kind": RECORD_KEYS.get(alert.evidence.get("record_column") or "", "record"),
        "kind": KIND_WORDS.get(alert.kind, alert.kind), "rule": alert.rule, "snapshot_id": alert.snapshot_id,
    }


def records_words(ids: list[str]) -> str:
    """The first few record ids and how many more (every id is in the files' `record_ids`)."""
    shown = ", ".join(ids[:TERMINAL_RECORDS])
    return shown + (f" and {len(ids) - TERMINAL_RECORDS} more" if len(ids) > TERMINAL_RECORDS else "")


def alerts_on(store: AlertStore, council: str, day: date, *, include_resolved: bool = False) -> list[Alert]:
    """The council's alerts open on `day` as they stood that day: raised by then and not yet resolved (with
    `include_resolved`, those resolved by then too), with the owner, deadline and status their events had given
    them by then."""
    events: dict[int, list[Any]] = {}
    for e in store.events():
        if e.day <= day:
            events.setdefault(e.alert_id, []).append(e)
    out = []
    for a in store.alerts(council=council):
        if a.raised_on > day:
            continue
        if a.resolved_on is not None and a.resolved_on <= day:
            if include_resolved:
                out.append(a)
            continue
        owner, due, status = a.escalation[0], a.due_on, "open"
        for e in events.get(a.alert_id, []):
            if e.event in ("raised", "escalated") and e.role:
                owner = e.role
            if e.due_on is not None:
                due = e.due_on
            status = {"acknowledged": "acknowledged" if status == "open" else status, "action": "actioned"}.get(
                e.event, status)
        out.append(dataclasses.replace(a, owner_role=owner, due_on=due, status=status))
    return out


def _order(alert: Alert) -> tuple[int, date, int]:
    return (-SEVERITIES.index(alert.severity) if alert.severity in SEVERITIES else 0, alert.raised_on, alert.alert_id)


def whose_words(alert: Alert, teams: dict[str, str]) -> str:
    """Whose an alert is, for a line anyone reading the inbox may see: a worker's alert says their team."""
    if alert.entity.startswith("worker:"):
        return f"a worker in {teams.get(alert.team_id or '', alert.team_id or 'a team')}"
    return alert.entity_name


def inbox_lines(alerts: list[Alert], config: CouncilConfig, today: date,
                teams: dict[str, str] | None = None) -> list[str]:
    """The headline: how many are open and how serious, how many past their deadline, how high they reached."""
    open_ = [a for a in alerts if a.is_open]
    if not open_:
        return ["No open alerts."]
    by_severity = [f"{sum(a.severity == s for a in open_)} {s}" for s in reversed(SEVERITIES)
                   if any(a.severity == s for a in open_)]
    lines = [f"{plural(len(open_), 'open alert')}: {', '.join(by_severity)}."]
    late = [a for a in open_ if a.due_on < today]
    if late:
        lines.append(f"{plural(len(late), 'alert')} past the deadline to answer.")
    top = [a for a in open_ if a.owner_role != a.escalation[0]]
    if top:
        highest = max(top, key=lambda a: a.escalation.index(a.owner_role))
        lines.append(f"{plural(len(top), 'alert')} escalated; the highest with the "
                     f"{role_words(config, highest.owner_role)}: {highest.title} ({whose_words(highest, teams or {})}).")
    return lines


def in_scope(alert: Alert, teams: dict[str, str], team: str | None, services: Collection[str] | None) -> bool:
    """Whether an alert is one of `team`'s (a name) and of `services`' (None: every alert)."""
    if team is not None and teams.get(alert.team_id or "", alert.team_id) != team:
        return False
    return not services or alert.service in services


def summary_rows(alerts: list[Alert], today: date) -> list[dict[str, Any]]:
    """Open alerts counted by what, severity and service: the inbox with no one named (for members)."""
    counts: dict[tuple[str, str, str], dict[str, Any]] = {}
    for a in alerts:
        if not a.is_open:
            continue
        row = counts.setdefault((a.title, a.severity, a.service or ""), {
            "title": a.title, "severity": a.severity, "service": words("service", a.service) if a.service else
            "whole council", "open": 0, "late": 0, "escalated": 0})
        row["open"] += 1
        row["late"] += a.due_on < today
        row["escalated"] += a.owner_role != a.escalation[0]
    return sorted(counts.values(), key=lambda r: (-SEVERITIES.index(r["severity"]), r["title"], r["service"]))


def scope_words(req: Request, services: Collection[str] | None) -> str:
    """', North Child in Need Team', ', Child in Need': whose a view is, for its subtitle."""
    return "".join(f", {w}" for w in (req.team, ", ".join(words("service", s) for s in services or ())) if w)


def build_inbox(req: Request, *, role: str | None = None, include_resolved: bool = False, kind: str | None = None,
                run: RunResult | None = None, services: Collection[str] | None = None, on_day: bool = False) -> View:
    """The alerts list: open ones (all with `include_resolved`), for one role when given, of the request's team
    (a team manager's inbox) and of `services` when given (a head of service's), worst and oldest first; a
    summary counting them by what and where; workers' own alerts in a section of their own (they name a
    worker). With `on_day` (a day asked for, not the default) and that day before the extract's, the alerts
    open on it as they stood then (`alerts_on`); else those open now, to be answered."""
    if role is not None and role not in req.config.alerts.roles:
        raise unknown("role", role, list(req.config.alerts.roles))
    for service in services or ():
        if service not in WORDS["service"]:
            raise unknown("service", service, list(WORDS["service"]))
    store = AlertStore(req.con, req.config)
    teams = team_names(req.con, req.snapshot)
    if on_day and req.as_at < req.snapshot.extract_date:
        alerts = [a for a in alerts_on(store, req.council, req.as_at, include_resolved=include_resolved)
                  if kind is None or a.kind == kind]
    else:
        alerts = store.alerts(open_only=not include_resolved, kind=kind, council=req.council)
    alerts = [a for a in alerts if in_scope(a, teams, req.team, services)]
    if role is not None:
        alerts = [a for a in alerts if a.owner_role == role]
    alerts.sort(key=_order)
    headline = inbox_lines(alerts, req.config, req.as_at, teams)
    if run is not None:
        headline.insert(0, f"Evaluated on {long_date(run.day)}: {plural(len(run.raised), 'alert')} raised, "
                           f"{len(run.escalated)} escalated, {len(run.resolved)} resolved, {run.holding} still holding.")
    rows = [alert_row(a, req.config, teams) for a in alerts]
    named = [r for r, a in zip(rows, alerts) if a.entity.startswith("worker:")]
    rest = [r for r, a in zip(rows, alerts) if not a.entity.startswith("worker:")]
    note = (("Figure: its latest reading while the condition holds. Records when raised: the ids of the children "
             "or workers the figure counted on the day the alert was raised (`clearsight kpi NAME --children` lists "
             "them with their details); deadlines are working days, and an alert not answered "
             "by its deadline goes to the next role up on the next working day."),)
    sections = [section("alerts", "Alerts", rest, ALERT_COLUMNS, notes=note),
                section("summary", "Open alerts by what and where", summary_rows(alerts, req.as_at),
                        SUMMARY_COLUMNS)]
    if named:
        sections.append(section("worker_alerts", "Alerts about one worker's caseload", named, ALERT_COLUMNS,
                                personal=True))
    who = scope_words(req, services)
    who += f", for the {role_words(req.config, role)}" if role else ""
    return View("alerts", "Alerts", f"{req.council}{who}, on {long_date(req.as_at)}", tuple(headline),
                tuple(sections), None, {}, req.warnings)


def history_rows(store: AlertStore, config: CouncilConfig, alerts: list[Alert] | None = None,
                 teams: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Every event of the alerts in date order: raised, acknowledged, action, escalated (to whom), resolved;
    with `teams` (id -> name), a worker's alert says whose team, not whose caseload."""
    by_id = {a.alert_id: a for a in (alerts if alerts is not None else store.alerts())}
    rows = []
    for e in store.events():
        a = by_id.get(e.alert_id)
        if a is None:
            continue
        what = {"escalated": f"escalated to the {role_words(config, e.role)}",
                "raised": f"raised, with the {role_words(config, e.role)}"}.get(e.event, e.event)
        if e.note and e.event in ("action", "resolved", "acknowledged"):
            what += f": {e.note}"
        whose = a.entity_name if teams is None else whose_words(a, teams)
        rows.append({"day": e.day, "event": what, "alert_id": a.alert_id, "title": a.title, "whose": whose,
                     "figure": figure_words(a), "severity": a.severity})
    return rows


def replay_lines(alerts: list[Alert], rows: list[dict[str, Any]], replay: Replay, config: CouncilConfig,
                 teams: dict[str, str]) -> list[str]:
    """A replay's headline, aggregates first: how many alerts and how serious, the first rule's alert that
    matters (medium or worse), how high and when they climbed, the register entries and the first to reach the
    chief operating officer, and the low ones apart (their owner's to note, not the story). No worker is
    named: a worker's alert says whose team."""
    if not alerts:
        return [f"No alert would have fired from {long_date(replay.start)} to {long_date(replay.end)}."]
    counts = ", ".join(f"{sum(a.severity == s for a in alerts)} {s}" for s in reversed(SEVERITIES)
                       if any(a.severity == s for a in alerts))
    lines = [f"{plural(len(alerts), 'alert')} raised from {long_date(replay.start)} to {long_date(replay.end)} "
             f"({counts}); {sum(a.is_open for a in alerts)} still open at the end."]
    material = [a for a in alerts if a.kind == "rule" and a.severity != "low"]
    if material:
        first = min(material, key=lambda a: (a.raised_on, -SEVERITIES.index(a.severity), a.alert_id))
        lines.append(f"First {first.severity} alert on {long_date(first.raised_on)}: {first.title} "
                     f"({whose_words(first, teams)}, {figure_words(first)}).")
    for role in ("director", "lead_member"):
        reached = [r for r in rows if r["event"] == f"escalated to the {role_words(config, role)}"]
        if reached:
            lines.append(f"First escalation to the {role_words(config, role)} on {long_date(reached[0]['day'])}: "
                         f"{reached[0]['title']} ({reached[0]['whose']}).")
    entries = [a for a in alerts if a.kind != "rule" and a.rule == a.kind]  # not the flags they raise
    if entries:
        kinds = ", ".join(plural(sum(a.kind == k for a in entries), KIND_WORDS[k]) for k in KIND_WORDS
                          if any(a.kind == k for a in entries))
        line = f"Register entries: {kinds}"
        coo = [r for r in rows if r["event"] == f"escalated to the {role_words(config, 'chief_operating_officer')}"
               or (r["event"] == f"raised, with the {role_words(config, 'chief_operating_officer')}")]
        lines.append(line + (f"; the first with the {role_words(config, 'chief_operating_officer')} on "
                             f"{long_date(coo[0]['day'])}: {coo[0]['title']} ({coo[0]['whose']})." if coo else "."))
    low = [a for a in alerts if a.severity == "low"]
    if low:
        lines.append(f"{plural(len(low), 'low-severity alert')} for their owners to note (the first on "
                     f"{long_date(min(a.raised_on for a in low))}), apart from the above.")
    return lines


def build_replay(req: Request, replay: Replay, rules: tuple[str, ...] = ()) -> View:
    """When each alert would have fired, climbed and cleared had Clearsight run every day of the period: the
    aggregates, then each rule's first day, then day by day (a worker's alert says whose team); the alerts
    about one worker, by name, in a section of their own for those allowed to see it."""
    alerts = [a for a in replay.store.alerts() if not rules or a.rule in rules]
    teams = team_names(req.con, req.snapshot)
    rows = history_rows(replay.store, req.config, alerts, teams)
    headline = replay_lines(alerts, rows, replay, req.config, teams)
    firsts: dict[str, dict[str, Any]] = {}
    for a in sorted(alerts, key=lambda a: (-SEVERITIES.index(a.severity), a.raised_on)):
        f = firsts.setdefault(a.rule, {"title": a.title, "first": a.raised_on, "alerts": 0, "severity": a.severity})
        f["first"] = min(f["first"], a.raised_on)
        f["alerts"] += 1
    first_columns = (col("title", "Rule"), col("severity", "Severity"), col("first", "First fired", "date"),
                     col("alerts", "Alerts", "count"))
    notes = ((f"Deadlines and escalation move every day; the rules were read every {replay.step} days "
              f"({replay.readings:,} figures computed)."),)
    named = [alert_row(a, req.config, teams) for a in sorted(alerts, key=_order) if a.entity.startswith("worker:")]
    sections = [section("first", "When each rule first fired",
                        sorted(firsts.values(), key=lambda f: (f["first"], f["title"])), first_columns),
                section("timeline", "Day by day", rows, HISTORY_COLUMNS, notes=notes, limit=200)]
    if named:
        sections.append(section("worker_alerts", "Alerts about one worker's caseload", named, ALERT_COLUMNS,
                                personal=True))
    return View("alerts_replay", "Alerts replayed", f"{req.council}, {long_date(replay.start)} to "
                f"{long_date(replay.end)}", tuple(headline), tuple(sections), None, {}, req.warnings)


def record_rows(alert: Alert) -> list[dict[str, Any]]:
    """The records behind an alert, one row each under the column naming them (`child_id`, `worker_id`...),
    so pages link each to its history and the audit log records who saw them."""
    column = alert.evidence.get("record_column") or "record_id"
    return [{column: r, "kind": RECORD_KEYS.get(column, column.removesuffix("_id"))} for r in alert.records]


def history_view(store: AlertStore, config: CouncilConfig, alert_id: int, teams: dict[str, str] | None = None) -> View:
    """One alert: what it is, the records behind it, the evidence, and everything that happened to it."""
    alert = store.get(alert_id)
    row = alert_row(alert, config, teams)
    headline = (f"{alert.title}: {alert.entity_name}, {row['figure']}.",
                f"{row['status'].capitalize()}; with the {row['owner']}"
                + (f", answer by {long_date(alert.due_on)}." if alert.is_open else
                   f"; resolved on {long_date(alert.resolved_on)}: {alert.resolution}." if alert.resolved_on else "."))
    evidence = [{"item": k.replace("_", " "), "value": ", ".join(v) if isinstance(v, list) else str(v)}
                for k, v in {**alert.evidence, **alert.detail}.items()
                if v not in (None, "", []) and k not in ("records", "record_column")]
    records = record_rows(alert)
    e = alert.evidence
    then = figure_text(e.get("kind", "threshold"), e.get("column"), e.get("value"), e.get("threshold"),
                       e.get("compare")) if alert.kind == "rule" else None
    # The records were kept when the alert was raised; its figure is the latest reading, which may have moved.
    records_title = ("Records behind it" if then is None or then == row["figure"] else
                     f"Records behind it when raised on {long_date(alert.raised_on)}, its figure then {then}")
    record_columns = tuple(col(k, k.replace("_", " ").capitalize()) for k in (records[0] if records else {})
                           if k != "kind")
    sections = (section("alert", "The alert", [row], ALERT_COLUMNS[:11]),
                section("records", records_title, records, record_columns or (col("record_id", "Record"),),
                        personal=True),
                section("history", "History", history_rows(store, config, [alert]), HISTORY_COLUMNS[:2]),
                section("evidence", "Evidence", evidence, (col("item", "Item"), col("value", "Value"))))
    return View("alert", f"Alert {alert.alert_id}", f"{alert.council}, raised {long_date(alert.raised_on)}",
                headline, sections, None)


REGISTER_COLUMNS = {
    "concern": (col("alert_id", "Entry", "count"), col("title", "Concern"), col("whose", "Team"),
                col("category", "Category"), col("raised_by", "Raised by"), col("raised_on", "Raised", "date"),
                col("status", "Status"), col("owner", "Now with"), col("due_on", "Answer by", "date"),
                col("team_leavers", "Team's leavers in the last 3 months", "count"),
                col("leave_reasons", "Why they left")),
    "scrutiny": (col("alert_id", "Entry", "count"), col("title", "Information asked for"),
                 col("raised_by", "Asked by"), col("raised_on", "Asked", "date"), col("due_on", "Due", "date"),
                 col("age_days", "Days open", "days"), col("status", "Status"), col("owner", "Now with")),
    "change": (col("alert_id", "Entry", "count"), col("title", "Proposed change"),
               col("effective", "Takes effect", "date"), col("owner", "Now with"), col("risks", "Risks"),
               col("kpis", "KPIs to watch"), col("kpi_alerts", "Alerts on those KPIs since", "count"),
               col("kpi_alert_titles", "Which")),
}
REGISTER_TITLES = {"concern": "Staff concerns and grievances", "scrutiny": "Scrutiny information requests",
                   "change": "Proposed service changes"}


def _leavers_by_team(req: Request) -> dict[str, list[dict[str, Any]]]:
    from clearsight.metrics.figures import compute

    start = req.as_at - timedelta(days=90)
    out: dict[str, list[dict[str, Any]]] = {}
    for r in compute(req.con, req.snapshot, "leavers", req.as_at, req.config, period_start=start).records():
        out.setdefault(r["team_id"], []).append(r)
    return out


def _metric_title(name: str) -> str:
    from clearsight.metrics.registry import all_metrics

    return next((m.title for m in all_metrics() if m.name == name), name)


REGISTER_SUMMARY_COLUMNS = (col("register", "Register"), col("open", "Open", "count"),
                            col("late", "Past the deadline", "count"), col("escalated", "Escalated", "count"),
                            col("oldest_days", "Oldest open", "days"))


def register_in_scope(entry: Alert, teams: dict[str, str], team_services: dict[str, str], team: str | None,
                      services: Collection[str] | None) -> bool:
    """Whether a register entry is one of `team`'s (a name) and of `services`' (None: every entry); an entry's
    service is its team's, and an entry of no team (a scrutiny request, a service change) is the council's:
    outside any one team's view, inside every service's."""
    name = teams.get(entry.team_id or "", entry.team_id)
    if team is not None and name != team:
        return False
    return not services or entry.team_id is None or team_services.get(name or "") in services


def build_registers(req: Request, kind: str | None = None, services: Collection[str] | None = None, *,
                    on_day: bool = False) -> View:
    """The registers: a count of each (open, past the deadline, escalated, the oldest), then staff concerns
    beside their team's leavers and why they left (they are about named colleagues: personal); scrutiny
    requests with their age; proposed service changes with the alerts on the KPIs they named. Of the request's
    team (a team manager's: their team's concerns) and of `services` when given. With `on_day` and a day before
    the extract's, the entries made by then as they stood that day (as the inbox)."""
    from clearsight.alerts.registers import REGISTERS, alerts_on_changes
    from clearsight.reports.history import team_services

    store = AlertStore(req.con, req.config)
    teams, of_team = team_names(req.con, req.snapshot), team_services(req)
    kinds = [k for k in REGISTERS if kind in (None, k)]
    leavers = _leavers_by_team(req) if "concern" in kinds else {}
    on_changes = {c.change.alert_id: c.alerts for c in alerts_on_changes(store, req.council)}
    sections, headline, summary = [], [], []
    past = on_day and req.as_at < req.snapshot.extract_date
    every = (alerts_on(store, req.council, req.as_at, include_resolved=True) if past
             else store.alerts(council=req.council))
    for k in kinds:
        entries = sorted((a for a in every if a.kind == k
                          and register_in_scope(a, teams, of_team, req.team, services)),
                         key=lambda a: (not a.is_open, a.raised_on))
        rows = []
        for a in entries:
            d = a.detail
            gone = leavers.get(a.team_id or "", [])
            reasons = sorted({r["leave_reason"] for r in gone if r.get("leave_reason")})
            kpi_alerts = on_changes.get(a.alert_id, [])
            rows.append({**alert_row(a, req.config, teams), "category": d.get("category") or d.get("summary"),
                         "raised_by": d.get("raised_by"), "team_leavers": len(gone),
                         "leave_reasons": ", ".join(words("leave_reason", r) for r in reasons),
                         "age_days": ((a.resolved_on or req.as_at) - a.raised_on).days,
                         "effective": d.get("effective"), "risks": "; ".join(d.get("risks", [])),
                         "kpis": ", ".join(_metric_title(k) for k in d.get("kpis", [])),
                         "kpi_alerts": len(kpi_alerts),
                         "kpi_alert_titles": "; ".join(sorted({x.title for x in kpi_alerts}))})
        open_ = [a for a in entries if a.is_open]
        late = [a for a in open_ if a.due_on < req.as_at]
        headline.append(f"{REGISTER_TITLES[k]}: {len(open_)} open" + (f", {len(late)} past the deadline"
                        if late else "") + ".")
        summary.append({"register": REGISTER_TITLES[k], "open": len(open_), "late": len(late),
                        "escalated": sum(a.owner_role != a.escalation[0] for a in open_),
                        "oldest_days": max(((req.as_at - a.raised_on).days for a in open_), default=None)})
        sections.append(section(k, REGISTER_TITLES[k], rows, REGISTER_COLUMNS[k], personal=k == "concern"))
    sections.insert(0, section("summary", "The registers in numbers", summary, REGISTER_SUMMARY_COLUMNS))
    who = scope_words(req, services)
    return View("registers", "Registers", f"{req.council}{who}, on {long_date(req.as_at)}", tuple(headline),
                tuple(sections), None, {}, req.warnings)
