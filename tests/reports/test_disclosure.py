"""Small-number suppression on hand-made views: what a member sees, and that no withheld count comes back."""

from __future__ import annotations

import itertools

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
def reader_worlds(shown: list[list[object]], services: list[object], council: object, *, holes: bool,
                  bound: int) -> tuple[list[list[set]], list[set], set]:
    """Every value each cell can take in the tables a reader cannot rule out: team counts agreeing with every
    published cell and marker ("<5": 1-4; "[c]": 0 or 5 and more, or with `holes` False any number up to
    `bound`), summed to services and the council. By enumeration, independent of the engine's reasoning."""

    def allowed(marker: object, value: int) -> bool:
        if marker == SMALL:
            return 0 < value < N
        if marker == SECONDARY:
            return not (holes and 0 < value < N)
        return marker == value

    def options(marker: object) -> list[int]:
        return [v for v in range(bound + 1) if allowed(marker, v)]

    worlds = []  # per service: {service total: [team tuples]}
    for teams, service in zip(shown, services):
        by_total: dict[int, list[tuple[int, ...]]] = {}
        for values in itertools.product(*(options(m) for m in teams)):
            if allowed(service, sum(values)):
                by_total.setdefault(sum(values), []).append(values)
        worlds.append(by_total)
    team_values = [[set() for _ in teams] for teams in shown]
    service_values: list[set] = [set() for _ in services]
    council_values: set = set()
    for j, by_total in enumerate(worlds):
        others = {0}
        for i, other in enumerate(worlds):
            if i != j:
                others = {a + b for a in others for b in other}
        for total, tuples in by_total.items():
            sums = [total + rest for rest in others if allowed(council, total + rest)]
            if sums:
                service_values[j].add(total)
                council_values.update(sums)
                for values in tuples:
                    for k, v in enumerate(values):
                        team_values[j][k].add(v)
    return team_values, service_values, council_values


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 9), min_size=1, max_size=3), min_size=1, max_size=3))
def test_no_published_count_is_small_and_no_withheld_count_can_be_worked_out(services):
    teams = [(f"T{s}{t}", f"S{s}", n) for s, counts in enumerate(services) for t, n in enumerate(counts)]
    safe = member_safe(position(teams), N)
    shown_teams = cells(safe, "teams")
    published = [*shown_teams, *cells(safe, "services"), *cells(safe, "council")]
    true = [*(n for _, _, n in teams), *map(sum, services), sum(map(sum, services))]
    assert not any(isinstance(v, int) and 0 < v < N for v in published)
    assert all(v == t for v, t in zip(published, true) if isinstance(v, int))
    grouped, k = [], 0
    for counts in services:
        grouped.append(shown_teams[k:k + len(counts)])
        k += len(counts)
    # A reader takes "[c]" as 0 or N and more (small counts show as "<N"); where a small count is shown as
    # "[c]" (because "<N" would pin it) that reading is wrong and they can only take "[c]" as any number.
    holes = not any(0 < t < N for v, t in zip(published, true) if v == SECONDARY)
    bound = sum(map(sum, services)) + 2 * N  # a finite bound (a reader has none): tighter is stricter
    team_values, service_values, council_values = reader_worlds(
        grouped, cells(safe, "services"), cells(safe, "council")[0], holes=holes, bound=bound)
    possible = [*(v for group in team_values for v in group), *service_values, council_values]
    for marker, truth, values in zip(published, true, possible):
        assert truth in values
        if not isinstance(marker, int):
            assert values != {truth}, f"a withheld {truth} can be worked out from {published}"


def test_declared_derivations_keep_fte_and_withhold_only_what_a_withheld_count_gives_back():
    cols = (col("service", "Service"), col("cases", "Cases", "count"), col("unallocated", "Waiting", "count"),
            col("fte", "FTE", "number"), col("caseload_per_fte_holding", "Cases per FTE", "number"),
            col("posts_needed_waiting", "Posts to allocate the waiting", "number"))
    row = {"service": "S", "cases": 90, "unallocated": 3, "fte": 4.5, "caseload_per_fte_holding": 20.0,
           "posts_needed_waiting": 0.2}
    safe = member_safe(View("position", "P", "", (), (Section("services", "By service", cols, [row]),), None), N)
    assert safe.section("services").rows[0] == {**row, "unallocated": SMALL, "posts_needed_waiting": SECONDARY}


def test_a_long_table_naming_each_rows_unit_shows_small_counts_as_under_five():
    cols = (col("indicator", "Indicator"), col("value", "Value"), col("unit", "Unit"), col("council_shown", "Council"))
    rows = [{"indicator": "Periods of care ended", "value": 3, "unit": "count", "council_shown": "3"},
            {"indicator": "Contacts", "value": 1026, "unit": "count", "council_shown": "1,026"},
            {"indicator": "Re-referrals", "value": 0.223, "unit": "rate", "council_shown": "22.3%"}]
    safe = member_safe(View("flow", "Flow", "", (), (Section("indicators", "Council", cols, rows),), None), N)
    assert [r["council_shown"] for r in safe.section("indicators").rows] == [SMALL, "1,026", "22.3%"]
    assert safe.section("indicators").rows[0]["value"] == SMALL


