"""A view as JSON, CSV or an Excel workbook: the same sections and figures as on screen.

JSON and CSV are for analysts and their tools: field names and codes as stored, rates as fractions. The
workbook is for a finance or HR colleague: column titles and words, rates formatted as percentages, money in
pounds, an "About these figures" sheet with each section's definitions and where the figures came from. In
CSV and XLSX every text cell that a spreadsheet would run as a formula is written as text.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from clearsight.canonical.words import words
from clearsight.render.charts import section_chart
from clearsight.render.values import clean_text, provenance_line, spreadsheet_safe
from clearsight.reports.view import Section, View


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def view_json(view: View) -> str:
    """The whole view: headline, sections (with their column definitions), warnings and provenance."""
    data = {
        "view": view.name, "title": view.title, "subtitle": view.subtitle, "headline": list(view.headline),
        "warnings": list(view.all_warnings), "notes": list(view.notes),
        "provenance": view.provenance.as_dict() if view.provenance else None,
        "sections": {
            s.key: {
                "title": s.title, "notes": list(s.notes), "personal": s.personal,
                "columns": [{"key": c.key, "title": c.title, "unit": c.unit} for c in s.columns],
                "rows": [{c.key: r.get(c.key) for c in s.columns} for r in s.rows],
            }
            for s in view.sections
        },
        "figures": {name: {"metric": f.metric.name, "title": f.metric.title, "definition": f.metric.definition,
                           "filters": f.filters, "provenance": f.provenance.as_dict()}
                    for name, f in view.figures.items()},
        # Each section drawn as a chart, as the Vega-Lite specification the web page embeds.
        "charts": {s.key: spec for s in view.sections if (spec := section_chart(view.name, s)) is not None},
    }
    return json.dumps(data, indent=2, default=_jsonable)


def section_csv(section: Section) -> str:
    """One section's rows: a header of field names, then the stored values (empty for none)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    keys = section.column_keys()
    writer.writerow(keys)
    for row in section.rows:
        writer.writerow(["" if row.get(k) is None else spreadsheet_safe(_csv_value(row.get(k))) for k in keys])
    return out.getvalue()


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def write_xlsx(view: View, path: Path) -> Path:
    """A workbook: "About these figures" first, then a sheet per section with titles, words and formats."""
    import xlsxwriter

    with xlsxwriter.Workbook(str(path), {"default_date_format": "yyyy-mm-dd"}) as book:
        bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        formats = {
            "rate": book.add_format({"num_format": "0.0%"}), "money": book.add_format({"num_format": "£#,##0"}),
            "count": book.add_format({"num_format": "#,##0"}), "days": book.add_format({"num_format": "#,##0"}),
            "number": book.add_format({"num_format": "#,##0.0"}),
        }
        about = book.add_worksheet("About these figures")
        about.set_column(0, 0, 28)
        about.set_column(1, 1, 110)
        lines = [(view.title, view.subtitle), *(("", h) for h in view.headline),
                 ("Where from", provenance_line(view.provenance, verbose=True)),
                 *(("Warning", w) for w in view.all_warnings), *(("Note", n) for n in view.notes)]
        for s in view.sections:
            lines += [(s.title, n) for n in s.notes] or [(s.title, "")]
        for i, (label, text) in enumerate(lines):
            about.write_string(i, 0, spreadsheet_safe(clean_text(label)), bold)
            about.write_string(i, 1, spreadsheet_safe(clean_text(text)))
        used: set[str] = {"about these figures"}
        for s in view.sections:
            sheet = book.add_worksheet(_sheet_name(s.title, used))
            for c, column in enumerate(s.columns):
                sheet.write_string(0, c, column.title, bold)
                sheet.set_column(c, c, max(10, min(40, len(column.title) + 2)))
            for r, row in enumerate(s.rows, start=1):
                for c, column in enumerate(s.columns):
                    _write_cell(sheet, r, c, row.get(column.key), column.unit, column.vocabulary, formats)
            sheet.freeze_panes(1, 0)
    return path


def _write_cell(sheet: Any, r: int, c: int, value: Any, unit: str, vocabulary: str | None,
                formats: dict[str, Any]) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_string(r, c, "yes" if value else "no")
    elif isinstance(value, (int, float)):
        sheet.write_number(r, c, value, formats.get(unit))
    elif isinstance(value, datetime):
        sheet.write_datetime(r, c, value)
    elif isinstance(value, date):
        sheet.write_datetime(r, c, datetime(value.year, value.month, value.day))
    else:
        text = words(vocabulary, value) if vocabulary else value
        sheet.write_string(r, c, spreadsheet_safe(clean_text(str(text))))


def _sheet_name(title: str, used: set[str]) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\, unique ignoring case; a longer title is cut
    at a word's end ('Personal advisers and IROs', not '..., eac')."""
    whole = "".join("-" if ch in "[]:*?/\\" else ch for ch in clean_text(title))
    base = whole if len(whole) <= 31 else whole[:32].rsplit(" ", 1)[0] if " " in whole[:32] else whole[:31]
    base = base.rstrip(" ,;-(").strip("'") or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name
