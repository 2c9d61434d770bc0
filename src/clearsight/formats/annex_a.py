"""Ofsted ILACS Annex A workbook (lists 1-11) into the canonical model.

Annex A is a snapshot: one row per child per list, covering the 6 (lists 1-9) or 12 months before the
inspection, naming teams and workers by text. So the reader says what it cannot tell:
- allocations are known only on the extract date (one current allocation per open case, from List 8, else 7,
  else 6); caseloads and allocation history before then are unavailable;
- worker names are resolved against workers already loaded (exact, then normalised); a name that does not
  resolve becomes a provisional worker `annex-a:<name>` with its own caseload, listed in the notes, so it is
  never silently counted as some other worker's caseload nor as an unallocated child. Provisional workers'
  employment, start date and FTE are placeholders (permanent, the extract date, 1.0): workforce figures
  from such a snapshot are unavailable;
- a looked-after child's period of care is one episode carrying the current legal status and placement;
- lists 2, 10 and 11 (early help, adoption, adopters) have no canonical table and are counted, not loaded.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import duckdb
from python_calamine import CalamineError, CalamineWorkbook

from clearsight.formats.cells import code, iso_date, label, name_key, slug, text, yes_no
from clearsight.formats.errors import ReaderError
from clearsight.formats.headers import Field, find_header
from clearsight.formats.rows import Rows
from clearsight.formats.source import ReaderOutput
from clearsight.formats.staff import KnownStaff, known_staff
from clearsight.store.validation import Problem

FORMAT = "annex-a"
NOT_RECORDED_TEAM = "Not recorded"
_SHEET = re.compile(r"^\s*list\s*[-_]?\s*(\d{1,2})\b", re.IGNORECASE)


def _f(name: str, *variants: str, required: bool = False) -> Field:
    return Field(name, variants, required)


COMMON = (
    _f("child", "Child Unique ID", "Child ID", "Unique ID", "~child unique id", required=True),
    _f("sex", "Gender", "Sex", "Gender/Sex"),
    _f("ethnicity", "Ethnicity"),
    _f("dob", "Date of Birth", "DOB", "Birth date"),
    _f("disability", "Does the Child have a Disability", "Disability", "~have a disability"),
    _f("uasc", "~uasc", "~unaccompanied asylum"),
)
ALLOCATED = (
    _f("team", "Allocated Team", "Team", "Responsible Team"),
    _f("worker", "Allocated Worker", "Allocated Social Worker", "Worker", "Social Worker"),
)
# The declarative mapping: which fields each list carries, under which header texts.
LISTS: dict[int, tuple[Field, ...]] = {
    1: COMMON + (
        _f("contact_date", "Date of Contact", "Contact Date", "~date of contact"),
        _f("contact_source", "Contact Source", "Source of Contact", "~contact source"),
        _f("contact_outcome", "Contact Outcome", "~outcome of contact"),
    ),
    3: COMMON + ALLOCATED + (
        _f("referral_date", "Date of Referral", "Referral Date", "~date of referral"),
        _f("referral_source", "Referral Source", "Source of Referral", "~referral source"),
        _f("referral_nfa", "Referral NFA?", "Referral NFA", "~nfa"),
    ),
    4: COMMON + ALLOCATED + (
        _f("start", "Continuous Assessment Start Date", "Assessment Start Date", "~assessment start date"),
        _f("child_seen", "Child Seen During Continuous Assessment", "~child seen"),
        _f("authorised", "Continuous Assessment Date of Authorisation", "Assessment Authorisation Date",
           "~date of authorisation", "~assessment completion date"),
        _f("requiring_support", "~assessed as requiring", "~requiring la children"),
    ),
    5: COMMON + ALLOCATED + (
        _f("strategy", "Strategy discussion initiating Section 47 Enquiry Start Date", "~section 47 enquiry start",
           "~s47 start date"),
        _f("icpc_unnecessary", "~deemed unnecessary"),
        _f("icpc_date", "Date of Initial Child Protection Conference", "ICPC Date", "~date of initial child protection"),
        _f("icpc_plan", "~result in a child protection plan", "~resulted in a child protection plan"),
    ),
    6: COMMON + ALLOCATED + (
        _f("cin_start", "CIN Start Date", "~cin start"),
        _f("primary_need", "Primary Need Code", "Primary Need", "~primary need"),
        _f("cin_close", "CIN Closure Date", "~cin closure", "~closure date"),
        _f("close_reason", "Reason for Closure", "~reason for closure"),
    ),
    7: COMMON + ALLOCATED + (
        _f("cp_start", "Child Protection Plan Start Date", "CP Plan Start Date", "~plan start date"),
        _f("initial_category", "Initial Category of Abuse", "~initial category"),
        _f("latest_category", "Latest Category of Abuse", "~latest category"),
        _f("last_visit", "Date of the Last Statutory Visit", "~last statutory visit"),
        _f("seen_alone", "Was the Child Seen Alone?", "~seen alone"),
        _f("latest_review", "Date of latest review conference", "~latest review conference"),
        _f("cp_end", "Child Protection Plan End Date", "CP Plan End Date", "~plan end date"),
    ),
    8: COMMON + ALLOCATED + (
        _f("cla_start", "Date Started to be Looked After", "~started to be looked after"),
        _f("legal_start", "Start date of current legal status", "~start date of current legal status"),
        _f("legal_status", "Child's Legal Status", "Legal Status", "~legal status"),
        _f("latest_review", "Date of Latest Statutory Review", "~latest statutory review"),
        _f("last_visit", "Date of Last Social Work Visit", "~last social work visit"),
        _f("ceased", "Date Ceased to be Looked After", "~ceased to be looked after"),
        _f("ceased_reason", "Reason Ceased to be Looked After", "~reason ceased"),
        _f("placement_start", "Start Date of Most Recent Placement", "~most recent placement"),
        _f("placement_type", "Placement Type"),
        _f("placement_provider", "Placement Provider"),
    ),
    9: COMMON + ALLOCATED + (
        _f("pa", "Allocated Personal Advisor", "Allocated Personal Adviser", "Personal Adviser", "~personal advis"),
        _f("eligibility", "Eligibility Category", "~eligibility"),
        _f("pathway_review", "Latest Pathway Plan Review Date", "~pathway plan review"),
        _f("in_touch", "LA in Touch", "~in touch"),
        _f("latest_contact", "Latest Date of Contact", "~date of contact"),
        _f("accommodation", "Type of Accommodation", "~type of accommodation"),
        _f("suitable", "Suitability of Accommodation", "~suitability"),
        _f("activity", "Activity Status", "~activity"),
    ),
}
NOT_MODELLED = {2: "early help assessments", 10: "adoption", 11: "adopters"}
DATE_FIELDS = frozenset({
    "dob", "contact_date", "referral_date", "start", "authorised", "strategy", "icpc_date", "cin_start",
    "cin_close", "cp_start", "last_visit", "latest_review", "cp_end", "cla_start", "legal_start", "ceased",
    "placement_start", "pathway_review", "latest_contact",
})
EVENT_DATES = DATE_FIELDS - {"dob"}
# Canonical column each field feeds, for naming the source header in messages.
CANONICAL = {
    "child": "child_id", "sex": "sex", "ethnicity": "ethnicity", "dob": "dob", "disability": "disability",
    "uasc": "uasc", "contact_date": "contact_date", "contact_source": "source", "contact_outcome": "outcome",
    "referral_date": "referral_date", "referral_source": "referral_source", "referral_nfa": "referral_nfa",
    "start": "start_date", "child_seen": "child_seen", "authorised": "authorised_date",
    "strategy": "strategy_date", "icpc_date": "conference_date", "icpc_plan": "resulted_in_plan",
    "cin_start": "referral_date", "primary_need": "primary_need", "cin_close": "close_date",
    "close_reason": "close_reason", "cp_start": "start_date", "initial_category": "initial_category",
    "latest_category": "latest_category", "cp_end": "end_date", "cla_start": "start_date",
    "legal_status": "legal_status", "ceased": "end_date", "ceased_reason": "end_reason",
    "placement_type": "placement_type", "placement_provider": "placement_provider", "eligibility": "eligibility",
    "pathway_review": "pathway_plan_review", "in_touch": "in_touch", "latest_contact": "latest_contact",
    "accommodation": "accommodation", "suitable": "suitable", "activity": "activity", "team": "team_id",
    "worker": "worker_id", "last_visit": "visit_date", "latest_review": "held_date", "seen_alone": "seen_alone",
}
_SEX = {"male": "M", "m": "M", "1": "M", "female": "F", "f": "F", "2": "F", "unknown": "U", "u": "U", "0": "U",
        "9": "U", "not stated": "U", "not stated recorded": "U", "not recorded": "U", "indeterminate": "U",
        "other": "U", "not known": "U"}
_CATEGORY = {"neglect": "NEG", "physical abuse": "PHY", "physical": "PHY", "emotional abuse": "EMO",
             "emotional": "EMO", "sexual abuse": "SAB", "sexual": "SAB", "multiple": "MUL", "mixed": "MUL",
             "multiple mixed": "MUL"}
_SUITABLE = {"suitable": "Y", "unsuitable": "N", "not suitable": "N"}

Record = dict[str, object]  # normalised field values of one row, plus '_file' and '_row'


def sex(value: object) -> str:
    written = label(value)
    return _SEX.get(name_key(written), written)


def category(value: object) -> str:
    written = label(value)
    return _CATEGORY.get(name_key(written), code(written))


def _normaliser(field: str) -> Callable[[object], str]:
    if field in DATE_FIELDS:
        return iso_date
    if field == "sex":
        return sex
    if field in ("initial_category", "latest_category"):
        return category
    if field == "suitable":
        return lambda v: _SUITABLE.get(name_key(label(v)), yes_no(v))
    if field in ("disability", "uasc", "referral_nfa", "child_seen", "icpc_unnecessary", "icpc_plan", "seen_alone",
                 "in_touch", "requiring_support"):
        return yes_no
    if field in ("ethnicity", "contact_source", "referral_source", "primary_need", "close_reason", "legal_status",
                 "ceased_reason", "placement_type", "placement_provider", "accommodation", "activity"):
        return code
    if field in ("eligibility", "contact_outcome"):
        return label
    return text


def list_sheets(names: Sequence[str]) -> dict[int, str]:
    """List number -> sheet name, matching 'List 6', 'list6', ' LIST 6 - CIN ' alike."""
    found: dict[int, str] = {}
    for name in names:
        if (m := _SHEET.match(name)) and 1 <= int(m[1]) <= 11:
            found.setdefault(int(m[1]), name)
    return found


def is_annex_a(path: Path) -> bool:
    try:
        return len(list_sheets(CalamineWorkbook.from_path(str(path)).sheet_names)) >= 3
    except Exception:  # detection only: anything unreadable is not Annex A
        return False


def read_lists(path: Path) -> tuple[dict[int, list[Record]], dict[tuple[str, str], str], list[Problem], list[str]]:
    """Every list's rows as normalised records, header texts per canonical column, rows without a child id."""
    try:
        wb = CalamineWorkbook.from_path(str(path))
        sheets = list_sheets(wb.sheet_names)
    except (CalamineError, OSError, ValueError, TypeError) as exc:
        raise ReaderError(path.name, f"cannot be read as an xlsx workbook ({exc})") from None
    if not sheets:
        raise ReaderError(path.name, f"no sheets named 'List 1' .. 'List 11' (sheets: {', '.join(wb.sheet_names)})")
    lists: dict[int, list[Record]] = {}
    headers: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    notes: list[str] = []
    for number, sheet in sorted(sheets.items()):
        try:
            rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except (CalamineError, ValueError) as exc:
            raise ReaderError(path.name, f"cannot be read ({exc})", sheet=sheet) from None
        source = f"{path.name}, {sheet.strip()}"
        if not any(any(text(c) for c in r) for r in rows):
            notes.append(f"{source} is empty")
            lists[number] = []
            continue
        if number in NOT_MODELLED:  # counted for the report; header row assumed to be the first non-blank row
            filled = sum(1 for r in rows if any(text(c) for c in r))
            lists[number] = [{"_file": source}] * max(filled - 1, 0)
            continue
        header = find_header(rows, LISTS[number], path.name, sheet.strip())
        if header.extra:
            notes.append(f"{source}: columns not used: {', '.join(header.extra)}")
        for fname, written in header.texts.items():
            if fname in CANONICAL:
                headers[(source, CANONICAL[fname])] = written
        cols = [(f, i, _normaliser(f)) for f, i in header.columns.items()]
        child_col = header.columns["child"]
        records: list[Record] = []
        blank_ids: list[int] = []
        for index in range(header.row + 1, len(rows)):
            row = rows[index]
            width = len(row)
            record: Record = {f: (norm(row[i]) if i < width else "") for f, i, norm in cols}
            if not any(record.values()):
                continue  # blank rows (trailing, or between blocks)
            if not record["child"] and child_col < width and not text(row[child_col]):
                blank_ids.append(index + 1)
                continue
            record["_file"], record["_row"] = source, index + 1
            records.append(record)
        if blank_ids:
            problems.append(Problem(source, header.texts["child"], "a child id is required; the row was left out",
                                    tuple(blank_ids[:20]), len(blank_ids)))
        lists[number] = records
    return lists, headers, problems, notes


