"""Refuse a workbook too large to read before any reader opens it.

An xlsx is a zip of XML parts. A sheet declaring its used range out to XFD1048576, or shared strings of
gigabytes, would have the reader build billions of cells and abort the process or take gigabytes; the sizes
are known from the zip's directory and each sheet's <dimension> element, so they are checked first, reading
a few kilobytes. Cells are counted from A1 to the last declared cell, as the Annex A reader reads them.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from pathlib import Path

from lxml import etree

from clearsight.formats.errors import ReaderError
from clearsight.formats.xml import parse_bytes

MAX_SHEET_CELLS = 50_000_000  # rows x columns from A1: 2 M rows of 25 columns, far beyond any council's list
MAX_PART_BYTES = 1 << 30  # one sheet's XML or the shared strings, uncompressed
_DIMENSION = re.compile(rb'<dimension\s+ref="(?:[A-Z]{1,3}\d{1,7}:)?([A-Z]{1,3})(\d{1,7})"')
# a damaged or unusual zip: left for the reader to report as unreadable
_BROKEN = (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError)
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}


def _column_number(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + c - 64
    return n


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part in the zip."""
    try:
        book = parse_bytes(zf.read("xl/workbook.xml"))
        rels = parse_bytes(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, etree.XMLSyntaxError, *_BROKEN):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iterfind("p:Relationship", _NS)}
    parts = {}
    for sheet in book.iterfind("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        parts[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
    return parts


def check_workbook(path: Path) -> None:
    """ReaderError naming the file (and sheet) when a sheet or the shared strings are too large to read; files
    that are not a readable zip are left to the reader to report."""
    try:
        zf = zipfile.ZipFile(path)
    except _BROKEN:
        return
    with zf:
        sizes = {i.filename: i.file_size for i in zf.infolist()}
        parts = sheet_parts(zf)
        named = {part: name for name, part in parts.items()}
        for part, size in sizes.items():
            if size > MAX_PART_BYTES and (part in named or part == "xl/sharedStrings.xml"):
                what = f"sheet {named[part]!r}" if part in named else "its shared strings"
                raise ReaderError(path.name, f"{what} would unpack to {size / 2**30:.1f} GB (the limit is "
                                             f"{MAX_PART_BYTES / 2**30:.0f} GB): refused before reading",
                                  sheet=named.get(part, ""))
        for name, part in parts.items():
            if part not in sizes:
                continue
            try:
                with zf.open(part) as fh:
                    found = _DIMENSION.search(fh.read(65536))
            except _BROKEN:
                return
            if found is None:
                continue
            rows, columns = int(found.group(2)), _column_number(found.group(1))
            if rows * columns > MAX_SHEET_CELLS:
                raise ReaderError(path.name, f"declares its used range as {rows:,} rows x {columns:,} columns "
                                             f"(to {found.group(1).decode()}{rows}): too large to read (the limit "
                                             f"is {MAX_SHEET_CELLS:,} cells); delete the empty rows and columns "
                                             "beyond the data and save again", sheet=name)
