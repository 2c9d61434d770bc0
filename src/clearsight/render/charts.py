"""Charts of a view's sections as Vega-Lite specs, and as vector SVG for print (vl-convert).

A chart draws rows the page also prints as a table (its text alternative, audiences.md). Series are told apart
by line dash, never by colour alone, so a chart reads on a black-and-white printout; a withheld
value ("<5", "[c]") is a gap, never a zero. The packs render these specs to SVG; the web pages embed the same
specs with vega-embed (`spec_json`). Rows are already aggregates (engineering.md trap 11: no record-level data
goes to a chart).
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from clearsight.reports.view import Section

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
INK = "#1d1d1d"
# Dash patterns (on, off lengths) told apart in black and white: solid, long dash, dots, dash-dot, short dash.
DASHES = ([1, 0], [8, 4], [2, 3], [8, 3, 2, 3], [4, 2], [12, 3, 3, 3])
# (view name, section key) -> the x column and the columns drawn (in order; () for every count column), or for
# a long table the x column, the value column and the column naming each row's series: the trends packs show.
TRENDS: dict[tuple[str, str], tuple[str, tuple[str, ...]] | tuple[str, tuple[str, ...], str]] = {
    ("position_trend", "series"): ("day", ("waiting", "reallocation", "new_work")),
    ("workforce", "monthly"): ("month", ("leavers", "starters")),
    ("summary", "waiting"): ("day", ("waiting", "reallocation", "new_work")),
    ("practice_targets", "trends"): ("month", ("kpi_rate",), "title"),
}
# (view name, section key) -> the x column and the count columns drawn as bars side by side: counts by period.
BARS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("summary", "leavers"): ("quarter", ("leavers", "teams")),
    ("workforce", "quarterly"): ("quarter", ("leavers", "teams")),
}
FILLS = ("white", INK, "#9a9a9a")  # bars told apart in black and white: outlined, solid, grey
# (view name, section key) -> the month column, the actual and forecast columns and the band's low and high: a
# forecast against what happened, its band shaded.
BANDS: dict[tuple[str, str], tuple[str, str, str, str, str]] = {
    ("forecast", "total"): ("month_end", "actual", "forecast", "lower", "upper"),
    ("backtest", "by_month"): ("month_end", "actual", "forecast", "lower", "upper"),
}
BAND_FILL = "#c8c8c8"


def plotted(value: Any) -> float | None:
    """A value to plot; a withheld one ("<5", "[c]") or none is a gap in the line."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def line_chart(section: Section, x: str, keys: tuple[str, ...], *, series: str | None = None, width: int = 460,
               height: int = 170) -> dict[str, Any]:
    """The section's `keys` columns along `x`, a line of its own dash per column; with `series`, the one column
    `keys[0]` with a line per value of the `series` column (a long table)."""
    titles = {c.key: c.title for c in section.columns}
    unit = next((c.unit for c in section.columns if c.key in keys), "count")
    if series is None:
        data = [{"x": _x(r[x]), "series": titles[k], "value": plotted(r.get(k))} for r in section.rows for k in keys]
        names = [titles[k] for k in keys]
    else:
        data = [{"x": _x(r[x]), "series": str(r[series]), "value": plotted(r.get(keys[0]))} for r in section.rows]
        names = list(dict.fromkeys(d["series"] for d in data))
    temporal = bool(section.rows) and (isinstance(section.rows[0][x], date) or bool(_MONTH.fullmatch(str(section.rows[0][x]))))
    return {
        "$schema": SCHEMA, "description": alt_text(section, x, keys, series), "data": {"values": data},
        "width": width, "height": height, "background": "white",
        "config": {"font": "DejaVu Sans", "axis": {"labelFontSize": 9, "titleFontSize": 9},
                   # Legend symbols are short lines in each series' dash, so the key reads in black and white.
                   "legend": {"labelFontSize": 9, "orient": "top", "direction": "horizontal", "symbolType": "stroke",
                              "symbolSize": 700, "symbolStrokeWidth": 1.6, "symbolStrokeColor": INK,
                              "symbolOpacity": 1, "labelLimit": 260}},
        "mark": {"type": "line", "point": {"filled": True, "size": 14, "color": INK}, "color": INK,
                 "strokeWidth": 1.4},
        "encoding": {
            "x": {"field": "x", "type": "temporal" if temporal else "ordinal", "title": None,
                  **({"axis": {"format": "%b %y", "tickCount": {"interval": "month", "step": 2}}} if temporal else {})},
            "y": {"field": "value", "type": "quantitative", "title": None,
                  **({"axis": {"format": ".0%"}} if unit == "rate" else {})},
            "strokeDash": {"field": "series", "type": "nominal", "title": None, "sort": names,
                           "scale": {"domain": names, "range": DASHES[:len(names)]},
                           # Long names one a line under each other, else side by side.
                           "legend": {"columns": 1 if sum(map(len, names)) > 70 else len(names),
                                      "encode": {"symbols": {"update": {"stroke": {"value": INK},
                                                                          "fill": {"value": "transparent"}}}}}},
        },
    }


_MONTH = re.compile(r"\d{4}-\d{2}")


