"""Sign-in, sessions, CSRF, throttling, escaping and the audit log of the web application."""

from __future__ import annotations

import pytest

from conftest import AS_AT, MARKUP_NAME, NORTH, PASSWORD, SOUTH, Tiny, client, csrf, signed_in
from clearsight.web import audit


def test_pages_need_a_session(tiny: Tiny) -> None:
    c = client(tiny)
    r = c.get("/today")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert c.get("/api/views/today").status_code == 401


def test_session_cookie_is_httponly_secure_samesite_and_signed(tiny: Tiny) -> None:
    c = client(tiny)
    r = c.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf(c)})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    forged = client(tiny)
    forged.cookies.set("clearsight_session", c.cookies["clearsight_session"][:-4] + "AAAA")
    assert forged.get("/today").status_code == 303  # a tampered cookie is no session


@pytest.mark.slow  # builds every view cold, the 13-month KPI trend among them (minutes on two shared cores)
def test_every_page_renders_with_its_views_headline(tiny: Tiny) -> None:
    c = signed_in(tiny, "admin")
    r = c.get("/today")
    assert r.status_code == 200
    assert "children are waiting for a social worker" in r.text  # the position view's headline leads
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    expected = {"teams": "Caseload by worker", "workforce": "Turnover", "practice": "Rate by month",
                "flow": "funnel", "quality": "optimism", "confidence": "plausib"}
    for page, words in expected.items():
        r = c.get(f"/{page}")
        assert r.status_code == 200 and words.lower() in r.text.lower(), page


def test_login_refuses_a_form_without_its_csrf_token(tiny: Tiny) -> None:
    c = client(tiny)
    c.get("/login")
    r = c.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403 and "clearsight_session" not in r.headers.get("set-cookie", "") or "user" not in r.text


def test_state_changing_forms_refuse_a_missing_or_wrong_csrf_token(tiny: Tiny) -> None:
    c = signed_in(tiny, "admin")
    for token in ("", "wrong"):
        r = c.post("/admin/users", data={"csrf": token, "action": "add", "username": "eve", "role": "analyst",
                                         "password": PASSWORD})
        assert r.status_code == 403
        assert c.post("/logout", data={"csrf": token}).status_code == 403
    assert "eve" not in c.get("/admin/users").text
    r = c.post("/admin/users", data={"csrf": csrf(c, "/admin/users"), "action": "add", "username": "eve",
                                     "role": "analyst", "password": PASSWORD})
    assert r.status_code == 303 and "eve" in c.get("/admin/users").text
    r = c.post("/admin/users", data={"csrf": csrf(c, "/admin/users"), "action": "disable", "username": "eve"})
    assert r.status_code == 303


def test_login_is_throttled_after_five_failures(tiny: Tiny) -> None:
    c = client(tiny)
    token = csrf(c)
    for _ in range(5):
        r = c.post("/login", data={"username": "director", "password": "wrong password!", "csrf": token})
        assert r.status_code == 401
    r = c.post("/login", data={"username": "director", "password": PASSWORD, "csrf": token})
    assert r.status_code == 429 and "Too many failed sign-ins" in r.text


def test_a_disabled_account_loses_its_session(tiny: Tiny) -> None:
    from clearsight.web import accounts

    with tiny.server.cursor() as cur:
        accounts.add_user(cur, "leaver", PASSWORD, "analyst")
    c = signed_in(tiny, "leaver")
    assert c.get("/today").status_code == 200
    with tiny.server.cursor() as cur:
        accounts.set_disabled(cur, "leaver")
    assert c.get("/today").status_code == 303


def test_markup_in_a_worker_name_is_shown_as_text(tiny: Tiny) -> None:
    c = signed_in(tiny, "admin")
    for path in ("/teams", "/record/worker/WNORTH2", "/records/workers", f"/teams?team={NORTH}"):
        body = c.get(path).text
        assert "<script>alert" not in body and "<img src=x" not in body, path
        assert "&lt;script&gt;alert" in body, path
    api = c.get("/api/record/worker/WNORTH2")
    assert api.headers["content-type"].startswith("application/json") and MARKUP_NAME in api.json()["title"]


