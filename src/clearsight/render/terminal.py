"""A view on the terminal: the headline first, then each section as a table that fits the screen.

Every cell and headline is a Rich `Text`, so a team called `[/]` or a name holding escape codes is printed as
characters, never interpreted. Piped output has a fixed width so files and diffs are stable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.table import Table
from rich.text import Text

from clearsight.render.values import clean_text, display, provenance_line
from clearsight.reports.view import Section, View

RAG_STYLE = {"green": "green", "amber": "yellow", "red": "bold red"}
PIPED_WIDTH = 120
NUMERIC = ("count", "number", "rate", "money", "days")


def section_table(section: Section, *, limit: int | None) -> Table:
    table = Table(title=Text(clean_text(section.title), style="bold"), title_justify="left",
                  header_style="bold", expand=False)
    columns = [c for c in section.columns if not c.detail]
    for c in columns:
        numeric = c.unit in NUMERIC
        table.add_column(Text(c.title), justify="right" if numeric else "left", overflow="fold",
                         max_width=None if numeric else 40,
                         min_width=max(len(word) for word in c.title.split()) if numeric else None)
    shown = section.rows if limit is None else section.rows[:limit]
    for row in shown:
        cells = []
        for c in columns:
            value = row.get(c.key)
            cells.append(Text(display(value, c), style=RAG_STYLE.get(value, "") if c.unit == "rag" else ""))
        table.add_row(*cells)
    captions = [*section.notes]
    if limit is not None and len(section.rows) > limit:
        captions.insert(0, f"{limit} of {len(section.rows):,} rows shown; --format csv, json or xlsx lists all")
    if len(columns) < len(section.columns):
        captions.append("More columns in --format csv, json, xlsx or html.")
    if not section.rows:
        captions.insert(0, "none")
    if captions:
        table.caption = Text("\n".join(clean_text(n) for n in captions), style="dim")
        table.caption_justify = "left"
    return table


def print_view(console: Console, view: View, *, verbose: bool = False, full: bool = False) -> None:
    """Print the view: title, headline lines, warnings, one provenance line, then the sections."""
    console.print(Text(f"{view.title} — {view.subtitle}", style="bold"))
    for i, line in enumerate(view.headline):
        console.print(Text(clean_text(line), style="bold" if i == 0 else ""))
    for note in view.notes:
        console.print(Text(clean_text(note), style="dim"))
    for warning in view.all_warnings:
        console.print(Text("warning: ", style="yellow") + Text(clean_text(warning)))
    if view.provenance:
        console.print(Text(provenance_line(view.provenance, verbose=verbose), style="dim"))
    for section in view.sections:
        if not section.terminal:
            continue
        console.print()
        console.print(section_table(section, limit=None if full else section.limit))


def terminal_console(stderr: bool = False) -> Console:
    """A console that wraps to the terminal, or to a fixed width when piped."""
    probe = Console(stderr=stderr)
    return Console(stderr=stderr, width=None if probe.is_terminal else PIPED_WIDTH, highlight=False,
                   soft_wrap=stderr)


@contextmanager
def progress_bar(console: Console, description: str) -> Iterator[Callable[..., None]]:
    """A progress bar for long work (loads, generation) on a terminal; nothing when piped. (rich.progress is
    imported here: a report command never shows one.)"""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[stage]}"),
                  TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(description, total=1.0, stage="")
        yield lambda stage, done, total=1.0: progress.update(task, completed=done / total if total else 1.0,
                                                             stage=stage)
