"""The risk chapter: the alerts open on a past day as they stood that day (owner and deadline from their events),
a line per service, and the members' information requests with their age; members never see a worker's alert,
a single staff concern or a count under the threshold."""

from __future__ import annotations

from datetime import date

import pytest
from council_builder import CouncilBuilder

from clearsight.alerts.store import AlertStore
from clearsight.config import CouncilConfig
from clearsight.reports import risk
from clearsight.reports.disclosure import member_safe
from clearsight.reports.request import make_request
from clearsight.store.database import connect
from clearsight.store.load import load_extract
from clearsight.store.snapshots import latest_snapshot

CHAIN = ("team_manager", "service_manager", "head_of_service")
DAY = date(2023, 12, 31)


@pytest.fixture
def req(tmp_path):
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("A", "Alpha", service="cin")
    b.team("P", "Protect", service="cp")
    b.worker("A", worker_id="WA")
    con = connect(tmp_path / "cs.duckdb")
    assert load_extract(con, b.write(tmp_path / "extract")).status == "loaded"
    config = CouncilConfig()
    store = AlertStore(con, config)

    def raise_(day: date, title: str, *, entity: str = "team:A", name: str = "Alpha", service: str | None = "cin",
               kind: str = "rule", rule: str = "r", severity: str = "high", value: float | None = None,
               evidence: dict | None = None, days: int = 5):
        return store.raise_alert(council="Testshire", kind=kind, rule=rule, entity=entity, entity_name=name,
                                 title=title, severity=severity, owner_role=CHAIN[0], escalation=CHAIN,
                                 response_working_days=days, day=day, service=service, value=value,
                                 evidence=evidence or {})

    # Raised Wed 1 Nov 2023, 5 working days: due Wed 8 Nov; service manager Thu 9 Nov (due Thu 16 Nov); head of
    # service Fri 17 Nov: escalated twice by 31 December.
    raise_(date(2023, 11, 1), "Children waiting", value=3, evidence={"aggregate": "count", "confidence": "B"})
    # Raised Wed 20 Dec, 5 working days over Christmas (25, 26 Dec bank holidays): due Fri 29 Dec; escalates on
    # Tue 2 Jan 2024, after the day: with the team manager on 31 December though the store has it higher now.
    later = raise_(date(2023, 12, 20), "Visits late", entity="team:P", name="Protect", service="cp",
                   severity="critical", value=0.5, evidence={"column": "rate", "confidence": "A"})
    gone = raise_(date(2023, 10, 2), "Resolved in time")
    store.resolve(gone.alert_id, date(2023, 12, 15), "cleared")
    raise_(date(2024, 1, 10), "Raised after the day")
    raise_(date(2023, 11, 1), "One worker's caseload", entity="worker:WA", name="A worker")
    raise_(date(2023, 11, 1), "A staff concern", kind="concern", rule="concern")
    raise_(date(2023, 9, 1), "Numbers waiting by team", entity="council", name="Testshire", service=None,
           kind="scrutiny", rule="scrutiny", days=30)
    store.escalate_due(date(2024, 3, 1))
    assert store.get(later.alert_id).owner_role == "head_of_service"  # now; not on 31 December
    return make_request(con, latest_snapshot(con), config, as_at=DAY.isoformat())


def test_alerts_stand_as_they_did_on_the_day(req):
    store = AlertStore(req.con, req.config)
    on_day = {a.title: a for a in risk.alerts_on(store, "Testshire", DAY)}
    assert set(on_day) == {"Children waiting", "Visits late", "One worker's caseload", "A staff concern",
                           "Numbers waiting by team"}
    assert (on_day["Children waiting"].owner_role, on_day["Children waiting"].due_on) == (
        "head_of_service", date(2023, 11, 24))  # Fri 17 Nov + 5 working days
    assert (on_day["Visits late"].owner_role, on_day["Visits late"].due_on) == ("team_manager", date(2023, 12, 29))


