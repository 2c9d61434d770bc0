"""Small-number suppression: the one place a view is made safe for elected members and publication.

definitions.md (Publication): member-facing outputs suppress counts below the configured threshold (default 5)
"and any figure from which one could be derived"; audiences.md: councillors must not see any child or worker
who could be identified, and the page says suppression was applied. `member_safe` takes any view and returns
the view a member may see:

- sections listing children or workers (`personal`) are left out, and so are the view's figures (their rows
  are records); the provenance stays;
- counts of 1 to N-1 are shown as "<N" (primary suppression; a true zero identifies no one and is shown, as in
  DfE's releases);
- a rate over fewer than N (its denominator), or whose numerator or denominator is withheld, is withheld; so
  is every other figure of a row holding a withheld count (its days, money, FTE and ratios could give it back);
- secondary suppression: where counts add up (parts to their total, declared in `Rules`), no sum is left with
  exactly one withheld cell, and none whose published cells and bounds ("<5" says 1 to 4) pin a withheld cell to
  one value; the cells withheld for that are shown as "[c]" (GSS convention: confidential);
- headline lines holding a whole number below N are left out (their words cannot be checked against totals),
  unless the view's rules say its headline counts no one (the improvement plan counts actions);
- comparators (England, neighbours, standards, targets) are published figures and kept.

Sums are declared per view in `RULES` (the views members are shown) or passed by the caller; a section's count
columns with no declared sum are only primary-suppressed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from clearsight.reports.view import Section, View

SECONDARY = "[c]"
COMPARATOR_PREFIXES = ("england", "neighbours", "region", "standard", "target", "benchmark")
DERIVED_UNITS = ("number", "rate", "money", "days", "rag")
Cell = tuple[int, int, str]  # (section index, row index, column key)


@dataclass(frozen=True)
class AddsUp:
    """Counts that add up: the rows of section `parts` (at `parts_level` when it holds several levels) whose
    `by` values match a row of section `total` (at `total_level`) add up to it, for every count column both
    hold (or those named), within rows agreeing on `match` (e.g. the KPI and month)."""

    parts: str
    total: str
    by: tuple[str, ...] = ()
    match: tuple[str, ...] = ()
    parts_level: str | None = None
    total_level: str | None = None
    columns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RowSum:
    """Within each row of `section`, the count `total` is the sum of the counts `parts` (a table's Total column)."""

    section: str
    total: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    """How a view's counts relate: sums across rows and within rows, and each rate's numerator and denominator
    (section, rate column) -> (numerator column or None, denominator column), beyond those inferred."""

    sums: tuple[AddsUp | RowSum, ...] = ()
    rates: Mapping[tuple[str, str], tuple[str | None, str]] = field(default_factory=dict)
    # column -> the counts of its row it is worked out from: withheld only with one of them, never suppressed
    # itself (FTE and posts name no one: ()). Other figures are withheld beside any withheld count of their row.
    derived: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # section -> (value column, unit column, columns showing the value as text): a long table whose rows each
    # name their own unit (the flow's indicators); a count row under N is shown as "<N" in all of them.
    long_format: Mapping[str, tuple[str, str, tuple[str, ...]]] = field(default_factory=dict)
    # whether the headline's whole numbers may count people (a line holding one under N is then left out)
    headline_counts_people: bool = True


def _hierarchy(section: str, *, match: tuple[str, ...] = (), level: bool = False) -> tuple[AddsUp, ...]:
    """Teams add up to their service and services to the council, in one section holding a `level` column."""
    if not level:
        return ()
    return (AddsUp(section, section, ("service",), match, "team", "service"),
            AddsUp(section, section, (), match, "service", "council"))


# The views members see, and how their counts add up. Position: teams -> services (by service) -> council.
CAPACITY_DERIVED = {
    "fte": (), "posts_needed_rounded_up": (), "caseload_per_fte_holding": ("cases",),
    "caseload_per_head": ("cases", "workers"), "cases_over_capacity": ("cases",),
    "posts_needed_over_capacity": ("cases",), "posts_needed_waiting": ("unallocated",),
    "posts_needed": ("cases", "unallocated"), "span_of_control": ("workers",),
}
RULES: dict[str, Rules] = {
    "position": Rules(sums=(AddsUp("teams", "services", ("service",)), AddsUp("services", "council"),
                            *_hierarchy("other_caseloads", match=("caseload_group",), level=True)),
                      derived=CAPACITY_DERIVED),
    # Capacity repeats the position's levels with what the posts would cost: posts and money name no one.
    "capacity": Rules(sums=(AddsUp("teams", "services", ("service",)), AddsUp("services", "council")),
                      derived={**CAPACITY_DERIVED, "annual_cost_permanent": (), "annual_cost_agency": (),
                               "managers_needed": ()}),
    # The scrutiny pack's workforce chapter: its months add up to the period and, three by three, to the quarters;
    # a quarter's leavers are the teams that lost most and the other teams.
    "workforce": Rules(sums=(AddsUp("monthly", "period", columns=("starters", "leavers")),
                             AddsUp("monthly", "quarterly", ("quarter",), columns=("leavers",)),
                             RowSum("quarterly", "leavers", ("teams", "others"))),
                       derived={"fte": (), "agency_rate": (), "vacancy_rate": (), "turnover_rate": ("leavers",)}),
    "kpis": Rules(sums=_hierarchy("kpis", match=("kpi",), level=True)),
    "position_trend": Rules(sums=(RowSum("series", "waiting", ("new_work", "reallocation")),),
                            derived={**CAPACITY_DERIVED, "posts_needed_rounded_up": ("cases", "waiting")}),
    "flow": Rules(long_format={"indicators": ("value", "unit", ("council_shown",))}),
    # The plan's actions are counts of actions, not of people; an action's figure is a count (children waiting),
    # rate or caseload named by its row.
    "improvement_plan": Rules(derived={k: () for k in ("actions", "green", "amber", "red", "not_measured")},
                              long_format={"actions": ("current_value", "unit", ("current",))},
                              headline_counts_people=False),
    "practice_targets": Rules(sums=(AddsUp("by_service", "kpis", (), ("kpi",)),)),
    # The scrutiny pack's first page copies its counts from the member-safe chapters (reports.packs.front_page);
    # its key figures and alerts name their own units.
    "summary": Rules(long_format={"key_figures": ("check", "unit", ("now", "before")),
                                  "escalated": ("check", "unit", ("figure",))}),
    # Counts of alerts, not of people; an alert's figure is a count, rate or number named by its row.
    "risk": Rules(derived={k: () for k in ("open_alerts", "escalated", "serious")},
                  long_format={k: ("check", "unit", ("figure",)) for k in ("escalated", "open")}),
    # A team's return and the records' figure beside it, each row in its measure's unit (a count or a rate):
    # a row whose smallest count is under N shows none of its figures.
    "confidence": Rules(long_format={"team_returns": ("check", "unit", (
        "reported", "from_records", "difference", "reported_shown", "from_records_shown", "difference_shown"))}),
}


def suppression_note(threshold: int) -> str:
    return (f"Small numbers suppressed: counts of 1 to {threshold - 1} are shown as <{threshold}; rates over "
            f"fewer than {threshold} are withheld; {SECONDARY} marks a figure withheld so that a suppressed count "
            "cannot be worked out from the totals.")


def member_safe(view: View, threshold: int, rules: Rules | None = None) -> View:
    """The view with personal sections removed and small numbers suppressed (module docstring)."""
    rules = rules if rules is not None else RULES.get(view.name, Rules())
    sections = [s for s in view.sections if not s.personal]
    kept_headline = tuple(h for h in view.headline
                          if not (rules.headline_counts_people and _small_number_in(h, threshold)))
    if threshold <= 1:
        return replace(view, sections=tuple(sections), figures={}, headline=kept_headline)
    engine = _Engine(sections, threshold, rules)
    engine.run()
    safe = tuple(engine.section(i) for i in range(len(sections)))
    return replace(view, sections=safe, figures={}, headline=kept_headline,
                   notes=(*view.notes, suppression_note(threshold)))


def is_comparator(key: str) -> bool:
    return key.startswith(COMPARATOR_PREFIXES)


class _Engine:
    """Primary and secondary suppression over the count cells of a view's sections."""

    def __init__(self, sections: Sequence[Section], threshold: int, rules: Rules) -> None:
        self.sections = list(sections)
        self.n = threshold
        self.rules = rules
        self.index = {s.key: i for i, s in enumerate(self.sections)}
        self.values: dict[Cell, int] = {}
        for i, s in enumerate(self.sections):
            for c in s.columns:
                if c.unit == "count" and not is_comparator(c.key) and c.key not in rules.derived:
                    for r, row in enumerate(s.rows):
                        value = row.get(c.key)
                        if isinstance(value, (int, float)) and not isinstance(value, bool):
                            self.values[(i, r, c.key)] = round(value)
        self.primary = {cell for cell, v in self.values.items() if 0 < v < self.n}
        self.secondary: set[Cell] = set()
        self.demoted: set[Cell] = set()  # small counts shown as "[c]" because "<N" itself would pin them
        self.equations = list(self._equations())
        self.cap = 2 * max(self.values.values(), default=0) + 2 * threshold  # a reader's bound on any count

    # -- the sums ---------------------------------------------------------------------------------------
    def _equations(self) -> Iterable[tuple[Cell, list[Cell]]]:
        for rule in self.rules.sums:
            if isinstance(rule, RowSum):
                i = self.index.get(rule.section)
                if i is None:
                    continue
                for r in range(len(self.sections[i].rows)):
                    total, parts = (i, r, rule.total), [(i, r, p) for p in rule.parts]
                    if total in self.values:
                        yield total, [p for p in parts if p in self.values]
                continue
            pi, ti = self.index.get(rule.parts), self.index.get(rule.total)
            if pi is None or ti is None:
                continue
            ps, ts = self.sections[pi], self.sections[ti]
            counts = {c.key for c in ps.columns if c.unit == "count"} & {c.key for c in ts.columns if c.unit == "count"}
            columns = [c for c in (rule.columns or sorted(counts)) if c in counts and not is_comparator(c)]
            groups: dict[tuple[Any, ...], list[int]] = {}
            for r, row in enumerate(ps.rows):
                if rule.parts_level is None or row.get("level") == rule.parts_level:
                    groups.setdefault(tuple(row.get(k) for k in (*rule.by, *rule.match)), []).append(r)
            for t, row in enumerate(ts.rows):
                if rule.total_level is not None and row.get("level") != rule.total_level:
                    continue
                members = [r for r in groups.get(tuple(row.get(k) for k in (*rule.by, *rule.match)), [])
                           if (pi, r) != (ti, t)]
                for c in columns:
                    if (ti, t, c) in self.values and members:
                        yield (ti, t, c), [(pi, r, c) for r in members if (pi, r, c) in self.values]

    def hidden(self) -> set[Cell]:
        return self.primary | self.secondary | self.demoted

    def run(self) -> None:
        """Withhold further cells until no sum gives back a withheld one (by subtraction or by its bounds);
        where every cell is withheld and the "<N" bounds still pin one (four teams of 1 under a council of
        "<5" must all be 1), show that count as "[c]" instead."""
        while True:
            exposed = self._exposed()
            if exposed is not None:
                self.secondary.add(exposed)
                continue
            pinned = self._pinned(self.hidden()) & self.primary
            if not pinned:
                return
            cell = min(pinned)
            self.primary.discard(cell)
            self.demoted.add(cell)

    def _exposed(self) -> Cell | None:
        """A cell to withhold next: beside the lone withheld cell of a sum, else the one that leaves fewest
        withheld cells pinned to one value by the sums and the markers' bounds."""
        hidden = self.hidden()
        for total, parts in self.equations:
            if sum(c in hidden for c in (total, *parts)) == 1:
                return self._complement(total, parts, hidden)
        pinned = self._pinned(hidden)
        if not pinned:
            return None
        near = {c for t, ps in self.equations if pinned & {t, *ps} for c in (t, *ps)} - hidden
        candidates = near or {c for t, ps in self.equations for c in (t, *ps)} - hidden
        return min(candidates, key=lambda c: (len(self._pinned(hidden | {c}, extra=c)), self.values[c] == 0,
                                              self.values[c], c), default=None)

    def _pinned(self, hidden: set[Cell], extra: Cell | None = None) -> set[Cell]:
        """Withheld cells a reader can work out exactly (`extra`: as if it were withheld too)."""
        if extra is not None:
            self.secondary.add(extra)
        try:
            domains = self._domains(hidden)
        finally:
            if extra is not None:
                self.secondary.discard(extra)
        marker_says_all = {c for c in self.primary if self.n == 2}  # "<2" is 1 by itself
        return {c for c in hidden - marker_says_all if domains[c].bit_count() == 1}

    def _complement(self, total: Cell, parts: list[Cell], hidden: set[Cell]) -> Cell | None:
        """The cell to withhold with a lone one: the smallest non-zero published part, else the total."""
        open_parts = sorted((c for c in parts if c not in hidden), key=lambda c: (self.values[c] == 0, self.values[c]))
        if open_parts and (self.values[open_parts[0]] or total in hidden):
            return open_parts[0]
        return total if total not in hidden else None

    def _domains(self, hidden: set[Cell]) -> dict[Cell, int]:
        """What a reader can infer of each cell, as a bit set of its possible values (bit v: the value v is
        possible): a published cell its value; "<N" 1..N-1; "[c]" 0 or N and more (a small count would show as
        "<N"), or any number for a small count shown as "[c]"; then every sum keeps, of each withheld cell's
        values, those the other cells' values can make up, until nothing changes (exact per sum, unlike bounds:
        6 = "<5" + "[c]" leaves 1 + 5 only)."""
        full = (1 << (self.cap + 1)) - 1
        small = ((1 << self.n) - 1) & ~1
        domains = {cell: (small if cell in self.primary else full & ~small if cell in self.secondary
                          else full if cell in self.demoted else 1 << v) for cell, v in self.values.items()}
        for _ in range(50):
            moved = False
            for total, parts in self.equations:
                if not any(c in hidden for c in (total, *parts)):
                    continue
                prefix = [1]
                for p in parts:
                    prefix.append(_add(prefix[-1], domains[p], full))
                suffix = [1]
                for p in reversed(parts):
                    suffix.append(_add(suffix[-1], domains[p], full))
                suffix.reverse()
                if total in hidden:
                    moved |= self._narrow(domains, total, domains[total] & prefix[-1])
                for k, p in enumerate(parts):
                    if p in hidden:
                        others = _add(prefix[k], suffix[k + 1], full)
                        moved |= self._narrow(domains, p, domains[p] & _differences(domains[total], others))
            if not moved:
                break
        return domains

    @staticmethod
    def _narrow(domains: dict[Cell, int], cell: Cell, new: int) -> bool:
        if new == domains[cell] or not new:  # an empty set only where a marker is not the truth: keep it
            return False
        domains[cell] = new
        return True

    # -- the output -------------------------------------------------------------------------------------
    def section(self, i: int) -> Section:
        s = self.sections[i]
        if s.key in self.rules.long_format:
            return self._long_section(s)
        hidden = self.hidden()
        if not any(cell[0] == i for cell in hidden) and not self._small_rates(s):
            return s
        rows = []
        for r, row in enumerate(s.rows):
            new = dict(row)
            row_hidden = any((i, r, c.key) in hidden for c in s.columns)
            for c in s.columns:
                cell = (i, r, c.key)
                if cell in self.primary:
                    new[c.key] = f"<{self.n}"
                elif cell in self.secondary or cell in self.demoted:
                    new[c.key] = SECONDARY
                elif c.key in self.rules.derived:
                    if any((i, r, k) in hidden for k in self.rules.derived[c.key]):
                        new[c.key] = SECONDARY
                elif c.unit in DERIVED_UNITS and not is_comparator(c.key) and row.get(c.key) is not None:
                    if row_hidden or (c.unit == "rate" and self._rate_withheld(s, i, r, c.key, hidden)):
                        new[c.key] = SECONDARY
            rows.append(new)
        return replace(s, rows=rows, notes=(*s.notes, suppression_note(self.n)))

    def _long_section(self, s: Section) -> Section:
        """A long table's count rows under N shown as "<N" (its rates have no denominator beside them)."""
        value, unit, shown = self.rules.long_format[s.key]
        small = f"<{self.n}"
        rows = [{**r, value: small, **{k: small for k in shown}}
                if r.get(unit) == "count" and isinstance(r.get(value), (int, float)) and 0 < r[value] < self.n
                else r for r in s.rows]
        return replace(s, rows=rows, notes=(*s.notes, suppression_note(self.n)))

    def _rate_base(self, s: Section, key: str) -> tuple[str | None, str] | None:
        if (s.key, key) in self.rules.rates:
            return self.rules.rates[(s.key, key)]
        keys = s.column_keys()
        return ("numerator" if "numerator" in keys else None, "denominator") if "denominator" in keys else None

    def _rate_withheld(self, s: Section, i: int, r: int, key: str, hidden: set[Cell]) -> bool:
        """A rate is withheld over fewer than N, when its parts are, or when nothing says what it is over."""
        base = self._rate_base(s, key)
        if base is None:
            return not any(c.unit == "count" and not is_comparator(c.key) for c in s.columns)
        numerator, denominator = base
        den = s.rows[r].get(denominator)
        if not isinstance(den, (int, float)) or den < self.n:
            return True
        return (i, r, denominator) in hidden or (numerator is not None and (i, r, numerator) in hidden)

    def _small_rates(self, s: Section) -> bool:
        i = self.sections.index(s)
        return any(c.unit == "rate" and not is_comparator(c.key) and row.get(c.key) is not None
                   and self._rate_withheld(s, i, r, c.key, set())
                   for r, row in enumerate(s.rows) for c in s.columns)


def _bits(mask: int) -> Iterable[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _add(a: int, b: int, full: int) -> int:
    """The sums of a value from set `a` and one from set `b` (bit sets), up to the cap."""
    small, large = (a, b) if a.bit_count() <= b.bit_count() else (b, a)
    out = 0
    for v in _bits(small):
        out |= large << v
    return out & full


def _differences(totals: int, others: int) -> int:
    """The values x with x + s in `totals` for some s in `others` (bit sets)."""
    out = 0
    for s in _bits(others):
        out |= totals >> s
    return out


_DATES = re.compile(r"\d{4}-\d{2}(-\d{2})?|\d{1,2} [A-Z][a-z]{2,8} \d{4}|[A-Z][a-z]{2,8} \d{4}|\b\d{4}\b")
_WHOLE = re.compile(r"(?<![\d.,])\d[\d,]*(?![\d.,]*\d|%|\.\d)")


def _small_number_in(line: str, threshold: int) -> bool:
    """True when the line, dates aside, holds a whole number from 1 to threshold-1 (a count we cannot check)."""
    text = _DATES.sub(" ", line)
    return any(0 < int(m.group().replace(",", "")) < threshold for m in _WHOLE.finditer(text))
