"""Tolerant header matching for tabular formats: case, spacing, punctuation and known variants.

A format declares, per field, the header texts it has been seen under; a header matches a field when the
normalised texts are equal, or (for variants written with a leading '~') when the normalised variant occurs
within the header, for the long question-style headings of Annex A. The header row itself is found among the
first rows, so a merged title row above it, or blank rows, do not matter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from clearsight.formats.cells import name_key, text
from clearsight.formats.errors import ReaderError

HEADER_SEARCH_ROWS = 12


@dataclass(frozen=True)
class Field:
    name: str  # the reader's name for it
    variants: tuple[str, ...]
    required: bool = False

    @cached_property
    def keys(self) -> frozenset[str]:
        """The normalised texts a header must equal."""
        return frozenset(name_key(v) for v in self.variants if not v.startswith("~"))

    @cached_property
    def fragments(self) -> tuple[str, ...]:
        """The normalised texts ('~' variants) a header may contain."""
        return tuple(name_key(v[1:]) for v in self.variants if v.startswith("~"))

    def matches(self, header_key: str) -> bool:
        return header_key in self.keys or any(f in header_key for f in self.fragments)


@dataclass(frozen=True)
class Header:
    row: int  # 0-based index of the header row
    columns: dict[str, int]  # field name -> column index
    texts: dict[str, str]  # field name -> header text as written
    extra: tuple[str, ...]  # headers no field claims


def match_header(row: Sequence[object], fields: Sequence[Field]) -> tuple[dict[str, int], dict[str, str], list[str]]:
    columns: dict[str, int] = {}
    texts: dict[str, str] = {}
    extra = []
    for i, cell in enumerate(row):
        written = text(cell)
        if not written:
            continue
        key = name_key(written)
        # exact matches first, so 'Allocated Worker' never falls to a '~worker' variant of another field
        field = next((f for f in fields if f.name not in columns and key in f.keys), None)
        field = field or next((f for f in fields if f.name not in columns and f.matches(key)), None)
        if field is None:
            extra.append(written)
        else:
            columns[field.name] = i
            texts[field.name] = written
    return columns, texts, extra


def find_header(rows: Sequence[Sequence[object]], fields: Sequence[Field], file: str, sheet: str = "") -> Header:
    """The first row, among the first few, that names the most fields; required fields must all be there."""
    best: Header | None = None
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns, texts, extra = match_header(row, fields)
        if len(columns) >= 2 and (best is None or len(columns) > len(best.columns)):
            best = Header(i, columns, texts, tuple(extra))
    if best is None:
        wanted = ", ".join(repr(f.variants[0]) for f in fields if f.required) or repr(fields[0].variants[0])
        raise ReaderError(file, f"no header row found in the first {HEADER_SEARCH_ROWS} rows (looked for {wanted})",
                          sheet=sheet)
    missing = [f for f in fields if f.required and f.name not in best.columns]
    if missing:
        raise ReaderError(file, "required column is missing from the header", sheet=sheet, row=best.row + 1,
                          column=missing[0].variants[0])
    return best
