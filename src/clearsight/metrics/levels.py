"""Team, service and council: the three levels every table of figures is shown at.

Figures at a level are aggregated from the same rows with the same keys, so a council figure is the sum of
its teams, never an average of averages.
"""

from __future__ import annotations

from typing import Literal

import ibis
import ibis.expr.types as ir

from clearsight.metrics.registry import Scope

Level = Literal["team", "service", "council"]
LEVELS: tuple[Level, ...] = ("team", "service", "council")

LEVEL_KEYS: dict[Level, tuple[str, ...]] = {
    "team": ("council", "service", "team_id", "team"),
    "service": ("council", "service"),
    "council": ("council",),
}


def teams(s: Scope) -> ir.Table:
    """Every team in the snapshot with its name and service."""
    t = s.table("team")
    return t.select("team_id", team=t["name"], service=t.service)


def with_council(s: Scope, t: ir.Table) -> ir.Table:
    return t.mutate(council=ibis.literal(s.council))


def level_keys(s: Scope, level: Level) -> ir.Table:
    """One row per team, per service, or one for the council."""
    return with_council(s, teams(s)).select(*LEVEL_KEYS[level]).distinct()


def join_at_level(s: Scope, level: Level, *parts: ir.Table) -> ir.Table:
    """Left-join aggregates (each keyed by the level's keys) onto the level's rows, keys not repeated."""
    keys = list(LEVEL_KEYS[level])
    joined = level_keys(s, level)
    for part in parts:
        joined = joined.left_join(part, keys).drop(*(f"{k}_right" for k in keys))
    return joined


def ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """numerator / denominator, or null where the denominator is zero or missing."""
    return ibis.ifelse(denominator > 0, numerator / denominator, ibis.null("float64"))


def all_levels(s: Scope, rows: ir.Table, **aggregates: ir.Value) -> ir.Table:
    """`aggregates` of `rows` (which carry the team keys and council) for every team, service and the council,
    in one relation with a `level` column; keys a level does not have are null."""
    team_keys = LEVEL_KEYS["team"]
    parts = []
    for level in LEVELS:
        part = join_at_level(s, level, rows.group_by(list(LEVEL_KEYS[level])).agg(**aggregates))
        missing = {k: ibis.null("string") for k in team_keys if k not in part.columns}
        parts.append(part.mutate(level=ibis.literal(level), **missing))
    columns = ["level", *team_keys, *[c for c in parts[0].columns if c not in ("level", *team_keys)]]
    return ibis.union(*(p.select(*columns) for p in parts))
