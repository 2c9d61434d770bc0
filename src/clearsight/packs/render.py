"""A pack as an HTML page, a PDF (WeasyPrint, A4 portrait) or an Excel workbook (one sheet per table).

The HTML and the PDF come from one Jinja template; the PDF is that HTML printed by WeasyPrint, so the two never
differ. Charts are SVG drawn by vl-convert from the same Vega-Lite specs the web pages use, each with its text
alternative, and the table it draws follows it. The workbook is `render.files.write_xlsx` of the pack's tables
in one view: figures, not pictures.
"""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path
from typing import Literal

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from clearsight.config import CouncilConfig
from clearsight.render.charts import section_trend, svg
from clearsight.render.files import write_xlsx
from clearsight.render.terminal import NUMERIC
from clearsight.render.values import display, long_date, provenance_line
from clearsight.reports.packs import Pack
from clearsight.reports.view import View

PackFormat = Literal["pdf", "html", "xlsx"]
_env = Environment(loader=PackageLoader("clearsight.packs", "templates"), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)


def css_string(text: str) -> Markup:
    """Text for a CSS `content: "..."` string in the page's <style> (quotes, backslashes and < escaped)."""
    return Markup("".join(f"\\{ord(ch):x} " if ch in '"\\<>&\n' else ch for ch in text))


_env.filters["css"] = css_string


def pack_html(pack: Pack, config: CouncilConfig) -> str:
    charts = {}
    for i, view in enumerate(pack.chapters):
        for s in view.sections:
            spec = section_trend(view.name, s, height=62 if view.name == "summary" else 170)
            if spec is not None:
                image = base64.b64encode(svg(spec).encode()).decode()
                charts[(i, s.key)] = (f"data:image/svg+xml;base64,{image}", spec["description"])
    return _env.get_template("pack.html").render(
        pack=pack, marking=config.packs.protective_marking, charts=charts, cell=display, numeric=NUMERIC,
        provenance=lambda v: provenance_line(v.provenance), long_date=long_date)


def pack_view(pack: Pack) -> View:
    """Every table of the pack in one view (sections keyed and titled by chapter), for the workbook and JSON."""
    sections = []
    for i, view in enumerate(pack.chapters, start=1):
        for s in view.sections:
            sections.append(dataclasses.replace(s, key=f"{i}_{s.key}", title=f"{i} {s.title}"))
    first = pack.chapters[0] if pack.chapters else None
    notes = tuple(dict.fromkeys(n for v in pack.chapters for n in v.notes))
    return View(f"pack_{pack.kind}", pack.title, f"{pack.council}, as at {long_date(pack.as_at)}", pack.cover,
                tuple(sections), first.provenance if first else None, {}, (), notes)


def write_pack(pack: Pack, config: CouncilConfig, out: Path, fmt: PackFormat) -> Path:
    """Write the pack into directory `out` as `<kind>-<date>.<fmt>`; returns the file."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{pack.kind}-{pack.as_at.isoformat()}.{fmt}"
    if fmt == "xlsx":
        return write_xlsx(pack_view(pack), path)
    html = pack_html(pack, config)
    if fmt == "html":
        path.write_text(html, encoding="utf-8")
    else:
        print_pdf(html, path)
    return path


def print_pdf(html: str, path: Path) -> Path:
    """The pack's HTML printed to an A4 PDF by WeasyPrint."""
    from weasyprint import HTML

    HTML(string=html).write_pdf(path)
    return path
