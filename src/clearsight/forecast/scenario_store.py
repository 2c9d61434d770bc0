"""Scenarios saved by name in the database, for a council: kept as their TOML (the same text a scenario file
holds), listed, read back, compared, and attached to the proposed service change they assess (an entry of the
alerts' change register, by id)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime

from clearsight.forecast.whatif import Scenario, scenario_toml
from clearsight.store.database import Connection, fetch_rows


class ScenarioNotFound(LookupError):
    """No scenario of that name is saved for the council."""


@dataclass(frozen=True)
class SavedScenario:
    scenario_id: int
    council: str
    scenario: Scenario
    change_id: int | None
    saved_at: datetime


def _row(row: tuple) -> SavedScenario:
    scenario_id, council, definition, change_id, saved_at = row
    return SavedScenario(int(scenario_id), council, Scenario.model_validate(tomllib.loads(definition)),
                         None if change_id is None else int(change_id), saved_at)


_COLUMNS = "scenario_id, council, definition, change_id, saved_at"


def save(con: Connection, council: str, scenario: Scenario) -> SavedScenario:
    """Save `scenario` under its name, replacing one saved before by that name (keeping its id and change)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    existing = fetch_rows(con, "SELECT scenario_id FROM scenario WHERE council = $council AND name = $name",
                          {"council": council, "name": scenario.name})
    if existing:
        con.execute("UPDATE scenario SET definition = ?, saved_at = ? WHERE scenario_id = ?",
                    [scenario_toml(scenario), now, existing[0][0]])
    else:
        con.execute(
            "INSERT INTO scenario (scenario_id, council, name, definition, change_id, saved_at) "
            "SELECT coalesce(max(scenario_id), 0) + 1, ?, ?, ?, NULL, ? FROM scenario",
            [council, scenario.name, scenario_toml(scenario), now])
    return get(con, council, scenario.name)


def get(con: Connection, council: str, name: str) -> SavedScenario:
    rows = fetch_rows(con, f"SELECT {_COLUMNS} FROM scenario WHERE council = $council AND name = $name",
                      {"council": council, "name": name})
    if not rows:
        names = [r.scenario.name for r in saved(con, council)]
        raise ScenarioNotFound(f"no scenario named '{name}' for {council}"
                               + (f" (saved: {', '.join(names)})" if names else " (none saved)"))
    return _row(rows[0])


def saved(con: Connection, council: str) -> list[SavedScenario]:
    """The council's scenarios by name."""
    rows = fetch_rows(con, f"SELECT {_COLUMNS} FROM scenario WHERE council = $council", {"council": council})
    return sorted((_row(r) for r in rows), key=lambda s: s.scenario.name)  # by name as written, on either back end


def delete(con: Connection, council: str, name: str) -> None:
    get(con, council, name)
    con.execute("DELETE FROM scenario WHERE council = ? AND name = ?", [council, name])


def attach(con: Connection, council: str, name: str, change_id: int) -> SavedScenario:
    """Attach the scenario to the proposed service change it assesses: an entry of the council's change register
    (clearsight.alerts.registers, kept as an alert of kind 'change'), by its id."""
    get(con, council, name)
    found = fetch_rows(con, "SELECT title FROM alert WHERE alert_id = $id AND kind = 'change' AND council = $council",
                       {"id": int(change_id), "council": council})
    if not found:
        raise ScenarioNotFound(f"no proposed service change {change_id} in {council}'s change register "
                               "(clearsight registers --kind change lists them)")
    con.execute("UPDATE scenario SET change_id = ? WHERE council = ? AND name = ?", [change_id, council, name])
    return get(con, council, name)


def attached(con: Connection, council: str, change_id: int) -> list[SavedScenario]:
    """The scenarios attached to a proposed service change, by name."""
    return [s for s in saved(con, council) if s.change_id == change_id]
