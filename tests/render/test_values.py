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
