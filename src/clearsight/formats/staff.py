"""Workers and teams already in the database, for formats that name staff and teams by text (Annex A).

A snapshot stands alone, so when names resolve to workers of an earlier snapshot those workers, their posts
and the teams are carried into the new snapshot, with provenance saying which snapshot they came from.
Matching is exact, then on a normalised name (case, spacing, punctuation); a normalised name shared by two
workers is ambiguous and matches neither.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pyarrow as pa

from clearsight.formats.cells import name_key
from clearsight.canonical import schema
from clearsight.store.validation import quote

CARRIED = ("team", "worker", "worker_post")


@dataclass
class KnownStaff:
    snapshot_id: int | None = None
    tables: dict[str, pa.Table] = field(default_factory=dict)  # carried tables, canonical text + provenance
    by_name: dict[str, str] = field(default_factory=dict)  # exact name -> worker_id
    by_key: dict[str, str] = field(default_factory=dict)  # normalised name -> worker_id (unambiguous only)
    teams_by_key: dict[str, tuple[str, str]] = field(default_factory=dict)  # normalised name -> (id, service)
    source: str = ""  # where the workers came from ("snapshot 3", "the HR files loaded with it"); "" for none

    @property
    def known(self) -> bool:
        return bool(self.by_name or self.by_key)

    def worker(self, name: str) -> tuple[str | None, str]:
        """(worker_id, how) with how in 'exact', 'normalised', 'unmatched'."""
        if name in self.by_name:
            return self.by_name[name], "exact"
        found = self.by_key.get(name_key(name))
        return (found, "normalised") if found else (None, "unmatched")


_AS_AT = {  # rows as they stood on the new extract's date: later starts dropped, later ends still open
    "worker": ("start_date", ("end_date", "leave_reason", "leaver_destination")),
    "worker_post": ("start_date", ("end_date",)),
    "team": ("start_date", ("end_date",)),
}


def known_staff(con: duckdb.DuckDBPyConnection | None, as_at: date | None = None) -> KnownStaff:
    """Workers, posts and teams of the newest snapshot that has workers, as they stood on `as_at`; empty when
    there is none."""
    if con is None:
        return KnownStaff()
    try:
        row = con.execute(  # the newest extract holding workers; the latest loaded on a tie
            "SELECT snapshot_id FROM snapshot WHERE snapshot_id IN (SELECT DISTINCT snapshot_id FROM worker) "
            "ORDER BY extract_date DESC, snapshot_id DESC LIMIT 1"
        ).fetchone()
    except duckdb.Error:
        return KnownStaff()
    if not row or row[0] is None:
        return KnownStaff()
    snap = int(row[0])
    tables: dict[str, pa.Table] = {}
    for name in CARRIED:
        cols = schema.table(name).columns
        start, ends = _AS_AT[name]
        day = f"DATE '{as_at.isoformat()}'" if as_at else "DATE '9999-12-31'"
        select = ", ".join(
            f"CASE WHEN {quote(c.name)} THEN 'Y' WHEN NOT {quote(c.name)} THEN 'N' END AS {quote(c.name)}"
            if c.type == "bool" else
            f"CASE WHEN end_date > {day} THEN NULL ELSE CAST({quote(c.name)} AS VARCHAR) END AS {quote(c.name)}"
            if c.name in ends else f"CAST({quote(c.name)} AS VARCHAR) AS {quote(c.name)}"
            for c in cols
        )
        result = con.execute(
            f"SELECT {select}, 'snapshot {snap}: ' || source_file AS source_file, source_row "
            f"FROM {quote(name)} WHERE snapshot_id = ? AND ({start} IS NULL OR {start} <= {day}) "
            f"ORDER BY source_file, source_row", [snap]
        ).arrow()
        tables[name] = result.read_all() if hasattr(result, "read_all") else result
    return index_staff(tables["worker"], tables["team"], f"snapshot {snap}", snap, tables)


def index_staff(
    workers: pa.Table | None, teams: pa.Table | None, source: str, snapshot_id: int | None = None,
    tables: dict[str, pa.Table] | None = None,
) -> KnownStaff:
    """Staff to resolve names against, from worker and team rows (text columns): `source` says where they came
    from, `tables` are the rows to carry into the new snapshot (none when they are in it already)."""
    staff = KnownStaff(snapshot_id, dict(tables or {}), source=source)
    people = workers.select(["worker_id", "name"]).to_pylist() if workers is not None else []
    keys = Counter(name_key(w["name"] or "") for w in people)
    exact = Counter(w["name"] for w in people)
    for w in people:
        if exact[w["name"]] == 1:
            staff.by_name[w["name"]] = w["worker_id"]
        if keys[name_key(w["name"] or "")] == 1:
            staff.by_key[name_key(w["name"] or "")] = w["worker_id"]
    if teams is not None:
        for t in teams.select(["team_id", "name", "service"]).to_pylist():
            staff.teams_by_key.setdefault(name_key(t["name"] or ""), (t["team_id"], t["service"]))
    return staff