def test_open_redirect_after_login_is_refused(tiny: Tiny) -> None:
    c = client(tiny)
    r = c.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf(c),
                               "next": "//evil.example/"})
    assert r.headers["location"] == "/today"


def test_personal_views_drills_records_and_exports_are_audited(tiny: Tiny) -> None:
    c = signed_in(tiny, "analyst")
    c.get("/today")
    c.get(f"/records/waiting?team={NORTH}")
    c.get(f"/record/child/{tiny.north_children[0]}")
    c.get("/export/today/position/unallocated.csv")
    c.get(f"/api/record/child/{tiny.south_children[0]}")
    with tiny.server.cursor() as cur:
        entries = audit.search(cur, username="analyst")
    actions = [e["action"] for e in entries][::-1]
    assert actions == ["view", "drill", "record", "export", "record"]
    waiting = [k for k in (*tiny.north_children, *tiny.south_children) if k.endswith(("06", "07"))]
    assert set(entries[-1]["record_ids"].split(",")) >= {f"child:{k}" for k in waiting}  # the page's list
    assert f"child:{tiny.north_children[0]}" in entries[2]["record_ids"].split(",")
    with tiny.server.cursor() as cur:
        assert audit.search(cur, record_id=f"child:{tiny.south_children[0]}", username="analyst")


def test_members_pages_write_no_personal_audit_entries_and_a_refused_record_is_logged(tiny: Tiny) -> None:
    c = signed_in(tiny, "member")
    c.get("/today")
    t = signed_in(tiny, "tm_north")
    assert t.get(f"/record/child/{tiny.south_children[0]}").status_code == 404
    with tiny.server.cursor() as cur:
        assert not audit.search(cur, username="member")
        [refused] = audit.search(cur, username="tm_north", action="refused")
    assert refused["record_ids"] == f"child:{tiny.south_children[0]}"


def test_admin_searches_and_exports_the_audit_log(tiny: Tiny) -> None:
    signed_in(tiny, "analyst").get(f"/record/child/{tiny.north_children[1]}")
    c = signed_in(tiny, "admin")
    page = c.get(f"/admin/audit?record=child:{tiny.north_children[1]}")
    assert page.status_code == 200 and "analyst" in page.text
    exported = c.get(f"/admin/audit.csv?record=child:{tiny.north_children[1]}")
    assert exported.text.startswith("entry_id,logged_at,username") and tiny.north_children[1] in exported.text


def test_openapi_schema_lists_the_json_api(tiny: Tiny) -> None:
    paths = client(tiny).get("/api/openapi.json").json()["paths"]
    assert {"/api/views/{name}", "/api/records/{drill}", "/api/record/{kind}/{record_id}"} <= set(paths)


def test_as_at_filter_is_checked(tiny: Tiny) -> None:
    c = signed_in(tiny, "admin")
    assert c.get("/today?as_at=15/01/2024").status_code == 400
    assert AS_AT[:4] in c.get(f"/today?as_at={AS_AT}").text


def test_a_member_sees_small_numbers_suppressed(tiny: Tiny) -> None:
    """Two children wait in each team: a councillor sees '<5' for each (reports.disclosure), no list of
    children or workers, and the page says suppression was applied."""
    c = signed_in(tiny, "member")
    views = c.get("/api/views/teams").json()["views"]
    teams = {r["team"]: r for r in views["position"]["sections"]["teams"]["rows"]}
    assert teams[NORTH]["unallocated"] == "<5" and teams[SOUTH]["unallocated"] == "<5"
    assert "workers" not in views["position"]["sections"]
    assert "Small numbers suppressed" in c.get("/teams").text
    # FTE and posts name no one: the capacity table keeps them beside a suppressed count
    capacity = {r["team"]: r for r in views["capacity"]["sections"]["teams"]["rows"]}
    assert all(isinstance(capacity[t]["fte"], float) and capacity[t]["fte"] > 0 for t in (NORTH, SOUTH))
