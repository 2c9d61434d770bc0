"""Alert calibration across Eastmere's seeds: when the built-in rules first speak, and to whom.

Not part of the test run. For each seed (generated and loaded once into --dir, at --scale), replays the rules
from April 2022 to March 2024 with the council's register entries, as tests/alerts/test_alert_eastmere.py does,
and prints:
- the restructure (its notice period and the day it takes effect);
- the first alert of each severity: day, rule, whose (a worker by id only), the figure and its line;
- the first escalation of a rule's alert to the director, and of anything to the chief operating officer;
- with --early, every alert above low raised before --early-before (default 1 May 2023), to judge what fires
  during the restructure's notice period and why;
then one line per seed with the dates the issue's done-when names (first above low; director; COO).

Usage:  PYTHONPATH=src .venv/bin/python bench/bench_alert_calibration.py [--seeds 1 2 3 4 5] [--scale 0.5]
            [--dir /tmp/NAME/calibration] [--early] [--early-before 2023-05-01] [--team-size-most 10]
A seed already generated in --dir is reused: delete its folder after changing the generator (or the
--team-size-most, Scenario.team_size_most: 10 is scenario.md's team shape).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from clearsight.alerts.lifecycle import Replay, replay
from clearsight.alerts.registers import read_entries
from clearsight.alerts.store import Alert
from clearsight.config import CouncilConfig
from clearsight.config.alerts import SEVERITIES
from clearsight.store.database import connect
from clearsight.store.load import load_extract
from clearsight.store.snapshots import get_snapshot
from clearsight.synth import generate_council
from clearsight.synth.registers import REGISTERS_FILE
from clearsight.synth.scenario import Scenario

START, END = date(2022, 4, 1), date(2024, 3, 31)
INSPECTION = date(2024, 2, 5)


@dataclass
class SeedDates:
    seed: int
    notice: date
    effective: date
    first_above_low: Alert | None
    director: tuple[date, Alert] | None
    coo: tuple[date, Alert] | None


def council(root: Path, seed: int, scale: float, sc: Scenario) -> Path:
    """The seed's folder, generated and loaded unless done before."""
    folder = root / f"seed{seed}"
    if not (folder / "done").exists():
        generate_council(folder / "extract", seed=seed, scale=scale, scenario=sc)
        con = connect(folder / "clearsight.duckdb")
        report = load_extract(con, folder / "extract")
        con.close()
        if report.status != "loaded":
            raise SystemExit(f"seed {seed}: load {report.status}")
        (folder / "done").touch()
    return folder


def whose(alert: Alert) -> str:
    return alert.entity if alert.entity.startswith("worker:") else f"{alert.entity_name} ({alert.entity})"


def describe(alert: Alert) -> str:
    e = alert.evidence  # the figure when raised (the alert's own value moves on while it holds)
    value, threshold, compare = e.get("value", alert.value), e.get("threshold", alert.threshold), e.get("compare")
    line = ("" if threshold is None else f" (line {threshold:g})") + ("" if compare is None else f" against {compare:g}")
    value = "" if value is None else f" {value:g}{line}"
    return f"{alert.raised_on} {alert.severity:8s} {alert.rule:24s} {whose(alert)}{value}"


def first_reaching(result: Replay, role: str, kind: str | None) -> tuple[date, Alert] | None:
    """The first day an alert (of `kind`) is with `role`: escalated to it, or raised with it."""
    alerts = {a.alert_id: a for a in result.store.alerts(kind=kind)}
    for e in result.store.events():
        if e.alert_id in alerts and e.role == role and e.event in ("escalated", "raised"):
            return e.day, alerts[e.alert_id]
    return None


def seed_dates(folder: Path, seed: int, early_before: date | None) -> SeedDates:
    con = connect(folder / "clearsight.duckdb", read_only=True)
    snapshot, config = get_snapshot(con), CouncilConfig()
    entries = read_entries(folder / "extract" / REGISTERS_FILE)
    started = time.process_time()
    result = replay(con, snapshot, config, START, END, entries=entries)
    seconds = time.process_time() - started
    con.close()
    [change] = [e for e in entries if e.register == "change"]
    effective = change.effective or change.raised_on
    notice = effective - timedelta(days=Scenario().notice_days_permanent)
    rules = sorted(result.store.alerts(kind="rule"), key=lambda a: (a.raised_on, a.alert_id))
    print(f"\nseed {seed}: replayed in {seconds:.1f}s CPU; restructure notice {notice}, effective {effective}")
    for severity in SEVERITIES:
        first = next((a for a in rules if a.severity == severity), None)
        print(f"  first {severity:8s}: {describe(first) if first else '-'}")
    director = first_reaching(result, "director", "rule")
    coo = first_reaching(result, "chief_operating_officer", "concern")
    print(f"  director : {director[0]} {describe(director[1])}" if director else "  director : -")
    print(f"  COO      : {coo[0]} {coo[1].rule} {coo[1].entity_name}" if coo else "  COO      : -")
    if early_before:
        early = [a for a in rules if a.severity != "low" and a.raised_on < early_before]
        print(f"  above low before {early_before}: {len(early)}")
        for a in early:
            print(f"    {describe(a)}")
    above = next((a for a in rules if a.severity != "low"), None)
    return SeedDates(seed, notice, effective, above, director, coo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/clearsight-calibration"))
    parser.add_argument("--early", action="store_true", help="List the alerts above low before --early-before.")
    parser.add_argument("--early-before", type=date.fromisoformat, default=date(2023, 5, 1))
    parser.add_argument("--team-size-most", type=int, default=Scenario.team_size_most,
                        help="Most practitioners in one team (Scenario.team_size_most).")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    sc = Scenario(team_size_most=args.team_size_most)
    rows = [seed_dates(council(args.dir, s, args.scale, sc), s, args.early_before if args.early else None)
            for s in args.seeds]
    print("\nseed  first above low                               to the director  concerns to the COO")
    for r in rows:
        first = f"{r.first_above_low.raised_on} {r.first_above_low.rule}" if r.first_above_low else "-"
        print(f"{r.seed:4d}  {first:44s}  {r.director[0] if r.director else '-'!s:15s}  "
              f"{r.coo[0] if r.coo else '-'}")
    print(f"(done when: first above low in May-July 2023; the director before the inspection, {INSPECTION}; "
          "the COO reached)")


if __name__ == "__main__":
    main()
