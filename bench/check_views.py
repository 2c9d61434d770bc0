"""Whether a speed change kept every figure (issue 14 item 3): the JSON of the position, capacity, summary, kpis,
workforce, flow, cost and audits views (with their figures, provenance and every personal section) for several
requests, written to a file, so a run on main and a run on the change can be compared byte for byte. Both with and
without pandas imported, as a command and a server compute some figures differently
(`clearsight.store.database.arrow_tables_are_cheap`). Not part of the test run. Usage:
    .venv/bin/python bench/check_views.py --db FILE --out before.json     (on main)
    .venv/bin/python bench/check_views.py --db FILE --out after.json      (on the change; then `cmp` the two)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from clearsight.config import CouncilConfig
from clearsight.metrics.figures import clear_result_cache
from clearsight.render import files
from clearsight.render.files import view_json
from clearsight.reports import audits, capacity, cost, flow, kpis, position, summary, workforce
from clearsight.reports.request import make_request
from clearsight.store.database import open_database
from clearsight.store.figure_store import STORE_ENV
from clearsight.store.snapshots import get_snapshot, team_names

# Each view with the window its command defaults to.
VIEWS = {"position": (position.build, "as_at"), "capacity": (capacity.build, "as_at"),
         "summary": (summary.build, "as_at"), "kpis": (kpis.build, "quarter"), "workforce": (workforce.build, "year"),
         "flow": (flow.build, "year"), "cost": (cost.build, "financial_year"), "audits": (audits.build, "year")}


def views_json(db: Path) -> str:
    os.environ[STORE_ENV] = "off"
    # Charts are drawn from the sections' rows, compared here already; and the summary's "waiting" section has
    # no "day" column for the chart main's render/charts.py gives it (its JSON raises KeyError).
    files.section_chart = lambda view_name, section: None
    con = open_database(db)
    snapshot = get_snapshot(con)
    team = sorted(team_names(con, snapshot).values())[0]
    requests = {"extract date": {}, "2023-12-15": {"as_at": "2023-12-15"}, f"team {team}": {"team": team}}
    parts = []
    for label, options in requests.items():
        for name, (build, window) in VIEWS.items():
            if name != "position" and "team" in options:
                continue
            clear_result_cache()
            view = build(make_request(con, snapshot, CouncilConfig(), default_window=window, **options))
            parts.append(f"== {name}, {label}\n{view_json(view)}")
    con.close()
    return "\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="A loaded database.")
    parser.add_argument("--out", type=Path, required=True, help="File to write the views' JSON to.")
    args = parser.parse_args()
    text = "== as a command (no pandas)\n" + views_json(args.db)
    import pandas  # noqa: F401  (as a server: figures computed from other figures' rows where they can be)

    text += "== as a server (pandas imported)\n" + views_json(args.db)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text):,} characters)", file=sys.stderr)


if __name__ == "__main__":
    main()
