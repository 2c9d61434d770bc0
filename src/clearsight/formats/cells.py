"""Cell values as councils' files hold them, turned into the canonical model's text.

Every reader shares these so that a date, a Y/N or a labelled code reads the same from a workbook, a CSV or
an XML element. Values that cannot be understood are passed through unchanged: the screening step
(`formats.screen`) then rejects the row naming file, row and column, rather than a reader blanking it.
Normalisers are memoised because extracts repeat the same few values (codes, dates, names) many times.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from clearsight.canonical.dates import parse_date

# Annex A templates prefix choices with a list letter ("a) Male", "q) 6: Police").
_CHOICE_PREFIX = re.compile(r"^\s*[a-z]{1,2}\)\s*", re.IGNORECASE)
_CODE_SPLIT = re.compile(r"\s*(?::|\s-\s|\s–\s)\s*")
_NOT_WORD = re.compile(r"[^0-9a-z]+")

YES = frozenset({"Y", "YES", "TRUE", "T", "1"})
NO = frozenset({"N", "NO", "FALSE", "F", "0"})


def text(value: object) -> str:
    """Cell as trimmed text: '' for empty, ISO for dates, whole floats without '.0' (ids, counts)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\xa0", " ").strip()
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


@lru_cache(maxsize=65536)
def _date_text(value: str) -> str:
    try:
        parsed = parse_date(value)
    except ValueError:
        return value  # left as found: screening rejects the row and names the cell
    return parsed.isoformat() if parsed else ""


def iso_date(value: object) -> str:
    """A date cell (ISO, dd/mm/yyyy, Excel serial, datetime) as ISO text; unreadable text unchanged."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _date_text(text(value))


@lru_cache(maxsize=4096)
def _yes_no(value: str) -> str:
    word = _CHOICE_PREFIX.sub("", value).strip().upper()
    if word in YES:
        return "Y"
    if word in NO:
        return "N"
    return value


def yes_no(value: object) -> str:
    """'Y', 'N', '' or the value unchanged (then rejected); reads 'a) Yes', 'y', 'TRUE', 1, 'false'."""
    return _yes_no(text(value))


@lru_cache(maxsize=16384)
def _code(value: str) -> str:
    bare = _CHOICE_PREFIX.sub("", value).strip()
    return _CODE_SPLIT.split(bare, maxsplit=1)[0].strip().upper() if bare else ""


def code(value: object) -> str:
    """The code of a labelled choice: 'q) 6: Police' -> '6', 'e) PR4 - Private provision' -> 'PR4'."""
    return _code(text(value))


def label(value: object) -> str:
    """A choice without its list letter: 'b) Female' -> 'Female'."""
    return _CHOICE_PREFIX.sub("", text(value)).strip()


@lru_cache(maxsize=65536)
def name_key(value: str) -> str:
    """A name reduced for tolerant matching: case, spacing and punctuation removed ('O'Neil,  Sam' ~ 'oneil sam')."""
    return " ".join(_NOT_WORD.sub(" ", value.lower().replace("'", "").replace("’", "")).split())


def slug(value: str) -> str:
    return name_key(value).replace(" ", "-")