def latest_event_date(lists: dict[int, list[Record]]) -> date | None:
    """The latest readable event date in lists 1-9 (cells already normalised to ISO text where readable)."""
    found: set[str] = set()
    for number, records in lists.items():
        if number in NOT_MODELLED:
            continue
        for r in records:
            for f in EVENT_DATES:
                v = r.get(f)
                if isinstance(v, str) and len(v) == 10 and v[4] == "-":
                    found.add(v)
    for v in sorted(found, reverse=True):
        try:
            return date.fromisoformat(v)
        except ValueError:  # '0000-00000': left as found, and rejected with its row by screening
            continue
    return None


def read(path: Path, con: duckdb.DuckDBPyConnection | None = None, extract_date: date | None = None) -> ReaderOutput:
    """Read one Annex A workbook into canonical rows (see the module docstring for what it cannot say)."""
    lists, headers, problems, notes = read_lists(path)
    out = ReaderOutput(FORMAT, [path], headers=headers, rejected=problems, notes=notes)
    inferred = latest_event_date(lists)
    out.extract_date = inferred
    out.extract_date_basis = f"inferred from {path.name}: the latest event date in lists 1-9"
    as_at = extract_date or inferred
    if as_at is None:
        raise ReaderError(path.name, "holds no dated rows to infer an extract date from; give --extract-date")
    _Mapper(out, lists, known_staff(con, as_at), as_at).run()
    return out


