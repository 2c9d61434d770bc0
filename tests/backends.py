"""The two back ends every store and metric test runs on: DuckDB (a file per test) and PostgreSQL (a schema per
test in a database per test module, on one server per test session: tests/postgres_server.py).

A test asks for the `backend` fixture (tests/metrics asks for every test, through its conftest) and runs
twice, as [duckdb] and [postgres]; `CouncilBuilder.load` then loads into that back end. The fixture is per
module, so a module's shared councils are built once on each back end. A test that checks
something only DuckDB has (its file locking, its catalog functions) is marked `duckdb_only`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psycopg

BACKENDS = ("duckdb", "postgres")


@dataclass
class Backend:
    """Where a test module's databases go: `location()` is a new, empty database on this back end each call."""

    name: str
    tmp: Path
    postgres_url: str | None = None  # the test module's database
    _made: int = field(default=0, init=False)

    def location(self, directory: Path | None = None) -> Path | str:
        """A DuckDB file (`directory`/test.duckdb when given, as CouncilBuilder.load always made) or a fresh
        PostgreSQL schema's URL."""
        self._made += 1
        if self.postgres_url is None:
            return directory / "test.duckdb" if directory else self.tmp / f"db{self._made}.duckdb"
        schema = f"s_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.postgres_url, autocommit=True) as con:
            con.execute(f"CREATE SCHEMA {schema}")
        return f"{self.postgres_url}?options={quote(f'-csearch_path={schema}')}"


_current: list[Backend] = []


def current(tmp: Path) -> Backend:
    """The back end the running test asked for, else DuckDB in `tmp`."""
    return _current[-1] if _current else Backend("duckdb", tmp)


@contextmanager
def using(backend: Backend) -> Iterator[Backend]:
    _current.append(backend)
    try:
        yield backend
    finally:
        _current.pop()
