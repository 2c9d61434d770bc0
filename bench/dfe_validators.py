"""Eastmere's exports through DfE's own validators, each in a virtual environment of its own (issue 15 item 6):
the CIN census (csc-validator-be-cin) and the SSDA903 return (csc-validator-be-903). Prints the issues by rule,
errors apart from queries (CIN rule codes ending Q, which ask a council to check or explain), and exits 1 when
any error is found.

Builds Eastmere (--scale, default 1; --seed, default 1) once in --work, exports with Clearsight's writers (the CIN census for the
year to --as-at, default 31 March 2024: DfE's 2023-24 collection; the SSDA903 return for the same year), creates each validator's
environment once (DfE's packages pin an older pandas, so numpy < 2 beside it) and runs the year's rule set.
Needs the package index; not part of the test run:
    .venv/bin/python bench/dfe_validators.py [cin|903 ...] [--work DIR] [--as-at 2024-03-31]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import venv
from datetime import date
from pathlib import Path

from clearsight.formats.cin_census_writer import reference_date, write_cin_census
from clearsight.formats.ssda903_writer import write_ssda903
from clearsight.store.database import connect
from clearsight.store.load import load_extract
from clearsight.store.snapshots import get_snapshot
from clearsight.synth import generate_council
from clearsight.synth.postcodes import LA_CODE  # Eastmere's postcodes are Suffolk's

# Each validator: its package pins, and a script printing "rule<TAB>count<TAB>message" for the file(s) given.
VALIDATORS = {
    "cin": (("csc-validator-be-cin==0.1.13", "numpy<2"), """
import importlib, sys
import xml.etree.ElementTree as ET
from cin_validator import cin_validator
path, = __import__("pathlib").Path(sys.argv[1]).glob("*.xml")
data = cin_validator.process_data(cin_validator.convert_data(ET.parse(path).getroot()))
rules = getattr(importlib.import_module("cin_validator.rules.cin" + sys.argv[2]), "registry")
issues = cin_validator.CinValidator(data, rules).full_issue_df
for (code, text), n in (issues.groupby(["rule_code", "rule_description"]).size().items() if len(issues) else []):
    print(f"{code}\\t{n}\\t{text}")
"""),
    "903": (("csc-validator-be-903==0.1.17", "numpy<2"), """
import collections, importlib, logging, sys
from pathlib import Path
from lac_validator import lac_validator
from lac_validator.utils import process_uploaded_files
logging.disable(logging.INFO)
files = process_uploaded_files({"This year": [str(p) for p in sorted(Path(sys.argv[1]).glob("*.csv"))]})
rules = getattr(importlib.import_module("lac_validator.rules.lac" + sys.argv[2]), "registry")
year = "20" + sys.argv[2][-2:]
v = lac_validator.LacValidator(metadata={"collectionYear": year, "localAuthority": sys.argv[3]}, files=files,
                               registry=rules, selected_rules=None)
found = collections.Counter()
for df in v.ds_results.values():
    for col in getattr(df, "columns", []):
        if str(col).startswith("ERR_"):
            found[col[4:]] += int(df[col].fillna(False).astype(bool).sum())
messages = {r.code: r.message for r in rules.values()}
for code, n in found.items():
    if n:
        print(f"{code}\\t{n}\\t{messages.get(code, '')}")
"""),
}


def _environment(work: Path, name: str) -> Path:
    python = work / f"validator-{name}" / "bin" / "python"
    if not python.exists():
        venv.create(python.parent.parent, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *VALIDATORS[name][0]], check=True)
    return python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("returns", nargs="*", help=f"any of {', '.join(VALIDATORS)} (default: all)")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-at", type=date.fromisoformat, default=date(2024, 3, 31))
    args = parser.parse_args()
    if set(args.returns) - set(VALIDATORS):
        parser.error(f"returns: expected any of {', '.join(VALIDATORS)}")
    work = args.work or Path(tempfile.mkdtemp(prefix="dfe-validators-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"eastmere-{args.scale:g}-{args.seed}.duckdb"
    if not db.exists():
        extract = work / f"extract-{args.scale:g}-{args.seed}"
        generate_council(extract, seed=args.seed, scale=args.scale)
        assert load_extract(connect(db), extract).status == "loaded"
    con = connect(db)
    snapshot = get_snapshot(con)
    ref = reference_date(args.as_at)
    year = f"{ref.year - 1}_{ref.year % 100:02d}"  # the rule set: cin2023_24, lac2023_24
    any_error = False
    for name in args.returns or VALIDATORS:
        out = work / f"export-{name}"
        counts = write_cin_census(con, snapshot, out, args.as_at) if name == "cin" else write_ssda903(con, snapshot, out, ref)
        print(f"{name} export: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        done = subprocess.run([str(_environment(work, name)), "-W", "ignore", "-c", VALIDATORS[name][1], str(out),
                               year, LA_CODE], capture_output=True, text=True, check=True)
        rows = [line.split("\t", 2) for line in done.stdout.splitlines() if line.count("\t") == 2]
        errors = [r for r in rows if not r[0].endswith("Q")]
        any_error |= bool(errors)
        for kind, found in (("errors", errors), ("queries", [r for r in rows if r[0].endswith("Q")])):
            print(f"  {kind}: {sum(int(n) for _, n, _ in found):,}")
            for code, n, text in sorted(found, key=lambda r: -int(r[1])):
                print(f"    {code:9s} {int(n):6,}  {text[:100]}")
    sys.exit(1 if any_error else 0)


if __name__ == "__main__":
    main()
