"""Write a snapshot as one full DfE CSC API payload (spec v0.8: formats.csc_api_spec), checked against the
spec's full-record rules before anything is written.

Every child is written with its social care episodes and, inside each, its care workers (allocations of that
episode), assessments, CIN plans, S47 enquiries (with the conference date), CP plans and placements.
Placements, adoption and care leaver contact are the child's, not an episode's, in Clearsight: each goes in
the episode holding its date (else the latest begun by then, else the first); one with no episode to go in
is counted as not written, as is a second adoption decision in one episode and an allocation of no episode
(personal advisers). Both ids are the case system's child id. `purge` is false throughout. A disability
recorded only as 'yes' is not written (the payload needs its kind); 'no' is written as NONE. la_code is
written when the council is named 'LA <code>' (as a CIN census or CSC API load names it).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from clearsight.formats.csc_api_spec import CHILD, Block, check
from clearsight.store.snapshots import Snapshot

_EPISODES = CHILD.block("social_care_episodes")
_LA = re.compile(r"^LA (\d+)$")
SHOWN_PROBLEMS = 10


def _value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _record(block: Block, row: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A block's fields from a canonical row (blank fields left out), then `extra`, then purge false."""
    found = {name: _value(row[col]) for name, col in block.columns.items() if row.get(col) is not None}
    found.update({k: v for k, v in extra.items() if v is not None})
    return found | ({"purge": False} if block.purge else {})


def _rows(con: duckdb.DuckDBPyConnection, sql: str, snapshot_id: int) -> list[dict[str, Any]]:
    cursor = con.execute(sql, [snapshot_id])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def _by(rows: list[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


def _episode_for(episodes: list[dict[str, Any]], day: date | None) -> dict[str, Any] | None:
    """The episode (sorted by referral date) holding `day`, else the latest begun by then, else the first."""
    if not episodes:
        return None
    if day is None:
        return episodes[-1]
    begun = episodes[:bisect_right([e["referral_date"] for e in episodes], day)]
    holding = [e for e in begun if e["close_date"] is None or day < e["close_date"]]
    return (holding or begun or episodes)[-1 if holding or begun else 0]


def payload(con: duckdb.DuckDBPyConnection, snapshot: Snapshot) -> tuple[dict[str, Any], Counter[str]]:
    """The snapshot as a payload envelope, and how many records of each kind were written or left out."""
    s = snapshot.snapshot_id
    q = "SELECT * FROM {} WHERE snapshot_id = ? ORDER BY ALL"
    episodes = _by(_rows(con, q.format("episode"), s), "child_id")
    nested: dict[str, list[dict[str, Any]]] = defaultdict(list)  # episode_id + block name -> records
    counts: Counter[str] = Counter()
    conferences: dict[str, date] = {}  # an S47's latest conference
    for row in _rows(con, q.format("(SELECT * FROM icpc WHERE conference_date IS NOT NULL)"), s):
        conferences[row["s47_id"]] = max(row["conference_date"], conferences.get(row["s47_id"], date.min))
    for block, table in (("child_and_family_assessments", "assessment"), ("child_in_need_plans", "cin_plan"),
                         ("section_47_assessments", "s47"), ("child_protection_plans", "cp_plan")):
        for row in _rows(con, q.format(table), s):
            extra = {"icpc_date": _value(conferences.get(row["s47_id"]))} if table == "s47" else {}
            nested[row["episode_id"] + "\0" + block].append(_record(_EPISODES.block(block), row, **extra))
    for row in _rows(con, q.format("allocation"), s):
        if row["episode_id"] is None or row["worker_id"] is None:
            counts["not written: allocations of no episode or no worker"] += 1
            continue
        nested[row["episode_id"] + "\0care_worker_details"].append(
            _record(_EPISODES.block("care_worker_details"), row))
    for block, table, day in (("child_looked_after_placements", "cla_episode", "start_date"),
                              ("adoption", "adoption", "decision_date"),
                              ("care_leavers", "care_leaver", "latest_contact")):
        for row in _rows(con, q.format(table), s):
            episode = _episode_for(episodes.get(row["child_id"], []), row[day])
            key = f"{episode['episode_id']}\0{block}" if episode else ""
            if not episode or (not _EPISODES.block(block).many and nested.get(key)):
                counts[f"not written: {table} rows with no episode to go in"] += 1
                continue
            nested[key].append(_record(_EPISODES.block(block), row))
    children = []
    held = "(SELECT c.*, u.ceased_date AS uasc_end_date FROM child c LEFT JOIN uasc u USING (snapshot_id, child_id))"
    for child in _rows(con, q.format(held), s):
        children.append(_child(child, episodes.get(child["child_id"], []), nested, counts))
    for name, records in nested.items():
        counts[name.split("\0")[1]] += len(records)
    counts["children"] = len(children)
    envelope: dict[str, Any] = {}
    if code := _LA.match(snapshot.council):
        envelope["la_code"] = int(code.group(1))
    return envelope | {"Children": children}, counts


def _child(child: dict[str, Any], episodes: list[dict[str, Any]], nested: dict[str, list[dict[str, Any]]],
           counts: Counter[str]) -> dict[str, Any]:
    extra: dict[str, Any] = {"sex": child["sex"] or "U"}
    if child["disability"] is False:
        extra["disabilities"] = ["NONE"]
    elif child["disability"]:
        counts["not written: disability recorded without its kind"] += 1
    if child["uasc"] is not None:
        extra["uasc_flag"] = bool(child["uasc"])
    if child.get("uasc_end_date"):
        extra["uasc_end_date"] = _value(child["uasc_end_date"])
    details = _record(CHILD.block("child_details"), child, **extra)
    written = []
    for episode in episodes:
        record = _record(_EPISODES, episode)
        purge = record.pop("purge")
        for block in _EPISODES.blocks:
            found = nested.get(f"{episode['episode_id']}\0{block.name}")
            if found:
                record[block.name] = found if block.many else found[0]
        written.append(record | {"purge": purge})
    return {"la_child_id": child["child_id"], "mis_child_id": child["child_id"], "purge": False,
            "child_details": details, "social_care_episodes": written}


def problems(children: list[dict[str, Any]]) -> list[str]:
    """Every way the records fall short of the spec as full records, naming the child and field."""
    return [f"child {child.get('la_child_id')}, {path}: {message}" for child in children
            for path, message in check(child, True)]


def write_csc_api(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, out: Path) -> dict[str, int]:
    """Write `out` (a .json file, else `<out>/csc_api_<extract date>.json`) after checking every record
    against the spec; ValueError naming the failures, and nothing written, when any falls short."""
    envelope, counts = payload(con, snapshot)
    failures = problems(envelope["Children"])
    if failures:
        more = f" and {len(failures) - SHOWN_PROBLEMS} more" if len(failures) > SHOWN_PROBLEMS else ""
        raise ValueError(f"{len(failures)} payload fields do not meet the CSC API spec, nothing written: "
                         + "; ".join(failures[:SHOWN_PROBLEMS]) + more)
    path = out if out.suffix.lower() == ".json" else out / f"csc_api_{snapshot.extract_date.isoformat()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(envelope, fh, separators=(",", ":"))
    return dict(counts)
