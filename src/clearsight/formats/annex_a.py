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
Closure, CP plan end and ceased dates are the day the case, plan or care ended, as the schema's end dates are
(the day after: not open on that day, as DfE counts at 31 March), so they load as written.
"""

from __future__ import annotations

import functools
import re
from operator import itemgetter
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from python_calamine import CalamineError, CalamineWorkbook

from clearsight.formats.cells import code, iso_date, label, name_key, slug, text, yes_no
from clearsight.formats.errors import ReaderError
from clearsight.formats.headers import Field, find_header
from clearsight.formats.rows import Rows, from_arrow, query_table
from clearsight.formats.source import ReaderOutput
from clearsight.formats.staff import KnownStaff, known_staff
from clearsight.formats.workbook import check_workbook
from clearsight.store.arrow_scan import register_once
from clearsight.store.staging import scratch_connection
from clearsight.store.validation import EXAMPLES, Problem

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


@dataclass
class Sheet:
    """One list's data rows, column-wise: every field of the list (normalised text, None for blank or absent)
    plus the derived columns `_team_w`/`_team_k` (team as written, 'Not recorded' when blank, and its key),
    `_worker_w` and `_pa_w` (names as written), `_outcome` (List 1), and `_row`."""

    number: int
    source: str  # "file, sheet": how messages name it
    table: pa.Table
    present: frozenset[str]  # fields the header carries


def _normalise(values: Sequence[object], norm: Callable[[object], str]) -> pa.Array:
    """norm over a column as an Arrow string array ('' as null), computed once per distinct value: columns
    repeat a few codes, dates and names, so the per-cell work is one dictionary look-up."""
    index: dict[object, int] = dict.fromkeys(values)  # type: ignore[arg-type]
    if not _NUMBERS.isdisjoint(map(type, index)) and len(set(map(type, values)) & _NUMBERS) > 1:
        values = list(zip(map(type, values), values))  # 1 == 1.0 == True: tell the values apart by type
        index = dict.fromkeys(values)  # type: ignore[arg-type]
        results = [norm(v) or None for _t, v in index]  # type: ignore[misc]
    else:
        results = [norm(v) or None for v in index]
    for i, v in enumerate(index):
        index[v] = i
    positions = np.fromiter(map(index.__getitem__, values), np.int32, len(values))
    # from its buffer: pa.array(ndarray) asks whether it is masked, importing numpy.ma for nothing
    indices = pa.Array.from_buffers(pa.int32(), len(positions), [None, pa.py_buffer(positions)])
    return pc.take(pa.array(results, pa.string()), indices)


_NUMBERS = frozenset({bool, int, float})


def _mapped(column: pa.ChunkedArray, fn: Callable[[str], str | None]) -> pa.Array:
    """fn over a text column, once per distinct value; nulls stay null."""
    encoded = pc.dictionary_encode(column.combine_chunks())
    mapped = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return pc.take(mapped, encoded.indices)


def _written(name: str | None) -> str | None:
    return " ".join(name.split()) or None if name else None


def read_lists(
    path: Path,
) -> tuple[dict[int, Sheet], dict[tuple[str, str], str], list[Problem], list[str], dict[int, int]]:
    """Every list's rows, column-wise and normalised; header texts per canonical column; rows without a child
    id; notes; and the rows of the lists no canonical table holds (2, 10, 11), by list."""
    check_workbook(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
        sheets = list_sheets(wb.sheet_names)
    except (CalamineError, OSError, ValueError, TypeError) as exc:
        raise ReaderError(path.name, f"cannot be read as an xlsx workbook ({exc})") from None
    if not sheets:
        raise ReaderError(path.name, f"no sheets named 'List 1' .. 'List 11' (sheets: {', '.join(wb.sheet_names)})")
    lists: dict[int, Sheet] = {}
    unmodelled: dict[int, int] = {}
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
            if number in NOT_MODELLED:
                unmodelled[number] = 0
            continue
        if number in NOT_MODELLED:  # counted for the report; header row assumed to be the first non-blank row
            filled = sum(1 for r in rows if any(text(c) for c in r))
            unmodelled[number] = max(filled - 1, 0)
            continue
        header = find_header(rows, LISTS[number], path.name, sheet.strip())
        if header.extra:
            notes.append(f"{source}: columns not used: {', '.join(header.extra)}")
        for fname, written in header.texts.items():
            if fname in CANONICAL:
                headers[(source, CANONICAL[fname])] = written
        data = rows[header.row + 1:]
        widths = set(map(len, data))
        width = max(widths, default=0)
        if len(widths) > 1:
            data = [list(r) + [""] * (width - len(r)) for r in data]
        n = len(data)
        columns: dict[str, pa.Array] = {}
        for f in LISTS[number]:
            i = header.columns.get(f.name)
            columns[f.name] = (_normalise(list(map(itemgetter(i), data)), _normaliser(f.name))
                               if i is not None and i < width else pa.nulls(n, pa.string()))
        table = pa.table(columns)
        table = table.append_column("_row", pa.array(range(header.row + 2, header.row + 2 + n), pa.int64()))
        any_value = functools.reduce(pc.or_, (pc.is_valid(table[f.name]) for f in LISTS[number]))
        has_child = pc.is_valid(table["child"])
        blank_ids = table.filter(pc.and_(any_value, pc.invert(has_child)))["_row"].to_pylist()
        if blank_ids:
            problems.append(Problem(source, header.texts["child"], "a child id is required; the row was left out",
                                    tuple(blank_ids[:EXAMPLES]), len(blank_ids)))
        table = table.filter(pc.and_(any_value, has_child))
        if "team" in columns:
            written = pc.fill_null(_mapped(table["team"], _written), NOT_RECORDED_TEAM)
            table = table.append_column("_team_w", written)
            table = table.append_column("_team_k", _mapped(pa.chunked_array([written]), name_key))
            table = table.append_column("_worker_w", _mapped(table["worker"], _written))
        if number == 9:
            table = table.append_column("_pa_w", _mapped(table["pa"], _written))
        if number == 1:
            table = table.append_column("_outcome", _mapped(table["contact_outcome"],
                                                            lambda v: _contact_outcome(v) or None))
        lists[number] = Sheet(number, source, table, frozenset(header.columns))
    return lists, headers, problems, notes, unmodelled


def latest_event_date(lists: dict[int, Sheet]) -> date | None:
    """The latest readable event date in lists 1-9 (cells are normalised to ISO text where readable)."""
    found: set[str] = set()
    for sheet in lists.values():
        for f in EVENT_DATES & set(sheet.table.column_names):
            found.update(v for v in pc.unique(sheet.table[f]).to_pylist() if v and len(v) == 10 and v[4] == "-")
    for v in sorted(found, reverse=True):
        try:
            return date.fromisoformat(v)
        except ValueError:  # '0000-00000': left as found, and rejected with its row by screening
            continue
    return None


def read(
    path: Path, con: duckdb.DuckDBPyConnection | None = None, extract_date: date | None = None,
    staff: KnownStaff | None = None,
) -> ReaderOutput:
    """Read one Annex A workbook into canonical rows (see the module docstring for what it cannot say). Worker
    names resolve against `staff` (e.g. HR files read with it), else the newest snapshot with workers."""
    lists, headers, problems, notes, unmodelled = read_lists(path)
    out = ReaderOutput(FORMAT, [path], headers=headers, rejected=problems, notes=notes)
    inferred = latest_event_date(lists)
    out.extract_date = inferred
    out.extract_date_basis = f"inferred from {path.name}: the latest event date in lists 1-9"
    as_at = extract_date or inferred
    if as_at is None:
        raise ReaderError(path.name, "holds no dated rows to infer an extract date from; give --extract-date")
    _Mapper(out, lists, unmodelled, staff if staff is not None else known_staff(con, as_at), as_at).run()
    return out


# Row order within the reader: list position (then row). Phases order the team and worker look-ups the way a
# person reading the lists in turn would meet them, so ties (a team's service, a worker's role and team) go to
# the first seen.
_ORDER = "(_n * 10000000 + _row)"  # arg_min(x, order) below: x at the first row where x is not NULL
_EPISODE_LISTS = ((6, "cin_start", "cin"), (3, "referral_date", "front_door"))
_ALLOCATION_LISTS = ((8, "ceased", "cla"), (7, "cp_end", "cp"), (6, "cin_close", "cin"))


class _Mapper:
    """Turns the normalised lists into canonical tables for one workbook, column-wise in a scratch DuckDB."""

    def __init__(self, out: ReaderOutput, lists: dict[int, Sheet], unmodelled: dict[int, int], staff: KnownStaff,
                 as_at: date):
        self.out, self.lists, self.unmodelled, self.staff, self.as_at = out, lists, unmodelled, staff, as_at
        self.day = as_at.isoformat()
        self.con = scratch_connection()

    def run(self) -> None:
        try:
            self._stage()
            self._children()
            for number, what in NOT_MODELLED.items():
                if self.unmodelled.get(number):
                    self.out.notes.append(f"List {number} ({what}): {self.unmodelled[number]} rows read; no "
                                          "canonical table holds them, so they are not loaded")
            self._contacts()
            self._episodes()
            self._assessments_and_s47()
            self._plans_and_periods()
            self._care_leavers()
            self._allocations()
            self._staff()
        finally:
            self.con.close()
        six = (self.as_at - timedelta(days=183)).isoformat()
        self.out.notes.append(
            f"Annex A is a snapshot: allocations and caseloads are known on {self.day} only (history before it "
            f"unavailable); contacts, referrals, assessments and S47 enquiries before {six} are unavailable "
            "(lists 1-5 cover six months); placement moves and legal status changes within a period of care "
            "are unavailable"
        )

    # -- plumbing ---------------------------------------------------------------------------------------------

    def _stage(self) -> None:
        """Table l<n> per list 1, 3-9, with every field (NULL when the list lacks it) and `_n`, `_row`, `_file`."""
        for number, fields in LISTS.items():
            sheet = self.lists.get(number)
            if sheet is not None:
                register_once(self.con, f"sheet_{number}", sheet.table)
                source, have = f"sheet_{number}", set(sheet.table.column_names)
            else:
                source, have = "(SELECT 1 WHERE FALSE)", set()
            extra = ["_team_w", "_team_k", "_worker_w"] if any(f.name == "team" for f in fields) else []
            extra += ["_pa_w"] if number == 9 else []
            extra += ["_outcome"] if number == 1 else []
            cols = [f.name for f in fields] + extra
            select = ", ".join(c if c in have else f"CAST(NULL AS VARCHAR) AS {c}" for c in cols)
            select += ", '" + (sheet.source if sheet else "").replace("'", "''") + "' AS _file"
            row = "_row" if "_row" in have else "CAST(NULL AS BIGINT) AS _row"
            # a table, not a view: the lists are read many times, and the Arrow stream only once
            self.con.execute(f"CREATE TEMP TABLE l{number} AS SELECT {select}, {row}, {number} AS _n FROM {source}")
        known = [(key, tid) for key, (tid, _service) in self.staff.teams_by_key.items()]
        self.con.execute("CREATE TEMP TABLE known_team (k VARCHAR, id VARCHAR)")
        if known:
            self.con.executemany("INSERT INTO known_team VALUES (?, ?)", known)

    def _emit(self, table: str, sql: str) -> None:
        """Rows of canonical `table` from a query giving its columns plus source_file and source_row."""
        result = query_table(self.con, sql)
        part = from_arrow(table, result)
        part = part.cast(pa.schema([pa.field(n, pa.int64() if n == "source_row" else pa.string())
                                    for n in part.column_names]))
        if result.num_rows:
            found = self.out.tables.get(table)
            if isinstance(found, pa.Table):
                part = pa.concat_tables([found, part])
            self.out.tables[table] = part
        else:
            self.out.tables.setdefault(table, part)

    def _team_id(self, key: str) -> str:
        return f"coalesce((SELECT id FROM known_team WHERE k = {key}), 'annex-a:' || replace({key}, ' ', '-'))"

    # -- lists --------------------------------------------------------------------------------------------------

    def _children(self) -> None:
        union = " UNION ALL ".join(
            f"SELECT child, sex, ethnicity, dob, disability, uasc, _file, _row, _n FROM l{n}"
            for n in range(1, 10) if n not in NOT_MODELLED)
        first = ", ".join(f"arg_min({f}, {_ORDER}) AS {f}"
                          for f in ("sex", "ethnicity", "dob", "disability", "uasc"))
        self._emit("child", f"""
            SELECT child AS child_id, {first},
                   arg_min(_file, {_ORDER}) AS source_file, arg_min(_row, {_ORDER}) AS source_row
            FROM ({union}) GROUP BY child""")

    def _contacts(self) -> None:
        date_sql = "coalesce(contact_date, '')" if "contact_date" in self._present(1) else "'None'"
        self._emit("contact", f"""
            SELECT child || ':' || {date_sql} || ':' || _row AS contact_id, child AS child_id, contact_date,
                   contact_source AS source, _outcome AS outcome, _file AS source_file, _row AS source_row FROM l1""")

    def _present(self, number: int) -> frozenset[str]:
        sheet = self.lists.get(number)
        return sheet.present if sheet else frozenset()

    def _episodes(self) -> None:
        """Episodes from List 6 then List 3, one per child and referral date; `ep` holds them and, later, the
        episodes inferred from List 7 and List 8."""
        fields = {3: "referral_source, referral_nfa", 6: "primary_need, cin_close AS close_date, close_reason"}
        rows = " UNION ALL BY NAME ".join(
            f"SELECT child, coalesce({start}, '') AS ref, {fields[n]}, team, _team_w, _team_k, _worker_w, _file, "
            f"_row, {i} * 10000000 + _row AS o, '{service}' AS service FROM l{n}"
            for i, (n, start, service) in enumerate(_EPISODE_LISTS))
        self.con.execute(f"CREATE TEMP TABLE ep_rows AS {rows}")
        first = ", ".join(f"arg_min({f}, o) AS {f}" for f in
                          ("referral_source", "referral_nfa", "primary_need", "close_date", "close_reason"))
        self.con.execute(f"""
            CREATE TEMP TABLE ep AS
            SELECT child, ref, child || ':' || ref AS episode_id, {first},
                   arg_min({{'w': _team_w, 'k': _team_k, 'worker': _worker_w, 'service': service, 'o': o}}, o)
                       FILTER (WHERE team IS NOT NULL) AS t,
                   arg_min(_file, o) AS _file, arg_min(_row, o) AS _row, min(o) AS o, FALSE AS inferred
            FROM ep_rows GROUP BY child, ref""")
        # team and worker look-ups, in the order a reader meets them (see _calls)
        self.con.execute(f"""
            CREATE TEMP TABLE calls AS
            SELECT 1 AS phase, t.o AS o, t.w AS team_w, t.k AS team_k, t.service, t.worker AS worker_w,
                   'social_worker' AS role FROM ep WHERE t IS NOT NULL""")

    def _pick(self, rows: str, episodes: str = "ep") -> str:
        """SQL: for `rows` (rid, child, day), the child's latest episode starting on or before the day, else its
        latest; rows of children without an episode get none."""
        return f"""(SELECT r.rid, max(e.ref) FILTER (WHERE e.ref <= r.day) AS before, max(e.ref) AS latest
                   FROM ({rows}) r JOIN {episodes} e ON e.child = r.child GROUP BY r.rid)"""

    def _no_episode(self, number: int) -> None:
        found = self.con.execute(
            f"SELECT _file, list(_row ORDER BY _row)[:{EXAMPLES}], count(*) FROM l{number} "
            f"WHERE child NOT IN (SELECT child FROM ep) GROUP BY _file").fetchall()
        for file, rows, n in found:
            self.out.rejected.append(Problem(
                file, "Child Unique ID", "the child has no referral or child-in-need episode in List 3 or List 6 to "
                "attach this row to; the row was left out", tuple(rows), int(n)))

    def _assessments_and_s47(self) -> None:
        for number, start in ((4, "start"), (5, "strategy")):
            self.con.execute(f"""
                CREATE TEMP TABLE p{number} AS SELECT l.*, coalesce(l.{start}, '') AS day,
                    l.child || ':' || coalesce(l.{start}, '') || '' AS sid,
                    l.child || ':' || coalesce(p.before, p.latest) AS episode_id
                FROM l{number} l JOIN {self._pick(f"SELECT _row AS rid, child, coalesce({start}, '') AS day FROM l{number}")} p
                    ON p.rid = l._row""")
        self._no_episode(4)
        self._no_episode(5)
        self.con.execute(f"""
            INSERT INTO calls SELECT 2, _row, _team_w, _team_k, 'assessment', _worker_w, 'social_worker' FROM p4""")
        self._emit("s47", f"""
            SELECT sid AS s47_id, child AS child_id, episode_id, NULLIF(day, '') AS strategy_date,
                   {_negate_sql('icpc_unnecessary')} AS icpc_required, _file AS source_file, _row AS source_row
            FROM p5""")
        self._emit("icpc", f"""
            SELECT sid AS icpc_id, sid AS s47_id, child AS child_id, icpc_date AS conference_date,
                   icpc_plan AS resulted_in_plan, _file AS source_file, _row AS source_row
            FROM p5 WHERE icpc_date IS NOT NULL OR {_negate_sql('icpc_unnecessary')} = 'Y'""")

    def _plans_and_periods(self) -> None:
        """CP plans (List 7) and periods of care (List 8); a child with neither a referral nor a CIN episode gets
        one inferred from its first plan (else period of care) row, which is an open case."""
        for phase, (number, start, end) in ((3, (7, "cp_start", "cp_end")), (4, (8, "cla_start", "ceased"))):
            self.con.execute(f"""
                INSERT INTO ep BY NAME
                SELECT child, coalesce({start}, '') AS ref, child || ':' || coalesce({start}, '') AS episode_id,
                       {end} AS close_date,
                       {{'w': _team_w, 'k': _team_k, 'worker': CAST(NULL AS VARCHAR), 'service': 'cin', 'o': _row}} AS t,
                       _file, _row, {phase} * 100000000000 + _row AS o, TRUE AS inferred
                FROM l{number} WHERE child NOT IN (SELECT child FROM ep)
                QUALIFY row_number() OVER (PARTITION BY child ORDER BY _row) = 1""")
            self.con.execute(f"""
                INSERT INTO calls SELECT {phase}, _row, t.w, t.k, 'cin', NULL, NULL FROM ep
                WHERE inferred AND o >= {phase} * 100000000000 AND o < {phase + 1} * 100000000000""")
        self._emit("cp_plan", f"""
            SELECT l.child || ':' || coalesce(cp_start, '') AS cp_plan_id, l.child AS child_id,
                   l.child || ':' || coalesce(p.before, p.latest) AS episode_id, cp_start AS start_date,
                   cp_end AS end_date, initial_category, latest_category, _file AS source_file, _row AS source_row
            FROM l7 l LEFT JOIN {self._pick("SELECT _row AS rid, child, coalesce(cp_start, '') AS day FROM l7")} p
                ON p.rid = l._row""")
        self._emit("review", f"""
            SELECT 'CP:' || child || ':' || coalesce(cp_start, '') || ':' || latest_review AS review_id,
                   child AS child_id, 'CP' AS kind, child || ':' || coalesce(cp_start, '') AS plan_id,
                   latest_review AS held_date, _file AS source_file, _row AS source_row
            FROM l7 WHERE latest_review IS NOT NULL""")
        self._emit("visit", f"""
            SELECT 'CP:' || child || ':' || last_visit AS visit_id, child AS child_id, 'CP' AS kind,
                   last_visit AS visit_date, seen_alone, _file AS source_file, _row AS source_row
            FROM l7 WHERE last_visit IS NOT NULL""")
        period = "child || ':' || coalesce(cla_start, '')"
        self._emit("cla_episode", f"""
            SELECT {period} AS cla_episode_id, child AS child_id, {period} AS period_id, cla_start AS start_date,
                   legal_status, placement_type, placement_provider, ceased AS end_date,
                   ceased_reason AS end_reason, _file AS source_file, _row AS source_row FROM l8""")
        self._emit("review", f"""
            SELECT 'CLA:' || {period} || ':' || latest_review AS review_id, child AS child_id, 'CLA' AS kind,
                   {period} AS plan_id, latest_review AS held_date, _file AS source_file, _row AS source_row
            FROM l8 WHERE latest_review IS NOT NULL""")
        self._emit("visit", f"""
            SELECT 'CLA:' || child || ':' || last_visit AS visit_id, child AS child_id, 'CLA' AS kind,
                   last_visit AS visit_date, _file AS source_file, _row AS source_row
            FROM l8 WHERE last_visit IS NOT NULL""")

    def _care_leavers(self) -> None:
        self._emit("care_leaver", """
            SELECT child AS child_id, eligibility, in_touch, latest_contact, accommodation, suitable, activity,
                   pathway_review AS pathway_plan_review, _file AS source_file, _row AS source_row FROM l9""")

    def _allocations(self) -> None:
        """One current allocation per open case, from the list that says most (8, then 7, then 6)."""
        rows = " UNION ALL ".join(
            f"SELECT child, team, _team_w, _team_k, _worker_w, '{service}' AS service, _file, _row, "
            f"{i} * 10000000 + _row AS o FROM l{n} WHERE {end} IS NULL AND (team IS NOT NULL OR worker IS NOT NULL)"
            for i, (n, end, service) in enumerate(_ALLOCATION_LISTS))
        self.con.execute(f"""
            CREATE TEMP TABLE alloc AS SELECT * FROM ({rows})
            QUALIFY row_number() OVER (PARTITION BY child ORDER BY o) = 1""")
        self.con.execute(f"""
            INSERT INTO calls SELECT 5, o, _team_w, _team_k, service, _worker_w, 'social_worker' FROM alloc""")
        self.con.execute(f"""
            INSERT INTO calls SELECT 5, 30000000 + _row, _team_w, _team_k, 'leaving_care', _pa_w, 'personal_adviser'
            FROM l9 WHERE _pa_w IS NOT NULL""")
        # an episode without a team row is in 'Not recorded' (cin); that default is looked up for every episode
        written = NOT_RECORDED_TEAM.replace("'", "''")
        self.con.execute(f"""
            INSERT INTO calls SELECT 6, o, '{written}', '{name_key(NOT_RECORDED_TEAM)}', 'cin', NULL, NULL
            FROM ep""")  # every episode: the original reader asked for the default team of each
        self._resolve_workers()
        self._emit("allocation", f"""
            SELECT a.child || ':allocated' AS allocation_id, a.child AS child_id,
                   a.child || ':' || coalesce(p.before, p.latest) AS episode_id, w.worker_id,
                   {self._team_id('a._team_k')} AS team_id, 'allocated_social_worker' AS role,
                   '{self.day}' AS start_date, a._file AS source_file, a._row AS source_row
            FROM alloc a LEFT JOIN worker_ids w ON w.written = a._worker_w
            LEFT JOIN {self._pick(f"SELECT o AS rid, child, '{self.day}' AS day FROM alloc")} p ON p.rid = a.o""")
        self._emit("allocation", f"""
            SELECT child || ':personal_adviser' AS allocation_id, child AS child_id, w.worker_id,
                   {self._team_id('_team_k')} AS team_id, 'personal_adviser' AS role, '{self.day}' AS start_date,
                   _file AS source_file, _row AS source_row
            FROM l9 JOIN worker_ids w ON w.written = l9._pa_w""")
        self._emit("assessment", f"""
            SELECT child || ':' || day AS assessment_id, child AS child_id, episode_id, NULLIF(day, '') AS start_date,
                   authorised AS authorised_date, child_seen, {_negate_sql('requiring_support')} AS outcome_nfa,
                   {self._team_id('_team_k')} AS team_id, w.worker_id, _file AS source_file, _row AS source_row
            FROM p4 LEFT JOIN worker_ids w ON w.written = p4._worker_w""")

    def _resolve_workers(self) -> None:
        """Every worker name met, resolved against the known staff once: `worker_ids(written, worker_id)`."""
        names = [r[0] for r in self.con.execute(
            "SELECT DISTINCT worker_w FROM calls WHERE worker_w IS NOT NULL").fetchall()]
        self.worker_names = {n: (self.staff.worker(n)[0] or f"annex-a:{slug(n)}") for n in names}
        register_once(self.con, "worker_names", pa.table({
            "written": pa.array(list(self.worker_names), pa.string()),
            "worker_id": pa.array(list(self.worker_names.values()), pa.string())}))
        self.con.execute("CREATE TEMP TABLE worker_ids AS SELECT * FROM worker_names")
        self.con.unregister("worker_names")

    def _staff(self) -> None:
        self._emit("episode", f"""
            SELECT episode_id, child AS child_id, NULLIF(ref, '') AS referral_date, referral_source, referral_nfa,
                   primary_need, close_date, close_reason,
                   {self._team_id(f"coalesce(t.k, '{name_key(NOT_RECORDED_TEAM)}')")} AS team_id, w.worker_id,
                   _file AS source_file, _row AS source_row
            FROM ep LEFT JOIN worker_ids w ON w.written = ep.t.worker""")
        inferred = self.con.execute("SELECT count(*) FROM ep WHERE inferred").fetchone()[0]  # type: ignore[index]
        if inferred:
            self.out.notes.append(
                f"{inferred} episodes were inferred from List 7 or List 8 start dates: those children have no "
                "referral or child-in-need row in List 3 or List 6 (an open plan or period of care is an open case)"
            )
        self.out.carried.update(self.staff.tables)
        # the order every look-up was made in: a name's first spelling, and ties between services, roles and
        # teams, go to the first met
        self.con.execute(f"CREATE TEMP TABLE seq AS SELECT *, phase * 100000000000 + o AS s FROM calls")
        teams = self.con.execute("""
            SELECT team_k, arg_min(team_w, s) AS written,
                   (SELECT service FROM seq x WHERE x.team_k = seq.team_k GROUP BY service
                    ORDER BY count(*) DESC, min(s) LIMIT 1) AS service
            FROM seq GROUP BY team_k ORDER BY team_k""").fetchall()
        team_rows = Rows("team")
        first_file = f"{self.out.files[0].name}, Allocated Team"
        for i, (key, written, seen) in enumerate(teams, 1):
            if key in self.staff.teams_by_key:
                continue
            team_rows.add(first_file, i, {"team_id": f"annex-a:{slug(written)}", "name": written,
                                          "service": _service(written, Counter({seen: 1}) if seen else Counter())})
        self.out.tables["team"] = team_rows
        self.con.execute("""
            CREATE TEMP TABLE wseq AS
            SELECT seq.*, coalesce((SELECT id FROM known_team WHERE k = team_k),
                                   'annex-a:' || replace(team_k, ' ', '-')) AS team_id
            FROM seq WHERE worker_w IS NOT NULL""")
        most = dict(((w, kind), v) for w, kind, v in self.con.execute("""
            SELECT worker_w, 'role', role FROM wseq GROUP BY worker_w, role
            QUALIFY row_number() OVER (PARTITION BY worker_w ORDER BY count(*) DESC, min(s)) = 1
            UNION ALL
            SELECT worker_w, 'team', team_id FROM wseq GROUP BY worker_w, team_id
            QUALIFY row_number() OVER (PARTITION BY worker_w ORDER BY count(*) DESC, min(s)) = 1""").fetchall())
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
            role, team = most[(written, "role")], most[(written, "team")]
            place = (f"{self.out.files[0].name}, Allocated Worker", i)
            workers.add(*place, {"worker_id": worker_id, "name": written, "role": role, "qualified": None,
                                 "employment": "permanent", "start_date": self.day})
            posts.add(*place, {"post_id": worker_id, "worker_id": worker_id, "team_id": team, "role": role,
                               "fte": "1.0", "start_date": self.day})
        if not self.staff.known:
            self.out.notes.append(
                f"no workers were loaded before: the {len(unmatched)} worker names in the workbook are provisional "
                "workers ('annex-a:<name>', social worker or personal adviser, FTE 1.0, employment and start date "
                "unknown), so caseloads count per name and workforce figures are unavailable"
            )
        else:
            shown = ", ".join(unmatched[:10]) + (" ..." if len(unmatched) > 10 else "")
            self.out.notes.append(
                f"worker names resolved against {self.staff.source}: {matched['exact']} exact, "
                f"{matched['normalised']} after normalising case, spacing and punctuation, {matched['unmatched']} "
                "not matched" + (f" (kept as provisional workers with their own caseloads: {shown})" if unmatched
                                 else "")
            )


def _negate_sql(col: str) -> str:
    return f"CASE {col} WHEN 'Y' THEN 'N' WHEN 'N' THEN 'Y' ELSE {col} END"


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
