"""Small-number suppression on hand-made views: what a member sees, and that no withheld count comes back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from clearsight.reports.disclosure import SECONDARY, AddsUp, Rules, RowSum, member_safe
from clearsight.reports.view import Section, View, col

N = 5
SMALL = f"<{N}"
COUNT = (col("team", "Team"), col("service", "Service"), col("waiting", "Waiting", "count"))
CAP = (col("fte", "FTE", "number"), col("caseload", "Cases per FTE", "number"))


def view(*sections: Section, headline: tuple[str, ...] = (), name: str = "test") -> View:
    return View(name, "Test", "Testshire, as at 15 Dec 2023", headline, sections, None)


def position(teams: list[tuple[str, str, int]]) -> View:
    """Teams (name, service, waiting) with their services and the council, as the position shows them."""
    services: dict[str, int] = {}
    for _, service, n in teams:
        services[service] = services.get(service, 0) + n
    return view(
        Section("teams", "By team", COUNT, [{"team": t, "service": s, "waiting": n} for t, s, n in teams]),
        Section("services", "By service", COUNT[1:], [{"service": s, "waiting": n} for s, n in services.items()]),
        Section("council", "Council", COUNT[2:], [{"waiting": sum(services.values())}]),
        name="position")


def cells(v: View, section: str, key: str = "waiting") -> list:
    return [r[key] for r in v.section(section).rows]


def test_personal_sections_and_figures_are_left_out_and_the_view_says_suppression_was_applied():
    personal = Section("children", "Children", (col("child_id", "Child"),), [{"child_id": "C1"}], personal=True)
    safe = member_safe(view(personal, Section("t", "T", COUNT[2:], [{"waiting": 9}])), N)
    assert [s.key for s in safe.sections] == ["t"] and safe.figures == {}
    assert any("Small numbers suppressed" in n and "<5" in n for n in safe.notes)


def test_counts_of_one_to_four_are_shown_as_under_five_and_zero_and_five_are_shown():
    safe = member_safe(view(Section("t", "T", COUNT[2:], [{"waiting": v} for v in (0, 1, 4, 5, 12)])), N)
    assert cells(safe, "t") == [0, SMALL, SMALL, 5, 12]


def test_a_team_cannot_be_worked_out_from_its_service_total():
    # Service X = A 3 + B 10 = 13: with A shown as <5 alone, 13 - 10 gives A back, so B is withheld too.
    safe = member_safe(position([("A", "X", 3), ("B", "X", 10), ("C", "Y", 8)]), N)
    assert cells(safe, "teams") == [SMALL, SECONDARY, 8]
    assert cells(safe, "services") == [13, 8] and cells(safe, "council") == [21]


def test_bounds_that_pin_the_cells_withhold_the_total_and_then_a_sibling_service():
    # X = A 1 + B 5 = 6: with A "<5" (1-4) and B "[c]" (0 or 5 and more), 6 pins A = 1 and B = 5, so the
    # service total is withheld; the council (6 + 9 = 15) would then give it back, so service Y goes too, and
    # with it its only team C (Y = C).
    safe = member_safe(position([("A", "X", 1), ("B", "X", 5), ("C", "Y", 9)]), N)
    assert cells(safe, "teams") == [SMALL, SECONDARY, SECONDARY]
    assert cells(safe, "services") == [SECONDARY, SECONDARY]
    assert cells(safe, "council") == [15]


def test_two_small_teams_protect_each_other_without_more_suppression():
    # X = A 3 + B 4 + C 20 = 27: A + B = 7 with each 1-4 leaves (3, 4) or (4, 3): neither is pinned.
    safe = member_safe(position([("A", "X", 3), ("B", "X", 4), ("C", "X", 20)]), N)
    assert cells(safe, "teams") == [SMALL, SMALL, 20] and cells(safe, "services") == [27]


def test_a_row_and_its_total_column_cannot_reveal_a_cell():
    cols = (col("team", "Team"), col("cin", "CIN", "count"), col("cp", "CP", "count"), col("all", "All", "count"))
    table = Section("x", "Cross", cols, [{"team": "A", "cin": 10, "cp": 2, "all": 12},
                                         {"team": "B", "cin": 7, "cp": 9, "all": 16}])
    safe = member_safe(view(table), N, Rules(sums=(RowSum("x", "all", ("cin", "cp")),)))
    assert safe.section("x").rows[0] == {"team": "A", "cin": SECONDARY, "cp": SMALL, "all": 12}
    assert safe.section("x").rows[1] == {"team": "B", "cin": 7, "cp": 9, "all": 16}


def test_rates_over_fewer_than_five_or_with_a_withheld_numerator_are_withheld_but_england_is_kept():
    cols = (col("team", "Team"), col("denominator", "Counted", "count"), col("numerator", "Meeting", "count"),
            col("kpi_rate", "Rate", "rate"), col("england_rate", "England", "rate"),
            col("gap_to_england", "Gap", "rate"))
    rows = [{"team": "A", "denominator": 3, "numerator": 3, "kpi_rate": 1.0, "england_rate": 0.8,
             "gap_to_england": 0.2},
            {"team": "B", "denominator": 40, "numerator": 2, "kpi_rate": 0.05, "england_rate": 0.8,
             "gap_to_england": -0.75},
            {"team": "C", "denominator": 40, "numerator": 30, "kpi_rate": 0.75, "england_rate": 0.8,
             "gap_to_england": -0.05}]
    out = member_safe(view(Section("k", "KPIs", cols, rows)), N).section("k").rows
    assert [(r["denominator"], r["numerator"], r["kpi_rate"], r["england_rate"], r["gap_to_england"])
            for r in out] == [(SMALL, SMALL, SECONDARY, 0.8, SECONDARY), (40, SMALL, SECONDARY, 0.8, SECONDARY),
                              (40, 30, 0.75, 0.8, -0.05)]


def test_figures_beside_a_withheld_count_are_withheld_and_a_rate_over_nothing_known_is_withheld():
    cols = (*COUNT[::2], *CAP)
    rows = [{"team": "A", "waiting": 2, "fte": 1.0, "caseload": 2.0}, {"team": "B", "waiting": 30, "fte": 2.0,
                                                                        "caseload": 15.0}]
    pivot = Section("months", "Rate by month", (col("title", "KPI"), col("2023-11", "2023-11", "rate")),
                    [{"title": "CP visits", "2023-11": 0.5}])
    safe = member_safe(view(Section("t", "T", cols, rows), pivot), N)
    assert safe.section("t").rows[0] == {"team": "A", "waiting": SMALL, "fte": SECONDARY, "caseload": SECONDARY}
    assert safe.section("t").rows[1]["caseload"] == 15.0
    assert safe.section("months").rows[0]["2023-11"] == SECONDARY


def test_headline_lines_with_a_small_whole_number_are_left_out_dates_and_decimals_aside():
    lines = ("291 children are waiting for a social worker (73 awaiting re-allocation, 218 new work).",
             "Change since 8 Dec 2023: up 3 (then 288 waiting).",
             "Caseload 17.2 cases per FTE against a standard of 18; 2023-12-15; 45.5% within 1,355 days.")
    safe = member_safe(view(headline=lines), N)
    assert safe.headline == (lines[0], lines[2])


def test_kpi_levels_in_one_section_add_up_teams_to_services_to_council():
    cols = (col("kpi", "KPI"), col("level", "Level"), col("service", "Service"), col("team", "Team"),
            col("numerator", "Failing", "count"))
    rows = [{"kpi": "k", "level": "team", "service": "S", "team": "A", "numerator": 2},
            {"kpi": "k", "level": "team", "service": "S", "team": "B", "numerator": 9},
            {"kpi": "k", "level": "service", "service": "S", "team": None, "numerator": 11},
            {"kpi": "k", "level": "council", "service": None, "team": None, "numerator": 11}]
    safe = member_safe(View("kpis", "KPIs", "", (), (Section("kpis", "KPIs", cols, rows),), None), N)
    assert [r["numerator"] for r in safe.section("kpis").rows] == [SMALL, SECONDARY, 11, 11]


# -- property: nothing under the threshold is published, and nothing withheld can be worked out ----------
def feasible_values(hidden: dict[tuple[int, int], tuple[int, int, int]], known: dict[tuple[int, int], int],
                    equations: list[tuple[tuple[int, int], list[tuple[int, int]]]], *,
                    holes: bool) -> dict[tuple[int, int], set]:
    """Every value each withheld cell can take given the published cells, every sum and the markers' bounds
    ("<5": 1-4; "[c]": 0 or 5 and more): the reader's best attack, by search."""
    names = list(hidden)

    def domain(cell: tuple[int, int]) -> list[int]:
        lo, hi, kind = hidden[cell]
        return [v for v in range(lo, hi + 1) if kind == 1 or not (holes and 0 < v < N)]

    def possible(value: dict) -> bool:
        for t, parts in equations:
            lo = hi = 0
            for cell, sign in ((t, 1), *((p, -1) for p in parts)):
                if cell in value:
                    lo += sign * value[cell]
                    hi += sign * value[cell]
                else:
                    a, b, _ = hidden[cell]
                    lo, hi = (lo + a, hi + b) if sign > 0 else (lo - b, hi - a)
            if not lo <= 0 <= hi:
                return False
        return True

    def solve(value: dict, rest: list) -> dict | None:
        if not possible(value):
            return None
        if not rest:
            return value
        for v in domain(rest[0]):
            if (found := solve({**value, rest[0]: v}, rest[1:])) is not None:
                return found
        return None

    first = solve(dict(known), names)
    assert first is not None
    return {cell: {first[cell], *(v for v in domain(cell) if v != first[cell]
                                  and solve({**known, cell: v}, [c for c in names if c != cell]) is not None)}
            for cell in names}


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.integers(0, 9), min_size=1, max_size=3), min_size=1, max_size=3))
def test_no_published_count_is_small_and_no_withheld_count_can_be_worked_out(services):
    teams = [(f"T{s}{t}", f"S{s}", n) for s, counts in enumerate(services) for t, n in enumerate(counts)]
    safe = member_safe(position(teams), N)
    grid = [("teams", len(teams)), ("services", len(services)), ("council", 1)]
    original = position(teams)
    true: dict[tuple[int, int], int] = {}
    shown: dict[tuple[int, int], object] = {}
    for i, (key, rows) in enumerate(grid):
        for r in range(rows):
            true[(i, r)] = original.section(key).rows[r]["waiting"]
            shown[(i, r)] = safe.section(key).rows[r]["waiting"]
    assert not any(isinstance(v, int) and 0 < v < N for v in shown.values())
    assert all(v == true[c] for c, v in shown.items() if isinstance(v, int))
    team_of = {(0, r): s for r, (_, s, _) in enumerate(teams)}
    service_names = [f"S{s}" for s in range(len(services))]
    equations = [((1, j), [c for c, s in team_of.items() if s == name]) for j, name in enumerate(service_names)]
    equations.append(((2, 0), [(1, j) for j in range(len(services))]))
    bound = true[(2, 0)] + 2 * N  # a finite bound (a reader has none): tighter is stricter
    hidden = {c: ((1, N - 1, 1) if v == SMALL else (0, bound, 2)) for c, v in shown.items() if not isinstance(v, int)}
    if not hidden:
        return
    known = {c: v for c, v in shown.items() if isinstance(v, int)}
    # A reader takes "[c]" as 0 or N and more (small counts show as "<N"); where a small count is shown as
    # "[c]" (because "<N" would pin it) that reading is wrong and they can only take "[c]" as any number.
    holes = not any(0 < true[c] < N for c, v in shown.items() if v == SECONDARY)
    for cell, values in feasible_values(hidden, known, equations, holes=holes).items():
        assert values != {true[cell]}, f"{cell} pinned to {values} in {shown}"
