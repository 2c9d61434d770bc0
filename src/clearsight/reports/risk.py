"""Risks for elected members: the alerts open on a day as they stood then, a risk line per service, the
escalated alerts first, and the information requests members are owed.

audiences.md: scrutiny councillors read "a risk line per service" and "open information requests and their
age"; issue 18: "a risk section per service built from the alerts and their escalation state". The alert store
keeps every alert's events, so what was open on a past day, with whom and by when, is read back from them;
nothing is evaluated here (`clearsight alerts run` after each load, or `clearsight alerts replay --save` for a
council starting on past records, fills the store). Alerts about one worker, and single staff concerns, could
identify a worker and are left out: members see the council's, services' and teams' alerts.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from clearsight.alerts.store import Alert, AlertStore
from clearsight.config.alerts import SEVERITIES
from clearsight.render.values import long_date
from clearsight.reports.alerts import alerts_on, figure_words, role_words
from clearsight.reports.comparators import comparator
from clearsight.reports.request import Request
from clearsight.reports.sections import plural, section
from clearsight.reports.view import View, col

COUNT_COLUMNS = ("numerator", "reported")  # rule columns holding a count of children or workers
REGISTER_WORDS = {"scrutiny": "information request", "change": "proposed service change",
                  "concern": "staff concerns"}
# Alert figures with a published counterpart: (metric, column) -> the benchmark indicator.
INDICATORS = {("caseloads", "caseload_per_fte_holding"): "average_caseload", ("workforce_council", "agency_rate"):
              "agency_rate", ("workforce_by_team", "vacancy_rate"): "vacancy_rate"}
ALERT_COLUMNS = (
    col("severity", "Severity"), col("title", "What"), col("whose", "Whose"), col("figure", "Figure"),
    col("england", "England"), col("raised_on", "Raised", "date"), col("owner", "Now with"),
    col("due_on", "Answer by", "date"), col("confidence", "Confidence", "grade"),
    col("service", "Service", vocabulary="service", detail=True), col("escalations", "Times escalated", detail=True),
    col("check", "Smallest count in the figure", "number", detail=True), col("unit", "Unit", detail=True),
)
COUNCIL_WIDE = "council-wide"  # the service line of alerts on the whole council's figures
FRONT_ALERTS = 5  # escalated alerts listed on a pack's first page (the risk chapter lists them all)


def for_members(alert: Alert) -> bool:
    """Neither about one worker nor a single staff concern (both could identify a worker)."""
    return not alert.entity.startswith("worker:") and not (alert.kind == "concern" and alert.rule == "concern")


def escalations(alert: Alert) -> int:
    """How many roles up its chain the alert has climbed (0: still with its first owner)."""
    return alert.escalation.index(alert.owner_role) if alert.owner_role in alert.escalation else 0


def _unit_and_check(alert: Alert) -> tuple[str, float | None]:
    """The figure's unit, and for a count the smallest non-zero count it shows (what suppression tests)."""
    e = alert.evidence
    column = e.get("column") or ""
    if alert.kind != "rule":
        return "text", None
    if e.get("aggregate") == "count" or column in COUNT_COLUMNS:
        counts = [v for v in (alert.value, e.get("compare")) if isinstance(v, (int, float)) and v > 0]
        return "count", min(counts) if counts else alert.value
    return ("rate" if "rate" in column or "share" in column else "number"), alert.value


def _england(req: Request, alert: Alert) -> str | None:
    e = alert.evidence
    indicator = INDICATORS.get((e.get("metric"), e.get("column")))
    bench = comparator(req, indicator, req.as_at) if indicator else None
    if bench is None or bench.england is None:
        return None
    return f"{bench.england:.1%}" if "rate" in indicator else f"{bench.england:.1f}"  # type: ignore[operator]


def alert_line(req: Request, alert: Alert) -> dict[str, Any]:
    unit, check = _unit_and_check(alert)
    return {
        "severity": alert.severity, "whose": alert.entity_name,
        # A register's count of staff concerns is a count of people: said in words, never as a number.
        "title": "Several staff concerns from one team" if alert.kind == "concern" else alert.title,
        "figure": figure_words(alert) if alert.kind == "rule" else REGISTER_WORDS.get(alert.kind, alert.kind),
        "england": _england(req, alert), "raised_on": alert.raised_on,
        "owner": role_words(req.config, alert.owner_role), "due_on": alert.due_on,
        "confidence": alert.evidence.get("confidence"), "service": alert.service,
        "escalations": escalations(alert), "check": check, "unit": unit,
    }


