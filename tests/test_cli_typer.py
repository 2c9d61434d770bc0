"""The command line builds only the command it runs (clearsight.cli_typer): the same command, help and errors
as when Typer builds them all."""

from __future__ import annotations

import pytest
import typer

from clearsight import __version__
from clearsight.cli import app


def _run(capsys: pytest.CaptureFixture[str], runner, args: list[str]) -> tuple[object, str]:
    with pytest.raises(SystemExit) as done:
        runner(args, prog_name="clearsight")
    return done.value.code, capsys.readouterr().out


def _everything(args: list[str], prog_name: str) -> None:
    typer.main.get_command(app)(args, prog_name=prog_name)  # Typer's own: every command built


@pytest.mark.parametrize("args, name", [
    (["--db", "x.duckdb", "load", "files"], "load"),
    (["--db=x.duckdb", "--council", "Eastmere", "position", "--as-at", "2024-01-31"], "position"),
    (["--config", "c.toml", "metrics", "sql", "x"], "metrics"),
    (["--help"], None), (["--version"], None), ([], None), (["--nosuch", "load"], None),
])
def test_the_command_named_is_the_first_argument_not_a_global_option(args, name):
    assert app.command_named(args) == name


@pytest.mark.parametrize("args", [["load", "--help"], ["metrics", "--help"], ["--db", "x.duckdb", "kpi", "--help"],
                                  ["--help"], ["nosuch"]])
def test_help_and_errors_are_those_of_the_whole_command_line(capsys, args):
    commands = len(app.registered_commands)
    assert _run(capsys, app, args) == _run(capsys, _everything, args)
    assert len(app.registered_commands) == commands > 20  # every command registered again after the run


def test_version_alone_builds_no_command(capsys):
    assert _run(capsys, app, ["--version"]) == (0, f"clearsight {__version__}\n")
