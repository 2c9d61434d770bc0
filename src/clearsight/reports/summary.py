"""A one-page HTML summary of the allocation position and the practice KPIs, with aggregates only (no
child-level rows)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from clearsight.config import CouncilConfig
from clearsight.render import format_value, provenance_line
from clearsight.reports.kpis import KpiTable, rates_by_month
from clearsight.reports.position import Position

_env = Environment(
    loader=PackageLoader("clearsight.reports", "templates"), autoescape=select_autoescape(["html"]),
    trim_blocks=True, lstrip_blocks=True,
)
_env.filters["fmt"] = format_value
_env.globals["pct"] = lambda v: "–" if v is None else f"{v:.0%}"


def render_summary(
    position: Position, config: CouncilConfig, kpis: KpiTable | None = None, monthly: KpiTable | None = None,
) -> str:
    """The page; `kpis` (council lines for a period) and `monthly` (their series) add the practice section."""
    prov = position.figures["unallocated"].provenance
    trend = rates_by_month(monthly) if monthly else []
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
        kpis=kpis,
        trend={r["kpi"]: r for r in trend},
        months=sorted({r["month"] for r in monthly.rows}) if monthly else [],
    )


def write_summary(
    position: Position, out: Path, config: CouncilConfig, kpis: KpiTable | None = None,
    monthly: KpiTable | None = None,
) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_summary(position, config, kpis, monthly), encoding="utf-8")
    return out
