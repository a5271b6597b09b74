"""Read and write the XML documents of Pandoc's EPUB as trees (lxml), never as strings.

What we change in Pandoc's package and navigation documents is changed on the parsed tree,
so that an element goes where the XML says, whatever Pandoc's layout, and every value is
escaped by the serialiser. The documents come from Pandoc, but they carry the readings' text:
they are parsed as untrusted XML (no DTD loaded, no entity expanded, nothing fetched).

lxml keeps the whitespace between elements as it parsed it, so an element we add gets the
line break and indentation of its own line (lines()), and the document reads as Pandoc laid
it out. What lxml writes differently from Pandoc: ``<br/>`` for Pandoc's ``<br />``, a
namespace declaration before the other attributes of its element, and the XML declaration,
which is written here as Pandoc writes it rather than in lxml's single quotes. None of these
changes what the XML says (its canonical form, C14N 2.0, is the same).
"""


from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from lxml import etree

from pressroom.errors import RenderError

OPF = "http://www.idpf.org/2007/opf"
DC = "http://purl.org/dc/elements/1.1/"
XHTML = "http://www.w3.org/1999/xhtml"
EPUB = "http://www.idpf.org/2007/ops"

#: The declaration as Pandoc writes it (lxml's own would use single quotes).
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def parse(data: bytes, name: str, raw: Path) -> etree._ElementTree:
    """One XML member of Pandoc's EPUB (raw), parsed safely, whitespace kept."""
    # A parser per document: lxml parsers hold state and are not to be shared across threads.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as exc:
        raise RenderError(f"Pandoc's {name} is not well-formed XML: {exc}", path=raw) from exc


#: XHTML's void elements: the only ones written as ``<x/>``. Any other empty element keeps
#: its end tag, as Pandoc writes it: ``<span id="x"/>``, well-formed XML, is an open span to
#: whatever reads the document as HTML (a browser given the file, a search tool).
_VOID = frozenset(f"{{{XHTML}}}{name}" for name in (
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr"))


def serialise(tree: etree._ElementTree) -> bytes:
    """The document's bytes: the declaration, its DOCTYPE if it has one, the root element and
    the line break Pandoc ends a file with."""
    for element in tree.iter(f"{{{XHTML}}}*"):
        if element.text is None and len(element) == 0 and element.tag not in _VOID:
            element.text = ""
    return XML_DECLARATION + etree.tostring(tree, encoding="UTF-8") + b"\n"


def child(parent: etree._Element, tag: str, what: str, raw: Path) -> etree._Element:
    """The parent's first child element with this tag; Pandoc's EPUB without it is an error."""
    found = parent.find(tag)
    if found is None:
        raise RenderError(f"Pandoc's {what}", path=raw)
    return found


def remove(element: etree._Element) -> None:
    """Take an element out with the whitespace before it, so that its line goes entirely."""
    parent = element.getparent()
    before = element.getprevious()
    # lxml removes an element's tail (the text after it) with it: that text stays.
    rest = element.tail or ""
    if before is None:
        parent.text = (parent.text or "").rstrip() + rest
    else:
        before.tail = (before.tail or "").rstrip() + rest
    parent.remove(element)


def add(parent: etree._Element, tag: str, attrib: Mapping[str, str] | None = None,
        text: str | None = None, nsmap: Mapping[str | None, str] | None = None
        ) -> etree._Element:
    """A new last child of parent, with its text (laid out by lines()).

    nsmap names the prefix the element's name should use where the document declares its
    namespace twice (Pandoc's package document has the OPF namespace as its default and again
    as opf: on the metadata; lxml would otherwise take the nearer, opf:). The element is made
    in place, since lxml picks the prefix afresh for an element moved into the tree."""
    made = etree.SubElement(parent, tag, dict(attrib or {}), nsmap=dict(nsmap or {}))
    made.text = text
    return made


def lines(added: Sequence[etree._Element], indent: str, end: str) -> None:
    """Lay out the last children of their parent (just added) one a line: indent before each,
    end (the line break and indentation of the parent's end tag) after the last."""
    if not added:
        return
    parent, before = added[0].getparent(), added[0].getprevious()
    if before is None:
        parent.text = indent
    else:
        before.tail = indent
    for element in added:
        element.tail = indent
    added[-1].tail = end
