"""Charts of a view's sections as Vega-Lite specs, and as vector SVG for print (vl-convert).

A chart draws rows the page also prints as a table (its text alternative, audiences.md). Series are told apart
by line dash, never by colour alone, so a chart reads on a black-and-white printout; a withheld
value ("<5", "[c]") is a gap, never a zero. The packs render these specs to SVG; the web pages can embed the same
specs with vega-embed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from clearsight.reports.view import Section

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
INK = "#1d1d1d"
# (view name, section key) -> the columns drawn (in order) and the x column: the trends the packs show.
TRENDS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("position_trend", "series"): ("day", ("waiting", "reallocation", "new_work")),
    ("workforce", "monthly"): ("month", ("leavers", "starters")),
}


def plotted(value: Any) -> float | None:
    """A value to plot; a withheld one ("<5", "[c]") or none is a gap in the line."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def line_chart(section: Section, x: str, keys: tuple[str, ...], *, width: int = 460, height: int = 170) -> dict[str, Any]:
    """The section's `keys` columns along `x`, a line of its own dash per column."""
    titles = {c.key: c.title for c in section.columns}
    unit = next((c.unit for c in section.columns if c.key in keys), "count")
    data = [{"x": r[x].isoformat() if isinstance(r[x], date) else str(r[x]), "series": titles[k],
             "value": plotted(r.get(k))} for r in section.rows for k in keys]
    temporal = bool(section.rows) and isinstance(section.rows[0][x], date)
    return {
        "$schema": SCHEMA, "description": alt_text(section, x, keys), "data": {"values": data},
        "width": width, "height": height, "background": "white",
        "config": {"font": "DejaVu Sans", "axis": {"labelFontSize": 9, "titleFontSize": 9},
                   "legend": {"labelFontSize": 9, "orient": "bottom", "symbolStrokeColor": INK}},
        "mark": {"type": "line", "point": {"filled": True, "size": 18, "color": INK}, "color": INK,
                 "strokeWidth": 1.4},
        "encoding": {
            "x": {"field": "x", "type": "temporal" if temporal else "ordinal", "title": None,
                  **({"axis": {"format": "%b %y"}} if temporal else {})},
            "y": {"field": "value", "type": "quantitative", "title": None,
                  **({"axis": {"format": ".0%"}} if unit == "rate" else {})},
            "strokeDash": {"field": "series", "type": "nominal", "title": None, "sort": [titles[k] for k in keys]},
        },
    }


def alt_text(section: Section, x: str, keys: tuple[str, ...]) -> str:
    """The chart in words: what is drawn, over which span, and each series' first and last value."""
    rows = section.rows
    if not rows:
        return f"{section.title}: no data."
    titles = {c.key: c.title for c in section.columns}
    ends = "; ".join(f"{titles[k]} {_word(rows[0].get(k))} to {_word(rows[-1].get(k))}" for k in keys)
    return f"Line chart, {section.title}, {rows[0][x]} to {rows[-1][x]}: {ends}. The table below gives every value."


def _word(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:.1%}" if isinstance(value, float) else str(value)


def section_trend(view_name: str, section: Section) -> dict[str, Any] | None:
    """The trend chart a pack draws for this section, if it has one."""
    spec = TRENDS.get((view_name, section.key))
    return None if spec is None or not section.rows else line_chart(section, spec[0], spec[1])


def svg(spec: dict[str, Any]) -> str:
    """The spec as a standalone vector SVG (no browser)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(spec)
