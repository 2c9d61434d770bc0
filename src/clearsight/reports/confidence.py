"""How far the data can be trusted: records that loaded but cannot be true, each KPI's grade with its least
complete field and least plausible rule, and the teams' own returns that disagree with the records."""

from __future__ import annotations

from typing import Any

from clearsight.metrics.figures import compute
from clearsight.render.values import display, long_date
from clearsight.reports.kpis import kpi_table, practice_kpis
from clearsight.reports.request import Request, quarter_ending
from clearsight.reports.returns import reconciled_returns
from clearsight.reports.sections import plural, section
from clearsight.reports.view import View, col

RULE_COLUMNS = (
    col("rule", "Rule"), col("says", "What it checks"), col("table", "Table"), col("checked", "Checked", "count"),
    col("failing", "Failing", "count"), col("plausible_share", "Passing", "rate"),
)
KPI_COLUMNS = (col("title", "KPI"), col("confidence", "Confidence", "grade"),
               col("least_complete", "Least complete field"), col("least_plausible", "Least plausible rule"))
RETURN_COLUMNS = (
    col("team", "Team"), col("report_date", "Date", "date"), col("measure_words", "Measure"),
    col("reported_shown", "Team reported", "figure"), col("from_records_shown", "From the records", "figure"),
    col("difference_shown", "Difference", "figure"), col("note", "Note"), col("measure", "Measure name", detail=True),
    col("reported", "Team reported (value)", "number", detail=True),
    col("from_records", "From the records (value)", "number", detail=True),
    col("difference", "Difference (value)", "number", detail=True),
)


RETURN_VALUES = ("reported", "from_records", "difference")  # a return's figures, each shown in its measure's unit


def build(req: Request, implausible: bool = False) -> View:
    con, snap, config = req.con, req.snapshot, req.config
    subtitle = f"{req.council}, snapshot {snap.snapshot_id}, as at {long_date(req.as_at)}"
    if implausible:
        figure = compute(con, snap, "implausible_records_children", snap.extract_date, config)
        rows = figure.records()
        columns = tuple(col(c, c.replace("_", " ")) for c in figure.rows.column_names)
        return View("confidence", "Implausible records", subtitle, (f"{plural(len(rows), 'record')} fail a rule.",),
                    (section("records", figure.metric.title, rows, columns, personal=True, limit=50),),
                    req.provenance(figure.provenance), {"records": figure}, req.warnings)
    rules = compute(con, snap, "implausible_records", snap.extract_date, config)
    kpis = kpi_table(con, snap, quarter_ending(req.as_at), req.as_at, config)
    returns = reconciled_returns(con, snap, req.as_at, config)
    differing = [_in_words(r) for r in returns if r["discrepancy"] is not False]
    failing = sum(r["failing"] for r in rules.records())
    grades = [r["confidence"] for r in kpis.rows]
    headline = (
        f"{plural(failing, 'record')} fail a plausibility rule; KPI grades: "
        + ", ".join(f"{grades.count(g)} {g}" for g in "ABCD" if g in grades) + ".",
        f"{plural(len(differing), 'team return')} of {len(returns):,} disagree with the records or cannot be checked.",
    )
    sections = (
        section("team_returns", "Team returns that disagree with the records or cannot be checked", differing,
                RETURN_COLUMNS, limit=20),
        section("plausibility", "Plausibility rules (records that loaded but cannot be true)", rules.records(),
                RULE_COLUMNS),
        section("kpis", f"KPIs as at {long_date(req.as_at)}", kpis.rows, KPI_COLUMNS),
    )
    return View("confidence", "Data confidence", subtitle, headline, sections, req.provenance(rules.provenance),
                {"plausibility": rules, **kpis.figures}, req.warnings)


def _in_words(row: dict[str, Any]) -> dict[str, Any]:
    """A team return with its measure named in words and its values shown in its unit: a count whole (173, not
    173.0), a `<kpi>_rate` measure as a percentage."""
    titles = {k.name: k.title for k in practice_kpis()}
    measure = str(row["measure"])
    is_rate = measure.endswith("_rate")
    name = measure.removesuffix("_rate") if is_rate else measure
    words = titles.get(name, name.replace("_", " ").capitalize()) + (" (rate)" if is_rate else "")
    unit = col("value", "", "rate" if is_rate else "count")
    values = [row.get(k) for k in RETURN_VALUES]
    counted = [abs(v) for v in values if isinstance(v, (int, float)) and v]
    return {**row, "measure_words": words, "unit": unit.unit, "check": min(counted, default=None),
            **{f"{k}_shown": display(v, unit) for k, v in zip(RETURN_VALUES, values)}}
