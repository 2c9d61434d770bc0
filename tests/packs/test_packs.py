"""The committee packs on a small Eastmere: the PDF's text holds the views' figures, the member pack names no
child or worker and shows no count under the threshold, the workbook holds the same figures, and every page is
rasterised into out/pack-pages/ for reading."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from pack_pages import pdf_text, rasterise, small_counts_in
from python_calamine import CalamineWorkbook

from clearsight.alerts.store import AlertStore
from clearsight.config import CouncilConfig
from clearsight.packs.render import pack_view, write_pack
from clearsight.render.files import view_json
from clearsight.render.values import display
from clearsight.reports.disclosure import RULES, SECONDARY
from clearsight.reports.packs import build, waiting_line
from clearsight.reports.plan import read_plan
from clearsight.reports.request import make_request
from clearsight.store.benchmarks import load_benchmarks

CONFIG = CouncilConfig(packs={"targets": {"assessment_timeliness": 0.85, "assessments_overdue": 0.1}})
TODAY = date(2026, 1, 5)  # the day the pack is "printed": the small Eastmere's extract is then long out of date
N = CONFIG.small_number_threshold


def pack_for(db, kind: str, as_at: str, **options):
    con, snap = db
    return build(make_request(con, snap, CONFIG, as_at=as_at), kind, today=TODAY, **options)


ESCALATED = "Children on CP plans not seen within the standard"


@pytest.fixture(scope="module")
def alerts(small_eastmere_db):
    """An escalated alert and an overdue information request in the small Eastmere's store for the monthly pack,
    taken out again afterwards (the database is shared with tests that only read it)."""
    con, snap = small_eastmere_db
    store = AlertStore(con, CONFIG)
    chain = ("team_manager", "service_manager", "head_of_service")
    made = [store.raise_alert(council=snap.council, kind="rule", rule="cp_visits", entity="team:T", entity_name=
                              "North Child Protection Team", title=ESCALATED, severity="high", owner_role=chain[0],
                              escalation=chain, response_working_days=5, day=date(2023, 11, 1), service="cp",
                              value=0.62, threshold=0.8, evidence={"column": "rate", "confidence": "A"}),
            store.raise_alert(council=snap.council, kind="scrutiny", rule="scrutiny", entity="council",
                              entity_name=snap.council, title="Children waiting by team", severity="high",
                              owner_role=chain[0], escalation=chain, response_working_days=20,
                              day=date(2023, 9, 1))]
    store.escalate_due(date(2023, 12, 31))
    yield made
    ids = [a.alert_id for a in made]
    con.execute(f"DELETE FROM alert_event WHERE alert_id IN ({', '.join('?' * len(ids))})", ids)
    con.execute(f"DELETE FROM alert WHERE alert_id IN ({', '.join('?' * len(ids))})", ids)


@pytest.fixture(scope="module")
def monthly(small_eastmere_db, alerts, tmp_path_factory):
    out = tmp_path_factory.mktemp("packs")
    plan = out / "plan.csv"
    plan.write_text("theme,recommendation,action,owner,milestone,due_date,kpi,target\n"
                    "Workforce,Ofsted 1,DfE average caseload 16 by March 2025,Head of Service,,2025-03-31,caseload,16\n"
                    "Practice,Ofsted 2,Assessments within 45 working days,Service Manager,,2023-11-30,"
                    "assessment_timeliness,0.85\n")
    # Benchmarks a council loads (made-up test values): the year to 30 Sep 2024 holds 31 Dec 2023.
    benchmarks = out / "benchmarks.csv"
    benchmarks.write_text("indicator,area,area_type,period,value\n" + "".join(
        f"{i},{a},{t},2024,{v}\n" for i, rows in (
            ("average_caseload", (("England", "england", 15.5), ("N1", "neighbour", 17), ("N2", "neighbour", 18),
                                  ("N3", "neighbour", 20))),
            ("agency_rate", (("England", "england", 0.17), ("N1", "neighbour", 0.1), ("N2", "neighbour", 0.2))))
        for a, t, v in rows))
    con, _ = small_eastmere_db
    assert load_benchmarks(con, benchmarks)[0] == 7
    try:
        pack = pack_for(small_eastmere_db, "monthly", "2023-12-31", plan=read_plan(plan))
    finally:
        con.execute("DELETE FROM benchmark WHERE period = '2024'")
    return pack, write_pack(pack, CONFIG, out, "pdf"), write_pack(pack, CONFIG, out, "xlsx")


def test_every_key_figure_carries_england_and_neighbours_where_published_and_their_year(monthly):
    pack, pdf, _ = monthly
    key = {r["figure"]: r for r in pack.chapters[0].section("key_figures").rows}
    caseload = key["Cases per FTE of social workers holding cases (DfE average caseload)"]
    assert (caseload["england"], caseload["neighbours"], caseload["year"]) == (
        "15.5", "18.0", "the year to 30 September 2024")  # the neighbours' median
    agency = key["Agency social workers (agency FTE / all FTE)"]
    assert (agency["england"], agency["neighbours"]) == ("17.0%", "15.0%")
    turnover = key["Turnover, annualised (employed leavers FTE / employed FTE)"]
    assert (turnover["england"], turnover["year"]) == ("15.9%", "the year to 30 September 2023")  # built in
    for figure in ("Children waiting for a social worker", "Leavers in the three months"):
        assert key[figure]["england"] is None and key[figure]["year"] is None  # none is published
    first = " ".join(pdf_text(pdf, layout=False).split("\f")[0].split())
    assert "Published for" in first and "the year to 30 September 2024" in first


def test_monthly_pack_pdf_holds_every_figure_of_its_views(monthly):
    pack, pdf, _ = monthly
    text = re.sub(r"\s+", " ", pdf_text(pdf))
    data = json.loads(view_json(pack_view(pack)))
    checked = 0
    for key, s in data["sections"].items():
        columns = {c.key: c for c in pack_view(pack).section(key).columns if not c.detail}
        for row in s["rows"]:
            for k, value in row.items():
                if k in columns and isinstance(value, (int, float)) and not isinstance(value, bool):
                    assert display(value, columns[k]) in text, (key, k, value)
                    checked += 1
    assert checked > 100
    assert "OFFICIAL-SENSITIVE" in text and "Page 2 of" in text
    assert "days old" in text  # the extract is older than the configured age: the cover says so
    assert "Data confidence" in text and "extract of 31 Mar 2025" in text
    assert "Small numbers suppressed" in text
    assert "Improvement plan progress" in text and "Ofsted 1" in text and "amber" in text


def test_monthly_first_page_holds_the_waiting_trend_the_leavers_and_the_escalated_alerts(monthly):
    pack, pdf, _ = monthly
    first, second = (" ".join(p.split()) for p in pdf_text(pdf, layout=False).split("\f")[:2])
    for words in ("1. The month on one page", "Key figures", "England", "Neighbours", "Confidence",
                  "Children waiting for a social worker, month by month", "Leavers by quarter",
                  "Escalated alerts, the most serious first", ESCALATED, "62% (line 80%)"):
        assert words in first, words
    assert "Contents" not in first and "2. Children waiting" in second  # the cover's contents come after it
    front = pack.chapters[0]
    waiting = pack.chapters[1].section("series").rows
    drawn = ("day", "waiting", "new_work", "reallocation")
    assert [{k: r[k] for k in drawn} for r in front.section("waiting").rows] == [
        {k: r[k] for k in drawn} for r in waiting]  # the chart draws chapter 2's figures, suppressed alike
    assert front.headline[0] == waiting_line(front.section("waiting").rows)  # the page leads with the waiting
    assert front.headline[0] in first
    staff = next(v for v in pack.chapters if v.name == "workforce")
    quarters = front.section("leavers").rows
    assert [r["quarter"] for r in quarters] == ["Oct to Dec 2022", "Jan to Mar 2023", "Apr to Jun 2023",
                                                "Jul to Sep 2023", "Oct to Dec 2023"]
    assert quarters == staff.section("quarterly").rows  # the first page shows chapter 4's safe figures
    months = staff.section("monthly").rows
    assert len(months) == 15 and [r["quarter"] for r in months[::3]] == [r["quarter"] for r in quarters]
    key = {r["figure"]: r for r in front.section("key_figures").rows}
    assert key["Children waiting for a social worker"]["now"] == display(
        waiting[-1]["waiting"], pack.chapters[1].section("series").columns[1])
    assert key["Turnover, annualised (employed leavers FTE / employed FTE)"]["england"] == "15.9%"  # DfE 2023


def test_member_pack_names_no_child_or_worker_and_shows_no_count_under_the_threshold(monthly, small_eastmere_db):
    pack, pdf, _ = monthly
    con, snap = small_eastmere_db
    text = pdf_text(pdf)
    ids = {r[0] for r in con.execute("SELECT child_id FROM child WHERE snapshot_id = ?", [snap.snapshot_id]).fetchall()}
    workers = con.execute("SELECT worker_id, name FROM worker WHERE snapshot_id = ?", [snap.snapshot_id]).fetchall()
    words = set(re.findall(r"[A-Za-z0-9]+", text))
    assert not ids & words
    assert not {w for w, _ in workers} & words
    assert not [name for _, name in workers if name and name in text]
    for view in pack.chapters:
        assert not any(s.personal for s in view.sections)
        for s in view.sections:
            posts = RULES[view.name].derived if view.name in RULES else {}  # posts and FTE name no one
            counts = [c.key for c in s.columns if c.unit == "count" and c.key not in posts
                      and not c.key.startswith(("standard", "target"))]
            small = [(s.key, k, r[k]) for r in s.rows for k in counts
                     if isinstance(r[k], int) and 0 < r[k] < N]
            assert not small, small
    assert any(SECONDARY in str(v) or f"<{N}" in str(v) for view in pack.chapters for s in view.sections
               for r in s.rows for v in r.values())


def test_no_count_under_the_threshold_on_the_first_page_or_in_the_workbook(monthly):
    """The printed first page (its charts' labels included) and every people-count cell of the workbook."""
    pack, pdf, xlsx = monthly
    first = pdf_text(pdf, layout=False).split("\f")[0]
    assert not small_counts_in(first, N), small_counts_in(first, N)
    assert f"<{N}" in first or SECONDARY in first  # small numbers were there, and are shown withheld
    view = pack_view(pack)
    book = CalamineWorkbook.from_path(str(xlsx))
    checked = 0
    for (i, chapter), name in zip(((i, v) for i, v in enumerate(pack.chapters, 1) for _ in v.sections),
                                  book.sheet_names[1:]):
        s = view.sections[checked]
        checked += 1
        exempt = RULES[chapter.name].derived if chapter.name in RULES else {}
        people = [j for j, c in enumerate(s.columns) if c.unit == "count" and c.key not in exempt
                  and not c.key.startswith(("standard", "target", "england", "neighbours"))]
        for row in book.get_sheet_by_name(name).to_python()[1:]:
            small = [row[j] for j in people if isinstance(row[j], (int, float)) and 0 < row[j] < N]
            assert not small, (name, row)
    assert checked == len(view.sections)


def test_monthly_workbook_holds_the_json_views_figures(monthly):
    pack, _, xlsx = monthly
    view = pack_view(pack)
    book = CalamineWorkbook.from_path(str(xlsx))
    assert book.sheet_names[0] == "About these figures"
    data = json.loads(view_json(view))
    for name, s in zip(book.sheet_names[1:], view.sections):
        sheet = book.get_sheet_by_name(name).to_python()
        assert sheet[0] == [c.title for c in s.columns]
        expected = data["sections"][s.key]["rows"]
        for got, want in zip(sheet[1:], expected):
            for cell, column in zip(got, s.columns):
                value = want[column.key]
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    assert cell == pytest.approx(value), (s.key, column.key)
                elif isinstance(value, str) and value in (SECONDARY, f"<{N}"):
                    assert cell == value


def test_monthly_pack_pages_are_rasterised(monthly):
    _, pdf, _ = monthly
    pages = rasterise(pdf)
    assert len(pages) >= 3 and all(p.stat().st_size > 1000 for p in pages)


def test_daily_log_has_a_page_per_team_and_lists_its_waiting_children(small_eastmere_db, tmp_path):
    pack = pack_for(small_eastmere_db, "daily", "2023-12-31", teams=["North Child in Need Team", "Assessment Team"])
    pdf = write_pack(pack, CONFIG, tmp_path, "pdf")
    pages = pdf_text(pdf).split("\f")
    assert [v.title for v in pack.chapters] == ["North Child in Need Team", "Assessment Team"]
    for view in pack.chapters:
        first = next(p for p in pages[1:] if f". {view.title}" in p)  # after the cover's contents
        waiting = view.section("unallocated").rows
        if waiting:
            assert waiting[0]["child_id"] in first  # the longest-waiting child on the team's first page
    rasterise(pdf)


def test_the_daily_log_holds_the_teams_with_cases_most_waiting_first_and_its_cover_says_where_they_wait(
        small_eastmere_db, tmp_path):
    from clearsight.reports import position

    pack = pack_for(small_eastmere_db, "daily", "2023-12-31")
    waiting = [len(v.section("unallocated").rows) for v in pack.chapters]
    assert waiting == sorted(waiting, reverse=True) and waiting[0] > 0
    assert all(n or any(w["caseload"] for w in v.section("workers").rows) for n, v in zip(waiting, pack.chapters))
    council = position.build(make_request(*small_eastmere_db, CONFIG, as_at="2023-12-31")).section("council").rows[0]
    teams = sum(1 for n in waiting if n)
    assert pack.headline[0].startswith(f"{council['unallocated']:,} children are waiting for a social worker in "
                                       f"{teams} of the {len(pack.chapters)} teams on this log, most first: "
                                       f"{pack.chapters[0].title} {waiting[0]:,} (longest ")
    cover = " ".join(pdf_text(write_pack(pack, CONFIG, tmp_path, "pdf"), layout=False).split("\f")[0].split())
    assert pack.headline[0] in cover
    quarterly = pack_for(small_eastmere_db, "quarterly", "2023-12-31")
    assert quarterly.headline == tuple(v.headline[0] for v in quarterly.chapters if v.headline)


@pytest.mark.slow
@pytest.mark.parametrize("as_at", ["2023-06-30", "2023-12-31", "2024-09-30"])
@pytest.mark.parametrize("kind", ["daily", "weekly", "monthly", "quarterly"])
def test_every_pack_renders_for_three_dates(small_eastmere_db, tmp_path, kind, as_at):
    pack = pack_for(small_eastmere_db, kind, as_at)
    pdf = write_pack(pack, CONFIG, tmp_path, "pdf")
    html = write_pack(pack, CONFIG, tmp_path, "html").read_text()
    assert pack.title in " ".join(pdf_text(pdf).split()) and "<svg" not in html  # charts are embedded images with alt text
    if as_at == "2023-12-31":
        rasterise(pdf)


def test_commentary_is_stored_and_printed_as_written(tmp_path):
    from council_builder import CouncilBuilder
    from typer.testing import CliRunner

    from clearsight.cli import app

    runner = CliRunner()
    b = CouncilBuilder(extract_date=date(2023, 12, 31))
    b.team("A", "Alpha")
    worker = b.worker("A", worker_id="WA")
    child, _ = b.case("A", date(2023, 6, 1))
    b.allocate(child, worker, "A", date(2023, 6, 2))
    db = tmp_path / "cs.duckdb"
    assert runner.invoke(app, ["--db", str(db), "load", str(b.write(tmp_path / "extract"))]).exit_code == 0
    words = "Agency <b>staff</b> left in October; two new managers start in January."
    saved = runner.invoke(app, ["--db", str(db), "commentary", "monthly", "workforce", "--month", "2023-12",
                                "--author", "Head of Service", "--text", words])
    assert saved.exit_code == 0, saved.output
    wrong = runner.invoke(app, ["--db", str(db), "commentary", "monthly", "nothing", "--month", "2023-12",
                                "--author", "x", "--text", "y"])
    assert wrong.exit_code == 2 and "workforce" in wrong.output
    result = runner.invoke(app, ["--db", str(db), "pack", "monthly", "--as-at", "2023-12-31", "--out",
                                 str(tmp_path), "--format", "html"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "monthly-2023-12-31.html").read_text()
    assert "Agency &lt;b&gt;staff&lt;/b&gt; left in October" in html and "Head of Service" in html


def test_plan_is_imported_recorded_monthly_and_shown_in_the_tracker(tmp_path):
    """`plan import`, `plan record` for a month, `plan edit`, then the tracker (`plan --format json`) and the
    monthly pack show the recorded month beside this one."""
    from council_builder import CouncilBuilder
    from typer.testing import CliRunner

    from clearsight.cli import app

    runner = CliRunner()
    b = CouncilBuilder(extract_date=date(2023, 12, 31))
    b.team("A", "Alpha")
    worker = b.worker("A", worker_id="WA")
    for day in (date(2023, 6, 1), date(2023, 6, 5)):
        child, _ = b.case("A", day)
        b.allocate(child, worker, "A", day)
    b.case("A", date(2023, 11, 1))  # waiting
    db = tmp_path / "cs.duckdb"
    assert runner.invoke(app, ["--db", str(db), "load", str(b.write(tmp_path / "extract"))]).exit_code == 0
    plan = tmp_path / "plan.csv"
    plan.write_text("id,theme,recommendation,action,owner,milestone,due_date,kpi,target\n"
                    "W1,Workforce,R1,No child waiting,Head of Service,,2023-11-30,waiting,0\n")
    for args in (["plan", "import", str(plan)], ["plan", "record", "--as-at", "2023-11-30"],
                 ["plan", "edit", "W1", "--due-date", "2024-06-30"]):
        result = runner.invoke(app, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output
    shown = runner.invoke(app, ["--db", str(db), "plan", "--as-at", "2023-12-31", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    view = json.loads(shown.output)
    [action] = view["sections"]["actions"]["rows"]
    assert (action["current_value"], action["rag"]) == (1, "amber")  # one waiting, now due mid-2024
    assert view["sections"]["history"]["rows"][0]["m2023-11"] == "red"  # as recorded: due then, one waiting
    result = runner.invoke(app, ["--db", str(db), "pack", "monthly", "--as-at", "2023-12-31", "--out", str(tmp_path),
                                 "--format", "html"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "monthly-2023-12-31.html").read_text()
    assert "Progress month by month" in html and "Nov 2023" in html
