"""Safe XML parsing for the DfE census readers: no DTD, no entities, no network, errors naming file and line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from lxml import etree

from clearsight.formats.cells import iso_date
from clearsight.formats.errors import ReaderError

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True,
                          load_dtd=False, dtd_validation=False)
PROLOG_BYTES = 65536  # a census file's declaration and Header come well within this
_DECLARES = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_LEA = re.compile(rb"<LEA>\s*([^<\s]{1,20})\s*</LEA>")


def declares_dtd(head: bytes) -> bool:
    """Whether the start of an XML file holds a document type declaration or entity (DfE's census files have
    none: a DTD can expand entities a billion-fold or name other files to fetch)."""
    return bool(_DECLARES.search(head))


def refuse_dtd(path: Path) -> None:
    with open(path, "rb") as fh:
        head = fh.read(PROLOG_BYTES)
    if declares_dtd(head):
        line = head[:_DECLARES.search(head).start()].count(b"\n") + 1  # type: ignore[union-attr]
        raise ReaderError(path.name, "declares a DTD or entities (<!DOCTYPE ...>): DfE census files have none, and "
                                     "a DTD can expand entities without limit or fetch other files; refused unread",
                          row=line)


def parse(path: Path, root: str, collection: str) -> etree._Element:
    """The document's root, which must be `root`; its Header/CollectionDetails/Collection, if any, `collection`.
    A file declaring a DTD is refused before it is parsed."""
    try:
        refuse_dtd(path)
        tree = etree.parse(str(path), _PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        raise ReaderError(path.name, f"is not well-formed XML ({exc.msg})", row=line) from None
    except OSError as exc:
        raise ReaderError(path.name, f"cannot be read ({exc})") from None
    if tree.docinfo.internalDTD is not None:  # past the first bytes (a very long comment before it)
        raise ReaderError(path.name, "declares a DTD (<!DOCTYPE ...>): DfE census files have none; refused")
    element = tree.getroot()
    if element.tag != root:
        raise ReaderError(path.name, f"root element is <{element.tag}>, expected <{root}>", row=element.sourceline)
    found = child_text(element, "Header/CollectionDetails/Collection")
    if found and found.upper() != collection:
        raise ReaderError(path.name, f"is a {found} collection, expected {collection}", row=element.sourceline)
    return element


def parse_bytes(data: bytes) -> etree._Element:
    """An XML document held in memory, parsed as safely as a file (a workbook's parts)."""
    return etree.fromstring(data, _PARSER)


def reference_date(root: etree._Element, path: Path) -> date:
    """The census reference date (Header/CollectionDetails/ReferenceDate); a ReaderError naming the file, line
    and element when it is missing or is not a date."""
    found = root.find("Header/CollectionDetails/ReferenceDate")
    where = {"row": line(found) if found is not None else line(root), "column": "ReferenceDate"}
    written = (found.text or "").strip() if found is not None else ""
    if not written:
        raise ReaderError(path.name, "has no census reference date (Header/CollectionDetails/ReferenceDate)",
                          **where)  # type: ignore[arg-type]
    try:
        return date.fromisoformat(iso_date(written))
    except ValueError:
        raise ReaderError(path.name, f"census reference date {written[:40]!r} is not a date (expected YYYY-MM-DD)",
                          **where) from None  # type: ignore[arg-type]


def by_council(paths: Sequence[Path]) -> list[list[Path]]:
    """Census files grouped by the LEA their Header names (files naming none together), so files of several
    councils load as one snapshot each."""
    groups: dict[bytes, list[Path]] = {}
    for path in paths:
        with open(path, "rb") as fh:
            found = _LEA.search(fh.read(PROLOG_BYTES))
        groups.setdefault(found.group(1) if found else b"", []).append(path)
    return list(groups.values())


def child_text(element: etree._Element, path: str) -> str:
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def line(element: etree._Element) -> int:
    return int(element.sourceline or 0)
