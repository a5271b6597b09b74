"""Print page numbers in the EPUB: which print page begins where, found by identity.

The A4 layout records, for each page, the anchor of the block its first line belongs to and
how many visible characters of that block lie on earlier pages (pdf.page_map). The pages
filter (filters/pages.lua) puts a page-break marker there while Pandoc writes the EPUB; here
the map is made complete for it, and the navigation document's page list is made from the
markers the filter wrote. Markers are found by their element and attributes in the parsed
content documents, and the page list is built as elements, so neither depends on how Pandoc
spells or orders the attributes.
"""


from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from pressroom.epub.xmltree import EPUB, XHTML
from pressroom.errors import RenderError

#: The elements the pages filter writes as markers (a span in text, a div between blocks).
_MARKER_TAGS = (f"{{{XHTML}}}span", f"{{{XHTML}}}div")


@dataclass(frozen=True)
class Marker:
    page: int
    href: str  # the content document, relative to the package folder

    @property
    def id(self) -> str:
        return f"page-{self.page}"



def _marker_page(element: etree._Element) -> int | None:
    # The pages filter's marker: epub:type and role pagebreak, id "page-" and the number.
    if (element.get(f"{{{EPUB}}}type") != "pagebreak"
            or element.get("role") != "doc-pagebreak"):
        return None
    ident = element.get("id") or ""
    number = ident.removeprefix("page-")
    if not ident.startswith("page-") or not number.isdecimal():
        return None
    return int(number)


def find_markers(documents: Mapping[str, etree._Element]) -> list[Marker]:
    """The page-break markers in the content documents (href -> parsed XHTML), in page
    order."""
    found = [Marker(page, href) for href, root in documents.items()
             for page in map(_marker_page, root.iter(*_MARKER_TAGS)) if page is not None]
    found.sort(key=lambda m: m.page)
    numbers = [m.page for m in found]
    if numbers != list(range(1, len(numbers) + 1)) and numbers:
        missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
        raise RenderError(f"the EPUB has no marker for print page {missing[0]}" if missing
                          else "the EPUB has two markers for one print page")
    return found


def page_list_nav(markers: Sequence[Marker]) -> etree._Element:
    """The navigation document's page-list, one entry per marker, for its body.

    Laid out as the navs Pandoc writes: one element a line, indented below the nav."""
    nav = etree.Element(f"{{{XHTML}}}nav", {
        f"{{{EPUB}}}type": "page-list", "role": "doc-pagelist", "id": "page-list",
        "aria-label": "Print page list", "hidden": "hidden",
    }, nsmap={None: XHTML, "epub": EPUB})
    nav.text = "\n    "
    heading = etree.SubElement(nav, f"{{{XHTML}}}h2")
    heading.text, heading.tail = "Pages", "\n    "
    pages = etree.SubElement(nav, f"{{{XHTML}}}ol")
    pages.tail = "\n  "
    # A line per entry; with none, the list keeps the empty line it has always had.
    pages.text = "\n      " if markers else "\n\n    "
    for marker in markers:
        entry = etree.SubElement(pages, f"{{{XHTML}}}li")
        entry.tail = "\n      "
        link = etree.SubElement(entry, f"{{{XHTML}}}a", href=f"{marker.href}#{marker.id}")
        link.text = str(marker.page)
    if markers:
        pages[-1].tail = "\n    "
    return nav
