"""DfE children's social work workforce census XML (CSWWWorker records) into worker, worker_post, absence.

What the census cannot say: names and teams. Workers are known by SWENo (their Social Work England number),
which is also their name here, so Annex A names cannot be matched to them; all posts sit in one team
'Unknown team (workforce census)'. OrgRole maps to roles (1-2 service manager, 3 team manager, 4 senior
practitioner, 5-6 social worker; missing: social worker, noted). The census codes for reasons for leaving,
leaver destination and start origin are not mapped to Clearsight's categories (kept out, noted) rather than
guessed. An absence on 30 September is loaded as a spell starting on the reference date: its true start is
not in the census. A worker with no RoleStartDate cannot be placed in time and is left out by screening.
RoleEndDate is the leaving date, the last day of service: it is the worker's end date as it stands (the
schema's last day), and their post ends the day after (the schema's day after).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from clearsight.formats.cells import iso_date, text
from clearsight.formats.source import ReaderOutput
from clearsight.formats.xml import child_text, line, parse, reference_date

FORMAT = "csww"
UNKNOWN_TEAM = "csww:unknown-team"
ROLES = {"1": "service_manager", "2": "service_manager", "3": "team_manager", "4": "senior_practitioner",
         "5": "social_worker", "6": "social_worker"}
ABSENCE = {"SIC": "sickness", "MAT": "maternity", "PAT": "maternity", "ADO": "maternity", "TRN": "training"}


def _float(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _day_after(day: str | None) -> str | None:
    """The ISO day after `day`, kept as written when it is not a date (screening then names it)."""
    try:
        return (date.fromisoformat(day) + timedelta(days=1)).isoformat() if day else day
    except ValueError:
        return day


def read(paths: Sequence[Path]) -> ReaderOutput:
    out = ReaderOutput(FORMAT, list(paths))
    workers, posts, absences = out.rows("worker"), out.rows("worker_post"), out.rows("absence")
    refs: list[date] = []
    no_role = 0
    for path in paths:
        root = parse(path, "Message", "CSWW")
        ref_date = reference_date(root, path)
        ref = ref_date.isoformat()
        refs.append(ref_date)
        out.headers.update({(path.name, col): tag for col, tag in (
            ("start_date", "RoleStartDate"), ("end_date", "RoleEndDate"), ("fte", "FTE"), ("worker_id", "SWENo"),
            ("employment", "AgencyWorker"), ("role", "OrgRole"), ("reason", "ReasonAbsence"))})
        lea = child_text(root, "Header/Source/LEA")
        out.council = out.council or (f"LA {lea}" if lea else "")
        for n, w in enumerate(root.iterfind("CSWWWorker"), 1):
            get = lambda tag, w=w: child_text(w, tag)  # noqa: E731
            wid = get("SWENo") or f"csww:{path.stem}:{n}"
            role = ROLES.get(get("OrgRole"))
            no_role += role is None
            role = role or "social_worker"
            fte = next((f for f in (_float(get("FTE")), _float(get("FTE30"))) if f), None)
            start, last_day = iso_date(get("RoleStartDate")), iso_date(get("RoleEndDate"))
            place = (path.name, line(w))
            workers.add(*place, {
                "worker_id": wid, "swe_no": get("SWENo"), "name": wid, "role": role, "qualified": "Y",
                "employment": {"1": "agency", "0": "permanent"}.get(get("AgencyWorker"), get("AgencyWorker")),
                "start_date": start, "end_date": last_day,
            })
            posts.add(*place, {"post_id": wid, "worker_id": wid, "team_id": UNKNOWN_TEAM, "role": role,
                               "fte": text(fte) if fte is not None else None, "start_date": start,
                               "end_date": _day_after(last_day)})
            if get("Absat30Sept") == "1":
                absences.add(*place, {"absence_id": f"{wid}:{ref}", "worker_id": wid, "start_date": ref,
                                      "reason": ABSENCE.get(get("ReasonAbsence").upper(), "other")})
    out.rows("team").add(paths[0].name, 1, {"team_id": UNKNOWN_TEAM, "name": "Unknown team (workforce census)",
                                            "service": "cin"})
    out.notes.append(
        "the workforce census names no teams and no people: workers are known by SWENo in 'Unknown team "
        "(workforce census)'; reasons for leaving, destinations and start origins are not mapped; absences "
        "on 30 September start on the reference date (true start unknown)"
    )
    if no_role:
        out.notes.append(f"{no_role} workforce census workers have no OrgRole: loaded as social workers")
    if refs:
        out.extract_date = max(refs)
        out.extract_date_basis = "from the workforce census reference date"
    return out
