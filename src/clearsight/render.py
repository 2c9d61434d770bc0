"""Figures to the terminal (Rich tables), CSV and JSON: one renderer for every command."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from clearsight.metrics.figures import Figure, Provenance

RAG_STYLE = {"green": "green", "amber": "yellow", "red": "bold red"}


def format_value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def rich_table(
    title: str, rows: Sequence[dict[str, Any]], columns: Sequence[str], limit: int | None = None
) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for col in columns:
        numeric = bool(rows) and isinstance(rows[0].get(col), (int, float)) and not isinstance(rows[0].get(col), bool)
        table.add_column(col.replace("_", " "), justify="right" if numeric else "left")
    shown = rows if limit is None else rows[:limit]
    for row in shown:
        cells = []
        for col in columns:
            value = row.get(col)
            is_rate = col.endswith(("_rate", "_share")) and isinstance(value, float)
            text = f"{value:.1%}" if is_rate else format_value(value)
            style = RAG_STYLE.get(text) if col == "rag" else None
            cells.append(f"[{style}]{text}[/]" if style else text)
        table.add_row(*cells)
    if limit is not None and len(rows) > limit:
        table.caption = f"{limit} of {len(rows):,} rows shown; --format csv or json lists them all"
    return table


def provenance_line(p: Provenance) -> str:
    least = p.least_complete
    if least is None:
        completeness = ""
    elif least[1] >= 1:
        completeness = "; every field used is complete"
    else:
        completeness = f"; least complete field {least[0]} {least[1]:.1%}"
    records = ", ".join(f"{t} {n:,}" for t, n in p.records.items())
    if p.least_plausible:
        rule, share = p.least_plausible
        completeness += f"; {1 - share:.1%} of records fail plausibility rule {rule}"
    return (
        f"Data confidence {p.confidence} · as at {p.as_at} · snapshot {p.snapshot_id} of {p.council}, "
        f"extract date {p.extract_date} "
        f"(sha256 {p.content_hash[:12]}) · records read: {records}{completeness}"
    )


def print_warnings(console: Console, p: Provenance) -> None:
    for warning in p.warnings:
        console.print(f"[yellow]warning:[/] {warning}")


def to_csv(figure: Figure) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(figure.rows.column_names)
    for row in figure.records():
        writer.writerow(["" if v is None else format_value(v) if isinstance(v, date) else v for v in row.values()])
    return out.getvalue()


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, default=format_value)


def to_xlsx(figures: dict[str, Figure], path: Path) -> Path:
    """One sheet per figure plus a sheet saying where each came from, for a finance or HR colleague."""
    sheets = {name: (f.rows.column_names, f.records()) for name, f in figures.items()}
    about = [[name, f.metric.title, f.metric.definition, provenance_line(f.provenance)] for name, f in figures.items()]
    return rows_to_xlsx(path, sheets, about)


def rows_to_xlsx(
    path: Path, sheets: dict[str, tuple[Sequence[str], Sequence[dict[str, Any]]]], about: Sequence[Sequence[str]],
) -> Path:
    """A workbook with an "About these figures" sheet (one line per sheet: name, figure, definition,
    provenance) and a sheet of rows for each entry of `sheets` (name -> (columns, rows))."""
    import xlsxwriter

    with xlsxwriter.Workbook(str(path), {"default_date_format": "yyyy-mm-dd"}) as book:
        bold = book.add_format({"bold": True})
        info = book.add_worksheet("About these figures")
        info.write_row(0, 0, ["sheet", "figure", "definition", "provenance"], bold)
        for i, line in enumerate(about, start=1):
            info.write_row(i, 0, list(line))
        for name, (columns, rows) in sheets.items():
            sheet = book.add_worksheet(name[:31])
            sheet.write_row(0, 0, list(columns), bold)
            for r, row in enumerate(rows, start=1):
                for c, column in enumerate(columns):
                    value = row.get(column)
                    if value is not None:
                        sheet.write(r, c, value)
            sheet.freeze_panes(1, 0)
    return path
