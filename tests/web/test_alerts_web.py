"""The alerts pages and API under the role rules: a team manager sees and answers their own team's alerts only,
a head of service those of their services, a member the counts alone; the records behind an alert link to
their histories and are audit-logged; answers need the form token; a load through the server raises them."""

from __future__ import annotations

import re
from datetime import date

from conftest import NORTH, SOUTH, Tiny, csrf, signed_in

from clearsight.alerts.registers import Entry, record
from clearsight.alerts.store import AlertStore


def _alerts(tiny: Tiny) -> list:
    with tiny.server.cursor() as cur:
        return AlertStore(cur, tiny.server.config).alerts()


def _team_of(tiny: Tiny, alert) -> str:
    return {"TNORTH": NORTH, "TSOUTH": SOUTH}.get(alert.team_id or "", "")


def test_a_load_through_the_server_raises_alerts_for_each_team(tiny: Tiny) -> None:
    alerts = _alerts(tiny)
    assert {_team_of(tiny, a) for a in alerts} >= {NORTH, SOUTH}
    waiting = [a for a in alerts if a.rule == "waiting_too_long" and a.team_id == "TSOUTH"]
    # The two South children never allocated (referred 7 and 8 September 2023) have waited over six weeks.
    assert waiting and set(waiting[0].records) == set(tiny.south_children[6:8])
    assert waiting[0].evidence["record_column"] == "child_id"


def test_each_role_sees_the_alerts_of_its_scope(tiny: Tiny) -> None:
    by_team = {a.alert_id: _team_of(tiny, a) for a in _alerts(tiny)}

    def ids(username: str) -> set[int]:
        view = signed_in(tiny, username).get("/api/alerts").json()
        return {r["alert_id"] for s in view["sections"].values() for r in s["rows"] if "alert_id" in r}

    assert ids("director") == set(by_team)
    # a day asked for before the extract's: the alerts open then (these were raised at load, on 31 January)
    earlier = signed_in(tiny, "director").get("/api/alerts", params={"as_at": "2024-01-10"}).json()
    assert not [r for s in earlier["sections"].values() for r in s["rows"] if "alert_id" in r]
    assert ids("tm_north") == {i for i, t in by_team.items() if t == NORTH}
    assert ids("hos_cp") == {i for i, t in by_team.items() if t == NORTH}  # North is the CP service
    member = signed_in(tiny, "member").get("/api/alerts").json()
    assert list(member["sections"]) == ["summary"]
    south = next(i for i, t in by_team.items() if t == SOUTH)
    assert signed_in(tiny, "tm_north").get(f"/alerts/{south}").status_code == 404
    assert signed_in(tiny, "tm_north").get(f"/api/alerts/{south}").status_code == 404
    assert signed_in(tiny, "member").get(f"/alerts/{south}").status_code == 403


def test_an_alert_links_to_its_records_and_the_view_is_audit_logged(tiny: Tiny) -> None:
    alert = next(a for a in _alerts(tiny) if a.rule == "waiting_too_long" and a.team_id == "TNORTH")
    c = signed_in(tiny, "tm_north")
    page = c.get(f"/alerts/{alert.alert_id}").text
    for child in alert.records:
        assert f'href="/record/child/{child}"' in page
    assert 'href="/records/waiting?team=North+Child+Protection+Team"' in page  # the drill-through it comes from
    inbox = c.get("/alerts").text
    assert f'href="/alerts/{alert.alert_id}"' in inbox and 'href="/alerts"' in inbox  # in the nav too
    admin = signed_in(tiny, "admin")
    logged = admin.get("/api/admin/audit", params={"username": "tm_north"}).json()
    assert any(e["view"] == "alert" and f"child:{alert.records[0]}" in e["record_ids"] for e in logged)


def test_the_owner_answers_with_the_form_token_only(tiny: Tiny) -> None:
    alert = next(a for a in _alerts(tiny) if a.team_id == "TNORTH" and a.is_open and a.owner_role == "team_manager")
    c = signed_in(tiny, "tm_north")
    path = f"/alerts/{alert.alert_id}"
    assert c.post(path, data={"action": "acknowledge", "csrf": "forged"}).status_code == 403
    token = csrf(c, path)
    r = c.post(path, data={"action": "acknowledge", "note": "looking at it", "csrf": token})
    assert r.status_code == 303
    r = c.post(f"/api/alerts/{alert.alert_id}/action", json={"csrf": token, "text": "allocate both children",
                                                               "owner": "team manager", "due": "2099-01-01"})
    assert r.status_code == 200 and r.json()["status"] == "actioned" and r.json()["due_on"] == "2099-01-01"
    history = c.get(path).text
    assert "looking at it" in history and re.search(r"allocate both children", history)
    analyst = signed_in(tiny, "analyst")
    answer = {"csrf": csrf(analyst, path), "reason": "seen"}
    assert analyst.post(f"/api/alerts/{alert.alert_id}/resolve", json=answer).status_code == 403


