"""A reader checks which working-day calendar its database holds once, not before every figure (store.calendar)."""

from __future__ import annotations

from datetime import date

from clearsight.config import CouncilConfig
from clearsight.config.settings import CalendarSettings
from clearsight.store import calendar
from clearsight.store.database import open_database


def test_a_reader_reads_the_stored_calendars_hash_once_and_a_writer_every_time(tmp_path, monkeypatch):
    path = tmp_path / "db.duckdb"
    open_database(path, write=True, create=True).close()  # stores the default calendar
    reads: list[object] = []
    stored_hash = calendar._stored_hash
    monkeypatch.setattr(calendar, "_stored_hash", lambda con: reads.append(con) or stored_hash(con))
    closed = CouncilConfig(calendar=CalendarSettings(closure_days=(date(2024, 1, 2),)))
    reader = open_database(path)
    assert [calendar.calendar_tables(reader, CouncilConfig()) for _ in range(3)] == [{}, {}, {}]
    assert list(calendar.calendar_tables(reader, closed)) == [calendar.CALENDAR_TABLE]  # shadowed, as before
    assert len(reads) == 1
    reader.close()
    writer = open_database(path, write=True)
    reads.clear()
    assert [calendar.calendar_tables(writer, CouncilConfig()) for _ in range(3)] == [{}, {}, {}]
    assert len(reads) == 3  # a writer may rebuild it: read each time
    writer.close()
