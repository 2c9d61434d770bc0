"""The scrutiny pack's timeliness chapter says how its own RAG is worked out, once, in words: it carried the
practice view's note on a `kpi_targets` column it does not show beside its own on `[packs.targets]`, and read
'amber within 5.0% points ... the target is a most'."""

from __future__ import annotations

from types import SimpleNamespace

from clearsight.config import CouncilConfig
from clearsight.reports import kpis
from clearsight.reports.packs import against_targets
from clearsight.reports.view import Section, View


def test_the_timeliness_chapter_explains_its_own_rag_only():
    kpis.practice_kpis()  # the KPI registry
    row = {"kpi": "cp_visits", "title": "Children on a CP plan seen within the standard", "over": "on 2023-12-31",
           "denominator": 10, "numerator": 8, "kpi_rate": 0.8, "england_rate": None, "neighbours_rate": None,
           "confidence": "A"}
    practice = View("kpis", "Practice KPIs", "Eastmere", (), (Section(
        "kpis", "Practice KPIs", kpis.KPI_COLUMNS, [row], ("Event KPIs count the period.", kpis.TARGET_NOTE)),), None)
    notes = against_targets(SimpleNamespace(config=CouncilConfig()), practice).section("kpis").notes
    assert kpis.TARGET_NOTE not in notes and "Event KPIs count the period." in notes
    assert notes[-1] == ("RAG against the council's targets (config [packs.targets]): green meeting it, amber within "
                         "5.0 percentage points of it, red beyond; for KPIs counting failures (overdue) the target is "
                         "a ceiling. No targets are set.")
