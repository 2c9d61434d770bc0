"""Every metric test runs on DuckDB and on PostgreSQL: the hand-computed answers must hold on both."""

from __future__ import annotations

import pytest
from backends import Backend


@pytest.fixture(scope="module", autouse=True)
def _on_each_backend(backend: Backend) -> Backend:
    return backend
