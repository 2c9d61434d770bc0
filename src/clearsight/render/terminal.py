"""A view on the terminal: the headline first, then each section as a table that fits the screen.

Every cell and headline is a Rich `Text`, so a team called `[/]` or a name holding escape codes is printed as
characters, never interpreted. Piped output has a fixed width so files and diffs are stable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from clearsight.render.values import clean_text, display, provenance_line
from clearsight.reports.view import Column, Section, View

RAG_STYLE = {"green": "green", "amber": "yellow", "red": "bold red"}
PIPED_WIDTH = 120
NUMERIC = ("count", "number", "rate", "money", "days", "figure")
FIRST_COLUMN_WIDTH = 30  # characters of a row's name kept on one line where the table allows
TEXT_WIDTH = 40  # the widest a text column is drawn; longer text wraps


def section_table(section: Section, *, limit: int | None, width: int | None = None) -> Table:
    """The section as a table no wider than `width`: each column as wide as its longest line where that fits,
    else its values whole before its header (a header or text wraps at its spaces, a number never breaks; a row's
    name stays on one line up to FIRST_COLUMN_WIDTH); the columns past the first that still do not fit are left
    to the file formats, and the caption says so. (Rich alone narrows every column evenly, then crops.)"""
    columns = [c for c in section.columns if not c.detail]
    shown = section.rows if limit is None else section.rows[:limit]
    texts = [[display(row.get(c.key), c) for c in columns] for row in shown]
    least, cells, whole = _column_widths(columns, texts)
    while width is not None and len(columns) > 1 and sum(least) + _borders(len(columns)) > width:
        columns, least, cells, whole = columns[:-1], least[:-1], cells[:-1], whole[:-1]
    room = None if width is None else width - _borders(len(columns))
    widths = whole if room is None else _share(_share(least, cells, room), whole, room)
    table = Table(title=Text(clean_text(section.title), style="bold"), title_justify="left",
                  header_style="bold", expand=False)
    for c, w in zip(columns, widths):
        table.add_column(Text(c.title), justify="right" if c.unit in NUMERIC else "left", overflow="fold",
                         width=w)
    for row, cells in zip(shown, texts):
        table.add_row(*(Text(text, style=RAG_STYLE.get(row.get(c.key), "") if c.unit == "rag" else "")
                        for text, c in zip(cells, columns)))
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


def _borders(columns: int) -> int:
    """Characters a table spends on lines and padding: a rule either side of every column and one space each."""
    return 3 * columns + 1


def _column_widths(columns: list[Column], texts: list[list[str]]) -> tuple[list[int], list[int], list[int]]:
    """Each column's narrowest width (its longest word; a row's name whole up to FIRST_COLUMN_WIDTH), the width of
    its longest cell and of its longest line header included (text at most TEXT_WIDTH)."""
    least, cells, whole = [], [], []
    for i, c in enumerate(columns):
        values = [row[i] for row in texts]
        word = max(cell_len(w) for line in (c.title, *values) for w in (line.split() or [""]))
        widest_value = max((cell_len(v) for v in values), default=0)
        cap = TEXT_WIDTH if c.unit not in NUMERIC else None
        if i == 0 and c.unit not in NUMERIC:
            word = max(word, min(widest_value, FIRST_COLUMN_WIDTH))
        least.append(max(1, word if cap is None else min(word, cap)))
        cells.append(max(least[-1], widest_value if cap is None else min(widest_value, cap)))
        whole.append(max(cells[-1], cell_len(c.title) if cap is None else min(cell_len(c.title), cap)))
    return least, cells, whole


def _share(least: list[int], most: list[int], room: int) -> list[int]:
    """Widths from `least` towards `most`, the room beyond the least shared in proportion to what each wants."""
    wanted = [m - n for n, m in zip(least, most)]
    spare = room - sum(least)
    if spare >= sum(wanted):
        return list(most)
    if spare <= 0:
        return list(least)
    widths = [n + w * spare // sum(wanted) for n, w in zip(least, wanted)]
    for i in sorted(range(len(widths)), key=lambda i: widths[i] - most[i])[: room - sum(widths)]:
        widths[i] += 1
    return widths


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
        console.print(section_table(section, limit=None if full else section.limit, width=console.width))


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
