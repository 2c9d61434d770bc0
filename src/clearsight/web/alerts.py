"""The alerts pages and their API: each user's inbox, one alert with the records behind it, the owner's
answers (acknowledge, record an action, resolve), and the registers (staff concerns, scrutiny requests, service
changes: alerts of their own kinds, answered on the same alert page).

Views come from clearsight.reports.alerts; the role rules are clearsight.web.access's, applied to alerts by their
team: a team manager sees their team's alerts, a director or head of service those of their services (every
alert when none is set), an administrator or analyst every alert, an elected member the counts only (member-safe,
no alert opened). An alert outside a user's scope is answered as one that does not exist; one in scope is
answered (acknowledged, actioned, resolved) only by its owner's role or one above it in its chain, or an
administrator (`chain_roles`): a team manager sees the flag to the chief operating officer about their team's
staff concerns, but does not close it. Every answer showing
the records behind an alert is audit-logged; every answer changing one needs the session's form token.
Alerts change between loads (answers, escalation), so these views are built per request, never cached.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from clearsight.alerts.store import Alert, AlertStore, NotTheOwner
from clearsight.metrics.kpi import KPIS
from clearsight.render.files import view_json
from clearsight.reports.alerts import (
    build_inbox,
    build_registers,
    history_view,
    in_scope,
    register_in_scope,
    role_words,
)
from clearsight.reports.disclosure import member_safe
from clearsight.reports.request import BadRequest, parse_day
from clearsight.reports.view import View
from clearsight.web import audit, security
from clearsight.web.access import Forbidden, record_ids, restricted, visible
from clearsight.web.accounts import Principal

ACTIONS = ("acknowledge", "action", "resolve")
# The list a drill-through gives for an alert's figure (clearsight.web.pages.DRILLS), by the metric it reads.
METRIC_LISTS = {"unallocated_cases": "waiting", "reported_vs_records": "waiting", "caseloads": "workers",
                "caseload_by_worker": "workers", "workforce_by_team": "workers", "workforce_by_service": "workers",
                "workforce_council": "workers", "supervision": "workers"}


class AlertNotFound(LookupError):
    """No such alert, or none the user may see (one answer for both: the application's 404 for a LookupError)."""


@dataclass(frozen=True)
class Tools:
    """What the alerts routes take from the application (clearsight.web.app): who is asking, the page
    renderer, and the checked snapshot, team maps and team for a user's filters."""

    who: Callable[[Request, Any], Principal]
    page: Callable[..., HTMLResponse]
    filters_of: Callable[[str | None, str | None, str | None], Any]
    context: Callable[[Any, Principal, Any], tuple[Any, dict[str, str], dict[str, str], str | None]]
    threshold: int


def chain_roles(user: Principal) -> tuple[str, ...] | None:
    """The roles of the alerts' escalation chains a signed-in user answers as (None: any, an administrator). A
    head of service (a director narrowed to services) is the service and head-of-service rungs, a director of
    children's services the director's; an analyst or member answers none. An alert with a role outside these
    (the chief operating officer, the lead member) is answered by an administrator on their word."""
    if user.role == "administrator":
        return None
    if user.role == "director":
        return ("service_manager", "head_of_service") if user.services else ("director",)
    return ("team_manager",) if user.role == "team_manager" else ()


def may_answer(user: Principal, alert: Alert) -> bool:
    """An open alert whose owner's role, or one above it in its chain, is the user's (or an administrator)."""
    roles = chain_roles(user)
    return alert.is_open and (roles is None or bool(set(roles) & set(alert.answerers())))


def drill_link(alert: Alert, teams: dict[str, str]) -> str | None:
    """The existing drill-through listing the records behind an alert's figure, narrowed to its team."""
    team = {"team": teams.get(alert.team_id or "", alert.team_id)} if alert.team_id else {}
    metric = str(alert.evidence.get("metric", ""))
    if metric in KPIS:
        return f"/records/kpi/{metric}?" + urlencode({**team, "failing": "true"})
    if metric in METRIC_LISTS:
        return f"/records/{METRIC_LISTS[metric]}?" + urlencode(team)
    return None


def install(app: FastAPI, server: Any, tools: Tools) -> None:
    """Add the alerts routes (before the application's catch-all page route, which would take /alerts)."""

    def services_of(user: Principal) -> tuple[str, ...] | None:
        """The services a head of service's alerts are narrowed to (None: not narrowed by service)."""
        return user.services if user.role == "director" and user.services else None

    def inbox(request: Request, as_at: str | None, team: str | None, service: str | None,
              include_resolved: bool) -> tuple[Principal, View, Any, Any, dict[str, str]]:
        filters = tools.filters_of(as_at, team, service)
        with server.cursor() as cur:
            user = tools.who(request, cur)
            snapshot, _, services, team_name = tools.context(cur, user, filters)
            req = server.request(cur, snapshot, as_at=filters.as_at, team=team_name, window="as_at")
            wanted = (filters.service,) if filters.service else services_of(user)
            view = build_inbox(req, include_resolved=include_resolved, services=wanted, on_day=as_at is not None)
            if not user.sees_people:
                view = member_safe(dataclasses.replace(
                    view, sections=tuple(s for s in view.sections if s.key == "summary")), tools.threshold)
            else:
                view = visible(user, view, services, scoped_to_own=user.role == "team_manager",
                               threshold=tools.threshold)
            seen = [f"{r['record_kind']}:{i}" for s in view.sections for r in s.rows
                    for i in filter(None, str(r.get("record_ids", "")).split(", "))]
            if seen:
                audit.record(cur, username=user.username, role=user.role, action="view", route=_route(request),
                             view="alerts", snapshot_id=snapshot.snapshot_id, record_ids=seen)
        return user, view, filters, snapshot, services

    def one(request: Request, alert_id: int, cur: Any) -> tuple[Principal, Any, Alert, dict[str, str]]:
        """The alert when the user may see it; AlertNotFound otherwise."""
        user = tools.who(request, cur)
        if not user.sees_people:
            raise Forbidden("your role sees the counts of alerts, not the alerts themselves")
        snapshot, teams, team_services, team_name = tools.context(cur, user, tools.filters_of(None, None, None))
        try:
            alert = AlertStore(cur, server.config).get(alert_id)
        except LookupError:
            raise AlertNotFound("no such alert, or none you may see") from None
        scoped = (in_scope(alert, teams, team_name, services_of(user)) if alert.kind == "rule" else
                  register_in_scope(alert, teams, team_services, team_name, services_of(user)))
        if alert.council != (server.config.council_name or snapshot.council) or (restricted(user) and not scoped):
            raise AlertNotFound("no such alert, or none you may see")
        return user, snapshot, alert, teams

    def detail(request: Request, alert_id: int) -> tuple[Principal, View, Alert, dict[str, str]]:
        with server.cursor() as cur:
            user, snapshot, alert, teams = one(request, alert_id, cur)
            view = history_view(AlertStore(cur, server.config), server.config, alert_id, teams)
            audit.record(cur, username=user.username, role=user.role, action="record", route=_route(request),
                         view="alert", snapshot_id=snapshot.snapshot_id,
                         record_ids=[f"alert:{alert_id}", *record_ids(view)])
        return user, view, alert, teams

    @app.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
    def inbox_page(request: Request, as_at: str | None = None, team: str | None = None,
                   service: str | None = None, resolved: bool = False) -> Response:
        user, view, filters, snapshot, services = inbox(request, as_at, team, service, resolved)
        mine = [t for t in services if user.role != "director" or not user.services or services[t] in user.services]
        return tools.page(request, "alerts.html", user, view=view, filters=filters, resolved=resolved,
                          teams=sorted(mine), services=sorted({services[t] for t in mine}), snapshot=snapshot)

    @app.get("/alerts/{alert_id}", response_class=HTMLResponse, include_in_schema=False)
    def alert_page(request: Request, alert_id: int, message: str | None = None) -> Response:
        user, view, alert, teams = detail(request, alert_id)
        return tools.page(request, "alert.html", user, view=view, alert=alert, drill=drill_link(alert, teams),
                          answering=may_answer(user, alert), message=message,
                          answerers=" or ".join(role_words(server.config, r) for r in alert.answerers()),
                          today=date.today().isoformat(), filters=tools.filters_of(None, None, None))

    @app.post("/alerts/{alert_id}", include_in_schema=False)
    def answer_form(request: Request, alert_id: int, csrf: str = Form(""), action: str = Form(...),
                    note: str = Form(""), text: str = Form(""), owner: str = Form(""), due: str = Form(""),
                    reason: str = Form("")) -> Response:
        if not security.csrf_ok(request.session, csrf):
            raise Forbidden("the form has expired; reload the page")
        alert = answer(request, alert_id, action, note=note, text=text, owner=owner, due=due, reason=reason)
        return RedirectResponse(f"/alerts/{alert_id}?" + urlencode({"message": f"{action}: done ({alert.status})"}),
                                status_code=303)

    def answer(request: Request, alert_id: int, action: str, **given: str) -> Alert:
        if action not in ACTIONS:
            raise BadRequest(f"action {action!r}: expected one of {', '.join(ACTIONS)}")
        with server.cursor() as cur:
            user = one(request, alert_id, cur)[0]
            roles = chain_roles(user)
            if roles == ():
                raise Forbidden("your role reads alerts; their owners answer them")
            store, today = AlertStore(cur, server.config), date.today()
            try:
                if action == "acknowledge":
                    return store.acknowledge(alert_id, today, user.username, given.get("note") or None, roles=roles)
                if action == "action":
                    if not given.get("text", "").strip() or not given.get("owner", "").strip():
                        raise BadRequest("an action needs what will be done and who will do it")
                    return store.record_action(alert_id, today, user.username, given["text"], given["owner"],
                                               parse_day(given.get("due"), "due"), roles=roles)
                return store.resolve(alert_id, today, given.get("reason", ""), user.username, roles=roles)
            except NotTheOwner as exc:
                raise Forbidden(str(exc)) from None
            except ValueError as exc:
                raise BadRequest(str(exc)) from None

    def registers(request: Request, as_at: str | None, team: str | None, service: str | None
                  ) -> tuple[Principal, View, Any, Any, dict[str, str]]:
        """The registers as the user may see them: a team manager their team's concerns, a head of service
        their services', a member the counts alone (member-safe)."""
        filters = tools.filters_of(as_at, team, service)
        with server.cursor() as cur:
            user = tools.who(request, cur)
            snapshot, _, services, team_name = tools.context(cur, user, filters)
            req = server.request(cur, snapshot, as_at=filters.as_at, team=team_name, window="as_at")
            view = build_registers(req, services=(filters.service,) if filters.service else services_of(user),
                                   on_day=as_at is not None)
            if not user.sees_people:
                view = member_safe(dataclasses.replace(
                    view, sections=tuple(s for s in view.sections if s.key == "summary")), tools.threshold)
        return user, view, filters, snapshot, services

    @app.get("/registers", response_class=HTMLResponse, include_in_schema=False)
    def registers_page(request: Request, as_at: str | None = None, team: str | None = None,
                       service: str | None = None) -> Response:
        user, view, filters, snapshot, services = registers(request, as_at, team, service)
        mine = [t for t in services if user.role != "director" or not user.services or services[t] in user.services]
        return tools.page(request, "registers.html", user, view=view, filters=filters, teams=sorted(mine),
                          services=sorted({services[t] for t in mine}), snapshot=snapshot)

    @app.get("/api/registers", tags=["alerts"])
    def api_registers(request: Request, as_at: str | None = None, team: str | None = None,
                      service: str | None = None) -> dict[str, Any]:
        """Staff concerns, scrutiny requests and proposed service changes the signed-in user may see (counts
        only for a member)."""
        return json.loads(view_json(registers(request, as_at, team, service)[1]))

    @app.get("/api/alerts", tags=["alerts"])
    def api_inbox(request: Request, as_at: str | None = None, team: str | None = None, service: str | None = None,
                  resolved: bool = False) -> dict[str, Any]:
        """The signed-in user's alerts (their team's or services'; counts only for a member)."""
        return json.loads(view_json(inbox(request, as_at, team, service, resolved)[1]))

    @app.get("/api/alerts/{alert_id}", tags=["alerts"])
    def api_alert(request: Request, alert_id: int) -> dict[str, Any]:
        """One alert: the records behind it, its evidence and history (audit-logged)."""
        _, view, alert, teams = detail(request, alert_id)
        return {**json.loads(view_json(view)), "drill": drill_link(alert, teams)}

    @app.post("/api/alerts/{alert_id}/{action}", tags=["alerts"])
    async def api_answer(request: Request, alert_id: int, action: str) -> dict[str, Any]:
        """Acknowledge (note), record an action (text, owner, due) or resolve (reason): a JSON body with the
        session's form token as `csrf`."""
        body = await request.json()
        if not isinstance(body, dict) or not security.csrf_ok(request.session, str(body.get("csrf", ""))):
            raise Forbidden("the form token is missing or has expired")
        alert = await run_in_threadpool(answer, request, alert_id, action,
                                        **{k: str(v) for k, v in body.items() if k != "csrf"})
        return {"alert_id": alert.alert_id, "status": alert.status, "owner_role": alert.owner_role,
                "due_on": alert.due_on.isoformat()}


def _route(request: Request) -> str:
    return str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
