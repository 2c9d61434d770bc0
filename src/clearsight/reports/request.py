"""What a reader asked for (snapshot, dates, team), checked before anything is computed.

The CLI and the web pages both turn their arguments into a `Request`; a wrong argument is a `BadRequest` with
one line that names the mistake and the near matches (exit code 2 on the command line, 400 on the web), never
an empty answer: an unknown team must not read as "0 children waiting".
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Sequence

from clearsight.canonical.calendar import month_end
from clearsight.config import CouncilConfig
from clearsight.render.values import clip, long_date
from clearsight.store.snapshots import Snapshot, first_record_date, team_names

if TYPE_CHECKING:
    import duckdb

    from clearsight.metrics.figures import Provenance


class BadRequest(ValueError):
    """An argument that cannot be answered as given; the message says why in one line."""


NEAR_MATCHES = 12  # known values an error about an unknown one lists at most


def unknown(kind: str, value: str, known: Sequence[str]) -> BadRequest:
    """An error naming an unknown `kind` and the known values closest to it: spelt alike, or holding what was
    typed ('North' for 'North Child in Need Team'); else the first known ones and how many more."""
    held = [k for k in sorted(known) if value.strip() and value.strip().casefold() in k.casefold()]
    near = list(dict.fromkeys([*difflib.get_close_matches(value, known, n=3, cutoff=0.5), *held]))[:NEAR_MATCHES]
    shown = sorted(known)[:NEAR_MATCHES]
    more = f" and {len(known) - len(shown)} more" if len(known) > len(shown) else ""
    hint = (f"; did you mean {', '.join(repr(clip(n, 80)) for n in near)}?" if near
            else f"; known: {', '.join(clip(n, 80) for n in shown)}{more}")
    return BadRequest(f"no {kind} named {clip(value, 80)!r}{hint}")


def parse_day(value: str, option: str = "--as-at") -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{option} {clip(value, 40)!r}: expected a date as YYYY-MM-DD") from None


def parse_period(value: str) -> tuple[date, date]:
    """'2023-04..2024-03' (whole months) or '2023-04-01..2024-03-31' (days), both ends included."""
    try:
        first, last = value.split("..")
        start = date.fromisoformat(first + "-01" if len(first) == 7 else first)
        if len(last) == 7:
            year, month = int(last[:4]), int(last[5:])
            end = month_end(year, month)
        else:
            end = date.fromisoformat(last)
    except ValueError:
        raise BadRequest(f"--period {clip(value, 40)!r}: expected YYYY-MM..YYYY-MM or YYYY-MM-DD..YYYY-MM-DD") from None
    if start > end:
        raise BadRequest(f"--period {clip(value, 40)!r}: starts after it ends")
    return start, end


def months_back(day: date, months: int) -> date:
    """The first day of the calendar month `months` months before `day`'s."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, 1)


def year_ending(end: date) -> date:
    """First day of the twelve months ending on `end`."""
    try:
        return end.replace(year=end.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February
        return date(end.year - 1, 3, 1)


def quarter_ending(end: date) -> date:
    """First day of the three months ending on `end` (the default window of the practice KPIs)."""
    month = end.month - 3 + (12 if end.month <= 3 else 0)
    year = end.year - (1 if end.month <= 3 else 0)
    try:
        return end.replace(year=year, month=month) + timedelta(days=1)
    except ValueError:  # 29-31 of a shorter month: start on the 1st of the following one
        return date(year + (month == 12), month % 12 + 1, 1)


def financial_year_start(day: date) -> date:
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


@dataclass(frozen=True)
class Request:
    """A checked request: the snapshot, the as-at date, the period when one applies, the team when named."""

    con: duckdb.DuckDBPyConnection
    snapshot: Snapshot
    config: CouncilConfig
    as_at: date
    start: date | None = None  # first day of the period (period views)
    team: str | None = None  # the team's name as held in the snapshot
    warnings: tuple[str, ...] = ()

    @property
    def council(self) -> str:
        return self.config.council_name or self.snapshot.council

    def with_period(self, start: date) -> "Request":
        return dataclasses.replace(self, start=start)

    def provenance(self, p: Provenance) -> Provenance:
        """A figure's provenance with this request's warnings added (each lowers the confidence grade)."""
        extra = tuple(w for w in self.warnings if w not in p.warnings)
        return dataclasses.replace(p, warnings=(*p.warnings, *extra)) if extra else p


def make_request(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, config: CouncilConfig, *, as_at: str | None = None,
    period: str | None = None, team: str | None = None, default_window: str = "as_at",
) -> Request:
    """Check the arguments against the snapshot: an unknown team is an error listing near matches; an as-at
    date before the data's first record or after the extract is answered with a warning.

    `default_window` is the period when none is given: "as_at" (none), "quarter" (three months to the
    as-at date), "year" (twelve months) or "financial_year" (1 April to the as-at date).
    """
    if period and as_at:
        raise BadRequest("--period and --as-at both given: a period ends on its own last day; give one")
    if period:
        start, end = parse_period(period)
    else:
        end = parse_day(as_at) if as_at else snapshot.extract_date
        start = {"as_at": None, "quarter": quarter_ending, "year": year_ending,
                 "financial_year": financial_year_start}[default_window]  # type: ignore[assignment]
        start = start(end) if callable(start) else None
    warnings = []
    first = first_record_date(con, snapshot)
    if first is not None and (start or end) < first:
        warnings.append(f"the data starts on {long_date(first)}: figures before then are incomplete")
    team_name = None if team is None else _team(team, team_names(con, snapshot))
    return Request(con, snapshot, config, end, start, team_name, tuple(warnings))


def _team(asked: str, teams: dict[str, str]) -> str:
    """The team a `--team` names, as figures are narrowed to it (by name or id): its name, or its id where
    another team has the same name (a filter by that name would take in both). A name two teams share is an
    error listing their ids; an unknown one lists the near matches."""
    ids_of: dict[str, list[str]] = {}
    for team_id, name in teams.items():
        ids_of.setdefault(name, []).append(team_id)
    if asked in teams:
        return teams[asked] if len(ids_of[teams[asked]]) == 1 else asked
    if asked in ids_of:
        if len(ids := ids_of[asked]) > 1:
            raise BadRequest(f"{len(ids)} teams are named {clip(asked, 80)!r} ({', '.join(sorted(ids))}): give "
                             "the team id")
        return asked
    raise unknown("team", asked, list(ids_of))
