"""Eastmere's exports through DfE's own validators, each in a virtual environment of its own (issue 15 item 6):
the CIN census (csc-validator-be-cin) and the SSDA903 return (csc-validator-be-903). Prints the issues by rule,
errors apart from queries (CIN rule codes ending Q, which ask a council to check or explain), and exits 1 when
any error stands.

The 903 validator runs its whole rule set as its front end does; a rule that flags anything is run again on its
own (the front end's rule selection), because rule 365 writes 31 March into every open episode's DEC of the
data all later rules share (575 and 577 then read a child still looked after as having left care). SW11b flags
every social worker episode ending in the year's last 5 days with none after it, the case closed when the child
left care included; those rows are counted apart. Both are shown on two children by --defects and written up in
docs/dfe-validators.md.

Builds Eastmere (--scale, default 1; --seed, default 1) once in --work, exports with Clearsight's writers (the CIN census for the
year to --as-at, default 31 March 2024: DfE's 2023-24 collection; the SSDA903 return for the same year), creates each validator's
environment once (DfE's packages pin an older pandas, so numpy < 2 beside it) and runs the year's rule set.
Needs the package index; not part of the test run:
    .venv/bin/python bench/dfe_validators.py [cin|903 ...] [--work DIR] [--seed N] [--as-at 2024-03-31] [--defects]
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

VALIDATOR_903 = ("csc-validator-be-903==0.1.17", "numpy<2")
# Each validator: its package pins, and a script printing, for the file(s) given, a line per rule that flags
# anything: "rule<TAB>rows flagged by the whole rule set<TAB>rows flagged by the rule run alone<TAB>rows that are
# the documented SW11b pattern<TAB>message".
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
    print(f"{code}\\t{n}\\t{n}\\t0\\t{text}")
"""),
    "903": (VALIDATOR_903, """
import collections, importlib, logging, sys
from pathlib import Path
import pandas as pd
from lac_validator import lac_validator
from lac_validator.utils import process_uploaded_files
logging.disable(logging.INFO)
folder, year, la = Path(sys.argv[1]), "20" + sys.argv[2][-2:], sys.argv[3]
rules = getattr(importlib.import_module("lac_validator.rules.lac" + sys.argv[2]), "registry")
def flagged(selected=None):  # {rule: {table: [row, ...]}}, the tool run as its front end runs it
    files = process_uploaded_files({"This year": [str(p) for p in sorted(folder.glob("*.csv"))]})
    v = lac_validator.LacValidator(metadata={"collectionYear": year, "localAuthority": la}, files=files,
                                   registry=rules, selected_rules=selected)
    found = collections.defaultdict(dict)
    for table, df in v.ds_results.items():
        for col in [c for c in getattr(df, "columns", []) if str(c).startswith("ERR_")]:
            rows = df.index[df[col].fillna(False).astype(bool)].tolist()
            if rows:
                found[col[4:]][table] = rows
    return found
def ceased_that_day(rows):  # social worker episodes ending the day the child ceased to be looked after
    sw = pd.read_csv(folder / "SSDA903_social_worker.csv", dtype=str).loc[rows]
    eps = pd.read_csv(folder / "SSDA903_episodes.csv", dtype=str)
    left = eps[eps.REC.notna() & (eps.REC != "X1")]
    still = set(eps.loc[eps.DEC.isna(), "CHILD"])
    return sum(1 for r in sw.itertuples() if r.CHILD not in still and
               ((left.CHILD == r.CHILD) & (left.DEC == r.SW_DEC)).any())
messages = {r.code: r.message for r in rules.values()}
for code, where in flagged().items():
    n = sum(map(len, where.values()))
    alone = sum(map(len, flagged([code]).get(code, {}).values()))  # the front end's own rule selection
    left_care = ceased_that_day(where["SWEpisodes"]) if code == "SW11bSTG2" else 0
    print(f"{code}\\t{n}\\t{alone}\\t{left_care}\\t{messages.get(code, '')}")
"""),
}

