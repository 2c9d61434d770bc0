"""DfE children's social care API payloads (JSON, spec v0.8: formats.csc_api_spec) into the canonical model.

A council sending DfE's daily child-level payload sends a full record per child once, then each day only what
changed: a partial record holds the child's ids, child_details and the changed or new records of each block,
matched on their ids, and `purge: true` deletes a child, a record or a block. Clearsight reads one file or a
directory of daily payloads and applies them in order (by the date in the file's name, then by name; a
file without a date comes first), so the snapshot holds each child as DfE would after the last day. A file
holds a list of child records, one record, or {"la_code": ..., "Children": [...]}. Each record is checked
against the spec as an update (csc_api_spec.check); a record that fails is left out whole and named (file,
record number, field, child id), the rest load. Rows of a payload are its child records, numbered from 1.

What the payload cannot say, so Clearsight does not invent it: it names no teams (episodes, assessments and
allocations sit in 'Unknown team (CSC API)'); care workers are known by worker id only, so they are
provisional social workers (FTE 1.0), and each care worker record is an allocated-social-worker allocation
of its episode; placements carry no legal status (loaded blank: figures that need it say so) nor provider;
periods of care are worked out from the placements as SSDA903 does (a new period unless the last placement
ended X1 and this one did not start S). A child's disabilities become 'has a disability' unless the list is
NONE. Names, UPNs, postcodes, SDQ scores, EHCPs, assessment factors, placement change reasons and the
placed-for-adoption date are not held. The extract date is the latest date in the files' names, else the
latest event date of the bulk of the records. End and closure dates are the day the record ended, as the
schema's end dates are written.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from clearsight.formats.csc_api_spec import CHILD, SPEC_VERSION, Block, check
from clearsight.formats.errors import ReaderError
from clearsight.formats.source import ReaderOutput
from clearsight.store.validation import Problem

FORMAT = "csc-api"
UNKNOWN_TEAM = "csc-api:unknown-team"
SOURCE = "_source"  # (file, record number) of the latest update to a record; payload fields never start with _
_SEX = {"1": "M", "2": "F", "0": "U", "9": "U"}  # CIN census numbers, should a payload carry them
_NAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)")
NOT_HELD = ("names, UPNs, postcodes, SDQ scores, EHCPs, assessment factors, placement change reasons and the "
            "placed-for-adoption date")


def looks_like_payload(head: str) -> bool:
    """True when the start of a text file is a CSC API payload (JSON naming la_child_id)."""
    return head.lstrip()[:1] in ("[", "{") and '"la_child_id"' in head


def name_date(path: Path) -> date | None:
    """The date a payload file's name carries (2025-03-31 or 20250331), if any: the day it was sent."""
    found = [m for m in _NAME_DATE.findall(path.stem)]
    for y, m, d in reversed(found):
        try:
            return date(int(y), int(m), int(d))
        except ValueError:
            continue
    return None


def read(paths: Sequence[Path]) -> ReaderOutput:
    """Apply every payload in order and map the children as they then stand into canonical rows."""
    out = ReaderOutput(FORMAT, list(paths), not_carried={"cla_episode": ("legal_status",)})
    ordered = sorted(paths, key=lambda p: (name_date(p) or date.min, p.name))
    children: dict[str, dict[str, Any]] = {}
    counts: Counter[str] = Counter()
    unknown: set[str] = set()
    codes: set[str] = set()
    for path in ordered:
        records, la_code = _records(path)
        if la_code is not None:
            codes.add(str(la_code).strip())
        for n, record in enumerate(records, 1):
            counts["records"] += 1
            problems = _problems(record, path.name, n, unknown)
            if problems:
                out.rejected.extend(problems)
                counts["refused"] += 1
                continue
            child_id = record["la_child_id"]
            if record.get("purge") is True:
                counts["children purged"] += children.pop(child_id, None) is not None
                continue
            counts["updates" if child_id in children else "new"] += 1
            children[child_id] = _merge(CHILD, children.get(child_id, {}), record, (path.name, n), counts)
    if len(codes) > 1:
        raise ReaderError(", ".join(p.name for p in ordered), f"the payloads name {len(codes)} councils (la_code "
                                                             f"{', '.join(sorted(codes))}): load each council's separately")
    out.council = f"LA {codes.pop()}" if codes else ""
    _to_rows(out, children)
    _note(out, ordered, counts, unknown)
    _extract_date(out, ordered)
    return out