def _x(value: Any) -> str:
    """An x value: a date or a month (YYYY-MM, drawn on a time axis at its first day) as ISO, else the text."""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return f"{text}-01" if _MONTH.fullmatch(text) else text


def alt_text(section: Section, x: str, keys: tuple[str, ...], series: str | None = None) -> str:
    """The chart in words: what is drawn, over which span, and each series' first and last value."""
    rows = section.rows
    if not rows:
        return f"{section.title}: no data."
    titles = {c.key: c.title for c in section.columns}
    if series is None:
        ends = "; ".join(f"{titles[k]} {_word(rows[0].get(k))} to {_word(rows[-1].get(k))}" for k in keys)
    else:
        by: dict[str, list[Any]] = {}
        for r in rows:
            by.setdefault(str(r[series]), []).append(r.get(keys[0]))
        ends = "; ".join(f"{name} {_word(values[0])} to {_word(values[-1])}" for name, values in by.items())
    return f"Line chart, {section.title}, {rows[0][x]} to {rows[-1][x]}: {ends}. The table gives every value."


def _word(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:.1%}" if isinstance(value, float) else str(value)


def band_chart(section: Section, x: str, actual: str, forecast: str, lower: str, upper: str, *, width: int = 460,
               height: int = 170) -> dict[str, Any]:
    """The actual (solid, with points) and forecast (dashed) columns along `x` over the forecast's band shaded
    grey: the lines told apart by dash, the band by its fill, so the chart reads in black and white."""
    titles = {c.key: c.title for c in section.columns}
    names = [titles[actual], titles[forecast]]
    data = [{"x": _x(r[x]), names[0]: plotted(r.get(actual)), names[1]: plotted(r.get(forecast)),
             "lower": plotted(r.get(lower)), "upper": plotted(r.get(upper))} for r in section.rows]
    time = {"field": "x", "type": "temporal", "title": None, "axis": {"format": "%b %y"}}
    return {
        "$schema": SCHEMA, "description": band_alt_text(section, x, actual, forecast, lower, upper),
        "data": {"values": data}, "width": width, "height": height, "background": "white",
        "config": {"font": "DejaVu Sans", "axis": {"labelFontSize": 9, "titleFontSize": 9},
                   "legend": {"labelFontSize": 9, "orient": "top", "direction": "horizontal", "symbolType": "stroke",
                              "symbolSize": 700, "symbolStrokeWidth": 1.6, "symbolStrokeColor": INK}},
        "layer": [
            {"mark": {"type": "area", "color": BAND_FILL},
             "encoding": {"x": time, "y": {"field": "lower", "type": "quantitative", "title": None},
                          "y2": {"field": "upper"}}},
            {"transform": [{"fold": names, "as": ["series", "value"]}],
             "mark": {"type": "line", "point": {"filled": True, "size": 14, "color": INK}, "color": INK,
                      "strokeWidth": 1.4},
             "encoding": {"x": time, "y": {"field": "value", "type": "quantitative"},
                          "strokeDash": {"field": "series", "type": "nominal", "title": None, "sort": names,
                                         "scale": {"domain": names, "range": [DASHES[0], DASHES[1]]}}}},
        ],
    }


def band_alt_text(section: Section, x: str, actual: str, forecast: str, lower: str, upper: str) -> str:
    """The band chart in words: the span, the actual's first and last value, the forecast's last and its band."""
    rows = section.rows
    if not rows:
        return f"{section.title}: no data."
    seen = [r for r in rows if r.get(actual) is not None]
    ahead = [r for r in rows if r.get(forecast) is not None]
    said = [f"actual {seen[0][actual]:,.0f} to {seen[-1][actual]:,.0f}"] if seen else []
    if ahead:
        last = ahead[-1]
        said.append(f"forecast {last[forecast]:,.0f} at {last[x]} (band {last[lower]:,.0f} to {last[upper]:,.0f})")
    return (f"Line chart with a shaded band, {section.title}, {rows[0][x]} to {rows[-1][x]}: {'; '.join(said)}. "
            "The table gives every value.")


