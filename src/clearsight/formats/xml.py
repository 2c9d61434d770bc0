"""Safe XML parsing for the DfE census readers: no entities, no network, errors naming file and line."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from clearsight.formats.errors import ReaderError

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def parse(path: Path, root: str, collection: str) -> etree._Element:
    """The document's root, which must be `root`; its Header/CollectionDetails/Collection, if any, `collection`."""
    try:
        tree = etree.parse(str(path), _PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        raise ReaderError(path.name, f"is not well-formed XML ({exc.msg})", row=line) from None
    except OSError as exc:
        raise ReaderError(path.name, f"cannot be read ({exc})") from None
    element = tree.getroot()
    if element.tag != root:
        raise ReaderError(path.name, f"root element is <{element.tag}>, expected <{root}>", row=element.sourceline)
    found = child_text(element, "Header/CollectionDetails/Collection")
    if found and found.upper() != collection:
        raise ReaderError(path.name, f"is a {found} collection, expected {collection}", row=element.sourceline)
    return element


def child_text(element: etree._Element, path: str) -> str:
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def line(element: etree._Element) -> int:
    return int(element.sourceline or 0)
