"""The narrative a service writes for a pack's chapter each month (table `pack_commentary`, migration 6).

Council papers ask for commentary beside the figures; Clearsight stores the service's own words and prints them
in the pack as written (escaped like any data), with who wrote them and when. It never writes commentary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb


@dataclass(frozen=True)
class Commentary:
    chapter: str
    body: str
    author: str
    written_at: datetime


def save_commentary(con: duckdb.DuckDBPyConnection, council: str, pack: str, chapter: str, month: str, body: str,
                    author: str, *, now: datetime | None = None) -> None:
    """Write (or replace) the commentary on `chapter` of `pack` for `month` (YYYY-MM)."""
    con.execute("DELETE FROM pack_commentary WHERE council = ? AND pack = ? AND chapter = ? AND month = ?",
                [council, pack, chapter, month])
    con.execute("INSERT INTO pack_commentary VALUES (?, ?, ?, ?, ?, ?, ?)",
                [council, pack, chapter, month, body, author, now or datetime.now()])


def commentary_for(con: duckdb.DuckDBPyConnection, council: str, pack: str, month: str) -> dict[str, Commentary]:
    """Every chapter's commentary for the month, by chapter."""
    rows = con.execute("SELECT chapter, body, author, written_at FROM pack_commentary WHERE council = ? AND pack = ? "
                       "AND month = ?", [council, pack, month]).fetchall()
    return {r[0]: Commentary(*r) for r in rows}
