"""Snapshots: one per loaded extract, immutable, so any figure can say what it was computed from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from clearsight.store.database import Connection, fetch_rows


class SnapshotNotFound(LookupError):
    """No snapshot matches the request."""


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: int
    council: str
    extract_date: date
    content_hash: str
    source: str
    loaded_at: datetime
    report: dict[str, Any]

    def completeness(self, table: str, column: str) -> float | None:
        """Share of the table's rows with a value in `column`, measured at load."""
        tables = self.report.get("tables", {})
        value = tables.get(table, {}).get("completeness", {}).get(column)
        return None if value is None else float(value)

    def rows(self, table: str) -> int:
        return int(self.report.get("tables", {}).get(table, {}).get("rows", 0))


_COLUMNS = "snapshot_id, council, extract_date, content_hash, source, loaded_at, report"


def _from_row(row: tuple[Any, ...]) -> Snapshot:
    return Snapshot(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]))


def _first(con: Connection, sql: str, **parameters: Any) -> tuple[Any, ...] | None:
    rows = fetch_rows(con, sql, parameters)
    return rows[0] if rows else None


def list_snapshots(con: Connection) -> list[Snapshot]:
    rows = con.execute(f"SELECT {_COLUMNS} FROM snapshot ORDER BY snapshot_id").fetchall()
    return [_from_row(r) for r in rows]


def get_snapshot(con: Connection, snapshot_id: int | None = None) -> Snapshot:
    """The given snapshot, or the latest one loaded."""
    if snapshot_id is None:
        row = con.execute(f"SELECT {_COLUMNS} FROM snapshot ORDER BY snapshot_id DESC LIMIT 1").fetchone()
        if row is None:
            raise SnapshotNotFound("the database holds no snapshot yet: run `clearsight load DIR` first")
    else:
        row = _first(con, f"SELECT {_COLUMNS} FROM snapshot WHERE snapshot_id = $id", id=snapshot_id)
        if row is None:
            raise SnapshotNotFound(f"no snapshot {snapshot_id} in the database")
    return _from_row(row)


def councils(con: Connection) -> list[str]:
    """The councils the database holds snapshots of, by name."""
    return [r[0] for r in con.execute("SELECT DISTINCT council FROM snapshot ORDER BY council").fetchall()]


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def latest_snapshot(con: Connection, council: str | None = None) -> Snapshot:
    """The latest snapshot of `council` (its name, matched ignoring case and spacing); with no council, the
    latest snapshot when the database holds one council. A database holding several councils (a regional or
    national load) must be told which, so a figure is never silently some other council's."""
    held = councils(con)
    if not held:
        raise SnapshotNotFound("the database holds no snapshot yet: run `clearsight load DIR` first")
    if council is None:
        if len(held) > 1:
            raise SnapshotNotFound(f"the database holds {len(held)} councils; choose one with --council: "
                                   f"{', '.join(held)}")
        chosen = held[0]
    else:
        chosen = next((c for c in held if _name_key(c) == _name_key(council)), "")
        if not chosen:
            raise SnapshotNotFound(f"no snapshot of council {council!r}; the database holds {', '.join(held)}")
    row = _first(con, f"SELECT {_COLUMNS} FROM snapshot WHERE council = $council "
                 "ORDER BY snapshot_id DESC LIMIT 1", council=chosen)
    assert row is not None
    return _from_row(row)


def find_by_hash(con: Connection, content_hash: str) -> Snapshot | None:
    row = _first(con, f"SELECT {_COLUMNS} FROM snapshot WHERE content_hash = $hash", hash=content_hash)
    return None if row is None else _from_row(row)


def team_names(con: Connection, snapshot: Snapshot) -> dict[str, str]:
    """Team id -> name in the snapshot: what a `--team` option may name."""
    rows = fetch_rows(con, "SELECT team_id, name FROM team WHERE snapshot_id = $id", {"id": snapshot.snapshot_id})
    return {str(team_id): str(name) for team_id, name in rows}


def first_record_date(con: Connection, snapshot: Snapshot) -> date | None:
    """The day the case records begin: the first referral, or the first allocation where that is later (an
    extract carries cases open for years, referred long before the case system's history of allocations
    starts; before it every open case would show as waiting). Before it the data can say nothing about cases."""
    row = _first(con, "SELECT (SELECT min(referral_date) FROM episode WHERE snapshot_id = $id), "
                      "(SELECT min(start_date) FROM allocation WHERE snapshot_id = $id)", id=snapshot.snapshot_id)
    found = [d for d in row or () if d is not None]
    return max(found) if found else None
