"""A small valid extract and broken copies of it, one defect each, made by plain text edits.

The broken extracts are generated from the valid base at test time, so they cannot drift from the schema.
`python tests/store/broken_extracts.py OUTDIR` writes the base and every broken copy for a human to open;
`python tests/store/broken_extracts.py --fixtures` rewrites tests/store/fixtures/valid_extract/.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, when run as a script

from council_builder import CouncilBuilder  # noqa: E402
from partial_extract import write_tables  # noqa: E402

from clearsight.canonical.dates import DATE_FORMS  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid_extract"
BASE_TABLES = ("team", "worker", "worker_post", "child", "episode", "allocation", "cp_plan")
EXTRACT_DATE = date(2024, 1, 31)


def base_council() -> CouncilBuilder:
    """Two teams, four workers, four children (one closed, one on a plan, one unallocated)."""
    b = CouncilBuilder(extract_date=EXTRACT_DATE, council="Testshire")
    b.team("T1", "Assessment 1", service="assessment")
    b.team("T2", "CIN North", service="cin")
    b.worker("T1", "team_manager", name="Tess Manager")  # W1, worker.csv row 2, worker_post.csv row 2 (P1)
    b.worker("T1", name="Sam Worker", manager_id="W1")  # W2, row 3
    b.worker("T2", "asye", name="Asha Newly")  # W3, row 4
    b.worker("T2", "senior_practitioner", name="Pat Senior")  # W4, row 5
    c1, _ = b.case("T1", date(2023, 3, 1))  # C1/E1, episode.csv row 2
    c2, _ = b.case("T1", date(2023, 6, 1), close=date(2023, 12, 1))  # C2/E2, row 3
    c3, e3 = b.case("T2", date(2023, 9, 10))  # C3/E3, row 4
    b.case("T2", date(2024, 1, 10))  # C4/E4, row 5: never allocated
    b.allocate(c1, "W2", "T1", date(2023, 3, 2), date(2023, 8, 1), change_reason="case_transfer")  # A1 row 2
    b.allocate(c1, "W3", "T2", date(2023, 8, 1))  # A2, row 3
    b.allocate(c2, "W2", "T1", date(2023, 6, 2), date(2023, 12, 1), change_reason="case_closed")  # A3, row 4
    b.allocate(c3, "W4", "T2", date(2023, 9, 11))  # A4, row 5
    b.cp_plan(c3, e3, date(2023, 10, 1))  # CP1, cp_plan.csv row 2
    return b


def write_valid(directory: Path) -> Path:
    return write_tables(base_council(), directory, BASE_TABLES)


# ---------------------------------------------------------------------------------------------------------
# Plain text edits (the base has no quoted fields, so a line splits on commas)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def set_cell(d: Path, file: str, row: int, column: str, value: str) -> None:
    """Row as in the file (1 = header line)."""
    lines = _lines(d / file)
    col = lines[0].split(",").index(column)
    cells = lines[row - 1].split(",")
    cells[col] = value
    lines[row - 1] = ",".join(cells)
    _write_lines(d / file, lines)


def append_line(d: Path, file: str, line: str) -> None:
    _write_lines(d / file, [*_lines(d / file), line])


def drop_column(d: Path, file: str, column: str) -> None:
    lines = _lines(d / file)
    col = lines[0].split(",").index(column)
    _write_lines(d / file, [",".join(c for i, c in enumerate(line.split(",")) if i != col) for line in lines])


def edit_manifest(d: Path, edit: Callable[[dict], None]) -> None:
    path = d / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------
# The defects: each mutates a copy of the valid base and says exactly what the loader must report


@dataclass(frozen=True)
class Defect:
    id: str
    mutate: Callable[[Path], None]
    expected: str  # str(problem) of the one problem expected; "{dir}" stands for the extract directory


ROLES = "social_worker, asye, senior_practitioner, team_manager, service_manager, head_of_service, director, iro, personal_adviser, social_work_assistant"  # noqa: E501
DATE_EXPECTED = f"expected a date ({DATE_FORMS})"

DEFECTS: tuple[Defect, ...] = (
    Defect(
        "bad-date-text", lambda d: set_cell(d, "allocation.csv", 3, "start_date", "next tuesday"),
        f"allocation.csv: row 3, column 'start_date': {DATE_EXPECTED} (found 'next tuesday')",
    ),
    Defect(
        "impossible-day", lambda d: set_cell(d, "episode.csv", 2, "referral_date", "31/02/2023"),
        f"episode.csv: row 2, column 'referral_date': {DATE_EXPECTED} (found '31/02/2023')",
    ),
    Defect(
        "required-blank", lambda d: set_cell(d, "worker.csv", 3, "name", ""),
        "worker.csv: row 3, column 'name': a value is required",
    ),
    Defect(
        "unknown-code", lambda d: set_cell(d, "worker.csv", 3, "role", "wizard"),
        f"worker.csv: row 3, column 'role': expected one of {ROLES} (found 'wizard')",
    ),
    Defect(
        "duplicate-key", lambda d: append_line(d, "child.csv", _lines(d / "child.csv")[1]),
        "child.csv: rows 2, 6, column 'child_id': duplicate key: each value must appear once (found 'C1')",
    ),
    Defect(
        "allocation-to-unknown-worker", lambda d: set_cell(d, "allocation.csv", 2, "worker_id", "W99"),
        "allocation.csv: row 2, column 'worker_id': refers to a worker that is not in the extract (worker.csv) "
        "(found 'W99')",
    ),
    Defect(
        "plan-for-unknown-child", lambda d: set_cell(d, "cp_plan.csv", 2, "child_id", "C99"),
        "cp_plan.csv: row 2, column 'child_id': refers to a child that is not in the extract (child.csv) "
        "(found 'C99')",
    ),
    Defect(
        "end-before-start", lambda d: set_cell(d, "allocation.csv", 2, "end_date", "2023-02-01"),
        "allocation.csv: row 2, column 'end_date': 'end_date' is before 'start_date' (found '2023-02-01')",
    ),
    Defect(
        "future-date", lambda d: set_cell(d, "episode.csv", 5, "referral_date", "2024-02-01"),
        "episode.csv: row 5, column 'referral_date': date is after the extract date 2024-01-31 "
        "(found '2024-02-01')",
    ),
    Defect(
        "fte-too-high", lambda d: set_cell(d, "worker_post.csv", 3, "fte", "2.0"),
        "worker_post.csv: row 3, column 'fte': expected a number from 0.01 to 1.5 (found '2.0')",
    ),
    Defect(
        "fte-zero", lambda d: set_cell(d, "worker_post.csv", 3, "fte", "0"),
        "worker_post.csv: row 3, column 'fte': expected a number from 0.01 to 1.5 (found '0')",
    ),
    Defect(
        "post-in-unknown-team", lambda d: set_cell(d, "worker_post.csv", 3, "team_id", "T404"),
        "worker_post.csv: row 3, column 'team_id': refers to a team that is not in the extract (team.csv) "
        "(found 'T404')",
    ),
    Defect(
        "overlapping-posts", lambda d: append_line(d, "worker_post.csv", "P9,W2,T2,social_worker,0.5,,2020-01-01,"),
        "worker_post.csv: row 6, column 'start_date': overlaps an earlier row for the same worker_id (found 'W2')",
    ),
    Defect(
        "missing-column", lambda d: drop_column(d, "worker.csv", "role"),
        "worker.csv: row 1, column 'role': column is missing from the header",
    ),
    Defect(
        "manifest-missing", lambda d: (d / "manifest.json").unlink(),
        "manifest.json: {dir}/manifest.json: no manifest.json in the extract directory",
    ),
    Defect(
        "manifest-malformed-json",
        lambda d: (d / "manifest.json").write_text('{"council": "Testshire", "tables": {', encoding="utf-8"),
        "manifest.json: {dir}/manifest.json: not valid JSON (Expecting property name enclosed in double quotes: "
        "line 1 column 37 (char 36))",
    ),
    Defect(
        "manifest-bad-extract-date", lambda d: edit_manifest(d, lambda m: m.update(extract_date="31/01/2024")),
        "manifest.json: {dir}/manifest.json: field 'extract_date' = '31/01/2024', expected an ISO date YYYY-MM-DD",
    ),
    Defect(
        "manifest-unknown-table", lambda d: edit_manifest(d, lambda m: m["tables"].update(wizard={"file": "team.csv"})),
        "manifest.json, column 'wizard': 'wizard' is not a canonical table",
    ),
    Defect(
        "manifest-names-missing-file", lambda d: (d / "allocation.csv").unlink(),
        "allocation.csv: file named in the manifest does not exist",
    ),
    Defect(
        "ragged-row-too-many-fields",
        lambda d: append_line(d, "allocation.csv", "A9,C4,E4,W4,T2,allocated_social_worker,2024-01-11,,,surplus"),
        "allocation.csv: row 6: has 10 fields, the header has 9",
    ),
    Defect(
        "binary-garbage", lambda d: (d / "worker.csv").write_bytes(bytes(range(256)) * 8),
        "worker.csv: cannot be read: ",  # DuckDB's own message follows
    ),
)


def make_broken(defect: Defect, directory: Path) -> Path:
    write_valid(directory)
    defect.mutate(directory)
    return directory


if __name__ == "__main__":
    if sys.argv[1:] == ["--fixtures"]:
        shutil.rmtree(VALID, ignore_errors=True)
        write_valid(VALID)
        print(f"wrote {VALID}")
    elif len(sys.argv) == 2:
        out = Path(sys.argv[1])
        write_valid(out / "valid_extract")
        for defect in DEFECTS:
            make_broken(defect, out / "broken" / defect.id)
        print(f"wrote {out}/valid_extract and {len(DEFECTS)} broken extracts under {out}/broken")
    else:
        sys.exit(__doc__)