# Two children reproduce the 903 validator's defects (docs/dfe-validators.md). A: looked after since June 2023,
# missing since 1 March 2024, both still open. B: left care (E11) on 29 March 2024, the day their case and social
# worker episode closed. 575/577 flag A only after 365 has run; SW11b flags B, and not B leaving on 25 March.
DEFECTS_903 = """
import logging, tempfile
from pathlib import Path
from lac_validator import lac_validator
from lac_validator.datastore import copy_datastore, create_datastore
from lac_validator.ingress import read_from_text
from lac_validator.rules.lac2023_24 import registry
from lac_validator.utils import process_uploaded_files
logging.disable(logging.INFO)
TABLES = {
    "header": "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\\nA,1,01/01/2010,WBRI,UN1,,\\nB,1,01/01/2010,WBRI,UN1,,\\n",
    "episodes": "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\\n"
                "A,01/06/2023,S,C2,N1,U1,PR1,,,,,,\\nB,01/06/2023,S,C2,N1,U1,PR1,29/03/2024,E11,,,,\\n",
    "missing": "CHILD,DOB,MISSING,MIS_START,MIS_END\\nA,01/01/2010,M,01/03/2024,\\n",
    "social_worker": "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\\nA,01/01/2010,SW1,01/06/2023,,FCONTA\\n"
                     "B,01/01/2010,SW2,01/06/2023,29/03/2024,FCONTA\\n",
}
folder = Path(tempfile.mkdtemp())
meta = {"collectionYear": "2024", "localAuthority": "E10000029"}
def files(day="29/03/2024"):
    for name, text in TABLES.items():
        (folder / f"{name}.csv").write_text(text.replace("29/03/2024", day))
    return process_uploaded_files({"This year": [str(p) for p in sorted(folder.glob("*.csv"))]})
def run(rules, day="29/03/2024"):  # {rule: children flagged}
    v = lac_validator.LacValidator(metadata=dict(meta), files=files(day), registry=registry, selected_rules=rules)
    return {c[4:]: df.loc[df[c].fillna(False).astype(bool), "CHILD"].tolist() for df in v.ds_results.values()
            for c in getattr(df, "columns", []) if str(c).startswith("ERR_") and df[c].fillna(False).any()}
print("  575 and 577 run alone:", run(["575", "577"]))
print("  365, 575 and 577:", run(["365", "575", "577"]))
dfs, extra = read_from_text(files())
store = create_datastore(dfs, {**meta, **extra})
before = store["Episodes"]["DEC"].tolist()
registry["365"].func(copy_datastore(store))  # what LacValidator.validate hands each rule
print(f"  the store's Episodes.DEC before rule 365: {before}, after 365 ran on its copy: {store['Episodes']['DEC'].tolist()}")
print("  SW11a/SW11b, B leaves care on 29 March:", run(["SW11aSTG2", "SW11bSTG2"]))
print("  SW11a/SW11b, B leaves care on 25 March:", run(["SW11aSTG2", "SW11bSTG2"], "25/03/2024"))
"""


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
    parser.add_argument("--defects", action="store_true", help="also run the two-child reproductions of the 903 "
                        "validator's defects")
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
        out = work / f"export-{name}-{args.scale:g}-{args.seed}"
        counts = write_cin_census(con, snapshot, out, args.as_at) if name == "cin" else write_ssda903(con, snapshot, out, ref)
        print(f"{name} export: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        done = subprocess.run([str(_environment(work, name)), "-W", "ignore", "-c", VALIDATORS[name][1], str(out),
                               year, LA_CODE], capture_output=True, text=True, check=True)
        rows = [line.split("\t", 4) for line in done.stdout.splitlines() if line.count("\t") >= 4]
        for kind, found in (("errors", [r for r in rows if not r[0].endswith("Q")]),
                            ("queries", [r for r in rows if r[0].endswith("Q")])):
            left = sum(int(alone) - int(explained) for _, _, alone, explained, _ in found)
            any_error |= kind == "errors" and left > 0
            how = " (each rule run alone, less SW11b's children who left care that day)" if name == "903" else ""
            print(f"  {kind}: {sum(int(r[1]) for r in found):,} flagged, {left:,} standing{how}")
            for code, n, alone, explained, text in sorted(found, key=lambda r: -int(r[1])):
                note = (f" alone {int(alone):,}" if alone != n else "") + (
                    f", {int(explained):,} left care that day" if int(explained) else "")
                print(f"    {code:9s} {int(n):6,}{note}  {text[:90]}")
    if args.defects:
        print("DfE's 903 validator, two children (docs/dfe-validators.md):")
        print(subprocess.run([str(_environment(work, "903")), "-W", "ignore", "-c", DEFECTS_903], capture_output=True,
                             text=True, check=True).stdout)
    sys.exit(1 if any_error else 0)


if __name__ == "__main__":
    main()
