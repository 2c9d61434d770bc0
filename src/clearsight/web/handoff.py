"""`clearsight load` while `clearsight serve` holds the database: the files are handed to the server.

DuckDB lets one process write a file (engineering.md trap 3). A load that finds the database held reads
`<db>.serve.json` (written by the server, readable by its owner only), posts the file paths to the server's
loopback address with the token from that file, and prints the server's report as its own. The server loads
them like an upload: readers keep the previous snapshot until the new one commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

from clearsight.config import CouncilConfig
from clearsight.reports.load import load_sources
from clearsight.store.database import DatabaseBusy, database_path, open_database
from clearsight.store.load import LoadReport
from clearsight.store.validation import Problem

HANDOFF_TIMEOUT = 3600.0  # seconds a handed-over load may take (a whole council's extract is minutes)


def load_or_hand_over(db: str | Path | None, config: CouncilConfig, paths: list[Path], fmt: str,
                      extract_date: date | None, council: str | None,
                      progress: Callable[..., None]) -> list[LoadReport]:
    """Load into the database, or hand the files to the server holding it. Raises DatabaseBusy when the
    database is held and no server answers for it."""
    try:
        con = open_database(db, write=True, create=True, config=config)
    except DatabaseBusy as busy:
        handed = hand_over(database_path(db), paths, fmt, extract_date, council)
        if handed is None:
            raise busy from None
        return handed
    return load_sources(con, paths, fmt, extract_date, council, progress)


def hand_over(db: Path, paths: list[Path], fmt: str, extract_date: date | None,
              council: str | None) -> list[LoadReport] | None:
    """The server's reports of loading `paths`, or None when no server says it holds `db`. (httpx is imported
    here, when a load finds the database held: a twentieth of a second of every other load.)"""
    import httpx

    from clearsight.web.server import handoff_path

    try:
        where = json.loads(handoff_path(db).read_text(encoding="utf-8"))  # type: ignore[union-attr]
    except (OSError, ValueError, AttributeError):  # AttributeError: PostgreSQL, never busy, has no handoff file
        return None
    body = {"paths": [str(p.resolve()) for p in paths], "format": fmt, "council": council,
            "extract_date": extract_date.isoformat() if extract_date else None}
    try:
        answer = httpx.post(f"{where['url']}/internal/load", json=body, timeout=HANDOFF_TIMEOUT,
                            headers={"X-Clearsight-Token": where["token"]})
    except httpx.HTTPError:
        return None
    if answer.status_code != 200:
        return None
    data = answer.json()
    return [report_from_dict(d) for d in (data if isinstance(data, list) else [data])]


def report_from_dict(data: dict[str, Any]) -> LoadReport:
    """A load report back from its JSON (`LoadReport.as_dict`)."""
    def problems(items: list[dict[str, Any]]) -> list[Problem]:
        return [Problem(p["file"], p["column"], p["message"], tuple(p["rows"]), p["count"], tuple(p["values"]),
                        tuple(p["records"])) for p in items]

    known = {f.name for f in fields(LoadReport)}
    return LoadReport(**{k: v for k, v in data.items() if k in known and k not in ("problems", "rejected",
                                                                                  "extract_date")},
                      extract_date=date.fromisoformat(data["extract_date"]) if data.get("extract_date") else None,
                      problems=problems(data.get("problems", [])), rejected=problems(data.get("rejected", [])))
