"""Dates as councils write them: `parse_date` (Python) and `sql_parse_date` (DuckDB) must agree everywhere.

The loader validates with the SQL rule and anything reading a file in Python uses the Python rule, so a value
one accepts and the other rejects would be a cell that loads differently depending on the path it takes.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearsight.canonical.dates import (
    EXCEL_EPOCH,
    EXCEL_MAX_SERIAL,
    date_to_excel_serial,
    excel_serial_to_date,
    parse_date,
    sql_parse_date,
)
from clearsight.store.validation import PLAIN_DATE, sql_date, sql_plain_date

DATES = st.dates(min_value=date(1900, 3, 1), max_value=date(2099, 12, 31))
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect(":memory:")
    yield c
    c.close()


def sql_dates(con: duckdb.DuckDBPyConnection, values: list[str]) -> dict[str, date | None]:
    """Every value through `sql_parse_date` in one query: value -> DATE or None. The loader's `sql_date` (the
    same rule with fast paths for plain cells) is run beside it and must give the same answer for every value."""
    if not values:
        return {}
    rows = con.execute(f"SELECT v, {sql_parse_date('v')}, {sql_date('v')}, regexp_matches(v, '{PLAIN_DATE}'), "
                       f"{sql_plain_date('v')} FROM (SELECT unnest(?) AS v)", [values]).fetchall()
    for value, full, fast, plain, plain_parsed in rows:
        assert full == fast, f"{value!r}: sql_parse_date -> {full!r}, sql_date -> {fast!r}"
        if plain:  # a column of such cells only is parsed by sql_plain_date (formats.screen)
            assert plain_parsed == full, f"{value!r}: sql_parse_date -> {full!r}, sql_plain_date -> {plain_parsed!r}"
    return {value: full for value, full, *_ in rows}


def py_date(value: object) -> date | None:
    """parse_date with ValueError as None (the SQL rule's NULL); any other exception propagates."""
    try:
        return parse_date(value)
    except ValueError:
        return None


def forms(d: date, hh: int = 0, mm: int = 0, ss: int = 0) -> list[str]:
    serial = date_to_excel_serial(d)
    return [
        d.isoformat(),
        d.strftime("%d/%m/%Y"),
        f"{d.day}/{d.month}/{d.year}",
        f"{d.year}-{d.month}-{d.day}",
        str(serial),
        f"{serial}.0",
        f"{d.isoformat()}T{hh:02d}:{mm:02d}:{ss:02d}",
        f"{d.isoformat()} {hh:02d}:{mm:02d}",
        f"  {d.isoformat()}  ",
    ]


# ---------------------------------------------------------------------------------------------------------
# Properties


@FAST
@given(st.lists(st.tuples(DATES, st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)), min_size=1,
                max_size=40))
def test_every_form_of_a_date_parses_to_that_date_in_python_and_sql(con, stamped):
    texts: list[tuple[date, str]] = [(d, f) for d, hh, mm, ss in stamped for f in forms(d, hh, mm, ss)]
    sql = sql_dates(con, [f for _, f in texts])
    for d, text in texts:
        assert parse_date(text) == d, text
        assert sql[text] == d, text
    for d, *_ in stamped:
        serial = date_to_excel_serial(d)
        assert parse_date(serial) == d
        assert parse_date(float(serial)) == d
        assert parse_date(d) == d
        assert parse_date(datetime(d.year, d.month, d.day, 13, 30)) == d


@settings(max_examples=300, deadline=None)
@given(DATES)
def test_excel_serial_round_trip(d):
    serial = date_to_excel_serial(d)
    assert isinstance(serial, int)
    assert excel_serial_to_date(serial) == d
    assert excel_serial_to_date(float(serial)) == d


@settings(max_examples=300, deadline=None)
@given(st.integers(1, EXCEL_MAX_SERIAL))
def test_serial_round_trip_from_the_serial_side(serial):
    assert date_to_excel_serial(excel_serial_to_date(serial)) == serial


@FAST
@given(st.lists(st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True) | DATES.map(date.isoformat),
                min_size=1, max_size=40))
def test_plain_dates_parse_alike_by_the_full_rule_and_the_plain_one(con, values):
    """Every YYYY-MM-DD text, a real date or not ('0000-01-01', '2023-02-30', '2023-13-01'), as sql_dates checks."""
    sql = sql_dates(con, [*values, "0000-01-01", "2023-02-30", "2024-02-29"])
    assert (sql["0000-01-01"], sql["2023-02-30"], sql["2024-02-29"]) == (None, None, date(2024, 2, 29))


NEAR_MISSES = st.one_of(
    st.text(),
    st.text(alphabet="0123456789-/.:T Z+\t\n\u00a0", max_size=25),
    st.from_regex(r"\s*\d{1,5}[-/.]\d{1,3}[-/.]\d{1,5}([T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?\s*",
                  fullmatch=True),
    st.from_regex(r"\s*\d{1,8}(\.\d{0,3})?\s*", fullmatch=True),
    DATES.map(lambda d: d.isoformat()).flatmap(
        lambda s: st.tuples(st.text(max_size=3), st.text(max_size=3)).map(lambda ab: ab[0] + s + ab[1])
    ),
)