def test_registers_under_the_same_roles(tiny: Tiny) -> None:
    with tiny.server.cursor() as cur:
        store = AlertStore(cur, tiny.server.config)
        council = tiny.server.config.council_name or "Testshire"
        for team_id, team in (("TNORTH", NORTH), ("TSOUTH", SOUTH)):
            record(store, council, Entry("concern", date(2024, 1, 8), f"Workload in {team}", team_id, team,
                                         "workload", "union"))
        record(store, council, Entry("scrutiny", date(2024, 1, 3), "Unallocated cases by team",
                                     raised_by="Children's scrutiny committee"))

    def sections(username: str) -> dict:
        return signed_in(tiny, username).get("/api/registers").json()["sections"]

    everything = sections("director")
    assert {r["whose"] for r in everything["concern"]["rows"]} == {NORTH, SOUTH}
    assert [r["title"] for r in everything["scrutiny"]["rows"]] == ["Unallocated cases by team"]
    counts = {r["register"]: r["open"] for r in everything["summary"]["rows"]}
    assert counts["Staff concerns and grievances"] == 2 and counts["Scrutiny information requests"] == 1
    own = sections("tm_north")
    assert [r["whose"] for r in own["concern"]["rows"]] == [NORTH] and own["scrutiny"]["rows"] == []
    assert list(sections("member")) == ["summary"]  # counts only, small ones suppressed
    page = signed_in(tiny, "tm_north").get("/registers").text
    assert "Workload in North" in page and "Workload in South" not in page and 'href="/registers"' in page


def test_an_answer_comes_from_the_owners_role_or_above_it(tiny: Tiny) -> None:
    """Three concerns from North flag it to the chief operating officer: the North team manager sees the flag
    but neither they nor a head of service close it; an administrator does (on the officer's word). A rule
    alert with the team manager is answered by the head of service above them too."""
    council = tiny.server.config.council_name or "Testshire"
    with tiny.server.cursor() as cur:
        store = AlertStore(cur, tiny.server.config)
        raised = [a for day in (8, 15, 22) for a in record(store, council, Entry(
            "concern", date(2023, 11, day), "Caseloads in North", "TNORTH", NORTH, "workload", "union"))]
    flag = next(a for a in raised if a.owner_role == "chief_operating_officer")
    path = f"/alerts/{flag.alert_id}"
    tm, hos, admin = (signed_in(tiny, u) for u in ("tm_north", "hos_cp", "admin"))
    page = tm.get(path)
    assert page.status_code == 200 and 'value="resolve"' not in page.text  # seen, with no answer form
    token = csrf(tm, path)
    assert tm.post(path, data={"action": "resolve", "reason": "sorted", "csrf": token}).status_code == 403
    assert tm.post(f"/api/alerts/{flag.alert_id}/acknowledge", json={"csrf": token}).status_code == 403
    refused = hos.post(f"/api/alerts/{flag.alert_id}/resolve", json={"csrf": csrf(hos, path), "reason": "sorted"})
    assert refused.status_code == 403 and "chief operating officer" in refused.text
    assert 'value="resolve"' in admin.get(path).text
    done = admin.post(f"/api/alerts/{flag.alert_id}/resolve", json={"csrf": csrf(admin, path), "reason": "COO met"})
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    rule = next(a for a in _alerts(tiny) if a.kind == "rule" and a.team_id == "TNORTH" and a.is_open
                and a.owner_role == "team_manager")
    ack = hos.post(f"/api/alerts/{rule.alert_id}/acknowledge", json={"csrf": csrf(hos, path)})
    assert ack.status_code == 200 and ack.json()["owner_role"] == "team_manager"
    with tiny.server.cursor() as cur:  # the other tests count the open concerns
        store = AlertStore(cur, tiny.server.config)
        for alert in raised:
            if store.get(alert.alert_id).is_open:
                store.resolve(alert.alert_id, date(2023, 11, 23), "test over")
