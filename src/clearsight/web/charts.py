"""Vega-Lite specs drawn from a view's section rows, for vega-embed in the browser.

The chart is a picture of rows the page also shows as a table (its text alternative, audiences.md), so a
reader without JavaScript or a screen reader misses nothing. Line styles, not colours alone, tell the series
apart, so the chart reads in black and white. Rows are already aggregates (engineering.md trap 11: no
record-level data goes to a chart).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from clearsight.reports.view import Section

WIDTH = 220  # pixels per small multiple


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _number(value: Any) -> float | None:
    """A value to plot; a suppressed one ("<5", "[c]") is a gap in the line."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def section_chart(section: Section) -> dict[str, Any] | None:
    """A line chart per rate or count column of a monthly section (rows with a `month`), one panel per KPI when
    the rows name one; None when the section has no month to draw along."""
    if not section.rows or "month" not in section.rows[0]:
        return None
    if "kpi" in section.rows[0]:
        return _kpi_trend(section)
    series = [c for c in section.columns if c.unit == "rate"]
    data = [{"month": r["month"], "measure": c.title, "value": _number(r.get(c.key))} for r in section.rows for c in series]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json", "description": section.title,
        "data": {"values": data}, "width": 520, "height": 200, "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "month", "type": "ordinal", "title": None},
            "y": {"field": "value", "type": "quantitative", "axis": {"format": ".0%"}, "title": None},
            "strokeDash": {"field": "measure", "type": "nominal", "title": None},
            "color": {"value": "#1d1d1d"},
        },
    }


def _kpi_trend(section: Section) -> dict[str, Any]:
    """Each KPI's rate by month with England's figure and the council's target as dashed lines, in small
    multiples."""
    data = []
    for r in section.rows:
        data.append({"kpi": r["title"], "month": r["month"], "series": "council", "value": _number(r.get("kpi_rate"))})
        if r.get("england_rate") is not None:
            data.append({"kpi": r["title"], "month": r["month"], "series": "England", "value": _number(r["england_rate"])})
        if r.get("target_rate") is not None:
            data.append({"kpi": r["title"], "month": r["month"], "series": "target", "value": _number(r["target_rate"])})
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json", "description": section.title,
        "data": {"values": [{k: _json(v) for k, v in d.items()} for d in data]},
        "facet": {"field": "kpi", "type": "nominal", "title": None, "header": {"labelLimit": WIDTH}},
        "columns": 3, "resolve": {"scale": {"y": "independent"}},
        "spec": {
            "width": WIDTH, "height": 110, "mark": {"type": "line", "point": {"size": 12}},
            "encoding": {
                "x": {"field": "month", "type": "ordinal", "title": None, "axis": {"labelAngle": -90}},
                "y": {"field": "value", "type": "quantitative", "axis": {"format": ".0%"}, "title": None},
                "strokeDash": {"field": "series", "type": "nominal", "title": None},
                "color": {"value": "#1d1d1d"},
            },
        },
    }


def spec_json(spec: dict[str, Any]) -> str:
    """The spec as JSON safe inside a <script type="application/json"> element (no "</script>" can close it)."""
    return (json.dumps(spec, default=_json).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))
