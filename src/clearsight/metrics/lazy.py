"""Ibis, imported on first use.

Importing Ibis takes over half a second (it brings SQLGlot, NumPy and its expression machinery); a report
command whose metric SQL is already compiled (clearsight.metrics.figures keeps it on disk) never builds an
expression, so it should not pay for the import. The metric modules are imported whenever a metric is looked
up (for its title, definition and the fields it reads), and they use Ibis only inside the functions that build
expressions: they take `ibis` from here, a stand-in that imports the real module on the first attribute asked
of it. Type hints name `ibis.expr.types` under `TYPE_CHECKING` only.

`importlib.import_module` takes the import lock, so threads asking at once all get the whole module.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """A module imported when one of its attributes is first read."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{' (imported)' if self._module else ''}>"


ibis: Any = LazyModule("ibis")
