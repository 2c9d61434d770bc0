"""The one error a reader raises for input it cannot read at all: it names the file, sheet, row and column."""

from __future__ import annotations


class ReaderError(ValueError):
    """A file cannot be read as the format it was given as; nothing from it is loaded."""

    def __init__(self, file: str, message: str, *, sheet: str = "", row: int | None = None, column: str = ""):
        self.file, self.sheet, self.row, self.column = file, sheet, row, column
        place = file + (f", {sheet}" if sheet else "") + (f", row {row}" if row is not None else "")
        place += f", column '{column}'" if column else ""
        super().__init__(f"{place}: {message}")
