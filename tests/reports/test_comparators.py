"""Beside the council's figures, England's: a table whose England column is empty says why under it (the
Practice page showed '–' against every KPI as at 15 Dec 2023, England's figures being built in for 2025 only)."""

from __future__ import annotations

from clearsight.reports.comparators import no_england_note


def test_an_empty_england_column_says_which_year_has_no_figure():
    rows = [{"england_rate": None, "england_year": "2024"}, {"england_rate": None, "england_year": "2024"}]
    assert no_england_note(rows, "england_rate") == (
        "No England figure is held for 2024, the publication year these figures fall in: DfE's are loaded with "
        "`clearsight benchmarks load`.",)
    assert no_england_note([*rows, {"england_rate": 0.8, "england_year": "2025"}], "england_rate") == ()
    assert no_england_note([], "england_rate") == ()
