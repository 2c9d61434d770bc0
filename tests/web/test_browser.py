"""The pages in a real browser: Debian's Chromium driven by Playwright, over `clearsight serve` on a small
Eastmere (scale 0.3) as at 15 December 2023, the depth of the story's crisis, with its alerts replayed to then.

Each role signs in, sees what it should and not what it must not, a drill-down is clicked through from a count
to a child's history, a team manager answers an alert through its forms (acknowledge, action, resolve), and every page is saved as a screenshot under the test's tmp directory and copied to
out/screenshots/ (ignored by git) for the closing note. No browser is downloaded (engineering.md trap 8).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow  # a council generated, loaded and served; every page as five roles
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras")

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run"]
CLI = Path(sys.executable).with_name("clearsight")
AS_AT = "2023-12-15"
PASSWORD = "browser test password"
SHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
PAGE_TIMEOUT = 600_000  # ms: a page's views are built on first asking (the 13-month KPI trend takes minutes cold)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Eastmere at scale 0.3 loaded, an account per role (the team manager's team the one with the most
    children waiting), and `clearsight serve` on a free loopback port."""
    assert CHROMIUM.exists(), "Debian's chromium is needed: scripts/debian/test.txt (bash scripts/test.sh)"
    work = tmp_path_factory.mktemp("browser")
    db, env = work / "eastmere.duckdb", {**os.environ, "CLEARSIGHT_PASSWORD": PASSWORD}

    def cli(*args: str) -> str:
        done = subprocess.run([str(CLI), "--db", str(db), *args], capture_output=True, text=True, env=env,
                              timeout=1800)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return done.stdout

    cli("synth", str(work / "eastmere"), "--scale", "0.3")
    cli("load", str(work / "eastmere"))
    # The registers Eastmere's generator wrote, and the alerts as they stood on AS_AT had the rules run daily.
    cli("registers", "import", str(work / "eastmere" / "registers.json"))
    cli("alerts", "replay", "--from", "2023-04-01", "--to", AS_AT, "--save")
    position = json.loads(cli("position", "--as-at", AS_AT, "--records", "--format", "json"))
    waiting = Counter(r["team"] for r in position["sections"]["unallocated"]["rows"])
    team = waiting.most_common(1)[0][0]
    for name, *role in (("admin", "administrator"), ("analyst", "analyst"), ("director", "director"),
                        ("manager", "team_manager", "--team", team), ("councillor", "member")):
        cli("users", "add", name, "--role", *role)
    port = _free_port()
    server = subprocess.Popen([str(CLI), "--db", str(db), "serve", "--port", str(port), "--as-at", AS_AT],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        assert server.poll() is None, server.stdout.read() if server.stdout else ""
        try:
            if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.5)
    yield {"url": url, "team": team, "waiting": waiting, "shots": work / "screenshots"}
    server.terminate()
    server.wait(timeout=120)


@pytest.fixture(scope="session")
def browser(served: dict) -> Iterator:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


def _shoot(page, served: dict, name: str) -> None:
    folder = served["shots"]
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(folder / f"{name}.png", SHOTS / f"{name}.png")


