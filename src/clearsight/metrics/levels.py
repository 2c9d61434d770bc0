"""Team, service and council: the three levels every table of figures is shown at.

Figures at a level are aggregated from the same rows with the same keys, so a council figure is the sum of
its teams, never an average of averages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from clearsight.metrics.lazy import ibis
from clearsight.metrics.registry import Scope

if TYPE_CHECKING:
    import ibis.expr.types as ir

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


def roll_up(team_rows: ir.Table, level: Level, by: Sequence[str] = (), maxima: Sequence[str] = ()) -> ir.Table:
    """Per-team aggregates (one row per team and `by` keys, with the team keys and council) summed to `level`
    (the largest taken for the `maxima`). A service's or the council's figure is then the sum of its teams' own
    figures, so a figure a team must have whole (a post, rounded up) stays whole in the sum."""
    if level == "team":
        return team_rows
    keys = [*by, *LEVEL_KEYS[level]]
    values = [c for c in team_rows.columns if c not in (*by, *LEVEL_KEYS["team"])]
    return team_rows.group_by(keys).agg(
        **{c: team_rows[c].max() if c in maxima else team_rows[c].sum() for c in values}
    )


def union_levels(parts: dict[Level, ir.Table], leading: Sequence[str] = ()) -> ir.Table:
    """The team, service and council tables in one relation with a `level` column: `level`, the team keys
    (null above the team level) and `leading` first."""
    team_keys = LEVEL_KEYS["team"]
    out = []
    for level, part in parts.items():
        missing = {k: ibis.null("string") for k in team_keys if k not in part.columns}
        out.append(part.mutate(level=ibis.literal(level), **missing))
    columns = ["level", *team_keys, *leading]
    columns += [c for c in out[0].columns if c not in columns]
    return ibis.union(*(p.select(*columns) for p in out))


def all_levels(s: Scope, rows: ir.Table, **aggregates: ir.Value) -> ir.Table:
    """`aggregates` of `rows` (which carry the team keys and council) for every team, service and the council,
    in one relation with a `level` column; keys a level does not have are null."""
    return union_levels({
        level: join_at_level(s, level, rows.group_by(list(LEVEL_KEYS[level])).agg(**aggregates))
        for level in LEVELS
    })
