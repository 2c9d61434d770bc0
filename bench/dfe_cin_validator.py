"""Eastmere's CIN census export through DfE's own CIN validator (csc-validator-be-cin), in a virtual environment
of its own (issue 15 item 6): prints the issues by rule, errors apart from queries (rule codes ending Q, which
ask a council to check or explain), and exits 1 when any error is found.

Builds Eastmere (--scale, default 0.2) once in --work, exports the census for the year to --as-at (default
31 March 2024, DfE's 2023-24 collection) with `clearsight export --format cin`, creates the validator's
environment once (DfE's package pins an older pandas, so numpy < 2 beside it) and runs its rule set. Needs the
package index; not part of the test run:
    .venv/bin/python bench/dfe_cin_validator.py [--work DIR] [--as-at 2024-03-31] [--ruleset cin2023_24]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import venv
from datetime import date
from pathlib import Path

from clearsight.formats.cin_census_writer import write_cin_census
from clearsight.store.database import connect
from clearsight.store.load import load_extract
from clearsight.store.snapshots import get_snapshot
from clearsight.synth import generate_council

VALIDATOR = ("csc-validator-be-cin==0.1.13", "numpy<2")
RUN = """
import importlib, sys
import xml.etree.ElementTree as ET
from cin_validator import cin_validator
data = cin_validator.process_data(cin_validator.convert_data(ET.parse(sys.argv[1]).getroot()))
rules = getattr(importlib.import_module("cin_validator.rules." + sys.argv[2]), "registry")
issues = cin_validator.CinValidator(data, rules).full_issue_df
for (code, text), n in (issues.groupby(["rule_code", "rule_description"]).size().items() if len(issues) else []):
    print(f"{code}\\t{n}\\t{text}")
"""


def _validator(work: Path) -> Path:
    python = work / "validator" / "bin" / "python"
    if not python.exists():
        venv.create(work / "validator", with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *VALIDATOR], check=True)
    return python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--scale", type=float, default=0.2)
    parser.add_argument("--as-at", type=date.fromisoformat, default=date(2024, 3, 31))
    parser.add_argument("--ruleset", default="cin2023_24")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="dfe-cin-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"eastmere-{args.scale:g}.duckdb"
    if not db.exists():
        generate_council(work / "extract", seed=1, scale=args.scale)
        assert load_extract(connect(db), work / "extract").status == "loaded"
    con = connect(db)
    counts = write_cin_census(con, get_snapshot(con), work / "cin", args.as_at)
    path = next((work / "cin").glob(f"cin_census_*{args.as_at.year}-03-31.xml"))
    print(f"{path.name}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    done = subprocess.run([str(_validator(work)), "-W", "ignore", "-c", RUN, str(path), args.ruleset],
                          capture_output=True, text=True, check=True)
    rows = [line.split("\t", 2) for line in done.stdout.splitlines() if line.count("\t") == 2]
    errors = [r for r in rows if not r[0].endswith("Q")]
    for kind, found in (("errors", errors), ("queries", [r for r in rows if r[0].endswith("Q")])):
        print(f"{kind}: {sum(int(n) for _, n, _ in found):,}")
        for code, n, text in sorted(found, key=lambda r: -int(r[1])):
            print(f"  {code:6s} {int(n):6,}  {text[:110]}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
