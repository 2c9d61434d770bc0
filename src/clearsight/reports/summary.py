"""A one-page HTML summary of the allocation position, with aggregates only (no child-level rows)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from clearsight.config import CouncilConfig
from clearsight.render import format_value, provenance_line
from clearsight.reports.position import Position

_env = Environment(
    loader=PackageLoader("clearsight.reports", "templates"), autoescape=select_autoescape(["html"]),
    trim_blocks=True, lstrip_blocks=True,
)
_env.filters["fmt"] = format_value


def render_summary(position: Position, config: CouncilConfig) -> str:
    prov = position.figures["unallocated"].provenance
    return _env.get_template("summary.html").render(
        position=position,
        summary=position.unallocated_summary(),
        discrepancy=position.reported_discrepancy(),
        provenance=prov,
        provenance_text=provenance_line(prov),
        teams=position.figures["teams"].records(),
        services=position.figures["services"].records(),
        council=position.figures["council"].records(),
        workers=position.figures["workers"].records(),
        config=config,
    )


def write_summary(position: Position, out: Path, config: CouncilConfig) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_summary(position, config), encoding="utf-8")
    return out
