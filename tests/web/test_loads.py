"""Loads while serving (embedded DuckDB): through the server, the inbox, an upload and `clearsight load`'s
hand-over; readers see one whole snapshot at a time."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

from conftest import PASSWORD, Tiny, build_council, csrf, signed_in
from clearsight.web.server import Inbox, handoff_path

CLI = Path(sys.executable).with_name("clearsight")
LATER = "2024-01-25"  # after the second extract's new referral (20 January)


def second_extract(tmp: Path, day: date = date(2024, 2, 29)) -> Path:
    return build_council(extract_date=day, extra_south_child=True).write(tmp / f"extract-{day}")


def test_readers_see_one_whole_snapshot_while_a_load_commits(tiny: Tiny, tmp_path: Path) -> None:
    c = signed_in(tiny, "admin")
    before = c.get(f"/api/views/today?as_at={LATER}").json()
    extract = second_extract(tmp_path)
    loader = threading.Thread(target=tiny.server.load, args=([extract],), kwargs={"by": "test"})
    answers = []
    loader.start()
    while loader.is_alive():
        answers.append(c.get(f"/api/views/today?as_at={LATER}").json())
    loader.join()
    after = c.get(f"/api/views/today?as_at={LATER}").json()
    assert after["snapshot_id"] == before["snapshot_id"] + 1
    assert after["views"]["position"]["headline"][0] != before["views"]["position"]["headline"][0]  # one more
    for answer in answers:  # each answer is one snapshot's, whole: its figures are that snapshot's figures
        expected = before if answer["snapshot_id"] == before["snapshot_id"] else after
        assert answer["views"]["position"]["headline"] == expected["views"]["position"]["headline"]
        assert answer["views"]["position"]["provenance"]["snapshot_id"] == answer["snapshot_id"]


def test_the_inbox_loads_an_extract_once_it_stops_changing(tiny: Tiny, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watcher = Inbox(tiny.server, inbox, interval=0)
    second_extract(inbox, date(2024, 3, 31))
    assert watcher.scan() == []  # first seen: wait until it has stopped changing
    [done] = watcher.scan()
    assert done.parent.name == "loaded" and Path(str(done) + ".report.json").is_file()
    with tiny.server.cursor() as cur:
        assert tiny.server.snapshot(cur).extract_date == date(2024, 3, 31)


def test_an_administrator_uploads_an_extract(tiny: Tiny, tmp_path: Path) -> None:
    extract = second_extract(tmp_path, date(2024, 4, 30))
    files = [("files", (p.name, p.read_bytes(), "text/csv")) for p in sorted(extract.iterdir())]
    analyst = signed_in(tiny, "analyst")
    assert analyst.post("/admin/load", data={"csrf": csrf(analyst, "/today")}, files=files).status_code == 403
    admin = signed_in(tiny, "admin")
    assert admin.post("/admin/load", data={"csrf": "wrong"}, files=files).status_code == 403
    r = admin.post("/admin/load", data={"csrf": csrf(admin, "/admin/load")}, files=files)
    assert r.status_code == 303
    with tiny.server.cursor() as cur:
        assert tiny.server.snapshot(cur).extract_date == date(2024, 4, 30)
    assert "upload:admin" in admin.get("/admin/load").text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # three CLI processes and a server: about two minutes on two shared cores
@pytest.mark.duckdb_only  # the hand-over of a DuckDB file a server holds (PostgreSQL is never held)
def test_clearsight_load_hands_its_files_to_the_running_server(tiny: Tiny, tmp_path: Path) -> None:
    db = tmp_path / "served.duckdb"
    env = {**os.environ, "CLEARSIGHT_PASSWORD": PASSWORD}
    run = lambda *args: subprocess.run([str(CLI), "--db", str(db), *args], capture_output=True, text=True,  # noqa: E731
                                       env=env, timeout=600)
    assert run("load", str(tiny.extract)).returncode == 0
    port = _free_port()
    server = subprocess.Popen([str(CLI), "--db", str(db), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while not handoff_path(db).exists() or not _answers(port):
            assert server.poll() is None and time.monotonic() < deadline, server.stdout.read() if server.stdout else ""
            time.sleep(0.5)
        busy = run("users", "add", "late", "--role", "analyst")
        assert busy.returncode == 3 and "Users page" in busy.stderr  # accounts change through the server
        handed = run("load", str(second_extract(tmp_path)))
        assert handed.returncode == 0, handed.stderr
        assert "Loaded snapshot 2: Testshire, extract date 2024-02-29" in handed.stdout
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert not handoff_path(db).exists()  # the server says it no longer holds the database
    orphan = run("load", str(second_extract(tmp_path, date(2024, 3, 31))))
    assert orphan.returncode == 0 and "snapshot 3" in orphan.stdout


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_readers_stay_on_the_previous_snapshot_until_the_new_ones_pages_are_built(tiny: Tiny, tmp_path: Path) -> None:
    """After a load the server builds the new snapshot's pages first (warm) and only then shows it, so readers
    never queue behind a cold build; once built, every reader moves to it."""
    from clearsight.reports import position
    from clearsight.web.pages import Part

    server = tiny.server
    release = threading.Event()
    built: list[int] = []

    def slow_position(req):  # the build a load's warm-up waits on
        release.wait(timeout=60)
        built.append(req.snapshot.snapshot_id)
        return position.build(req)

    with server.cursor() as cur:
        before = server.snapshot(cur).snapshot_id
    server.warm_parts = (Part("slow-position", slow_position),)
    try:
        loader = threading.Thread(target=server.load, args=([second_extract(tmp_path, date(2024, 5, 31))],),
                                  kwargs={"by": "test"})
        loader.start()
        loader.join(timeout=300)
        with server.cursor() as cur:
            assert server.snapshot(cur).snapshot_id == before  # loaded, not yet built: readers stay
        release.set()
        deadline = time.monotonic() + 120
        while True:
            with server.cursor() as cur:
                now = server.snapshot(cur).snapshot_id
            if now != before or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert now == before + 1 and built == [now]
    finally:
        release.set()
        server.warm_parts = ()