class _Mapper:
    """Turns normalised list records into canonical tables for one workbook."""

    def __init__(self, out: ReaderOutput, lists: dict[int, list[Record]], staff: KnownStaff, as_at: date):
        self.out, self.lists, self.staff, self.as_at = out, lists, staff, as_at
        self.day = as_at.isoformat()
        self.episodes: dict[tuple[str, str], Record] = {}  # (child, referral date) -> episode values
        self.team_names: dict[str, str] = {}  # normalised -> name as first written
        self.team_service: dict[str, Counter[str]] = defaultdict(Counter)
        self.worker_names: dict[str, str] = {}  # name as written -> worker_id
        self.worker_roles: dict[str, Counter[str]] = defaultdict(Counter)
        self.worker_teams: dict[str, Counter[str]] = defaultdict(Counter)

    def run(self) -> None:
        self._children()
        for number, what in NOT_MODELLED.items():
            if self.lists.get(number):
                self.out.notes.append(f"List {number} ({what}): {len(self.lists[number])} rows read; no canonical "
                                      "table holds them, so they are not loaded")
        self._contacts()
        self._episodes()
        self._assessments()
        self._s47()
        self._cp_plans()
        self._cla()
        self._care_leavers()
        self._allocations()
        self._staff()
        six = (self.as_at - timedelta(days=183)).isoformat()
        self.out.notes.append(
            f"Annex A is a snapshot: allocations and caseloads are known on {self.day} only (history before it "
            f"unavailable); contacts, referrals, assessments and S47 enquiries before {six} are unavailable "
            "(lists 1-5 cover six months); placement moves and legal status changes within a period of care "
            "are unavailable"
        )

    # -- teams and workers ---------------------------------------------------------------------------------

    def team(self, name: object, service: str) -> str:
        written = " ".join(text(name).split()) or NOT_RECORDED_TEAM
        key = name_key(written)
        self.team_names.setdefault(key, written)
        self.team_service[key][service] += 1
        known = self.staff.teams_by_key.get(key)
        return known[0] if known else f"annex-a:{slug(written)}"

    def worker(self, name: object, role: str, team_id: str) -> str | None:
        written = " ".join(text(name).split())
        if not written:
            return None
        self.worker_roles[written][role] += 1
        self.worker_teams[written][team_id] += 1
        if written not in self.worker_names:
            found, _how = self.staff.worker(written)
            self.worker_names[written] = found or f"annex-a:{slug(written)}"
        return self.worker_names[written]

    # -- lists -----------------------------------------------------------------------------------------------

    def _children(self) -> None:
        rows = self.out.rows("child")
        seen: dict[str, dict[str, str]] = {}
        where: dict[str, tuple[str, int]] = {}
        for number in range(1, 10):
            if number in NOT_MODELLED:
                continue
            for r in self.lists.get(number, []):
                child = str(r["child"])
                values = seen.setdefault(child, {"child_id": child})
                where.setdefault(child, (str(r["_file"]), int(r["_row"])))  # type: ignore[call-overload]
                for f in ("sex", "ethnicity", "dob", "disability", "uasc"):
                    if r.get(f) and not values.get(f):
                        values[f] = str(r[f])
        for child, values in seen.items():
            rows.add(*where[child], values)

    def _contacts(self) -> None:
        rows = self.out.rows("contact")
        for r in self.lists.get(1, []):
            rows.add(str(r["_file"]), int(r["_row"]), {  # type: ignore[call-overload]
                "contact_id": f"{r['child']}:{r.get('contact_date')}:{r['_row']}", "child_id": r["child"],
                "contact_date": r.get("contact_date"), "source": r.get("contact_source"),
                "outcome": _contact_outcome(str(r.get("contact_outcome", ""))),
            })

    def _episodes(self) -> None:
        for number, start, service in ((6, "cin_start", "cin"), (3, "referral_date", "front_door")):
            for r in self.lists.get(number, []):
                key = (str(r["child"]), str(r.get(start, "")))
                ep = self.episodes.get(key)
                if ep is None:
                    ep = self.episodes[key] = {
                        "episode_id": f"{key[0]}:{key[1]}", "child_id": key[0], "referral_date": key[1],
                        "_file": r["_file"], "_row": r["_row"],
                    }
                for f_from, f_to in (("referral_source", "referral_source"), ("referral_nfa", "referral_nfa"),
                                     ("primary_need", "primary_need"), ("cin_close", "close_date"),
                                     ("close_reason", "close_reason")):
                    if r.get(f_from) and not ep.get(f_to):
                        ep[f_to] = r[f_from]
                if text(r.get("team")) and "team_id" not in ep:
                    ep["team_id"] = self.team(r.get("team"), service)
                    ep["worker_id"] = self.worker(r.get("worker"), "social_worker", str(ep["team_id"]))
        by_child: dict[str, list[Record]] = defaultdict(list)
        for ep in self.episodes.values():
            by_child[str(ep["child_id"])].append(ep)
        self.by_child = {c: sorted(eps, key=lambda e: str(e["referral_date"])) for c, eps in by_child.items()}

    def _episode_for(self, r: Record, day: str, end: str | None, infer: bool) -> str | None:
        """The child's latest episode starting on or before `day`; inferred from this row if allowed."""
        eps = self.by_child.get(str(r["child"]), [])
        found = [e for e in eps if str(e["referral_date"]) <= day] or eps
        if found:
            return str(found[-1]["episode_id"])
        if not infer:
            return None
        ep: Record = {"episode_id": f"{r['child']}:{day}", "child_id": r["child"], "referral_date": day,
                      "close_date": end, "team_id": self.team(r.get("team"), "cin"), "_file": r["_file"],
                      "_row": r["_row"], "_inferred": True}
        self.episodes[(str(r["child"]), day)] = ep
        self.by_child.setdefault(str(r["child"]), []).append(ep)
        return str(ep["episode_id"])

    def _no_episode(self, r: Record, column: str, problems: dict[str, list[int]]) -> None:
        problems.setdefault(f"{r['_file']}|{column}", []).append(int(r["_row"]))  # type: ignore[call-overload]

    def _report_no_episode(self, problems: dict[str, list[int]]) -> None:
        for key, rows in problems.items():
            file, column = key.split("|")
            self.out.rejected.append(Problem(
                file, column, "the child has no referral or child-in-need episode in List 3 or List 6 to attach "
                "this row to; the row was left out", tuple(rows[:20]), len(rows)))

    def _assessments(self) -> None:
        rows = self.out.rows("assessment")
        missing: dict[str, list[int]] = {}
        for r in self.lists.get(4, []):
            start = str(r.get("start", ""))
            episode = self._episode_for(r, start, None, infer=False)
            if episode is None:
                self._no_episode(r, "Child Unique ID", missing)
                continue
            team = self.team(r.get("team"), "assessment")
            rows.add(str(r["_file"]), int(r["_row"]), {  # type: ignore[call-overload]
                "assessment_id": f"{r['child']}:{start}", "child_id": r["child"], "episode_id": episode,
                "start_date": start, "authorised_date": r.get("authorised"), "child_seen": r.get("child_seen"),
                "outcome_nfa": _negate(str(r.get("requiring_support", ""))), "team_id": team,
                "worker_id": self.worker(r.get("worker"), "social_worker", team),
            })
        self._report_no_episode(missing)

    def _s47(self) -> None:
        s47, icpc = self.out.rows("s47"), self.out.rows("icpc")
        missing: dict[str, list[int]] = {}
        for r in self.lists.get(5, []):
            start = str(r.get("strategy", ""))
            episode = self._episode_for(r, start, None, infer=False)
            if episode is None:
                self._no_episode(r, "Child Unique ID", missing)
                continue
            sid = f"{r['child']}:{start}"
            required = _negate(str(r.get("icpc_unnecessary", "")))
            place = (str(r["_file"]), int(r["_row"]))  # type: ignore[call-overload]
            s47.add(*place, {"s47_id": sid, "child_id": r["child"], "episode_id": episode, "strategy_date": start,
                             "icpc_required": required})
            if r.get("icpc_date") or required == "Y":
                icpc.add(*place, {"icpc_id": sid, "s47_id": sid, "child_id": r["child"],
                                  "conference_date": r.get("icpc_date"), "resulted_in_plan": r.get("icpc_plan")})
        self._report_no_episode(missing)

    def _cp_plans(self) -> None:
        plans, reviews, visits = self.out.rows("cp_plan"), self.out.rows("review"), self.out.rows("visit")
        for r in self.lists.get(7, []):
            start, end = str(r.get("cp_start", "")), str(r.get("cp_end", "")) or None
            pid = f"{r['child']}:{start}"
            place = (str(r["_file"]), int(r["_row"]))  # type: ignore[call-overload]
            plans.add(*place, {
                "cp_plan_id": pid, "child_id": r["child"], "episode_id": self._episode_for(r, start, end, True),
                "start_date": start, "end_date": end, "initial_category": r.get("initial_category"),
                "latest_category": r.get("latest_category"),
            })
            if r.get("latest_review"):
                reviews.add(*place, {"review_id": f"CP:{pid}:{r['latest_review']}", "child_id": r["child"],
                                     "kind": "CP", "plan_id": pid, "held_date": r["latest_review"]})
            if r.get("last_visit"):
                visits.add(*place, {"visit_id": f"CP:{r['child']}:{r['last_visit']}", "child_id": r["child"],
                                    "kind": "CP", "visit_date": r["last_visit"], "seen_alone": r.get("seen_alone")})

    def _cla(self) -> None:
        eps, reviews, visits = self.out.rows("cla_episode"), self.out.rows("review"), self.out.rows("visit")
        for r in self.lists.get(8, []):
            start, end = str(r.get("cla_start", "")), str(r.get("ceased", "")) or None
            period = f"{r['child']}:{start}"
            place = (str(r["_file"]), int(r["_row"]))  # type: ignore[call-overload]
            self._episode_for(r, start, end, True)
            eps.add(*place, {
                "cla_episode_id": period, "child_id": r["child"], "period_id": period, "start_date": start,
                "legal_status": r.get("legal_status"), "placement_type": r.get("placement_type"),
                "placement_provider": r.get("placement_provider"), "end_date": end,
                "end_reason": r.get("ceased_reason"),
            })
            if r.get("latest_review"):
                reviews.add(*place, {"review_id": f"CLA:{period}:{r['latest_review']}", "child_id": r["child"],
                                     "kind": "CLA", "plan_id": period, "held_date": r["latest_review"]})
            if r.get("last_visit"):
                visits.add(*place, {"visit_id": f"CLA:{r['child']}:{r['last_visit']}", "child_id": r["child"],
                                    "kind": "CLA", "visit_date": r["last_visit"]})

    def _care_leavers(self) -> None:
        rows = self.out.rows("care_leaver")
        for r in self.lists.get(9, []):
            rows.add(str(r["_file"]), int(r["_row"]), {  # type: ignore[call-overload]
                "child_id": r["child"], "eligibility": r.get("eligibility"), "in_touch": r.get("in_touch"),
                "latest_contact": r.get("latest_contact"), "accommodation": r.get("accommodation"),
                "suitable": r.get("suitable"), "activity": r.get("activity"),
                "pathway_plan_review": r.get("pathway_review"),
            })

    def _allocations(self) -> None:
        """One current allocation per open case, from the list that says most (8, then 7, then 6)."""
        rows = self.out.rows("allocation")
        done: set[str] = set()
        for number, end_field, service in ((8, "ceased", "cla"), (7, "cp_end", "cp"), (6, "cin_close", "cin")):
            for r in self.lists.get(number, []):
                child = str(r["child"])
                if child in done or r.get(end_field) or not (text(r.get("team")) or text(r.get("worker"))):
                    continue
                done.add(child)
                team = self.team(r.get("team"), service)
                place = (str(r["_file"]), int(r["_row"]))  # type: ignore[call-overload]
                episode = self._episode_for(r, self.day, None, infer=False)
                rows.add(*place, {
                    "allocation_id": f"{child}:allocated", "child_id": child, "episode_id": episode,
                    "worker_id": self.worker(r.get("worker"), "social_worker", team), "team_id": team,
                    "role": "allocated_social_worker", "start_date": self.day,
                })
        for r in self.lists.get(9, []):
            if text(r.get("pa")):
                team = self.team(r.get("team"), "leaving_care")
                rows.add(str(r["_file"]), int(r["_row"]), {  # type: ignore[call-overload]
                    "allocation_id": f"{r['child']}:personal_adviser", "child_id": r["child"],
                    "worker_id": self.worker(r.get("pa"), "personal_adviser", team), "team_id": team,
                    "role": "personal_adviser", "start_date": self.day,
                })

    def _staff(self) -> None:
        episodes = self.out.rows("episode")
        inferred = 0
        for ep in self.episodes.values():
            inferred += bool(ep.get("_inferred"))
            values = {k: v for k, v in ep.items() if not k.startswith("_")}
            values.setdefault("team_id", self.team(None, "cin"))
            episodes.add(str(ep["_file"]), int(ep["_row"]), values)  # type: ignore[arg-type, call-overload]
        if inferred:
            self.out.notes.append(
                f"{inferred} episodes were inferred from List 7 or List 8 start dates: those children have no "
                "referral or child-in-need row in List 3 or List 6 (an open plan or period of care is an open case)"
            )
        self.out.carried.update(self.staff.tables)
        known_teams = {t for t, _ in self.staff.teams_by_key.values()}
        teams = self.out.rows("team")
        first_file = f"{self.out.files[0].name}, Allocated Team"
        for i, (key, written) in enumerate(sorted(self.team_names.items()), 1):
            known = self.staff.teams_by_key.get(key)
            if known and known[0] in known_teams:
                continue
            teams.add(first_file, i, {"team_id": f"annex-a:{slug(written)}", "name": written,
                                      "service": _service(written, self.team_service[key])})
        matched = {"exact": 0, "normalised": 0, "unmatched": 0}
        unmatched: list[str] = []
        workers, posts = self.out.rows("worker"), self.out.rows("worker_post")
        added: set[str] = set()
        for i, (written, worker_id) in enumerate(sorted(self.worker_names.items()), 1):
            _found, how = self.staff.worker(written)
            matched[how] += 1
            if how != "unmatched" or worker_id in added:
                continue
            added.add(worker_id)
            unmatched.append(written)
            role = self.worker_roles[written].most_common(1)[0][0]
            team = self.worker_teams[written].most_common(1)[0][0]
            place = (f"{self.out.files[0].name}, Allocated Worker", i)
            workers.add(*place, {"worker_id": worker_id, "name": written, "role": role, "qualified": None,
                                 "employment": "permanent", "start_date": self.day})
            posts.add(*place, {"post_id": worker_id, "worker_id": worker_id, "team_id": team, "role": role,
                               "fte": "1.0", "start_date": self.day})
        if self.staff.snapshot_id is None:
            self.out.notes.append(
                f"no workers were loaded before: the {len(unmatched)} worker names in the workbook are provisional "
                "workers ('annex-a:<name>', social worker or personal adviser, FTE 1.0, employment and start date "
                "unknown), so caseloads count per name and workforce figures are unavailable"
            )
        else:
            shown = ", ".join(unmatched[:10]) + (" ..." if len(unmatched) > 10 else "")
            self.out.notes.append(
                f"worker names resolved against snapshot {self.staff.snapshot_id}: {matched['exact']} exact, "
                f"{matched['normalised']} after normalising case, spacing and punctuation, {matched['unmatched']} "
                "not matched" + (f" (kept as provisional workers with their own caseloads: {shown})" if unmatched
                                 else "")
            )


def _negate(yn: str) -> str:
    return {"Y": "N", "N": "Y"}.get(yn, yn)


def _contact_outcome(value: str) -> str:
    key = name_key(value)
    for word, outcome in (("referral", "referral"), ("early help", "early_help"), ("nfa", "nfa"),
                          ("no further", "nfa"), ("information", "information_advice"), ("advice", "information_advice")):
        if word in key:
            return outcome
    return value


_SERVICE_WORDS = (
    ("leaving care", "leaving_care"), ("care leaver", "leaving_care"), ("adopt", "adoption"), ("fostering", "fostering"),
    ("in care", "cla"), ("looked after", "cla"), ("cla", "cla"), ("child protection", "cp"), ("safeguarding hub", "front_door"),
    ("mash", "front_door"), ("duty", "front_door"), ("front door", "front_door"), ("assessment", "assessment"),
    ("iro", "iro"), ("independent review", "iro"), ("quality", "qa"),
)


def _service(name: str, seen: Counter[str]) -> str:
    """A team's service from its name, else the service of the lists it appears in most, else 'cin'."""
    key = f" {name_key(name)} "
    for word, service in _SERVICE_WORDS:
        if f" {word}" in key:
            return service
    return seen.most_common(1)[0][0] if seen else "cin"
