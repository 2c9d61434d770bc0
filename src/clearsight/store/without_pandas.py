"""A load without pandas, which Clearsight never uses.

pyarrow imports pandas to build an array from Python values (to ask whether they are a pandas object) and
DuckDB imports it to bind a parameter or to read an Arrow table: a quarter of a second of CPU in a new process,
a quarter of a whole small load (a CIN census of 1,000 children). Both treat pandas as optional, so a process
that has not imported it yet can load without it: inside `without_pandas()` importing it fails as if it were
not installed. pyarrow then remembers it as absent for the rest of the process, so this is for a process that
ends after the load (`clearsight load`); one that holds pandas already (a server, a test run) is unaffected.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Sequence


class _Absent:
    """A module finder that answers for pandas as if it were not installed."""

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r} (not used while loading)", name=name)
        return None


@contextmanager
def without_pandas() -> Iterator[None]:
    """Run the block with pandas unimportable, unless this process imported it already."""
    if "pandas" in sys.modules:
        yield
        return
    finder = _Absent()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
