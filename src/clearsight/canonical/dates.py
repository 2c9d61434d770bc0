"""Dates as councils' files write them: ISO, dd/mm/yyyy, and Excel serial numbers.

The sector's tools were seen blanking every date they could not parse; Clearsight parses these three forms
and reports anything else as an error naming the cell. `parse_date` (Python, for readers) and
`sql_parse_date` (DuckDB SQL, for column-wise validation) implement the same rule and are tested against each
other.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

# Excel's day 0 is 1899-12-30 once its fictitious 29 Feb 1900 is allowed for; serials are whole days.
EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_MAX_SERIAL = 2958465  # 9999-12-31

# re.ASCII: \d must mean 0-9 only, as in DuckDB's RE2 (Python's \d and int() also take other scripts' digits).
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_SERIAL = re.compile(r"\d{1,7}(\.0+)?", re.ASCII)
_TIME_SUFFIX = re.compile(r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$", re.ASCII)
# What str.strip() removes (tab, CR, LF, no-break space...); DuckDB's trim() alone removes only spaces.
_WHITESPACE = "".join(chr(i) for i in range(0x3001) if chr(i).isspace())  # none lies above U+3000

DATE_FORMS = "YYYY-MM-DD, dd/mm/yyyy or an Excel serial number"


def parse_date(value: object) -> date | None:
    """A date from an ISO, dd/mm/yyyy or Excel-serial value; None for blank; ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return excel_serial_to_date(float(value))
    text = str(value).strip()
    if not text:
        return None
    text = _TIME_SUFFIX.sub("", text)
    if m := _ISO.fullmatch(text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _UK.fullmatch(text):
        return date(int(m[3]), int(m[2]), int(m[1]))
    if _SERIAL.fullmatch(text):
        return excel_serial_to_date(float(text))
    raise ValueError(f"expected a date ({DATE_FORMS}), got {text!r}")


def excel_serial_to_date(serial: float) -> date:
    if not 1 <= serial <= EXCEL_MAX_SERIAL or serial != int(serial):  # range first: int(inf) overflows
        raise ValueError(f"expected a whole Excel serial day between 1 and {EXCEL_MAX_SERIAL}, got {serial!r}")
    return EXCEL_EPOCH + timedelta(days=int(serial))


def date_to_excel_serial(day: date) -> int:
    return (day - EXCEL_EPOCH).days


def sql_parse_date(column: str) -> str:
    """DuckDB SQL turning a VARCHAR column into a DATE by the rule of `parse_date` (NULL if unreadable)."""
    text = f"regexp_replace(trim({column}, '{_WHITESPACE}'), '[T ]\\d{{1,2}}:\\d{{2}}(:\\d{{2}}(\\.\\d+)?)?(Z|[+-]\\d{{2}}:?\\d{{2}})?$', '')"
    # Most cells are already plain YYYY-MM-DD: parse those directly and give only the rest the full treatment.
    plain_iso = f"regexp_full_match({column}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') AND NOT starts_with({column}, '0000')"
    return (
        f"CASE WHEN {plain_iso} THEN TRY_CAST(TRY_STRPTIME({column}, '%Y-%m-%d') AS DATE) ELSE "
        f"COALESCE("
        f"CASE WHEN regexp_full_match({text}, '\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}') AND NOT starts_with({text}, '0000') "
        f"THEN TRY_CAST(TRY_STRPTIME({text}, '%Y-%m-%d') AS DATE) END, "
        f"CASE WHEN regexp_full_match({text}, '\\d{{1,2}}/\\d{{1,2}}/\\d{{4}}') AND NOT ends_with({text}, '/0000') "
        f"THEN TRY_CAST(TRY_STRPTIME({text}, '%d/%m/%Y') AS DATE) END, "
        f"CASE WHEN regexp_full_match({text}, '\\d{{1,7}}(\\.0+)?') "
        f"AND TRY_CAST({text} AS DOUBLE) BETWEEN 1 AND {EXCEL_MAX_SERIAL} "
        f"THEN DATE '{EXCEL_EPOCH.isoformat()}' + CAST(TRY_CAST({text} AS DOUBLE) AS INTEGER) END) END"
    )


def year_ending_31_march(day: date) -> date:
    """The 31 March ending the DfE collection year (1 April to 31 March) that `day` closes or precedes: the
    31 March on or before `day`. The CIN census reference date and the SSDA903 year end."""
    return date(day.year if (day.month, day.day) >= (3, 31) else day.year - 1, 3, 31)