def _order(alert: Alert) -> tuple[int, int, date]:
    return (-SEVERITIES.index(alert.severity) if alert.severity in SEVERITIES else 0, -escalations(alert),
            alert.raised_on)


def build(req: Request) -> View:
    """The risk chapter: a line per service, the escalated alerts, every other open alert, and the information
    requests (the scrutiny register) open on the request's date."""
    store = AlertStore(req.con, req.config)
    every = alerts_on(store, req.council, req.as_at)
    shown = sorted((a for a in every if for_members(a) and a.kind != "scrutiny"), key=_order)
    requests = sorted((a for a in every if a.kind == "scrutiny"), key=lambda a: a.raised_on)
    services: dict[str | None, list[Alert]] = {}
    for a in shown:
        services.setdefault(a.service, []).append(a)
    risk_lines = []
    for service, alerts in sorted(services.items(), key=lambda kv: _order(kv[1][0])):
        worst = alerts[0]
        top = max(alerts, key=escalations)
        risk_lines.append({
            "service": service or COUNCIL_WIDE, "open_alerts": len(alerts),
            "escalated": sum(escalations(a) > 0 for a in alerts),
            "serious": sum(a.severity in ("high", "critical") for a in alerts),
            "highest": role_words(req.config, top.owner_role),
            "risk": f"{alert_line(req, worst)['title']} ({worst.entity_name})"})
    # A request's deadline is the one it was given when asked; escalation gives each role up a new one, shown
    # beside it as the deadline of whoever holds it now (the inbox's).
    asked = {e.alert_id: e.due_on for e in store.events() if e.event == "raised"}
    deadline = {a.alert_id: asked.get(a.alert_id) or a.due_on for a in requests}
    late = [a for a in requests if deadline[a.alert_id] < req.as_at]
    request_rows = [{"title": a.title, "asked_by": a.detail.get("raised_by"), "raised_on": a.raised_on,
                     "age_days": (req.as_at - a.raised_on).days, "due_on": deadline[a.alert_id],
                     "late": "yes" if a in late else "no", "owner": role_words(req.config, a.owner_role),
                     "now_due_on": a.due_on}
                    for a in requests]
    escalated = [a for a in shown if escalations(a) > 0]
    first_raised = min((a.raised_on for a in store.alerts(council=req.council)), default=None)
    headline = [
        f"{plural(len(shown), 'alert')} open on {long_date(req.as_at)}, {len(escalated):,} escalated beyond their "
        f"first owner; {sum(a.severity in ('high', 'critical') for a in shown):,} high or critical.",
        f"{plural(len(requests), 'information request')} from members open, {len(late):,} past the deadline"
        + (f"; the oldest asked {long_date(requests[0].raised_on)}." if requests else "."),
    ]
    if first_raised is None or first_raised > req.as_at:
        headline.insert(0, f"No alerts recorded on or before {long_date(req.as_at)}"
                        + (f" (the first was raised {long_date(first_raised)})" if first_raised else "")
                        + ": `clearsight alerts replay --save` fills the history from the records.")
    note = ("Alerts about one worker and single staff concerns are left out (they could identify a worker). Now "
            "with: the role that must answer after any escalation (an alert not answered by its deadline goes to "
            "the next role up on the next working day). Confidence: the data-confidence grade of the figure when "
            "it was read.")
    return View("risk", "Risks by service: alerts and information requests", f"{req.council}, on "
                f"{long_date(req.as_at)}", tuple(headline), (
        section("services", "Risk by service", risk_lines, (
            col("service", "Service", vocabulary="service"), col("open_alerts", "Open alerts", "count"),
            col("escalated", "Escalated", "count"), col("serious", "High or critical", "count"),
            col("highest", "Highest reached"), col("risk", "Most serious"))),
        section("escalated", "Escalated alerts", [alert_line(req, a) for a in escalated], ALERT_COLUMNS,
                notes=(note,)),
        section("open", "Other open alerts", [alert_line(req, a) for a in shown if escalations(a) == 0],
                ALERT_COLUMNS),
        section("requests", "Information requests from members", request_rows, (
            col("title", "Request"), col("asked_by", "Asked by"), col("raised_on", "Asked", "date"), col("age_days", "Age (days)", "days"),
            col("due_on", "Deadline when asked", "date"), col("late", "Past it"), col("owner", "Now with"),
            col("now_due_on", "Now due by", "date"))),
    ), None, {}, req.warnings)
