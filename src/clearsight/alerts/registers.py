"""Registers that share the alerts' owners, deadlines and escalation (issue 17 item 5).

Seed 000: staff and union concerns and grievances "never reached" the chief operating officer or politicians;
scrutiny's requests for information went unanswered and it asked for "a system for escalating the failure to
provide such information" with a timescale. Each entry is kept as an alert of its register's kind, so it has an
owner, a deadline in working days, a history, delivery, and climbs its chain when open past the deadline:
- a staff concern or grievance (category, team, who raised it) goes to the head of service, then the chief
  operating officer, then the lead member; several from one team within the window go to the chief operating
  officer at once, and the lead member after;
- a scrutiny information request (who asked, what, by when) climbs to the director and the lead member;
- a proposed service change (a restructure or review: its risks, owner and the KPIs to watch) is due for review
  after it takes effect, and the alerts on its KPIs are shown against it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from clearsight.alerts.store import Alert, AlertStore

Register = Literal["concern", "scrutiny", "change"]
REGISTERS: tuple[Register, ...] = ("concern", "scrutiny", "change")
SEVERAL_CONCERNS = "concerns_from_one_team"


@dataclass(frozen=True)
class Entry:
    """One register entry as recorded (by hand, from a file, or by Eastmere's generator)."""

    register: Register
    raised_on: date
    title: str  # what: the concern, the information asked for, the change proposed
    team_id: str | None = None
    team: str | None = None
    category: str | None = None  # concern: workload, grievance, union, ...
    raised_by: str | None = None  # staff, union, HR; the councillor or committee asking
    due_on: date | None = None  # default: the register's working days from raised_on
    closed_on: date | None = None
    outcome: str | None = None
    owner_role: str | None = None  # default: the first of the register's chain
    effective: date | None = None  # change: the day it takes effect
    risks: tuple[str, ...] = ()
    kpis: tuple[str, ...] = ()  # change: metrics whose alerts are shown against it

    def as_json(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else list(v) if isinstance(v, tuple) else v)
                for k, v in asdict(self).items() if v not in (None, ())}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"register entry: unknown fields {', '.join(sorted(unknown))}")
        if data.get("register") not in REGISTERS:
            raise ValueError(f"register entry: register must be one of {', '.join(REGISTERS)}")
        values = dict(data)
        for key in ("raised_on", "due_on", "closed_on", "effective"):
            if values.get(key):
                values[key] = date.fromisoformat(values[key])
        for key in ("risks", "kpis"):
            values[key] = tuple(values.get(key, ()))
        return cls(**values)


def read_entries(path: Path) -> list[Entry]:
    return [Entry.from_json(d) for d in json.loads(path.read_text(encoding="utf-8"))]


def write_entries(path: Path, entries: list[Entry]) -> None:
    path.write_text(json.dumps([e.as_json() for e in entries], indent=1) + "\n", encoding="utf-8")


def _chain(store: AlertStore, entry: Entry) -> tuple[tuple[str, ...], int]:
    r = store.config.alerts.registers
    chain, days = {"concern": (r.concern_escalation, r.concern_working_days),
                   "scrutiny": (r.scrutiny_escalation, r.scrutiny_working_days),
                   "change": (("head_of_service", "director", "lead_member"), r.change_review_working_days)}[
        entry.register]
    if entry.owner_role and entry.owner_role in chain:
        chain = chain[chain.index(entry.owner_role):]
    elif entry.owner_role:
        chain = (entry.owner_role, *chain)
    return chain, days


def _measure_words(name: str) -> str:
    """A measure a service change names, as its title ('Unallocated cases'), not its code; a name no metric has is
    shown as entered."""
    from clearsight.metrics.registry import get_metric

    try:
        return get_metric(name).title
    except KeyError:
        return name


