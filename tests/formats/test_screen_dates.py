"""The screen's test of a column of plain YYYY-MM-DD dates (formats.screen.all_plain_dates), read from Arrow's
buffers, agrees with the pattern itself on any text, nulls, slices and chunks."""

from __future__ import annotations

import re
from array import array

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from clearsight.formats.screen import all_plain_dates
from clearsight.store.validation import PLAIN_DATE

CELLS = st.one_of(st.none(), st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
                  st.text(alphabet="0123456789-/ x\u0663", max_size=12), st.text(max_size=12))


def _expected(values: list[str | None]) -> bool:
    return all(v is None or re.fullmatch(PLAIN_DATE, v, re.ASCII) for v in values)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(CELLS, max_size=8), min_size=1, max_size=4), st.integers(0, 3))
def test_plain_dates_are_found_as_the_pattern_finds_them(chunks, cut):
    column = pa.chunked_array([pa.array(c, pa.string()) for c in chunks], pa.string())
    cells = [v for c in chunks for v in c]
    assert all_plain_dates(column) == _expected(cells)
    sliced = column.slice(min(cut, len(cells)))  # chunks starting part-way into their buffers
    assert all_plain_dates(sliced) == _expected(cells[min(cut, len(cells)):])


def test_examples():
    assert all_plain_dates(pa.chunked_array([["2024-03-31", None, "0000-01-01", "2023-02-30"]]))
    assert not all_plain_dates(pa.chunked_array([["2024-03-31", "31/03/2024"]]))
    assert not all_plain_dates(pa.chunked_array([["2024-03-31 "]]))
    assert not all_plain_dates(pa.chunked_array([["2024-3-31"]]))
    assert not all_plain_dates(pa.chunked_array([[1, 2]], pa.int64()))  # not text: the full rule
    assert all_plain_dates(pa.chunked_array([[None, None]], pa.string()))
    assert not all_plain_dates(pa.chunked_array([[None, "x"]]).slice(1))  # its own validity bit, not the first's
    assert all_plain_dates(pa.chunked_array([["x", None, "2024-01-01"]]).slice(1))


def test_a_null_holding_bytes_is_passed_over():
    """Arrow lets a null's slot hold bytes (here 'xx/xx/xxxx' between two dates): only the values count."""
    offsets = pa.py_buffer(bytes(memoryview(array("i", [0, 10, 20, 30]))))
    data = pa.py_buffer(b"2024-01-01xx/xx/xxxx2024-02-29")
    nulls = pa.Array.from_buffers(pa.string(), 3, [pa.py_buffer(bytes([0b101])), offsets, data], null_count=1)
    assert nulls.to_pylist() == ["2024-01-01", None, "2024-02-29"]
    assert all_plain_dates(pa.chunked_array([nulls]))
    bad = pa.Array.from_buffers(pa.string(), 3, [pa.py_buffer(bytes([0b011])), offsets, data], null_count=1)
    assert not all_plain_dates(pa.chunked_array([bad]))
