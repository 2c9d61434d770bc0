"""Build tiny councils by hand, as canonical extracts, for tests with hand-computed answers.

Tests describe a council in a few lines (teams, workers, cases, allocations), write it as a real extract
and load it through the real loader, so every metric test also exercises validation and the store.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import backends
from clearsight.canonical.manifest import Manifest, TableFile
from clearsight.canonical import schema
from clearsight.store.database import Connection, connect
from clearsight.store.load import LoadReport, load_extract
from clearsight.store.snapshots import Snapshot, get_snapshot

LONG_AGO = date(2010, 1, 1)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class CouncilBuilder:
    def __init__(self, extract_date: date = date(2024, 1, 31), council: str = "Testshire") -> None:
        self.extract_date = extract_date
        self.council = council
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._ids: dict[str, int] = defaultdict(int)

    def _next(self, prefix: str) -> str:
        self._ids[prefix] += 1
        return f"{prefix}{self._ids[prefix]}"

    def add(self, table: str, **row: Any) -> dict[str, Any]:
        self.rows[table].append(row)
        return row

    def team(self, team_id: str, name: str | None = None, service: str = "cin") -> str:
        self.add("team", team_id=team_id, name=name or team_id, service=service, start_date=LONG_AGO)
        return team_id

    def worker(
        self, team_id: str, role: str = "social_worker", fte: float = 1.0, *, worker_id: str | None = None,
        name: str | None = None, start: date = LONG_AGO, last_day: date | None = None,
        manager_id: str | None = None, employment: str = "permanent", **extra: Any,
    ) -> str:
        """A worker with one post; `last_day` is their last day of service (the post ends the day after, as the
        schema declares); `extra` sets other worker columns (leave_reason, start_origin...)."""
        worker_id = worker_id or self._next("W")
        self.add(
            "worker", worker_id=worker_id, name=name or f"Worker {worker_id}", role=role, qualified=True,
            employment=employment, start_date=start, end_date=last_day, **extra,
        )
        post_end = None if last_day is None else last_day + timedelta(days=1)
        self.post(worker_id, team_id, role, fte, start=start, end=post_end, manager_id=manager_id)
        return worker_id

    def post(
        self, worker_id: str, team_id: str, role: str, fte: float = 1.0, *, start: date = LONG_AGO,
        end: date | None = None, manager_id: str | None = None,
    ) -> str:
        post_id = self._next("P")
        self.add(
            "worker_post", post_id=post_id, worker_id=worker_id, team_id=team_id, role=role, fte=fte,
            manager_id=manager_id, start_date=start, end_date=end,
        )
        return post_id

    def establishment(
        self, team_id: str, funded_fte: float, role: str = "social_worker", start: date = LONG_AGO,
        end: date | None = None,
    ) -> None:
        self.add(
            "establishment", establishment_id=self._next("EST"), team_id=team_id, role=role,
            funded_fte=funded_fte, start_date=start, end_date=end,
        )

    def absence(self, worker_id: str, start: date, end: date | None, reason: str = "sickness") -> None:
        self.add("absence", absence_id=self._next("AB"), worker_id=worker_id, start_date=start, end_date=end,
                 reason=reason)

    def case(
        self, team_id: str, referral: date, *, close: date | None = None, child_id: str | None = None,
        nfa: bool = False,
    ) -> tuple[str, str]:
        """A child with an episode; returns (child_id, episode_id)."""
        if child_id is None:
            child_id = self._next("C")
            self.add("child", child_id=child_id, sex="F", dob=date(2012, 5, 1))
        episode_id = self._next("E")
        self.add(
            "episode", episode_id=episode_id, child_id=child_id, referral_date=referral, close_date=close,
            team_id=team_id, referral_nfa=nfa,
        )
        return child_id, episode_id

    def allocate(
        self, child_id: str, worker_id: str | None, team_id: str, start: date, end: date | None = None,
        *, role: str = "allocated_social_worker", change_reason: str | None = None,
    ) -> str:
        allocation_id = self._next("A")
        self.add(
            "allocation", allocation_id=allocation_id, child_id=child_id, worker_id=worker_id, team_id=team_id,
            role=role, start_date=start, end_date=end, change_reason=change_reason,
        )
        return allocation_id

    def cp_plan(self, child_id: str, episode_id: str, start: date, end: date | None = None) -> None:
        self.add(
            "cp_plan", cp_plan_id=self._next("CP"), child_id=child_id, episode_id=episode_id, start_date=start,
            end_date=end,
        )

    def cp_child(
        self, team_id: str, worker_id: str, referral: date, plan_start: date, seen_on: tuple[date, ...] = (),
    ) -> tuple[str, str]:
        """A child referred, allocated to `worker_id` and on a CP plan, seen (alone) on each of `seen_on`."""
        child, episode = self.case(team_id, referral)
        self.allocate(child, worker_id, team_id, referral)
        self.cp_plan(child, episode, plan_start)
        for day in seen_on:
            self.add("visit", visit_id=self._next("V"), child_id=child, kind="CP", visit_date=day, seen=True,
                     seen_alone=True)
        return child, episode

    def looked_after(self, child_id: str, start: date, end: date | None = None) -> None:
        self.add(
            "cla_episode", cla_episode_id=self._next("LA"), child_id=child_id, period_id=self._next("PER"),
            start_date=start, legal_status="C2", end_date=end,
        )

    def write(self, directory: Path) -> Path:
        """Write every canonical table (empty ones too) and the manifest."""
        directory.mkdir(parents=True, exist_ok=True)
        tables = {}
        for table in schema.TABLES:
            rows = self.rows.get(table.name, [])
            path = directory / f"{table.name}.csv"
            with open(path, "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(table.column_names)
                for row in rows:
                    unknown = set(row) - set(table.column_names)
                    assert not unknown, f"{table.name}: unknown columns {unknown}"
                    writer.writerow([_cell(row.get(c)) for c in table.column_names])
            tables[table.name] = TableFile(table.name, path.name, len(rows))
        Manifest(self.council, self.extract_date, tables, created_by="tests").write(directory)
        return directory

    def load(self, tmp: Path) -> "Loaded":
        extract = self.write(tmp / "extract")
        location = backends.current(tmp).location(tmp)
        con = connect(location)
        report = load_extract(con, extract)
        assert report.status == "loaded", "\n".join(str(p) for p in report.problems)
        return Loaded(con, get_snapshot(con), report, location)


class Loaded:
    def __init__(self, con: Connection, snapshot: Snapshot, report: LoadReport, location: Path | str) -> None:
        self.con = con
        self.location = location  # the database: a DuckDB file or a PostgreSQL URL, for --db
        self.snapshot = snapshot
        self.report = report
