"""A view: one screen's figures built once as data, rendered by any renderer.

In datasette's manner (one data dict, many renderers), a view holds its headline lines (the answer to the
reader's first question, in words), its sections (tables whose columns say what they are, in what unit and by
which definition) and the figures behind them with their provenance. The terminal, JSON, CSV, XLSX and HTML
renderers (`clearsight.render`), and the web pages and packs, all render these same objects; none computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from clearsight.metrics.figures import Figure, Provenance

# How a column's values are shown: rates are fractions shown as percentages with one decimal everywhere,
# counts are whole numbers, numbers have one decimal, money is pounds with no pence; a "figure" is a number
# already written in its own row's unit (a column mixing counts and rates), aligned as a number.
Unit = Literal["text", "count", "number", "rate", "money", "date", "days", "grade", "rag", "figure"]


@dataclass(frozen=True)
class Column:
    key: str  # the field in each row
    title: str  # words, saying what is divided by what where it is a ratio
    unit: Unit = "text"
    vocabulary: str | None = None  # code list whose words replace the codes (clearsight.canonical.words)
    detail: bool = False  # left off the terminal to fit its width; in every file format


def col(key: str, title: str, unit: Unit = "text", vocabulary: str | None = None, *, detail: bool = False) -> Column:
    return Column(key, title, unit, vocabulary, detail)


@dataclass(frozen=True)
class Section:
    key: str  # stable name (`--section`, JSON key, sheet name)
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    notes: tuple[str, ...] = ()  # definitions and rules in words, shown under the table
    personal: bool = False  # rows identify children or workers: shown only to those allowed, audit-logged
    limit: int | None = None  # the terminal shows this many rows; every other renderer shows all
    terminal: bool = True  # False: a long-format twin of another section, for files only

    def column_keys(self) -> list[str]:
        return [c.key for c in self.columns]


@dataclass(frozen=True)
class View:
    name: str  # the command / page name
    title: str  # "Allocation position"
    subtitle: str  # "Eastmere, as at 15 Dec 2023"
    headline: tuple[str, ...]  # lines answering the first question, most important first
    sections: tuple[Section, ...]
    provenance: Provenance | None  # of the view's main figure (None: a listing, not a figure)
    figures: dict[str, Figure] = field(default_factory=dict)  # every figure read, for JSON and audit
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # about the whole view, shown under the headline (e.g. small numbers suppressed)

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise LookupError(f"no section {key!r} in the {self.name} view; sections: "
                       f"{', '.join(s.key for s in self.sections)}")

    def without_personal(self) -> "View":
        """The view with every section that identifies a child or worker left out."""
        return replace(self, sections=tuple(s for s in self.sections if not s.personal))

    @property
    def all_warnings(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.warnings, *(self.provenance.warnings if self.provenance else ()))))
