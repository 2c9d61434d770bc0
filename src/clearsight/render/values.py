"""One convention for showing a value, and the rules that keep names from the data harmless.

Rates are percentages with one decimal everywhere, counts whole numbers, money pounds with thousands
separators; codes become words. Names come from councils' files, so before they reach a terminal their control
characters are removed (Rich markup is never interpreted in data: renderers pass `Text`), and before they reach
a spreadsheet a cell starting with = + - @ is written as text, never as a formula (OWASP CSV injection).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from clearsight.canonical.words import words
from clearsight.reports.view import Column

if TYPE_CHECKING:
    from clearsight.metrics.figures import Provenance

MISSING = "–"
MAX_ECHO = 200  # characters of a bad value echoed in a message
# Escape sequences whole (CSI "ESC [ ... letter", OSC "ESC ] ... BEL/ST"), then any other control character.
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value: str) -> str:
    """Text from the data with terminal control characters (escape sequences, bells) removed."""
    return _CONTROL.sub("", value)


def clip(value: Any, limit: int = MAX_ECHO) -> str:
    """A value to echo in a message: cleaned and cut to `limit` characters."""
    text = clean_text(str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula, prefixed with ' so it stays text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def long_date(day: date) -> str:
    """15 Dec 2023: how dates read in headlines."""
    return f"{day.day} {day:%b %Y}"


def display(value: Any, column: Column) -> str:
    """The value as the reader sees it in a table cell or a sentence."""
    if value is None:
        return MISSING
    if column.vocabulary:
        value = words(column.vocabulary, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    unit = column.unit
    if isinstance(value, (int, float)):
        if unit == "rate":
            return f"{_unsigned_zero(value * 100, 1):.1f}%"
        if unit == "money":
            return f"£{_unsigned_zero(value, 0):,.0f}"
        if unit in ("count", "days"):
            return f"{round(value):,}"
        if unit == "number" or isinstance(value, float):
            return f"{_unsigned_zero(value, 1):,.1f}"
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(str(value))


def _unsigned_zero(value: float, places: int) -> float:
    """The value rounded as shown, a negative that rounds to nothing made 0 (Python prints it -0.0)."""
    return round(value, places) + 0.0


def percent(value: float | None) -> str:
    return MISSING if value is None else f"{_unsigned_zero(value * 100, 1):.1f}%"


def provenance_line(p: Provenance | None, *, verbose: bool = False) -> str:
    """Where a figure came from: one line, or with `verbose` the records read and the least complete field."""
    if p is None:
        return ""
    short = (f"Data confidence {p.confidence} · {p.council} snapshot {p.snapshot_id}, extract of "
             f"{long_date(p.extract_date)} · as at {long_date(p.as_at)}")
    if not verbose:
        return short
    records = ", ".join(f"{t} {n:,}" for t, n in p.records.items())
    least = p.least_complete
    detail = ("" if least is None else "; every field used is complete" if least[1] >= 1
              else f"; least complete field {least[0]} {least[1]:.1%}")
    if p.least_plausible:
        rule, share = p.least_plausible
        detail += f"; {1 - share:.1%} of records fail plausibility rule {rule}"
    return f"{short} · sha256 {p.content_hash[:12]} · records read: {records}{detail}"
