"""One convention for a value in a cell: a figure that rounds to nothing is 0.0, never -0.0 (the optimism gap's
95% interval for Central Child Protection Team printed "-0.0")."""

from __future__ import annotations

from clearsight.render.values import display
from clearsight.reports.view import col


def test_a_small_negative_figure_rounds_to_zero_not_minus_zero():
    assert display(-0.04, col("low", "95% low", "number")) == "0.0"
    assert display(-0.0004, col("rate", "Rate", "rate")) == "0.0%"
    assert display(-0.06, col("low", "95% low", "number")) == "-0.1"
    assert display(-0.4, col("n", "Children", "count")) == "0"


def test_a_long_sheet_name_is_cut_at_a_words_end():
    """Excel allows 31 characters: 'Personal advisers and IROs, each against their own standard' became
    'Personal advisers and IROs, eac', and 'Why they left, ... to 20'."""
    from clearsight.render.files import _sheet_name

    used: set[str] = set()
    assert _sheet_name("Personal advisers and IROs, each against their own standard", used) == (
        "Personal advisers and IROs")
    assert _sheet_name("Optimism gap: independent grade minus manager's", used) == "Optimism gap- independent grade"
    assert _sheet_name("By team", used) == "By team"
    assert _sheet_name("by team", used) == "by team (2)"
    assert _sheet_name("A" * 40, used) == "A" * 31
