"""The web application: the CLI's views as pages and JSON, behind sign-in, role rules and the audit log.

Every page is a list of views built by clearsight.reports (clearsight.web.pages), passed through the role rules
(clearsight.web.access) and rendered by Jinja2 with autoescaping; nothing here computes a figure. Pages work
without JavaScript (forms and links); htmx and vega-embed, served from the package, add charts and lighter
navigation. Every answer holding children's or workers' records writes an audit entry first.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import astuple, dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from clearsight import __version__
from clearsight.canonical.words import words
from clearsight.metrics.kpi import KPIS
from clearsight.render.charts import spec_json, view_chart
from clearsight.render.files import section_csv, view_json
from clearsight.render.terminal import NUMERIC
from clearsight.render.values import display, provenance_line
from clearsight.reports import history
from clearsight.reports.load import report_json
from clearsight.reports.request import BadRequest, parse_day
from clearsight.reports.view import Section, View
from clearsight.store.snapshots import Snapshot, SnapshotNotFound
from clearsight.web import accounts, audit, security
from clearsight.web import alerts as web_alerts
from clearsight.web.access import Forbidden, check_team_filter, may_see_any_record, record_ids, team_for, visible
from clearsight.web.pages import DRILLS, PAGES, Part, kpi_records
from clearsight.web.server import BuildCache, Server

STATIC = Path(__file__).with_name("static")
PAGE_BODIES = 256  # pages kept, shown and rendered (one per snapshot, page, filters and reader scope)
PAGE_ROWS = 50  # rows of a list of children or workers shown on a page (the section's own limit if smaller)
LIST_OF = {section: drill for drill, (_, section, _) in DRILLS.items()}  # section key -> its whole-list page
_env = Environment(loader=PackageLoader("clearsight.web", "templates"), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)


class NotSignedIn(Exception):
    """No session, or the account was disabled since."""


@dataclass
class Shown:
    """A view as the user may see it, and the sections the page shows (the API gives them all)."""

    part: Part
    view: View
    sections: tuple[Section, ...]
    chart: str | None = None  # Vega-Lite spec JSON


@dataclass
class Filters:
    as_at: str | None = None
    team: str | None = None
    service: str | None = None

    def query(self, **more: Any) -> str:
        items = {"as_at": self.as_at, "team": self.team, "service": self.service, **more}
        return urlencode({k: v for k, v in items.items() if v not in (None, "", False)})


def create_app(server: Server, *, secret_key: str, secure_cookies: bool = True,
               loopback_handoff_token: str | None = None, on_shutdown: Callable[[], None] | None = None) -> FastAPI:
    """The application over a `Server` (the database it owns). `secret_key` signs the session cookie;
    `on_shutdown` runs when the server stops gracefully (uvicorn re-raises SIGTERM after, so not in a finally)."""
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if on_shutdown:
            on_shutdown()

    app = FastAPI(title="Clearsight", version=__version__, docs_url="/api/docs", redoc_url=None, lifespan=lifespan,
                  swagger_ui_oauth2_redirect_url=None,
                  openapi_url="/api/openapi.json",
                  description="The views of Clearsight as JSON under the same role rules as the pages. Sign in "
                              "at /login; the session cookie authorises the API.")
    app.add_middleware(SessionMiddleware, secret_key=secret_key, session_cookie="clearsight_session",
                       max_age=security.SESSION_HOURS * 3600, same_site="strict", https_only=secure_cookies)
    app.add_middleware(security.SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    throttle = security.Throttle()
    bodies: BuildCache[Markup] = BuildCache(size=PAGE_BODIES)
    shown_pages: BuildCache[tuple[list[Shown], list[str]]] = BuildCache(size=PAGE_BODIES)
    threshold = server.config.small_number_threshold
    app.state.server, app.state.throttle = server, throttle


    # -- who is asking --------------------------------------------------------------------------------
    def who(request: Request, cur: Any) -> accounts.Principal:
        username = request.session.get("user")
        found = accounts.principal(cur, username) if username else None
        if found is None:
            request.session.pop("user", None)
            raise NotSignedIn()
        return found

    def api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(NotSignedIn)
    def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if api(request):
            return JSONResponse({"error": "sign in first"}, status_code=401)
        return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)

    def error(request: Request, status: int, message: str) -> Response:
        if api(request):
            return JSONResponse({"error": message}, status_code=status)
        return HTMLResponse(_env.get_template("error.html").render(
            status=status, message=message, user=None, signed_in="user" in request.session, pages=PAGES),
            status_code=status)

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, exc: Forbidden) -> Response:
        return error(request, 403, str(exc))

    @app.exception_handler(BadRequest)
    def bad_request(request: Request, exc: BadRequest) -> Response:
        return error(request, 400, str(exc))

    @app.exception_handler(SnapshotNotFound)
    def no_snapshot(request: Request, exc: SnapshotNotFound) -> Response:
        return error(request, 503, str(exc))

    # -- rendering ------------------------------------------------------------------------------------
    def page(request: Request, template: str, user: accounts.Principal, **context: Any) -> HTMLResponse:
        return HTMLResponse(_env.get_template(template).render(
            user=user, role_words=accounts.ROLE_WORDS, pages=PAGES, csrf=security.csrf_token(request.session),
            cell=display, numeric=NUMERIC, provenance=provenance_line, link=_links(user),
            service_words=partial(words, "service"), list_of=LIST_OF, **context))

    def context(cur: Any, user: accounts.Principal, filters: Filters) -> tuple[Snapshot, dict[str, str],
                                                                              dict[str, str], str | None]:
        """The snapshot, team id -> name, team name -> service, and the team views are built for."""
        snapshot = server.snapshot(cur)
        teams, services = server.team_maps(cur, snapshot)
        team = team_for(user, filters.team, teams)
        team = teams.get(team, team) if team else None
        check_team_filter(user, team, services)
        if filters.service and user.role == "director" and user.services and filters.service not in user.services:
            raise Forbidden("that service is outside your services")
        return snapshot, teams, services, team

    def shown(cur: Any, user: accounts.Principal, part: Part, snapshot: Snapshot, services: dict[str, str],
              team: str | None, filters: Filters) -> Shown:
        req = server.request(cur, snapshot, as_at=filters.as_at, team=team if part.team_scoped else None,
                             window=part.window)
        view = server.view(part.key, part.build, req)
        own = user.role == "team_manager" and part.team_scoped
        view = visible(user, view, services, scoped_to_own=own, threshold=threshold)
        if filters.service:
            view = replace(view, sections=tuple(_service_rows(s, filters.service) for s in view.sections))
        sections = tuple(s for s in view.sections if part.sections is None or s.key in part.sections)
        chart = None
        if part.chart and any(s.key == part.chart for s in view.sections):
            spec = view_chart(view.name, view.section(part.chart))
            chart = spec_json(spec) if spec else None
        return Shown(part, view, sections, chart)

    def ids_of(items: list[Shown]) -> list[str]:
        return [i for s in items for i in record_ids(replace(s.view, sections=s.sections))]

    def logged(request: Request, user: accounts.Principal, action: str, items: list[Shown], cur: Any,
               snapshot: Snapshot, extra_ids: list[str] = (), *, ids: list[str] | None = None) -> None:
        """Audit the view: `ids` are the items' record ids when already known (a page's are kept with it)."""
        ids = (ids_of(items) if ids is None else ids) + list(extra_ids)
        if ids or action in ("export", "record", "drill"):
            audit.record(cur, username=user.username, role=user.role, action=action,
                         route=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
                         view=",".join(s.view.name for s in items) or None, snapshot_id=snapshot.snapshot_id,
                         record_ids=ids)

    def page_views(request: Request, name: str, filters: Filters, *, every_section: bool = False
                   ) -> tuple[accounts.Principal, Snapshot, list[Shown], dict[str, str]]:
        """The page's views as the user may see them, and team name -> service for the filters."""
        if name not in PAGES:
            raise BadRequest(f"no page {name!r}")
        with server.cursor() as cur:
            user = who(request, cur)
            snapshot, _, services, team = context(cur, user, filters)

            def build() -> tuple[list[Shown], list[str]]:
                items = [shown(cur, user, part, snapshot, services, team, filters) for part in PAGES[name].parts]
                items = [replace(s, sections=s.view.sections if every_section else
                                 tuple(_first_rows(x) for x in s.sections)) for s in items]
                return items, ids_of(items)
            # What a page shows depends on the snapshot, the filters and the reader's scope, never the session.
            scope = (snapshot.snapshot_id, name, astuple(filters), every_section, user.role, user.team, user.services)
            items, ids = shown_pages.get(scope, build)
            logged(request, user, "view", items, cur, snapshot, ids=ids)
        return user, snapshot, items, services

    def filters_of(as_at: str | None, team: str | None, service: str | None) -> Filters:
        if as_at:
            parse_day(as_at)
        return Filters(as_at or None, team or None, service or None)

    # -- sign in --------------------------------------------------------------------------------------
    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = "/today") -> HTMLResponse:
        return HTMLResponse(_env.get_template("login.html").render(
            csrf=security.csrf_token(request.session), next=_local(next), message=None, user=None))

    @app.post("/login", include_in_schema=False)
    def login(request: Request, username: str = Form(...), password: str = Form(...), csrf: str = Form(""),
              next: str = Form("/today")) -> Response:
        if not security.csrf_ok(request.session, csrf):
            return error(request, 403, "the form has expired; reload the page and sign in again")
        address = request.client.host if request.client else "unknown"
        keys = (f"user:{username.casefold()}", f"ip:{address}")
        wait = throttle.blocked(*keys)
        if wait:
            return HTMLResponse(_env.get_template("login.html").render(
                csrf=security.csrf_token(request.session), next=_local(next), user=None,
                message=f"Too many failed sign-ins; try again in {int(wait // 60) + 1} minutes."), status_code=429)
        with server.cursor() as cur:
            user = accounts.authenticate(cur, username, password)
        if user is None:
            throttle.failed(*keys)
            return HTMLResponse(_env.get_template("login.html").render(
                csrf=security.csrf_token(request.session), next=_local(next), user=None,
                message="Wrong username or password."), status_code=401)
        throttle.succeeded(keys[0])
        request.session.clear()  # a new session on sign-in (no fixation), with a new form token
        request.session["user"] = user.username
        security.csrf_token(request.session)
        return RedirectResponse(_local(next), status_code=303)

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: str = Form("")) -> Response:
        if not security.csrf_ok(request.session, csrf):
            return error(request, 403, "the form has expired; reload the page")
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/today", status_code=303)

    # -- alerts: before the pages, whose route would take /alerts ---------------------------------------
    web_alerts.install(app, server, web_alerts.Tools(who, page, filters_of, context, threshold))

    # -- pages ----------------------------------------------------------------------------------------
    @app.get("/{name}", response_class=HTMLResponse, include_in_schema=False)
    def show_page(request: Request, name: str, as_at: str | None = None, team: str | None = None,
                  service: str | None = None) -> Response:
        if name not in PAGES:
            return error(request, 404, f"no page {name!r}")
        filters = filters_of(as_at, team, service)
        user, snapshot, items, services = page_views(request, name, filters)
        mine = [t for t in services if user.role != "director" or not user.services or services[t] in user.services]
        lead = list(dict.fromkeys(line for i in items for line in i.view.headline))  # views may share lines
        warnings = list(dict.fromkeys(w for i in items for w in i.view.all_warnings))
        notes = list(dict.fromkeys(n for i in items for n in i.view.notes))
        as_at = next((i.view.provenance.as_at for i in items if i.view.provenance), "")
        # The tables depend on the snapshot, the page, the filters and the reader's scope, never on the session:
        # rendered once and shared (most of a page's time at scale 10 was spent writing its table cells).
        scope = (snapshot.snapshot_id, name, astuple(filters), user.role, user.team, user.services)
        body = bodies.get(scope, lambda: Markup(_env.get_template("_items.html").render(
            items=items, filters=filters, page=PAGES[name], cell=display, numeric=NUMERIC, link=_links(user),
            provenance=provenance_line, list_of=LIST_OF)))
        return page(request, "page.html", user, page=PAGES[name], body=body, filters=filters, teams=sorted(mine),
                    services=sorted({services[t] for t in mine}), snapshot=snapshot, lead=lead, warnings=warnings,
                    notes=notes, as_at=as_at)

    @app.get("/records/{drill}", response_class=HTMLResponse, include_in_schema=False)
    def records_page(request: Request, drill: str, as_at: str | None = None, team: str | None = None,
                     service: str | None = None, reason: str | None = None, legal_status: str | None = None,
                     role: str | None = None, rag: str | None = None, rule: str | None = None) -> Response:
        user, snapshot, item, filters = drill_view(request, drill, filters_of(as_at, team, service),
                                                  {"reason": reason, "legal_status": legal_status, "role": role,
                                                   "rag": rag, "rule": rule})
        return page(request, "records.html", user, item=item, filters=filters, snapshot=snapshot, drill=drill)

    def drill_view(request: Request, drill: str, filters: Filters, narrow: dict[str, str | None]
                   ) -> tuple[accounts.Principal, Snapshot, Shown, Filters]:
        if drill not in DRILLS:
            raise BadRequest(f"no list {drill!r}; lists: {', '.join(DRILLS)}")
        part, key, by = DRILLS[drill]
        with server.cursor() as cur:
            user = who(request, cur)
            if not user.sees_people:
                raise Forbidden("your role sees figures, not the records behind them")
            snapshot, _, services, team = context(cur, user, filters)
            item = shown(cur, user, replace(part, sections=(key,)), snapshot, services, team, filters)
            wanted = {k: v for k, v in {**narrow, "team": team}.items() if v and k in by}
            sections = tuple(replace(s, rows=[r for r in s.rows if all(str(r.get(k)) == v for k, v in wanted.items())])
                             for s in item.sections)
            item = replace(item, sections=sections)
            logged(request, user, "drill", [item], cur, snapshot)
        return user, snapshot, item, filters

    @app.get("/records/kpi/{name}", response_class=HTMLResponse, include_in_schema=False)
    def kpi_page(request: Request, name: str, as_at: str | None = None, team: str | None = None,
                 service: str | None = None, failing: bool = False) -> Response:
        user, snapshot, item, filters = kpi_view(request, name, filters_of(as_at, team, service), failing)
        return page(request, "records.html", user, item=item, filters=filters, snapshot=snapshot, drill=name)

    def kpi_view(request: Request, name: str, filters: Filters, failing: bool
                 ) -> tuple[accounts.Principal, Snapshot, Shown, Filters]:
        with server.cursor() as cur:
            user = who(request, cur)
            if not user.sees_people:
                raise Forbidden("your role sees figures, not the records behind them")
            snapshot, _, services, team = context(cur, user, filters)
            item = shown(cur, user, kpi_records(name, failing), snapshot, services, team, filters)
            logged(request, user, "drill", [item], cur, snapshot)
        return user, snapshot, item, filters

    @app.get("/record/{kind}/{record_id}", response_class=HTMLResponse, include_in_schema=False)
    def record_page(request: Request, kind: str, record_id: str) -> Response:
        user, snapshot, item = record_view(request, kind, record_id)
        return page(request, "records.html", user, item=item, filters=Filters(), snapshot=snapshot, drill=kind)

    def record_view(request: Request, kind: str, record_id: str) -> tuple[accounts.Principal, Snapshot, Shown]:
        with server.cursor() as cur:
            user = who(request, cur)
            if not user.sees_people:
                raise Forbidden("your role sees figures, not the records behind them")
            snapshot, _, services, _ = context(cur, user, Filters())
            req = server.request(cur, snapshot, as_at=None, team=None, window="as_at")
            if kind not in ("child", "worker"):
                raise BadRequest(f"record kind {kind!r}: expected child or worker")
            teams = (history.child_teams if kind == "child" else history.worker_teams)(req, record_id)
            if not may_see_any_record(user, teams, services):  # one answer for absent and not yours
                audit.record(cur, username=user.username, role=user.role, action="refused",
                             route=request.url.path, view=f"{kind}_history", snapshot_id=snapshot.snapshot_id,
                             record_ids=[f"{kind}:{record_id}"])
                raise RecordNotFound(f"no such {kind}, or none you may see")
            view = history.build(req, kind, record_id)
            item = Shown(Part(f"{kind}_history", lambda r: view), view, view.sections)
            logged(request, user, "record", [item], cur, snapshot, [f"{kind}:{record_id}"])
        return user, snapshot, item

    @app.exception_handler(LookupError)
    def not_found(request: Request, exc: LookupError) -> Response:
        return error(request, 404, str(exc.args[0] if exc.args else exc))

    @app.get("/export/{name}/{part}/{section}.csv", include_in_schema=False)
    def export(request: Request, name: str, part: str, section: str, as_at: str | None = None,
               team: str | None = None, service: str | None = None) -> Response:
        """One section of a page as CSV (codes and fractions as stored, cells safe from formula injection)."""
        filters = filters_of(as_at, team, service)
        if name not in PAGES:
            return error(request, 404, f"no page {name!r}")
        with server.cursor() as cur:
            user = who(request, cur)
            snapshot, _, services, team_name = context(cur, user, filters)
            chosen = next((p for p in PAGES[name].parts if p.key == part), None)
            if chosen is None:
                return error(request, 404, f"no part {part!r} on page {name!r}")
            item = shown(cur, user, chosen, snapshot, services, team_name, filters)
            found = item.view.section(section)
            item = replace(item, sections=(found,))
            logged(request, user, "export", [item], cur, snapshot)
        return PlainTextResponse(section_csv(found), media_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="clearsight-{name}-{section}.csv"'})

    # -- the JSON API -----------------------------------------------------------------------------------
    def as_json(item: Shown) -> dict[str, Any]:
        return json.loads(view_json(replace(item.view, sections=item.sections)))

    @app.get("/api/pages", tags=["views"])
    def api_pages(request: Request) -> dict[str, Any]:
        """The pages and the views each is built from."""
        with server.cursor() as cur:
            who(request, cur)
        return {name: {"title": p.title, "question": p.question, "views": [part.key for part in p.parts]}
                for name, p in PAGES.items()}

    @app.get("/api/views/{name}", tags=["views"])
    def api_view(request: Request, name: str, as_at: str | None = Query(None, description="YYYY-MM-DD"),
                 team: str | None = None, service: str | None = None) -> dict[str, Any]:
        """Every view of a page, every section, as the signed-in user may see them."""
        if name not in PAGES:
            raise LookupError(f"no page {name!r}; pages: {', '.join(PAGES)}")
        user, snapshot, items, _ = page_views(request, name, filters_of(as_at, team, service), every_section=True)
        return {"page": name, "snapshot_id": snapshot.snapshot_id, "views": {i.part.key: as_json(i) for i in items}}

    @app.get("/api/records/kpi/{name}", tags=["records"])
    def api_kpi(request: Request, name: str, as_at: str | None = None, team: str | None = None,
                service: str | None = None, failing: bool = False) -> dict[str, Any]:
        """The records behind one KPI (audit-logged)."""
        return as_json(kpi_view(request, name, filters_of(as_at, team, service), failing)[2])

    @app.get("/api/records/{drill}", tags=["records"])
    def api_records(request: Request, drill: str, as_at: str | None = None, team: str | None = None,
                    service: str | None = None, reason: str | None = None, legal_status: str | None = None,
                    role: str | None = None, rag: str | None = None, rule: str | None = None) -> dict[str, Any]:
        """Children or workers behind a count: waiting, workers or implausible (audit-logged)."""
        return as_json(drill_view(request, drill, filters_of(as_at, team, service),
                                  {"reason": reason, "legal_status": legal_status, "role": role, "rag": rag,
                                   "rule": rule})[2])

    @app.get("/api/record/{kind}/{record_id}", tags=["records"])
    def api_record(request: Request, kind: str, record_id: str) -> dict[str, Any]:
        """One child's or worker's history (audit-logged)."""
        return as_json(record_view(request, kind, record_id)[2])

    # -- administration -------------------------------------------------------------------------------
    def admin(request: Request, cur: Any) -> accounts.Principal:
        user = who(request, cur)
        if user.role != "administrator":
            raise Forbidden("administrators only")
        return user

    @app.get("/admin/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit_page(request: Request, username: str | None = None, record: str | None = None,
                   action: str | None = None) -> Response:
        with server.cursor() as cur:
            user = admin(request, cur)
            rows = audit.search(cur, username=username or None, record_id=record or None, action=action or None)
        query = urlencode({k: v for k, v in {"username": username, "record": record, "action": action}.items() if v})
        return page(request, "audit.html", user, rows=rows, query=query,
                    search={"username": username or "", "record": record or "", "action": action or ""})

    @app.get("/admin/audit.csv", include_in_schema=False)
    def audit_csv(request: Request, username: str | None = None, record: str | None = None,
                  action: str | None = None) -> Response:
        with server.cursor() as cur:
            admin(request, cur)
            rows = audit.search(cur, username=username or None, record_id=record or None, action=action or None,
                                limit=1_000_000)
        return PlainTextResponse(audit.as_csv(rows), media_type="text/csv",
                                 headers={"Content-Disposition": 'attachment; filename="clearsight-audit.csv"'})

    @app.get("/api/admin/audit", tags=["administration"])
    def api_audit(request: Request, username: str | None = None, record: str | None = None,
                  action: str | None = None, limit: int = Query(500, le=100_000)) -> list[dict[str, Any]]:
        """Audit entries, newest first (administrators only)."""
        with server.cursor() as cur:
            admin(request, cur)
            return audit.search(cur, username=username, record_id=record, action=action, limit=limit)

    @app.get("/admin/users", response_class=HTMLResponse, include_in_schema=False)
    def users_page(request: Request, message: str | None = None) -> Response:
        with server.cursor() as cur:
            user = admin(request, cur)
            rows = accounts.list_users(cur)
        return page(request, "users.html", user, rows=rows, roles=accounts.ROLES, message=message)

    @app.post("/admin/users", include_in_schema=False)
    def users_change(request: Request, csrf: str = Form(""), action: str = Form(...), username: str = Form(...),
                     role: str = Form(""), team: str = Form(""), services: str = Form(""),
                     password: str = Form("")) -> Response:
        if not security.csrf_ok(request.session, csrf):
            return error(request, 403, "the form has expired; reload the page")
        with server.cursor() as cur:
            admin(request, cur)
            scope = tuple(s.strip() for s in services.split(",") if s.strip())
            try:
                if action == "add":
                    accounts.add_user(cur, username, password, role, team=team or None, services=scope)
                elif action == "set-role":
                    accounts.set_role(cur, username, role, team=team or None, services=scope)
                elif action in ("disable", "enable"):
                    accounts.set_disabled(cur, username, action == "disable")
                else:
                    raise accounts.AccountError(f"unknown action {action!r}")
                message = f"{action}: {username} done"
            except accounts.AccountError as exc:
                message = str(exc)
        return RedirectResponse("/admin/users?" + urlencode({"message": message}), status_code=303)

    @app.get("/admin/load", response_class=HTMLResponse, include_in_schema=False)
    def load_page(request: Request) -> Response:
        with server.cursor() as cur:
            user = admin(request, cur)
        return page(request, "load.html", user, loads=server.last_loads)

    @app.post("/admin/load", include_in_schema=False)
    def upload(request: Request, files: list[UploadFile], csrf: str = Form(""), fmt: str = Form("auto")) -> Response:
        """Files uploaded together load as one extract (a canonical extract's manifest and tables, or council
        files) through the server, while pages go on showing the previous snapshot."""
        if not security.csrf_ok(request.session, csrf):
            return error(request, 403, "the form has expired; reload the page")
        with server.cursor() as cur:
            user = admin(request, cur)
        with tempfile.TemporaryDirectory(prefix="clearsight-upload-") as folder:
            paths = []
            for f in files:
                name = Path(f.filename or "upload").name
                if not name or name.startswith("."):
                    return error(request, 400, f"file name {f.filename!r} refused")
                target = Path(folder) / name
                target.write_bytes(f.file.read())
                paths.append(target)
            manifest = any(p.name == "manifest.json" for p in paths)
            server.load([Path(folder)] if manifest else paths, fmt, by=f"upload:{user.username}")
        return RedirectResponse("/admin/load", status_code=303)

    @app.post("/internal/load", include_in_schema=False)
    async def handoff(request: Request) -> Response:
        """`clearsight load` hands its files over here when the database is held by this server: loopback only,
        with the token from the file beside the database."""
        sent = request.headers.get("x-clearsight-token", "")
        local = request.client is not None and request.client.host in ("127.0.0.1", "::1")
        if not (loopback_handoff_token and local and secrets.compare_digest(sent, loopback_handoff_token)):
            return JSONResponse({"error": "not allowed"}, status_code=403)
        body = await request.json()
        day = parse_day(body["extract_date"], "--extract-date") if body.get("extract_date") else None
        reports = await run_in_threadpool(server.load, [Path(p) for p in body["paths"]], body.get("format", "auto"),
                                          day, body.get("council"), by="clearsight load")
        return PlainTextResponse(report_json(reports), media_type="application/json")

    return app


class RecordNotFound(LookupError):
    """No such record, or none the user may see (one answer for both: existence is not disclosed)."""


def _local(target: str) -> str:
    """A redirect target on this site only (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/today"


def _first_rows(section: Section) -> Section:
    """A page shows the first rows of a list of children or workers (the longest waiting first); the whole list
    is one click away (`DRILLS`) and in the CSV. Only the rows shown are audit-logged as seen."""
    cap = section.limit or PAGE_ROWS
    if not section.personal or len(section.rows) <= cap:
        return section
    return replace(section, rows=section.rows[:cap], notes=(
        f"The first {cap:,} of {len(section.rows):,}: the whole list is under 'Show all'.", *section.notes))


def _service_rows(section: Section, service: str) -> Section:
    if not section.rows or "service" not in section.rows[0]:
        return section
    return replace(section, rows=[r for r in section.rows if r.get("service") == service])


def _links(user: accounts.Principal) -> Any:
    """Where a table cell links to: a record's history from its id, the records behind a count."""
    def link(view: View, section: Section, key: str, row: dict[str, Any], filters: Filters) -> str | None:
        if not user.sees_people:
            return None
        if key == "child_id" and row.get("child_id"):
            return f"/record/child/{row['child_id']}"
        if key in ("worker", "worker_id") and row.get("worker_id"):
            return f"/record/worker/{row['worker_id']}"
        if view.name in ("alerts", "alert", "registers") and key == "alert_id" and row.get("alert_id"):
            return f"/alerts/{row['alert_id']}"
        value = row.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not value:
            return None
        if view.name == "position" and section.key == "waiting" and key == "children":
            return "/records/waiting?" + filters.query(reason=row["reason"], legal_status=row["legal_status"])
        if view.name in ("position", "capacity"):  # their team, service and council tables
            if section.key in ("teams", "services", "council") and key == "unallocated":
                return "/records/waiting?" + filters.query(team=row.get("team"), service=row.get("service"))
            if section.key in ("teams", "services", "council") and key in ("workers", "cases"):
                return "/records/workers?" + filters.query(team=row.get("team"), service=row.get("service"))
        if view.name == "kpis" and section.key == "kpis" and key in ("numerator", "denominator"):
            failing = key == "numerator" and not KPIS[row["kpi"]].flag_is_good
            return f"/records/kpi/{row['kpi']}?" + filters.query(team=row.get("team"), failing=failing)
        if view.name == "confidence" and section.key == "plausibility" and key == "failing":
            return "/records/implausible?" + filters.query(rule=row["rule"])
        return None
    return link
