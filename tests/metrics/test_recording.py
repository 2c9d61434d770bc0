"""Chronology and case-note currency on open cases, in months and working days (bank holidays included)."""

from __future__ import annotations

from datetime import date

from council_builder import CouncilBuilder

from clearsight.metrics.figures import clear_result_cache, compute, compute_monthly

AS_AT = date(2024, 1, 31)


def test_recording_up_to_date(tmp_path):
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("T", "Tango")
    recent, _ = b.case("T", date(2023, 6, 1))
    stale, _ = b.case("T", date(2023, 6, 1))
    never, _ = b.case("T", date(2023, 9, 15))
    closed, _ = b.case("T", date(2023, 6, 1), close=date(2023, 12, 1))  # not open: not counted
    notes = [
        (recent, date(2023, 12, 20), "chronology"),  # due 20 Mar 2024: up to date
        (recent, date(2024, 1, 17), "case_note"),  # 20 working days later is 14 Feb: up to date
        (stale, date(2023, 10, 30), "chronology"),  # due 30 Jan 2024: one day overdue
        # 20 working days after 22 Dec 2023 (Christmas, Boxing Day and New Year's Day are bank holidays) is
        # 24 Jan 2024: overdue on 31 Jan.
        (stale, date(2023, 12, 22), "case_note"),
        (closed, date(2023, 6, 2), "case_note"),
    ]
    for i, (child, day, kind) in enumerate(notes):
        b.add("case_note", case_note_id=f"N{i}", child_id=child, note_date=day, kind=kind)
    loaded = b.load(tmp_path)

    chron = {r["child_id"]: r for r in compute(loaded.con, loaded.snapshot, "chronology_up_to_date_children",
                                               AS_AT).records()}
    assert set(chron) == {recent, stale, never}
    assert chron[recent]["up_to_date"] and not chron[stale]["up_to_date"]
    assert chron[stale]["days_overdue"] == 1
    assert chron[never]["due_date"] == date(2023, 12, 15) and not chron[never]["up_to_date"]  # from referral

    notes_rows = {r["child_id"]: r for r in compute(loaded.con, loaded.snapshot, "case_notes_up_to_date_children",
                                                    AS_AT).records()}
    assert notes_rows[recent]["due_date"] == date(2024, 2, 14) and notes_rows[recent]["up_to_date"]
    assert notes_rows[stale]["due_date"] == date(2024, 1, 24) and not notes_rows[stale]["up_to_date"]
    [council] = [r for r in compute(loaded.con, loaded.snapshot, "case_notes_up_to_date", AS_AT).records()
                 if r["level"] == "council"]
    assert (council["denominator"], council["numerator"]) == (3, 1)

    # Month by month in one query: each month sees only the notes written by its end (the date test comes after
    # the join to the month's open cases), and gives the rows of that month computed alone.
    series = compute_monthly(loaded.con, loaded.snapshot, "case_notes_up_to_date_children", date(2023, 12, 1),
                             AS_AT, period=False).records()
    last = {(r["month_end"], r["child_id"]): r["last_recorded"] for r in series}
    assert last == {
        (date(2023, 12, 31), recent): None, (date(2023, 12, 31), stale): date(2023, 12, 22),
        (date(2023, 12, 31), never): None,
        (AS_AT, recent): date(2024, 1, 17), (AS_AT, stale): date(2023, 12, 22), (AS_AT, never): None,
    }
    clear_result_cache()
    for month_end in (date(2023, 12, 31), AS_AT):
        alone = compute(loaded.con, loaded.snapshot, "case_notes_up_to_date_children", month_end).records()
        assert [{k: v for k, v in r.items() if k not in ("month_start", "month_end")} for r in series
                if r["month_end"] == month_end] == alone