def _sign_in(browser, served: dict, username: str):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT)
    page.set_default_navigation_timeout(PAGE_TIMEOUT)
    page.goto(served["url"] + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/today")
    return page


PAGE_NAMES = ("today", "teams", "workforce", "practice", "flow", "quality", "confidence")


def test_sign_in_page(browser, served: dict) -> None:
    page = browser.new_page()
    page.goto(served["url"] + "/today")
    assert "/login" in page.url
    _shoot(page, served, "00-sign-in")
    cookies_before = page.context.cookies()
    assert not any(c["name"] == "clearsight_session" and "user" in c["value"] for c in cookies_before)


def test_the_director_sees_the_2023_story_and_every_page(browser, served: dict) -> None:
    page = _sign_in(browser, served, "director")
    session = next(c for c in page.context.cookies() if c["name"] == "clearsight_session")
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict"
    headline = page.locator(".headline p").first.inner_text()
    assert "children are waiting for a social worker" in headline
    assert sum(served["waiting"].values()) >= 100  # the crisis: hundreds waiting in December 2023 (scale 0.3)
    for i, name in enumerate(PAGE_NAMES, 1):
        page.goto(f"{served['url']}/{name}")
        assert page.locator("h1").inner_text()
        assert page.locator(".headline").count() >= 1, name
        if name in ("practice", "workforce"):
            page.wait_for_selector("div.vega svg", timeout=60_000)  # the trend drawn by the vendored vega-embed
        _shoot(page, served, f"director-{i}-{name}")
    assert page.locator("a", has_text="Audit log").count() == 0


def test_a_drill_down_from_a_count_to_a_childs_history(browser, served: dict) -> None:
    page = _sign_in(browser, served, "analyst")
    page.locator("#position-waiting td a").first.click()
    page.wait_for_url("**/records/waiting**")
    _shoot(page, served, "analyst-1-drill-waiting")
    child = page.locator("#position-unallocated td a").first
    child_id = child.inner_text()
    child.click()
    page.wait_for_url(f"**/record/child/{child_id}")
    assert page.locator("h1").inner_text() == f"Child {child_id}"
    assert page.get_by_role("heading", name="Allocations").count() == 1
    _shoot(page, served, "analyst-2-child-history")


def test_a_team_manager_sees_only_their_team(browser, served: dict) -> None:
    page = _sign_in(browser, served, "manager")
    assert page.locator("select[name=team]").count() == 0  # no other team to choose
    teams = {t.strip() for t in page.locator("#position-unallocated tbody tr td:nth-child(2)").all_inner_texts()}
    assert teams == {served["team"]}
    waiting = served["waiting"][served["team"]]
    assert len(page.locator("#position-unallocated tbody tr").all()) == min(waiting, 25)  # longest first
    _shoot(page, served, "manager-1-today")
    page.get_by_role("link", name="Show all").first.click()
    page.wait_for_url("**/records/waiting**")
    assert len(page.locator("#position-unallocated tbody tr").all()) == waiting
    _shoot(page, served, "manager-2-all-waiting")
    page.goto(f"{served['url']}/teams")
    workers_teams = {t.strip() for t in page.locator("#position-workers tbody tr td:nth-child(2)").all_inner_texts()}
    assert workers_teams <= {served["team"], "none"}
    _shoot(page, served, "manager-3-teams")
    other = next(t for t in served["waiting"] if t != served["team"])
    page.goto(f"{served['url']}/today?team={other}")
    assert "Not for your role" in page.locator("h1").inner_text()


def test_a_councillor_sees_aggregates_only(browser, served: dict) -> None:
    page = _sign_in(browser, served, "councillor")
    for i, name in enumerate(PAGE_NAMES, 1):
        page.goto(f"{served['url']}/{name}")
        assert page.locator(".tag", has_text="names children or workers").count() == 0, name
        assert page.locator("td a").count() == 0, name  # no drill-through to records
        _shoot(page, served, f"councillor-{i}-{name}")
    page.goto(f"{served['url']}/records/waiting")
    assert "Not for your role" in page.locator("h1").inner_text()


def test_the_administrator_reads_the_audit_log(browser, served: dict) -> None:
    page = _sign_in(browser, served, "admin")
    page.goto(f"{served['url']}/admin/audit?action=record")
    rows = page.locator("tbody tr").all_inner_texts()
    assert any("analyst" in r and "child:" in r for r in rows), rows[:3]
    _shoot(page, served, "admin-1-audit-log")
    page.goto(f"{served['url']}/admin/users")
    _shoot(page, served, "admin-2-users")


def test_a_team_manager_sees_an_alert_an_administrator_answers_and_the_registers(browser, served: dict) -> None:
    page = _sign_in(browser, served, "manager")
    page.goto(f"{served['url']}/alerts")
    assert page.locator("h1").inner_text() == "Alerts"
    teams = {t.strip() for t in page.locator("#alerts-alerts tbody tr td:nth-child(5)").all_inner_texts()}
    assert teams == {served["team"]}  # their team's alerts only, raised in the replay up to December 2023
    _shoot(page, served, "alerts-1-manager-inbox")
    waiting = page.locator("#alerts-alerts tbody tr", has_text="waited more than six weeks").first
    waiting.locator("a[href^='/alerts/']").click()
    page.wait_for_url("**/alerts/*")
    path = page.url.removeprefix(served["url"]).split("?")[0]
    children = page.locator("#alert-records a[href^='/record/child/']")  # each child behind it, to their history
    assert children.count() >= 1
    _shoot(page, served, "alerts-2-alert")

    # Escalated past them (the replay ran the rules daily, no one answering): they see it, and who answers it.
    assert page.locator("form:has(input[value=acknowledge])").count() == 0
    assert "Answered by the" in page.locator("p.answerers").inner_text()
    manager, page = page, _sign_in(browser, served, "admin")  # who answers on the word of the role it is with
    page.goto(served["url"] + path)
    page.fill("form:has(input[value=acknowledge]) input[name=note]", "seen at the morning meeting")
    page.click("form:has(input[value=acknowledge]) button")
    playwright.expect(page.locator("p.note", has_text="acknowledge: done")).to_be_visible()
    page.fill("form:has(input[value=action]) input[name=text]", "allocate the longest waiting first")
    page.fill("form:has(input[value=action]) input[name=owner]", "team manager")
    page.fill("form:has(input[value=action]) input[name=due]", "2099-01-31")
    page.click("form:has(input[value=action]) button")
    playwright.expect(page.locator("p.note", has_text="action: done (actioned)")).to_be_visible()
    _shoot(page, served, "alerts-3-actioned")
    page.fill("form:has(input[value=resolve]) input[name=reason]", "every child allocated")
    page.click("form:has(input[value=resolve]) button")
    playwright.expect(page.locator("p.note", has_text="resolve: done (resolved)")).to_be_visible()
    history = page.locator("#alert-history").inner_text()
    for said in ("acknowledged: seen at the morning meeting", "action: allocate the longest waiting first",
                 "resolved: every child allocated"):  # after the replay's raised and escalations
        assert said in history
    assert page.locator("section.answer").count() == 0  # nothing left to answer
    _shoot(page, served, "alerts-4-resolved")
    # An answer without the session's form token is refused.
    forged = page.request.post(f"{served['url']}{path}", form={"action": "acknowledge", "csrf": "forged"})
    assert forged.status == 403

    page = manager
    page.goto(f"{served['url']}/registers")
    concerns = [r for r in page.locator("#registers-concern tbody tr").all_inner_texts() if r.strip() != "none"]
    assert all(served["team"] in r for r in concerns)  # their team's concerns, if it raised any
    assert page.locator("#registers-summary").count() == 1
    _shoot(page, served, "registers-1-manager")


def test_the_director_and_a_councillor_read_the_alerts_and_registers(browser, served: dict) -> None:
    page = _sign_in(browser, served, "director")
    page.goto(f"{served['url']}/alerts")
    assert "escalated" in page.locator(".headline").inner_text()  # by December 2023 alerts had climbed
    _shoot(page, served, "alerts-5-director-inbox")
    page.goto(f"{served['url']}/registers")
    assert page.locator("#registers-concern tbody tr").count() >= 3  # the depleted teams' concerns
    assert page.locator("#registers-scrutiny tbody tr").count() >= 1
    _shoot(page, served, "registers-2-director")
    page = _sign_in(browser, served, "councillor")
    for name in ("alerts", "registers"):
        page.goto(f"{served['url']}/{name}")
        assert page.locator(f"#{name}-summary").count() == 1
        assert page.locator("td a").count() == 0 and page.locator(f"#{name}-alerts, #{name}-concern").count() == 0
        _shoot(page, served, f"{name}-councillor")
