"""Plausibility: records that load (every value is of the right type and code) but cannot be true.

The loader rejects what breaks the data model (an end before its start, an unknown code, a reference to no
record); these rules find what it cannot see one table at a time: a visit before the child was born, an
allocation starting after the case closed, an assessment before its referral. Each rule names the fields it
concerns, and every figure reading one of them carries the share of records passing the rule beside the
fields' completeness, so a KPI built on implausible records says so in its data-confidence grade.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clearsight.metrics.kpi import plus
from clearsight.metrics.lazy import ibis
from clearsight.metrics.registry import Scope, metric

if TYPE_CHECKING:
    import ibis.expr.types as ir

ADULT_YEARS = 18


@dataclass(frozen=True)
class Rule:
    """One check: rows of `table` for which `failing` holds are implausible."""

    name: str
    table: str
    says: str  # what a failing record is, in plain words
    fields: tuple[str, ...]  # "table.column" of the fields that contradict each other: figures reading them
    # carry the rule (a worker's own dates are not in doubt because an allocation to them is)
    failing: Callable[[Scope], ir.Table]  # failing rows: record_id, child_id, recorded, against (two dates)


def _child_dates(s: Scope) -> ir.Table:
    c = s.table("child")
    return c.select(_child=c.child_id, dob=c.dob, death_date=c.death_date)


def _visits_against(s: Scope, column: str, before: bool) -> ir.Table:
    v = s.table("visit")
    c = _child_dates(s)
    j = v.join(c, v.child_id == c._child)
    bad = j.filter(j.visit_date < j[column] if before else j.visit_date > j[column])
    return bad.select(record_id=bad.visit_id, child_id=bad.child_id, recorded=bad.visit_date, against=bad[column])


def _before_referral(s: Scope, table: str, key: str, column: str) -> ir.Table:
    t = s.table(table)
    e = s.table("episode").select(_episode="episode_id", referral_date="referral_date")
    j = t.join(e, t.episode_id == e._episode)
    bad = j.filter(j[column] < j.referral_date)
    return bad.select(record_id=bad[key], child_id=bad.child_id, recorded=bad[column], against=bad.referral_date)


def _allocation_after_close(s: Scope) -> ir.Table:
    a = s.table("allocation")
    e = s.table("episode").select(_episode="episode_id", close_date="close_date")
    j = a.join(e, a.episode_id == e._episode)
    bad = j.filter(j.start_date >= j.close_date)
    return bad.select(record_id=bad.allocation_id, child_id=bad.child_id, recorded=bad.start_date,
                      against=bad.close_date)


def _allocated_outside_employment(s: Scope) -> ir.Table:
    a = s.table("allocation")
    w = s.table("worker").select(_worker="worker_id", employed_from="start_date", employed_to="end_date")
    j = a.join(w, a.worker_id == w._worker)
    # worker.end_date is the last day of service (schema: ends="last_day"); open-ended: never after
    bad = j.filter((j.start_date < j.employed_from) | (j.start_date > j.employed_to))
    return bad.select(
        record_id=bad.allocation_id, child_id=bad.child_id, recorded=bad.start_date,
        against=ibis.ifelse(bad.start_date < bad.employed_from, bad.employed_from, bad.employed_to),
    )


def _adult_at_referral(s: Scope) -> ir.Table:
    e = s.table("episode")
    c = _child_dates(s)
    j = e.join(c, e.child_id == c._child)
    adult_from = plus(j.dob, months=12 * ADULT_YEARS)
    bad = j.filter(j.referral_date >= adult_from)
    return bad.select(record_id=bad.episode_id, child_id=bad.child_id, recorded=bad.referral_date,
                      against=plus(bad.dob, months=12 * ADULT_YEARS))


def _icpc_before_strategy(s: Scope) -> ir.Table:
    i = s.table("icpc")
    q = s.table("s47").select(_s47="s47_id", strategy_date="strategy_date")
    j = i.join(q, i.s47_id == q._s47)
    bad = j.filter(j.conference_date < j.strategy_date)
    return bad.select(record_id=bad.icpc_id, child_id=bad.child_id, recorded=bad.conference_date,
                      against=bad.strategy_date)


RULES: tuple[Rule, ...] = (
    Rule("visit_before_birth", "visit", "visit dated before the child's birth", ("visit.visit_date", "child.dob"),
         lambda s: _visits_against(s, "dob", before=True)),
    Rule("visit_after_death", "visit", "visit dated after the child's death",
         ("visit.visit_date", "child.death_date"), lambda s: _visits_against(s, "death_date", before=False)),
    Rule("assessment_before_referral", "assessment", "assessment started before its referral",
         ("assessment.start_date", "episode.referral_date"),
         lambda s: _before_referral(s, "assessment", "assessment_id", "start_date")),
    Rule("cp_plan_before_referral", "cp_plan", "CP plan started before its episode's referral",
         ("cp_plan.start_date", "episode.referral_date"),
         lambda s: _before_referral(s, "cp_plan", "cp_plan_id", "start_date")),
    Rule("allocation_after_close", "allocation", "allocation starting on or after its case closed",
         ("allocation.start_date", "episode.close_date"), _allocation_after_close),
    Rule("allocated_outside_employment", "allocation",
         "allocation to a worker starting before they joined or after they left",
         ("allocation.worker_id", "allocation.start_date"),
         _allocated_outside_employment),
    Rule("adult_at_referral", "episode", f"referral on or after the child's {ADULT_YEARS}th birthday",
         ("episode.referral_date", "child.dob"), _adult_at_referral),
    Rule("icpc_before_strategy", "icpc", "ICPC held before the strategy discussion of its enquiry",
         ("icpc.conference_date", "s47.strategy_date"), _icpc_before_strategy),
)
RULES_BY_NAME = {r.name: r for r in RULES}
PLAUSIBILITY_METRICS = ("implausible_records", "implausible_records_children")

_READS = tuple(dict.fromkeys(f for r in RULES for f in r.fields))


@metric(
    "implausible_records_children", title="Implausible records: the records behind the checks", unit="records",
    polarity="neutral", reads=_READS, order_by=("rule", "child_id", "record_id"),
    definition="Every record failing a plausibility rule: the rule, the record and child, the date recorded and "
    "the date it contradicts. The snapshot's records as loaded, whatever the as-at date.",
)
def implausible_records_children(s: Scope) -> ir.Table:
    parts = [
        r.failing(s).select("record_id", "child_id", "recorded", "against", rule=ibis.literal(r.name),
                            table=ibis.literal(r.table), says=ibis.literal(r.says))
        for r in RULES
    ]
    return ibis.union(*parts).select("rule", "table", "says", "record_id", "child_id", "recorded", "against")


@metric(
    "implausible_records", title="Implausible records by rule", unit="records", polarity="lower_is_better",
    reads=_READS, order_by=("failing desc", "rule"),
    definition="For each plausibility rule: the records of its table checked, those failing, and the share "
    "passing (which every figure reading the rule's fields carries in its data-confidence grade).",
)
def implausible_records(s: Scope) -> ir.Table:
    failing = implausible_records_children(s).group_by("rule").agg(failing=lambda t: t.count())
    checked = ibis.union(*(
        s.table(r.table).aggregate(checked=lambda t: t.count()).mutate(
            rule=ibis.literal(r.name), table=ibis.literal(r.table), says=ibis.literal(r.says))
        for r in RULES
    ))
    j = checked.left_join(failing, checked.rule == failing.rule)
    bad = j.failing.fill_null(0)
    return j.select(
        checked.rule, checked.table, checked.says, checked.checked, failing=bad,
        plausible_share=ibis.ifelse(checked.checked > 0, 1 - bad / checked.checked, ibis.null("float64")).round(4),
    )


def rules_for(reads: tuple[str, ...]) -> tuple[Rule, ...]:
    """The rules concerning any of the fields a figure reads."""
    wanted = set(reads)
    return tuple(r for r in RULES if wanted.intersection(r.fields))
