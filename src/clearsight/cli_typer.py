"""The command line's Typer, building only the command it is asked to run.

Typer makes a click command of every registered command (inspecting each function's signature and annotated
options) before it looks at the arguments: for Clearsight's 48, a tenth of a second of CPU at the start of every
command, a tenth of a small load. `OneCommandTyper` builds the one the arguments name (a sub-app such as
`metrics` whole), and none for `--version` alone; without one it knows (no command, `--help`, a mistyped name)
it builds them all, so help, errors and suggestions are Typer's own.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.main import get_command_name


class OneCommandTyper(typer.Typer):
    def __init__(self, *args: Any, options_with_values: Sequence[str] = (), exiting: Sequence[str] = (),
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.options_with_values = tuple(options_with_values)  # the callback's options that take a value
        self.exiting = tuple(exiting)  # the callback's options that end the program (eager: --version)

    def __call__(self, args: Sequence[str] | None = None, **kwargs: Any) -> Any:
        given = sys.argv[1:] if args is None else list(args)
        name = self.command_named(given)
        commands = [c for c in self.registered_commands if c.callback and (c.name or get_command_name(
            c.callback.__name__)) == name]
        groups = [g for g in self.registered_groups if g.name == name]
        if not (commands or groups or (given and all(a in self.exiting for a in given))):
            return super().__call__(args, **kwargs)
        everything = self.registered_commands, self.registered_groups
        self.registered_commands, self.registered_groups = commands, groups
        try:
            return super().__call__(args, **kwargs)
        finally:
            self.registered_commands, self.registered_groups = everything

    def command_named(self, args: Sequence[str]) -> str | None:
        """The first argument that is not one of the callback's options (or its value); None when an option
        comes first that is not one of those (`--help`, `--version`, a mistyped one)."""
        values = iter(args)
        for arg in values:
            if arg in self.options_with_values:
                next(values, None)
            elif not arg.startswith("-"):
                return arg
            elif not arg.startswith(tuple(f"{o}=" for o in self.options_with_values)):
                return None
        return None
