"""Renderers: any view (`clearsight.reports.view.View`) to the terminal, JSON, CSV, XLSX or HTML."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from rich.console import Console

from clearsight.render.files import section_csv, view_json, write_xlsx
from clearsight.render.html import write_html
from clearsight.render.terminal import print_view
from clearsight.reports.view import View


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    html = "html"


FILE_FORMATS = {OutputFormat.xlsx: write_xlsx, OutputFormat.html: write_html}


def render(
    view: View, fmt: OutputFormat, console: Console, *, out: Path | None = None, section: str | None = None,
    verbose: bool = False,
) -> Path | None:
    """Show `view` in `fmt`: on the console, or written to `out` for xlsx and html (returns the path)."""
    if fmt in FILE_FORMATS:
        path = out or Path(f"clearsight-{view.name}.{fmt.value}")
        return FILE_FORMATS[fmt](view, path)
    if fmt is OutputFormat.json:
        console.file.write(view_json(view) + "\n")
    elif fmt is OutputFormat.csv:
        chosen = view.section(section) if section else view.sections[0]
        console.file.write(section_csv(chosen))
    else:
        print_view(console, view, verbose=verbose)
    return None