def test_risk_view_has_a_line_per_service_escalated_first_and_the_late_requests(req):
    built = risk.build(req)
    assert built.headline[-1] == ("1 information request from members open, 1 past the deadline; the oldest "
                                  "asked 1 Sep 2023.")
    view = member_safe(built, req.config.small_number_threshold)
    assert built.headline[-1] not in view.headline  # it holds a count under the threshold
    services = {r["service"]: r for r in view.section("services").rows}
    # cin: "Children waiting" (escalated twice); cp: "Visits late" (critical, not escalated). The worker's alert
    # and the single concern are left out.
    assert set(services) == {"cin", "cp"}
    assert (services["cin"]["open_alerts"], services["cin"]["escalated"], services["cin"]["highest"]) == (
        1, 1, "head of service")
    assert (services["cp"]["open_alerts"], services["cp"]["escalated"], services["cp"]["serious"]) == (1, 0, 1)
    [escalated] = view.section("escalated").rows
    assert escalated["title"] == "Children waiting" and escalated["figure"] == "<5"  # 3 children: suppressed
    assert escalated["confidence"] == "B"
    [other] = view.section("open").rows
    assert (other["title"], other["figure"], other["owner"]) == ("Visits late", "50%", "team manager")
    [request] = view.section("requests").rows
    # Asked Fri 1 Sep 2023: 121 days by 31 December; 30 working days from it (six whole weeks) end Fri 13 Oct,
    # the deadline it was given, though it has climbed since with new deadlines.
    assert (request["age_days"], request["due_on"], request["late"]) == (121, date(2023, 10, 13), "yes")
    # Beside it, the deadline of whoever holds it on the day, as the inbox shows it: escalated Mon 16 Oct with 30
    # working days (to Mon 27 Nov), again Tue 28 Nov: six weeks and the three bank holidays of Christmas and New
    # Year, Fri 12 Jan, with the head of service.
    assert (request["now_due_on"], request["owner"]) == (date(2024, 1, 12), "head of service")
    assert [c.title for c in view.section("requests").columns][4:] == [
        "Deadline when asked", "Past it", "Now with", "Now due by"]
    text = " ".join(str(v) for s in view.sections for r in s.rows for v in r.values())
    assert "A worker" not in text and "A staff concern" not in text


def test_the_inbox_on_a_past_day_lists_the_alerts_open_then_as_they_stood(req):
    """`clearsight alerts --as-at 2022-03-31` listed every alert open now, raised in 2023 and after, as open on
    31 March 2022."""
    from clearsight.reports.alerts import build_inbox

    rows = {r["title"]: r for r in build_inbox(req, on_day=True).section("alerts").rows}
    assert set(rows) == {"Children waiting", "Visits late", "A staff concern", "Numbers waiting by team"}
    assert rows["Visits late"]["owner"] == "team manager"  # with the head of service only from 2 January
    every = {r["title"] for r in build_inbox(req, include_resolved=True, on_day=True).section("alerts").rows}
    assert every == set(rows) | {"Resolved in time"}
    # on the default day (the server's, no day asked for): every alert open now, to be answered
    assert "Raised after the day" in {r["title"] for r in build_inbox(req).section("alerts").rows}


def test_the_registers_on_a_past_day_hold_the_entries_made_by_then(req):
    """`registers --as-at 2023-12-15` listed a scrutiny request with the deadline and owner it has now, and
    would list entries made after the day."""
    from clearsight.reports.alerts import build_registers

    store = AlertStore(req.con, req.config)
    store.raise_alert(council="Testshire", kind="scrutiny", rule="scrutiny", entity="council", entity_name="Testshire",
                      title="Asked in January", severity="high", owner_role=CHAIN[0], escalation=CHAIN,
                      response_working_days=30, day=date(2024, 1, 5), service=None, value=None, evidence={})
    then = {r["title"] for r in build_registers(req, "scrutiny", on_day=True).section("scrutiny").rows}
    now = {r["title"] for r in build_registers(req, "scrutiny").section("scrutiny").rows}
    assert then == {"Numbers waiting by team"} and now == then | {"Asked in January"}
