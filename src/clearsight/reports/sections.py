"""Building blocks shared by the views: a section from a figure's rows, a figure at one level, plural words."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from clearsight.reports.view import Column, Section

if TYPE_CHECKING:
    from clearsight.metrics.figures import Figure

Row = dict[str, Any]


def section(
    key: str, title: str, rows: Iterable[Row], columns: Iterable[Column], *, notes: Iterable[str] = (),
    personal: bool = False, limit: int | None = None, terminal: bool = True,
) -> Section:
    return Section(key, title, tuple(columns), list(rows), tuple(notes), personal, limit, terminal)


def rows_at(figure: Figure, level: str, where: Callable[[Row], bool] | None = None) -> list[Row]:
    """The figure's rows of one level (team, service or council), optionally filtered."""
    return [r for r in figure.records() if r.get("level", level) == level and (where is None or where(r))]


def council_row(figure: Figure) -> Row:
    """The council line of a figure with a `level` column (an empty row when it has none)."""
    return next(iter(rows_at(figure, "council")), {})


def plural(n: int | float | None, one: str, many: str | None = None) -> str:
    """'1 child', '249 children', '0 children'."""
    count = round(n or 0)
    return f"{count:,} {one if count == 1 else (many or one + 's')}"
