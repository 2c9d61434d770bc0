"""Page one's first line: the children waiting, told from the member-safe series so the suppression keeps it."""

from __future__ import annotations

from datetime import date

from clearsight.reports.disclosure import _small_number_in
from clearsight.reports.packs import waiting_line

SERIES = [
    {"day": date(2022, 12, 31), "waiting": "<5"},
    {"day": date(2023, 1, 31), "waiting": 0},
    {"day": date(2023, 11, 30), "waiting": 140},
    {"day": date(2023, 12, 31), "waiting": 110},
]


def test_the_waiting_line_states_the_safe_values_and_the_peak():
    line = waiting_line(SERIES)
    assert line == ("Children waiting for a social worker: 110 on 31 Dec 2023, against fewer than 5 on "
                    "31 Dec 2022; the most was 140 on 30 Nov 2023.")
    # The member-facing suppression drops a line holding a count from 1 to 4; this one holds none.
    assert not _small_number_in(line, 5)


def test_a_series_withheld_throughout_names_no_peak():
    line = waiting_line([{"day": date(2023, 11, 30), "waiting": "<5"}, {"day": date(2023, 12, 31), "waiting": "[c]"}])
    assert line == ("Children waiting for a social worker: withheld on 31 Dec 2023, against fewer than 5 on "
                    "30 Nov 2023.")
