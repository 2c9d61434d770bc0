"""A view on a terminal: every table fits the width (80 or 120 columns), names stay whole, and what does not fit
is left to the file formats with a caption saying so (Rich alone cropped the right of a wide table: `capacity`
lost its cost columns, and the notes under it their line ends)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from clearsight.render.terminal import print_view
from clearsight.reports.view import Section, View, col

TEAMS = ("Central Child Protection Team", "North Child in Need Team", "Front Door (MASH)")
COLUMNS = (col("team", "Team"), col("service", "Service"),
           *(col(f"n{i}", f"Cases per FTE of workers holding cases {i}", "number") for i in range(8)),
           col("cost", "Annual cost as agency posts", "money"))


def printed(view: View, width: int) -> list[str]:
    out = io.StringIO()
    print_view(Console(file=out, width=width, highlight=False), view)
    return out.getvalue().splitlines()


def wide_view(notes: tuple[str, ...] = ()) -> View:
    rows = [{"team": t, "service": "Child protection", **{f"n{i}": 123.4 for i in range(8)}, "cost": 1_108_224}
            for t in TEAMS]
    return View("capacity", "Capacity", "Eastmere", ("24 posts needed.",),
                (Section("teams", "By team", COLUMNS, rows, notes),), None)


@pytest.mark.parametrize("width", [80, 120])
def test_a_wide_table_fits_the_terminal_with_names_whole(width):
    lines = printed(wide_view(notes=("A note long enough to wrap: " + "word " * 60,)), width)
    assert max(len(line) for line in lines) <= width
    table = "\n".join(lines)
    for team in TEAMS:
        assert team in table  # a row's name on one line
    assert "More columns in --format csv, json, xlsx or html." in table
    assert lines[-1].rstrip().endswith("More columns in --format csv, json, xlsx or html.")
    assert "word word" in table and "A note long enough to wrap" in table


def test_a_table_that_fits_shows_every_column_at_its_natural_width():
    lines = printed(wide_view(), 600)
    table = "\n".join(lines)
    assert "£1,108,224" in table and "More columns" not in table
    assert "Cases per FTE of workers holding cases 7" in table  # headers unwrapped