@FAST
@given(st.lists(NEAR_MISSES, min_size=1, max_size=40))
def test_python_and_sql_agree_on_arbitrary_text(con, values):
    """parse_date raises only ValueError, and SQL gives NULL exactly when Python rejects (or sees a blank)."""
    sql = sql_dates(con, values)
    for value in values:
        try:
            expected = parse_date(value)
        except ValueError:
            expected = None
        assert sql[value] == expected, f"{value!r}: parse_date -> {expected!r}, sql_parse_date -> {sql[value]!r}"


# ---------------------------------------------------------------------------------------------------------
# Examples


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023-01-31", date(2023, 1, 31)),
        (" 2023-01-31 ", date(2023, 1, 31)),
        ("2023-1-5", date(2023, 1, 5)),
        ("31/01/2023", date(2023, 1, 31)),
        ("5/1/2023", date(2023, 1, 5)),
        ("45000", date(2023, 3, 15)),
        ("45000.0", date(2023, 3, 15)),
        ("45000.000", date(2023, 3, 15)),
        ("1", date(1899, 12, 31)),
        ("61", date(1900, 3, 1)),
        (str(EXCEL_MAX_SERIAL), date(9999, 12, 31)),
        ("2023-01-31T14:05:06", date(2023, 1, 31)),
        ("2023-01-31 14:05", date(2023, 1, 31)),
        ("2023-01-31T14:05:06.123Z", date(2023, 1, 31)),
        ("2023-01-31T14:05:06+01:00", date(2023, 1, 31)),
        ("31/01/2023 09:00:00", date(2023, 1, 31)),
        ("2024-02-29", date(2024, 2, 29)),
        ("29/02/2000", date(2000, 2, 29)),
    ],
)
def test_accepted_forms(con, text, expected):
    assert parse_date(text) == expected
    assert sql_dates(con, [text])[text] == expected


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2023",  # impossible day
        "29/02/2023",  # not a leap year
        "1900-02-29",  # 1900 was not a leap year (Excel thinks it was)
        "2023-13-01",  # month 13
        "2023-00-10",
        "00/01/2023",
        "0000-01-01",  # year 0 does not exist
        "01/01/0000",
        "0",  # serial 0 is before Excel's calendar
        "99999999",  # eight digits: not a serial
        str(EXCEL_MAX_SERIAL + 1),
        "45000.5",  # serials are whole days
        "-45000",
        "2023/01/31",
        "01-31-2023",
        "31.01.2023",
        "31 Jan 2023",
        "January 31, 2023",
        "20230131",
        "2023-01-31T",
        "T10:00",
        "yesterday",
        "n/a",
        "\u0663\u0660/\u0660\u0661/\u0662\u0660\u0662\u0663",  # Arabic-Indic digits: not what a file holds
        "\uff12\uff10\uff12\uff13-01-31",  # full-width digits
    ],
)
def test_rejected_values(con, text):
    with pytest.raises(ValueError):
        parse_date(text)
    assert sql_dates(con, [text])[text] is None


@pytest.mark.parametrize("blank", [None, "", "   ", "\u00a0"])
def test_blank_is_no_value(con, blank):
    assert parse_date(blank) is None
    if blank is not None:
        assert sql_dates(con, [blank])[blank] is None


@pytest.mark.parametrize("value", [0, -1, 1.5, EXCEL_MAX_SERIAL + 1, math.inf, -math.inf, math.nan, True])
def test_bad_numbers_raise_value_error(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_excel_epoch_is_day_zero():
    assert date_to_excel_serial(EXCEL_EPOCH) == 0
    assert date_to_excel_serial(date(1900, 3, 1)) == 61  # Excel shows 61 as 01/03/1900
    assert date_to_excel_serial(date(2023, 3, 15)) == 45000


def test_error_names_the_forms_and_the_value():
    with pytest.raises(ValueError) as err:
        parse_date("31/02/2023x")
    assert "YYYY-MM-DD, dd/mm/yyyy or an Excel serial number" in str(err.value)
    assert "'31/02/2023x'" in str(err.value)


def test_whitespace_around_a_date_is_ignored_alike_in_python_and_sql(con):
    """str.strip() removes tabs, CR/LF, no-break and other Unicode spaces; the SQL rule must remove the same."""
    spaces = [chr(i) for i in range(0x110000) if chr(i).isspace()]
    values = [f"{c}2023-01-31{c}" for c in spaces] + [f"{c}45000{c}" for c in spaces] + spaces
    sql = sql_dates(con, values)
    for value in values:
        assert py_date(value) == sql[value], repr(value)
    assert sql["\t2023-01-31\t"] == date(2023, 1, 31)