def bar_chart(section: Section, x: str, keys: tuple[str, ...], *, width: int = 460,
              height: int = 170) -> dict[str, Any]:
    """The section's `keys` columns as bars side by side for each `x`, each labelled with its value as the table
    prints it: a withheld one ("<5", "[c]") has no bar and its label sits on the axis, so a reader sees that it
    was withheld, not that it was zero. No value axis: the labels give every value, and its ticks (1, 2, 3 ... on
    a chart of small counts) would print counts under the disclosure threshold beside the withheld ones."""
    titles = {c.key: c.title for c in section.columns}
    names = [titles[k] for k in keys]
    data = [{"x": str(r[x]), "series": titles[k], "value": plotted(r.get(k)), "at": plotted(r.get(k)) or 0,
             "label": _word(r.get(k)) if r.get(k) is not None else "\u2013"} for r in section.rows for k in keys]
    order = list(dict.fromkeys(str(r[x]) for r in section.rows))
    encoding = {
        "x": {"field": "x", "type": "ordinal", "title": None, "sort": order, "axis": {"labelAngle": 0}},
        "xOffset": {"field": "series", "type": "nominal", "sort": names},
        "y": {"field": "at", "type": "quantitative", "title": None, "axis": None},
    }
    return {
        "$schema": SCHEMA, "description": bar_alt_text(section, x, keys), "data": {"values": data},
        "width": width, "height": height, "background": "white",
        "config": {"font": "DejaVu Sans", "axis": {"labelFontSize": 9, "titleFontSize": 9},
                   "legend": {"labelFontSize": 9, "orient": "top", "direction": "horizontal", "labelLimit": 400}},
        "layer": [
            {"mark": {"type": "bar", "stroke": INK, "strokeWidth": 0.8},
             "encoding": {**encoding, "y": {"field": "value", "type": "quantitative", "title": None, "axis": None},
                          "fill": {"field": "series", "type": "nominal", "title": None, "sort": names,
                                   "scale": {"domain": names, "range": list(FILLS[:len(names)])}}}},
            {"mark": {"type": "text", "dy": -5, "fontSize": 9, "color": INK}, "encoding": {**encoding, "text": {
                "field": "label"}}},
        ],
    }


def bar_alt_text(section: Section, x: str, keys: tuple[str, ...]) -> str:
    """The bar chart in words: every bar's value, period by period."""
    titles = {c.key: c.title for c in section.columns}
    if not section.rows:
        return f"{section.title}: no data."
    periods = "; ".join(f"{r[x]}: " + ", ".join(f"{titles[k]} {_word(r.get(k))}" for k in keys)
                        for r in section.rows)
    return f"Bar chart, {section.title}. {periods}. The table gives every value."


def section_trend(view_name: str, section: Section, *, height: int = 170) -> dict[str, Any] | None:
    """The trend chart a pack draws for this section, if it has one. Two views share a name (the CLI's summary
    and the pack's page one, each with a "waiting" section): a chart is drawn only from a section holding its
    x column."""
    held = {c.key for c in section.columns}
    bars = BARS.get((view_name, section.key))
    if bars is not None and section.rows and bars[0] in held:
        return bar_chart(section, bars[0], bars[1], height=height)
    spec = TRENDS.get((view_name, section.key))
    if spec is None or not section.rows or spec[0] not in held:
        return None
    x, keys = spec[0], spec[1] or tuple(c.key for c in section.columns if c.unit == "count")
    return line_chart(section, x, keys, series=spec[2] if len(spec) > 2 else None, height=height)


def kpi_small_multiples(section: Section, *, width: int = 220) -> dict[str, Any]:
    """Each KPI's rate by month (a long section: kpi, title, month, kpi_rate, england_rate, target_rate), one
    panel per KPI, with England's figure and the council's target as lines of their own dash."""
    names = {"kpi_rate": "council", "england_rate": "England", "target_rate": "target"}
    data = [{"kpi": r["title"], "x": _x(r["month"]), "series": name, "value": plotted(r.get(key))}
            for r in section.rows for key, name in names.items() if key == "kpi_rate" or r.get(key) is not None]
    shown = [n for n in names.values() if any(d["series"] == n for d in data)]
    return {
        "$schema": SCHEMA, "description": f"Small multiples, {section.title}: each KPI's rate by month with "
                                          "England and the council's target. The table gives every value.",
        "data": {"values": data}, "background": "white",
        "facet": {"field": "kpi", "type": "nominal", "title": None, "header": {"labelLimit": width}},
        "columns": 3, "resolve": {"scale": {"y": "independent"}},
        "spec": {
            "width": width, "height": 110, "mark": {"type": "line", "point": {"size": 12, "color": INK}, "color": INK},
            "encoding": {
                "x": {"field": "x", "type": "temporal", "title": None, "axis": {"format": "%b %y", "labelAngle": -90}},
                "y": {"field": "value", "type": "quantitative", "axis": {"format": ".0%"}, "title": None},
                "strokeDash": {"field": "series", "type": "nominal", "title": None, "sort": shown,
                               "scale": {"domain": shown, "range": DASHES[:len(shown)]}},
            },
        },
    }


def section_chart(view_name: str, section: Section) -> dict[str, Any] | None:
    """The chart of this section of this view, if it has one (a view's JSON carries it): a forecast against the
    actual with its band, or the pack's trend."""
    band = BANDS.get((view_name, section.key))
    if band is not None and section.rows:
        return band_chart(section, *band)
    return section_trend(view_name, section)


def view_chart(view_name: str, section: Section) -> dict[str, Any] | None:
    """The chart the web page draws above a section: the section's own, or the KPIs' small multiples."""
    if section.rows and "kpi" in section.rows[0] and "kpi_rate" in section.rows[0]:
        return kpi_small_multiples(section)
    return section_chart(view_name, section)


def spec_json(spec: dict[str, Any]) -> str:
    """The spec as JSON safe inside a <script type="application/json"> element (no "</script>" can close it)."""
    return (json.dumps(spec, default=_x).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))


def svg(spec: dict[str, Any]) -> str:
    """The spec as a standalone vector SVG (no browser)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(spec)