def _records(path: Path) -> tuple[list[Any], Any]:
    """A file's child records and the la_code its envelope names (None when it has none)."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise ReaderError(path.name, f"is not valid JSON ({exc.msg}, column {exc.colno})", row=exc.lineno) from None
    except (UnicodeDecodeError, RecursionError) as exc:
        what = "nested too deeply" if isinstance(exc, RecursionError) else "not UTF-8 text"
        raise ReaderError(path.name, f"cannot be read as a CSC API payload: it is {what}") from None
    except OSError as exc:
        raise ReaderError(path.name, f"cannot be read ({exc.strerror})") from None
    if isinstance(data, list):
        return data, None
    if isinstance(data, dict):
        if "la_child_id" in data:
            return [data], None
        held = next((k for k in data if k.lower() == "children"), None)
        if held is not None:
            found = data[held]
            return (found if isinstance(found, list) else [found]), data.get("la_code")
    raise ReaderError(path.name, "holds no child records: expected a list of child records, one record, or "
                                 '{"la_code": ..., "Children": [...]}')


def _problems(record: Any, file: str, n: int, unknown: set[str]) -> list[Problem]:
    """Why a record cannot be applied (empty when it can), each naming the field and the child; field values
    are never echoed (a date of birth is personal)."""
    child = record.get("la_child_id") if isinstance(record, dict) else None
    ids = (child,) if isinstance(child, str) else ()
    return [Problem(file, path, message, (n,), 1, (), ids) for path, message in check(record, False, unknown)[:10]]


def _merge(block: Block, current: dict[str, Any], update: dict[str, Any], source: tuple[str, int],
           counts: Counter[str]) -> dict[str, Any]:
    """`current` with `update` applied: fields replaced (null clears), sub-blocks merged, purged ones dropped."""
    merged = {**current, SOURCE: source}
    for name, value in update.items():
        sub = next((b for b in block.blocks if b.name == name), None)
        if sub is None:
            if name != "purge":
                merged[name] = value
        elif sub.many:
            merged[name] = _merge_list(sub, current.get(name) or [], value or [], source, counts)
        elif value is None or value.get("purge") is True:
            counts["records purged"] += merged.pop(name, None) is not None
        else:
            merged[name] = _merge(sub, current.get(name) or {}, value, source, counts)
    return merged


def _merge_list(block: Block, items: list[dict[str, Any]], updates: list[dict[str, Any]], source: tuple[str, int],
                counts: Counter[str]) -> list[dict[str, Any]]:
    """A list of records with updates applied by id: a known id is merged, a new one added, a purged one gone."""
    by_key = {tuple(i.get(k) for k in block.key): i for i in items}
    for update in updates:
        key = tuple(update.get(k) for k in block.key)
        if update.get("purge") is True:
            counts["records purged"] += by_key.pop(key, None) is not None
        else:
            by_key[key] = _merge(block, by_key.get(key, {}), update, source, counts)
    return list(by_key.values())


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "Y" if value else "N"
    return str(value).strip()


def _mapped(block: Block, item: dict[str, Any], **extra: str | None) -> dict[str, str | None]:
    return {**{col: _text(item.get(name)) for name, col in block.columns.items()}, **extra}


def _to_rows(out: ReaderOutput, children: dict[str, dict[str, Any]]) -> None:
    """Canonical rows of the children as they stand after every payload."""
    episodes = CHILD.block("social_care_episodes")
    for child_id, record in children.items():
        details = record.get("child_details") or {}
        file, n = details.get(SOURCE) or record[SOURCE]
        disabilities = [str(d).strip().upper() for d in details.get("disabilities") or []]
        sex = _text(details.get("sex"))
        out.rows("child").add(file, n, {
            **_mapped(CHILD.block("child_details"), details), "child_id": child_id,
            "sex": _SEX.get(sex or "", sex),
            "disability": ("N" if disabilities == ["NONE"] else "Y") if disabilities else None,
            "uasc": _text(details.get("uasc_flag")),
        })
        if details.get("uasc_flag") is True:
            out.rows("uasc").add(file, n, {"child_id": child_id, "ceased_date": _text(details.get("uasc_end_date"))})
        leaver: tuple[str, dict[str, Any]] | None = None
        placements = []
        for episode in record.get("social_care_episodes") or []:
            episode_id = episode["social_care_episode_id"]
            ids = {"child_id": child_id, "episode_id": episode_id, "team_id": UNKNOWN_TEAM}
            out.rows("episode").add(*episode[SOURCE], _mapped(episodes, episode, **ids))
            for block in episodes.blocks:
                found = episode.get(block.name)
                for item in (found or []) if block.many else ([found] if found else []):
                    if block.name == "care_leavers":
                        contact = _text(item.get("contact_date")) or ""
                        if leaver is None or contact > leaver[0]:
                            leaver = (contact, item)
                    elif block.name == "child_looked_after_placements":
                        placements.append(item)
                    else:
                        _add(out, block, item, ids)
        if leaver is not None:
            out.rows("care_leaver").add(*leaver[1][SOURCE], _mapped(episodes.block("care_leavers"), leaver[1],
                                                                    child_id=child_id))
        _add_placements(out, child_id, placements)
    _add_workers(out)


def _add(out: ReaderOutput, block: Block, item: dict[str, Any], ids: dict[str, str]) -> None:
    """One record of an episode's block as its canonical row (and an ICPC row for an S47's conference)."""
    values = _mapped(block, item, **ids)
    source = item[SOURCE]
    if block.table == "allocation":
        values |= {"allocation_id": f"{ids['episode_id']}:{values['worker_id']}:{values['start_date']}",
                   "role": "allocated_social_worker"}
    elif block.table == "adoption":
        values["adoption_id"] = f"{ids['child_id']}:{values['decision_date']}"
    elif block.table == "s47" and item.get("icpc_date"):
        s47_id = values["s47_id"]
        out.rows("icpc").add(*source, {"icpc_id": s47_id, "s47_id": s47_id, "child_id": ids["child_id"],
                                       "conference_date": _text(item["icpc_date"])})
    out.rows(block.table).add(*source, values)


def _add_placements(out: ReaderOutput, child_id: str, placements: list[dict[str, Any]]) -> None:
    """A child's placements as looked-after episodes, each in its period of care: a new period starts unless the
    last placement ended X1 (episode ceased, child still looked after) and this one did not start S."""
    block = CHILD.block("social_care_episodes").block("child_looked_after_placements")
    period, last_reason = None, None
    for item in sorted(placements, key=lambda p: (str(p.get("start_date") or ""), p[SOURCE])):
        start = _text(item.get("start_date"))
        if period is None or last_reason != "X1" or item.get("start_reason") == "S":
            period = f"{child_id}:{start}"
        last_reason = item.get("end_reason")
        out.rows("cla_episode").add(*item[SOURCE], _mapped(block, item, child_id=child_id, period_id=period))


def _add_workers(out: ReaderOutput) -> None:
    """Provisional workers (and the unknown team) for the care workers the allocations name."""
    first: dict[str, tuple[str, str, int]] = {}
    if "allocation" in out.tables:
        rows = out.rows("allocation")
        for worker, start, file, n in zip(rows.columns["worker_id"], rows.columns["start_date"], rows.source_file,
                                          rows.source_row):
            if worker and (worker not in first or (start or "") < first[worker][0]):
                first[worker] = (start or "", file, n)
    for worker, (start, file, n) in sorted(first.items()):
        out.rows("worker").add(file, n, {"worker_id": worker, "name": worker, "role": "social_worker",
                                         "employment": "permanent", "start_date": start})
        out.rows("worker_post").add(file, n, {"post_id": worker, "worker_id": worker, "team_id": UNKNOWN_TEAM,
                                              "role": "social_worker", "fte": "1.0", "start_date": start})
    if "episode" in out.tables:
        out.rows("team").add(out.files[0].name, 1, {"team_id": UNKNOWN_TEAM, "name": "Unknown team (CSC API)",
                                                    "service": "cin"})


def _note(out: ReaderOutput, ordered: list[Path], counts: Counter[str], unknown: set[str]) -> None:
    order = ", ".join(p.name for p in ordered[:3]) + (f" ... {ordered[-1].name}" if len(ordered) > 3 else "")
    out.notes.append(
        f"CSC API: {len(ordered)} payload file(s) applied in order ({order}): {counts['records']:,} child records, "
        f"{counts['new']:,} new children, {counts['updates']:,} updates, {counts['children purged']:,} children "
        f"and {counts['records purged']:,} records purged, {counts['refused']:,} records left out as not matching "
        "the spec")
    out.notes.append(
        "the CSC API payload names no teams and no legal status: episodes, assessments and allocations are in "
        "'Unknown team (CSC API)', care workers are provisional social workers (FTE 1.0), placements load with "
        f"legal status blank; its {NOT_HELD} are not held")
    if unknown:
        shown = ", ".join(sorted(unknown)[:10]) + (" ..." if len(unknown) > 10 else "")
        out.notes.append(f"CSC API fields not in spec v{SPEC_VERSION}, not read: {shown}")


def _event_dates(out: ReaderOutput) -> Iterator[str]:
    for name, columns in (("episode", ("referral_date", "close_date")), ("cla_episode", ("start_date", "end_date")),
                          ("assessment", ("start_date", "authorised_date")), ("cp_plan", ("start_date", "end_date")),
                          ("cin_plan", ("start_date", "end_date")), ("s47", ("strategy_date", "end_date"))):
        if name in out.tables:
            for column in columns:
                yield from (v for v in out.rows(name).columns[column] if v)


def _extract_date(out: ReaderOutput, ordered: list[Path]) -> None:
    """The latest date a file's name carries; else the latest event date of the bulk (SSDA903's rule: dates
    beyond the 99th percentile by more than a month are named, not taken). (The SSDA903 reader is imported
    here, not with this module, which `--format auto` imports to recognise a payload.)"""
    from clearsight.formats.ssda903 import OUTLIER_MARGIN_DAYS, OUTLIER_QUANTILE

    named = [d for d in map(name_date, ordered) if d]
    if named:
        out.extract_date, out.extract_date_basis = max(named), "from the latest date in the payload files' names"
        return
    dates = sorted(d for d in (_iso(v) for v in _event_dates(out)) if d)
    if not dates:
        return
    bound = dates[min(len(dates) - 1, int(OUTLIER_QUANTILE * len(dates)))].toordinal() + OUTLIER_MARGIN_DAYS
    bulk = [d for d in dates if d.toordinal() <= bound]
    later = sorted({d for d in dates if d.toordinal() > bound}, reverse=True)
    out.extract_date = bulk[-1]
    out.extract_date_basis = "inferred from the CSC API records: the latest event date"
    if later:
        shown = ", ".join(d.isoformat() for d in later[:5]) + (" ..." if len(later) > 5 else "")
        out.extract_date_basis += (f"; {len(later):,} later dates lie more than {OUTLIER_MARGIN_DAYS} days beyond "
                                   f"{OUTLIER_QUANTILE:.0%} of the others and were not taken ({shown})")


def _iso(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