def record(store: AlertStore, council: str, entry: Entry) -> list[Alert]:
    """Enter `entry` in its register (and close it if it says when): the alerts raised, with the flag to the chief
    operating officer when it makes several concerns from one team within the window."""
    chain, days = _chain(store, entry)
    start = entry.effective if entry.register == "change" and entry.effective else entry.raised_on
    due = entry.due_on or store.due_after(start, days)
    summary = {"concern": f"{entry.category or 'concern'} raised by {entry.raised_by or 'staff'}",
               "scrutiny": f"asked by {entry.raised_by or 'scrutiny'}",
               "change": f"takes effect {entry.effective.isoformat() if entry.effective else 'unset'}; watched: "
                         f"{'; '.join(_measure_words(k) for k in entry.kpis) or 'nothing named'}"}[entry.register]
    alert = store.raise_alert(
        council=council, kind=entry.register, rule=entry.register,
        entity=f"team:{entry.team_id}" if entry.team_id else f"{entry.register}:{entry.raised_on}:{entry.title}",
        entity_name=entry.team or council, team_id=entry.team_id, title=entry.title,
        severity="medium" if entry.register == "change" else "high", owner_role=chain[0], escalation=chain,
        response_working_days=days, day=entry.raised_on, due_on=due,
        detail={**entry.as_json(), "summary": summary},
    )
    raised = [alert]
    if entry.closed_on is not None:
        store.resolve(alert.alert_id, entry.closed_on, entry.outcome or "closed")
    if entry.register == "concern" and entry.team_id:
        raised += _several_from_one_team(store, council, entry)
    return raised


def _several_from_one_team(store: AlertStore, council: str, entry: Entry) -> list[Alert]:
    r = store.config.alerts.registers
    since = entry.raised_on - timedelta(days=r.concerns_window_days - 1)
    concerns = [a for a in store.alerts(kind="concern", council=council)
                if a.rule == "concern" and a.team_id == entry.team_id and since <= a.raised_on <= entry.raised_on]
    flagged = [a for a in store.alerts(open_only=True, kind="concern", council=council)
               if a.rule == SEVERAL_CONCERNS and a.team_id == entry.team_id]
    if len(concerns) < r.concerns_from_one_team or flagged:
        return []
    chain = ("chief_operating_officer", "lead_member")
    return [store.raise_alert(
        council=council, kind="concern", rule=SEVERAL_CONCERNS, entity=f"team:{entry.team_id}",
        entity_name=entry.team or str(entry.team_id), team_id=entry.team_id,
        title=f"{len(concerns)} staff concerns from one team in {r.concerns_window_days} days", severity="critical",
        owner_role=chain[0], escalation=chain, response_working_days=r.concern_working_days, day=entry.raised_on,
        detail={"summary": f"{len(concerns)} concerns since {since.isoformat()}: "
                           + "; ".join(sorted({a.detail.get('category') or 'concern' for a in concerns}))},
    )]


def entries_of(store: AlertStore, council: str) -> list[Entry]:
    """The register entries held for a council (as recorded, for a replay to enter again on their days)."""
    out = []
    for a in store.alerts(council=council):
        if a.kind in REGISTERS and a.rule in REGISTERS:
            data = {k: v for k, v in a.detail.items() if k != "summary"}
            out.append(Entry.from_json(data))
    return sorted(out, key=lambda e: e.raised_on)


@dataclass
class ChangeKpiAlerts:
    """A proposed service change and the alerts raised on the KPIs it named since it took effect."""

    change: Alert
    alerts: list[Alert] = field(default_factory=list)


def alerts_on_changes(store: AlertStore, council: str) -> list[ChangeKpiAlerts]:
    rules = store.config.alerts.rules
    raised = store.alerts(kind="rule", council=council)
    out = []
    for change in store.alerts(kind="change", council=council):
        kpis = set(change.detail.get("kpis", []))
        since = date.fromisoformat(change.detail.get("effective") or change.raised_on.isoformat())
        out.append(ChangeKpiAlerts(change, [a for a in raised if a.raised_on >= since and (
            a.rule in kpis or (a.rule in rules and rules[a.rule].metric in kpis))]))
    return out
