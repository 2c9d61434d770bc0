"""Tiny looked-after histories for the forecast tests, built with the council builder."""

from __future__ import annotations

from datetime import date

from council_builder import CouncilBuilder

AS_AT = date(2024, 1, 31)


def child(b: CouncilBuilder, dob: date | None, *placements: tuple[date, date | None, str]) -> str:
    """A child (born on `dob`, or with no date of birth) and their consecutive placements (start, end, type)."""
    child_id = f"C{len(b.rows['child']) + 1}"
    b.add("child", child_id=child_id, sex="F", dob=dob)
    for start, end, placement in placements:
        b.add(
            "cla_episode", cla_episode_id=f"LA{len(b.rows['cla_episode']) + 1}", child_id=child_id,
            period_id=f"PER{child_id}", start_date=start, legal_status="C2", placement_type=placement,
            end_date=end,
        )
    return child_id