def test_capacity_keeps_fte_posts_and_cost_beside_a_small_team_and_its_service_total_protects_it():
    """A team of 3 waiting: its waiting count is "<5" and a sibling's is withheld so the service total cannot
    give it back; its FTE, posts and their cost name no one and stay (the councillor's Teams page showed them
    as [c])."""
    cols = (col("team", "Team"), col("service", "Service"), col("cases", "Cases", "count"),
            col("unallocated", "Waiting", "count"), col("fte", "FTE", "number"),
            col("posts_needed_rounded_up", "Posts needed", "count"),
            col("annual_cost_permanent", "Annual cost as permanent posts", "money"))
    teams = [{"team": "A", "service": "S", "cases": 60, "unallocated": 3, "fte": 3.0,
              "posts_needed_rounded_up": 1, "annual_cost_permanent": 50_000.0},
             {"team": "B", "service": "S", "cases": 80, "unallocated": 9, "fte": 4.5,
              "posts_needed_rounded_up": 2, "annual_cost_permanent": 100_000.0}]
    service = {"service": "S", "cases": 140, "unallocated": 12, "fte": 7.5, "posts_needed_rounded_up": 3,
               "annual_cost_permanent": 150_000.0}
    capacity = View("capacity", "Capacity", "", (), (
        Section("teams", "By team", cols, teams), Section("services", "By service", cols[1:], [service]),
        Section("council", "Council", cols[2:], [{k: v for k, v in service.items() if k != "service"}])), None)
    safe = member_safe(capacity, N)
    a, b = safe.section("teams").rows
    assert a["unallocated"] == SMALL
    assert SECONDARY in (b["unallocated"], safe.section("services").rows[0]["unallocated"])
    for row in (a, b):
        assert (row["fte"], row["posts_needed_rounded_up"]) == (teams[row is b]["fte"],
                                                                teams[row is b]["posts_needed_rounded_up"])
        assert row["annual_cost_permanent"] == teams[row is b]["annual_cost_permanent"]


def test_a_small_count_of_leavers_keeps_its_fte_from_members():
    """The workforce page showed members 'Front door, retirement, retired: <5 leavers, FTE 1.0' (one full-time
    worker retired): FTE in post names no one, but a reason's leavers' FTE gives their count back."""
    from clearsight.reports.workforce import REASON_COLUMNS

    reasons = Section("reasons", "Why they left", REASON_COLUMNS, [
        {"service": "front_door", "reason": "retirement", "destination": "retired", "leavers": 1, "leavers_fte": 1.0},
        {"service": "cin", "reason": "workload", "destination": "other_la", "leavers": 6, "leavers_fte": 5.6}])
    monthly = Section("monthly", "Month by month", (col("month", "Month"), col("fte", "FTE", "number"),
                                                    col("leavers", "Leavers", "count")),
                      [{"month": "2023-11", "fte": 4.0, "leavers": 1}])
    safe = member_safe(view(reasons, monthly, name="workforce"), N)
    rows = safe.section("reasons").rows
    assert (rows[0]["leavers"], rows[0]["leavers_fte"]) == (SMALL, SECONDARY)
    assert (rows[1]["leavers"], rows[1]["leavers_fte"]) == (6, 5.6)
    assert safe.section("monthly").rows[0]["fte"] == 4.0  # staff in post name no one


def test_a_team_return_counting_few_children_is_withheld_from_members():
    """The Data confidence page showed members a team's return beside the records' count of its waiting
    children, however few ('0.0 | 3.0 | 3.0'); the figures are now in their unit (173, not 173.0)."""
    from clearsight.reports.confidence import RETURN_COLUMNS, _in_words

    rows = [_in_words({"team": "Alpha", "measure": "unallocated_cases", "reported": 0.0, "from_records": 3.0,
                       "difference": 3.0}),
            _in_words({"team": "Beta", "measure": "unallocated_cases", "reported": 0.0, "from_records": 173.0,
                       "difference": 173.0})]
    assert (rows[1]["measure_words"], rows[1]["from_records_shown"]) == ("Unallocated cases", "173")
    safe = member_safe(view(Section("team_returns", "Team returns", RETURN_COLUMNS, rows), name="confidence"), N)
    alpha, beta = safe.section("team_returns").rows
    assert {alpha[k] for k in ("reported", "from_records", "difference", "from_records_shown")} == {SMALL}
    assert (beta["from_records_shown"], beta["difference"]) == ("173", 173.0)
