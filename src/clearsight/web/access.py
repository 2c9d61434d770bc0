"""Who may see what: the role rules every page, drill-through, record and API answer goes through.

audiences.md's "must not see" column made into code. Administrators and analysts see everything (audit-logged);
a director or head of service sees every aggregate and the records of teams in their services (all services
when none is set); a team manager sees every aggregate but only their own team's children and workers, and
every team-scoped view is built for their team whatever the address asks; an elected member sees aggregates
only, made member-safe by `clearsight.reports.disclosure` (small numbers suppressed).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from clearsight.reports.disclosure import member_safe
from clearsight.reports.view import Section, View
from clearsight.web.accounts import Principal


class Forbidden(Exception):
    """The signed-in user may not see what was asked; the message says why without naming what exists."""


def may_see_team(who: Principal, team: str | None, services: dict[str, str]) -> bool:
    """May `who` see the children and workers of `team` (a name)?"""
    if who.role in ("administrator", "analyst"):
        return True
    if who.role == "director":
        return not who.services or (team is not None and services.get(team) in who.services)
    if who.role == "team_manager":
        return team is not None and team == who.team
    return False


def may_see_any_record(who: Principal, teams: set[str], services: dict[str, str]) -> bool:
    """A child or worker record is visible when one of the teams it belongs to is."""
    return who.sees_people and any(may_see_team(who, t, services) for t in teams)


def team_for(who: Principal, asked: str | None, teams: dict[str, str]) -> str | None:
    """The team a team-scoped view is built for: a team manager's own whatever was asked; for others the team
    asked (an id or a name; None: the council), refused when outside a director's services.

    `teams` maps team id -> name in the snapshot."""
    if who.role == "team_manager":
        own = teams.get(who.team or "", who.team)
        if asked and asked not in (own, who.team):
            raise Forbidden("a team manager sees their own team only")
        return own
    return asked or None


def check_team_filter(who: Principal, team: str | None, services: dict[str, str]) -> None:
    if team and who.role == "director" and who.services and services.get(team) not in who.services:
        raise Forbidden("that team is outside your services")


def restricted(who: Principal) -> bool:
    return who.role == "team_manager" or (who.role == "director" and bool(who.services))


def visible(who: Principal, view: View, services: dict[str, str], *, scoped_to_own: bool, threshold: int) -> View:
    """The view as `who` may see it: member-safe for a member; personal rows only of teams they may see
    (rows naming no team only when the view was built for the team manager's own team)."""
    if not who.sees_people:
        return member_safe(view, threshold)
    if not restricted(who):
        return view
    return dataclasses.replace(view, sections=tuple(
        _rows_for(who, s, services, scoped_to_own) if s.personal else s for s in view.sections))


def _rows_for(who: Principal, section: Section, services: dict[str, str], scoped_to_own: bool) -> Section:
    def keep(row: dict[str, Any]) -> bool:
        if "team" in row:
            return may_see_team(who, row["team"], services)
        return scoped_to_own
    return dataclasses.replace(section, rows=[r for r in section.rows if keep(r)])


def record_ids(view: View) -> list[str]:
    """The child and worker ids in a view's personal sections, for the audit log."""
    ids = []
    for s in view.sections:
        if s.personal:
            for r in s.rows:
                ids += [f"child:{r['child_id']}"] if r.get("child_id") else []
                worker = r.get("worker_id") or r.get("worker")
                ids += [f"worker:{worker}"] if worker else []
    return ids
