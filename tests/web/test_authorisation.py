"""Every route and API endpoint, as every role and anonymously, counting what each must not see (leaks: 0).

Routes are read from the application itself, so a route added later is tried too. For each route the path is
filled with every page, list, KPI, record kind and id (another team's children among them) and asked with
and without a guessed `team` filter. An answer leaks when it names a child or worker the role may not see;
for administration routes, any answer but a refusal from a role other than administrator is a leak.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from fastapi.routing import APIRoute

from conftest import NORTH, SOUTH, USERS, Tiny, client, signed_in
from clearsight.metrics.kpi import KPIS
from clearsight.metrics.registry import all_metrics
from clearsight.web.pages import DRILLS, PAGES

pytestmark = pytest.mark.slow  # every view for every role: minutes on two shared cores
PUBLIC = {"/login", "/api/openapi.json", "/api/docs", "/"}
GUESSES = ({}, {"team": SOUTH}, {"team": "TSOUTH"}, {"team": NORTH})


def _urls(tiny: Tiny, sections: dict[tuple[str, str], list[str]]) -> list[tuple[str, str]]:
    """(route template, url) for every GET route with every value of its parameters."""
    all_metrics()
    records = [("child", c) for c in (*tiny.north_children, *tiny.south_children)] + \
              [("worker", w) for w in (*tiny.north_workers, *tiny.south_workers, "WMGR")]
    app = client(tiny).app
    urls = []
    for route in app.routes:
        if not isinstance(route, APIRoute) and not hasattr(route, "methods"):
            continue
        if "GET" not in getattr(route, "methods", set()) or route.path in PUBLIC:
            continue
        path = route.path
        if path == "/{name}" or path == "/api/views/{name}":
            filled = [path.replace("{name}", p) for p in PAGES]
        elif "{drill}" in path:
            filled = [path.replace("{drill}", d) for d in DRILLS]
        elif path.endswith("/kpi/{name}"):
            filled = [path.replace("{name}", k) for k in KPIS]
        elif "{kind}" in path:
            filled = [path.replace("{kind}", k).replace("{record_id}", i) for k, i in records]
        elif "{alert_id}" in path:  # every alert: each team's, the council's, workers'
            filled = [path.replace("{alert_id}", str(a)) for a in _alert_ids(tiny)]
        elif "{section}" in path:
            filled = [f"/export/{page}/{part}/{s}.csv" for (page, part), keys in sections.items() for s in keys]
        else:
            assert "{" not in path, f"route {path} has parameters this suite does not fill: add them"
            filled = [path]
        for url in filled:
            per_team = not url.startswith(("/record/", "/api/record/", "/admin", "/api/admin", "/api/pages"))
            for guess in GUESSES if per_team else ({},):
                query = "&".join(f"{k}={v}" for k, v in guess.items())
                urls.append((path, url + (f"?{query}" if query else "")))
    return urls


def _alert_ids(tiny: Tiny) -> list[int]:
    from clearsight.alerts.store import AlertStore

    with tiny.server.cursor() as cur:
        ids = [a.alert_id for a in AlertStore(cur, tiny.server.config).alerts()]
    assert ids, "the load through the server raised no alerts: the alerts pages would go untested"
    return ids


def _forbidden(tiny: Tiny, role: str | None) -> set[str]:
    everyone = {*tiny.north_children, *tiny.south_children, *tiny.north_workers, *tiny.south_workers,
                *tiny.north_workers.values(), *tiny.south_workers.values(), "WMGR", "Morag Manager"}
    south = {*tiny.south_children, *tiny.south_workers, *tiny.south_workers.values()}
    return {None: everyone, "member": everyone, "team_manager": south, "director_cp": south}.get(role, set())


def _kind(username: str | None) -> str | None:
    if username is None:
        return None
    role, _, services = USERS[username]
    return "director_cp" if role == "director" and services else role


def test_no_role_reaches_what_it_must_not_see(tiny: Tiny) -> None:
    admin = signed_in(tiny, "admin")
    sections = {(name, part): [s for s in admin.get(f"/api/views/{name}").json()["views"][part]["sections"]]
                for name in PAGES for part in admin.get(f"/api/views/{name}").json()["views"]}
    urls = _urls(tiny, sections)
    assert len({u for _, u in urls}) > 200
    leaks: list[tuple[str | None, str, str]] = []
    answered: dict[tuple[str | None, str], int] = {}
    for username in (None, *USERS):
        c = client(tiny) if username is None else signed_in(tiny, username)
        kind, forbidden = _kind(username), _forbidden(tiny, _kind(username))
        for template, url in urls:
            r = c.get(url)
            answered[(username, url)] = r.status_code
            text = r.text
            if username is None and r.status_code < 300:
                leaks.append((username, url, f"answered {r.status_code} without a session"))
            admin_only = url.startswith(("/admin", "/api/admin"))
            if admin_only and kind != "administrator" and r.status_code < 300:
                leaks.append((username, url, "administration route answered"))
            leaks += [(username, url, m) for m in forbidden if re.search(rf"(?<![\w-]){re.escape(m)}(?![\w-])", text)]
    by_route = Counter((who, url.split("?")[0].rsplit("/", 1)[0]) for who, url, _ in leaks)
    assert leaks == [], f"{len(leaks)} leaks: {dict(by_route)}; e.g. {leaks[:5]}"
    # The detector sees what it looks for: those allowed get the records they ask for.
    assert answered[("admin", f"/record/child/{tiny.south_children[0]}")] == 200
    assert answered[("tm_north", f"/record/child/{tiny.north_children[0]}")] == 200
    assert answered[("hos_cp", f"/record/child/{tiny.north_children[0]}")] == 200
    assert answered[("tm_north", f"/record/child/{tiny.south_children[0]}")] == 404
    assert answered[("tm_north", f"/today?team={SOUTH}")] == 403
    assert answered[("member", "/records/waiting")] == 403
    south_waiting = signed_in(tiny, "director").get("/records/waiting").text
    assert tiny.south_children[-1] in south_waiting and tiny.north_children[-1] in south_waiting


def test_a_team_manager_sees_their_own_team_whatever_the_address_asks(tiny: Tiny) -> None:
    c = signed_in(tiny, "tm_north")
    own = c.get("/api/records/waiting").json()
    ids = {r["child_id"] for r in own["sections"]["unallocated"]["rows"]}
    assert ids == {tiny.north_children[6], tiny.north_children[7]}  # the two North children never allocated
    assert c.get(f"/api/views/today?team={SOUTH}").status_code == 403
    member = signed_in(tiny, "member").get("/api/views/today").json()
    assert all(not s["personal"] for v in member["views"].values() for s in v["sections"].values())


def test_every_role_signs_in(tiny: Tiny) -> None:
    for username in USERS:
        assert signed_in(tiny, username).get("/today").status_code == 200, username
