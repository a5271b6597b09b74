"""TODO(pdf.py)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import weasyprint
from weasyprint.formatting_structure import boxes

#: The id prefix of the block anchors that the pages filter (filters/pages.lua) writes.
ANCHOR_PREFIX = "pm-"
#: What is not counted when characters are counted: white space, and the invisible marks
#: that only steer line breaking (word joiner, soft hyphen, zero-width no-break space), which
#: the print filter adds. pages.lua uses the same set.
_SPACES = frozenset(
    [0x09, 0x0A, 0x0D, 0x20, 0xA0, 0xAD, 0x1680, 0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF,
     *range(0x2000, 0x200C)]
)
#: The character WeasyPrint adds where it hyphenates a word (CSS hyphenate-character: auto).
_ADDED_HYPHEN = "\u2010"


@dataclass(frozen=True)
class PageStart:
    """Where a printed page begins, by identity: the anchor of the block its first line belongs
    to and how many visible characters of that block lie on earlier pages. ``block`` is None
    for a page with no text of the readings (a blank page, the title page): it begins where
    the next page with text begins."""

    number: int
    block: str | None
    offset: int = 0


def visible_length(text: str) -> int:
    return sum(1 for ch in text if ord(ch) not in _SPACES)


def _skipped(box: boxes.Box) -> bool:
    # Running heads and folios (margin boxes), footnotes and generated content (the page
    # numbers after cross-references) are not in an e-book's text.
    return isinstance(box, boxes.MarginBox | boxes.FootnoteAreaBox) or "::" in (
        getattr(box, "element_tag", "") or "")


def _body_text_boxes(box: boxes.Box) -> Iterator[boxes.TextBox]:
    if _skipped(box):
        return
    if isinstance(box, boxes.TextBox):
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from _body_text_boxes(child)


def _anchor_of(element, parents: dict) -> str | None:
    """The pages filter's anchor of the block an element belongs to, or None (note calls and
    text outside the readings, such as the contents page, have none)."""
    while element is not None:
        classes = (element.get("class") or "").split()
        if "noteref" in classes or "footnote" in classes:
            return None
        first = element[0] if len(element) else None
        if first is not None and (first.get("id") or "").startswith(ANCHOR_PREFIX):
            return first.get("id")
        element = parents.get(element)
    return None


def _text_boxes(box: boxes.Box) -> Iterator[boxes.TextBox]:
    if isinstance(box, boxes.TextBox):
        yield box
    for child in getattr(box, "children", ()):
        yield from _text_boxes(child)


def _placeholder_ids(box: boxes.Box) -> Iterator[str]:
    element = getattr(box, "element", None)
    if (element is not None and "::" not in (getattr(box, "element_tag", "") or "")
            and "source-page" in (element.get("class") or "").split() and element.get("id")):
        yield element.get("id")
        return
    for child in getattr(box, "children", ()):
        yield from _placeholder_ids(child)


def page_map(document: weasyprint.Document, root) -> tuple[PageStart, ...]:
    """Where every page of the laid-out document begins, by block anchor and offset; root is
    the parsed HTML (its tree gives each text box's enclosing block). A PDF reading's page
    has no text line of ours: it begins at its placeholder, named by the placeholder's id."""
    parents = {child: parent for parent in root.iter() for child in parent}
    counted: dict[str, int] = {}
    starts: list[PageStart] = []
    for index, page in enumerate(document.pages):
        first: tuple[str, int] | None = None
        for box in _body_text_boxes(page._page_box):
            anchor = _anchor_of(box.element, parents)
            if anchor is None:
                continue
            if first is None:
                first = (anchor, counted.get(anchor, 0))
            counted[anchor] = counted.get(anchor, 0) + visible_length(
                box.text.removesuffix(_ADDED_HYPHEN))
        if first is None:
            placeholder = next(_placeholder_ids(page._page_box), None)
            first = (placeholder, 0) if placeholder else None
        starts.append(PageStart(index + 1, *first) if first else PageStart(index + 1, None))
    return tuple(starts)




def page_map_json(layout) -> str:
    """The page map recorded beside a PDF: where each page begins and where each id fell."""
    return json.dumps({"pages": list(layout.page_map), "anchors": layout.anchor_pages},
                      indent=1, sort_keys=True, ensure_ascii=False) + "\n"
