"""Print page numbers in the EPUB: which print page begins where, found by identity.

The A4 layout records, for each page, the anchor of the block its first line belongs to and
how many visible characters of that block lie on earlier pages (pdf.page_map). The pages
filter (filters/pages.lua) puts a page-break marker there while Pandoc writes the EPUB; here
the map is made complete for it, and the navigation document's page list is made from the
markers the filter wrote.
"""


from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pressroom.errors import RenderError

_MARKER = re.compile(r'<(?:span|div) epub:type="pagebreak" role="doc-pagebreak" id="page-(\d+)"')


@dataclass(frozen=True)
class Marker:
    page: int
    href: str  # the content document, relative to the package folder

    @property
    def id(self) -> str:
        return f"page-{self.page}"



def find_markers(documents: Mapping[str, str]) -> list[Marker]:
    """The page-break markers in the content documents (href -> XHTML), in page order."""
    found = [Marker(int(m.group(1)), href) for href, text in documents.items()
             for m in _MARKER.finditer(text)]
    found.sort(key=lambda m: m.page)
    numbers = [m.page for m in found]
    if numbers != list(range(1, len(numbers) + 1)) and numbers:
        missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
        raise RenderError(f"the EPUB has no marker for print page {missing[0]}" if missing
                          else "the EPUB has two markers for one print page")
    return found


def page_list_nav(markers: Sequence[Marker]) -> str:
    """The navigation document's page-list, one entry per marker."""
    items = "\n".join(f'      <li><a href="{m.href}#{m.id}">{m.page}</a></li>' for m in markers)
    return (
        '<nav epub:type="page-list" role="doc-pagelist" id="page-list" '
        'aria-label="Print page list" hidden="hidden">\n'
        "    <h2>Pages</h2>\n"
        f"    <ol>\n{items}\n    </ol>\n  </nav>\n"
    )
