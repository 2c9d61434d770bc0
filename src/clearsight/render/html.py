"""A view as an HTML page (the same headline, sections and notes as on the terminal), escaped by Jinja."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from clearsight.render.terminal import NUMERIC
from clearsight.render.values import display, provenance_line
from clearsight.reports.view import View

if TYPE_CHECKING:
    from jinja2 import Environment


@lru_cache(maxsize=1)
def _env() -> Environment:
    """Jinja's environment, made (and Jinja imported) only when a page is written."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("clearsight.render", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def view_html(view: View) -> str:
    return _env().get_template("view.html").render(
        view=view, provenance=provenance_line(view.provenance, verbose=True), cell=display, numeric=NUMERIC)


def write_html(view: View, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(view_html(view), encoding="utf-8")
    return path
