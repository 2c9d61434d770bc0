"""A tiny council of two teams served by the web application, with an account of every role.

North Child Protection (service cp) and South Child in Need (service cin), each with workers, allocated
children and children waiting; one worker's name holds markup (the XSS probe). Ids are distinctive so a leak
is found by searching an answer's text for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backends import Backend
from council_builder import CouncilBuilder
from clearsight.config import CouncilConfig
from clearsight.web import accounts
from clearsight.web.app import create_app
from clearsight.web.server import Server

PASSWORD = "a long test password"
MARKUP_NAME = '<script>alert("x")</script><img src=x onerror=alert(1)>Mallory'
AS_AT = "2024-01-15"
NORTH, SOUTH = "North Child Protection Team", "South Child in Need Team"
USERS = {  # username -> (role, team, services)
    "admin": ("administrator", None, ()),
    "analyst": ("analyst", None, ()),
    "director": ("director", None, ()),
    "hos_cp": ("director", None, ("cp",)),
    "tm_north": ("team_manager", NORTH, ()),
    "member": ("member", None, ()),
}


@dataclass(frozen=True)
class Tiny:
    server: Server
    extract: Path
    north_children: tuple[str, ...]
    south_children: tuple[str, ...]
    north_workers: dict[str, str]  # id -> name
    south_workers: dict[str, str]


def build_council(extract_date: date = date(2024, 1, 31), extra_south_child: bool = False) -> CouncilBuilder:
    b = CouncilBuilder(extract_date=extract_date, council="Testshire")
    b.team("TNORTH", NORTH, service="cp")
    b.team("TSOUTH", SOUTH, service="cin")
    b.team("TMAN", "Managers", service="management")
    manager = b.worker("TMAN", role="team_manager", worker_id="WMGR", name="Morag Manager")
    north = {b.worker("TNORTH", worker_id="WNORTH1", name="Nadia Northworker", manager_id=manager): "",
             b.worker("TNORTH", worker_id="WNORTH2", name=MARKUP_NAME, manager_id=manager): ""}
    south = {b.worker("TSOUTH", worker_id="WSOUTH1", name="Sabine Southworker", manager_id=manager): ""}
    kids: dict[str, list[str]] = {"TNORTH": [], "TSOUTH": []}
    for team, workers in (("TNORTH", list(north)), ("TSOUTH", list(south))):
        for i in range(8):
            child = b.add("child", child_id=f"KID{team[1:]}{i:02d}", sex="F", dob=date(2012, 5, 1))["child_id"]
            b.case(team, date(2023, 9, 1 + i), child_id=child)
            if i < 6:  # six allocated, two waiting
                b.allocate(child, workers[i % len(workers)], team, date(2023, 9, 2 + i))
            kids[team].append(child)
    if extra_south_child:
        child = b.add("child", child_id="KIDSOUTH99", sex="M", dob=date(2015, 2, 1))["child_id"]
        b.case("TSOUTH", date(2024, 1, 20), child_id=child)
        kids["TSOUTH"].append(child)
    return b


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Tiny:
    """The council served from each back end in turn (tests/backends.py)."""
    tmp = tmp_path_factory.mktemp("web")
    builder = build_council()
    extract = builder.write(tmp / "extract")
    server = Server(backend.location(tmp), CouncilConfig(), as_at=AS_AT)  # nothing built ahead: tests build what they ask
    [report] = server.load([extract], by="tests")
    assert report.status == "loaded", report.problems
    with server.cursor() as cur:
        for name, (role, team, services) in USERS.items():
            accounts.add_user(cur, name, PASSWORD, role, team=team, services=services)
    workers = {r["worker_id"]: r["name"] for r in builder.rows["worker"]}
    yield Tiny(server, extract,
               tuple(c["child_id"] for c in builder.rows["child"] if c["child_id"].startswith("KIDNORTH")),
               tuple(c["child_id"] for c in builder.rows["child"] if c["child_id"].startswith("KIDSOUTH")),
               {w: n for w, n in workers.items() if w.startswith("WNORTH")},
               {w: n for w, n in workers.items() if w.startswith("WSOUTH")})
    server.close()


def client(tiny: Tiny) -> TestClient:
    """A browser without a session (HTTPS, so the Secure cookie is sent back)."""
    app = create_app(tiny.server, secret_key="test-secret", secure_cookies=True, loopback_handoff_token="tok")
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def csrf(c: TestClient, path: str = "/login") -> str:
    import re

    page = c.get(path)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def signed_in(tiny: Tiny, username: str) -> TestClient:
    c = client(tiny)
    r = c.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf(c), "next": "/today"})
    assert r.status_code == 303, r.text[:500]
    return c
