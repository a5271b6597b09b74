"""Read WeasyPrint's laid-out boxes: where each page begins, and where placeholders fell.

This is the one module that knows WeasyPrint's internal page boxes (``page._page_box``),
which any release may change (pyproject.toml caps WeasyPrint for that reason). What it reads
becomes a ``pagemap.PageMap``, which the rest of pressroom uses.
"""

from __future__ import annotations

from collections.abc import Iterator

import weasyprint
from weasyprint.formatting_structure import boxes

from pressroom.printing.pagemap import ADDED_HYPHEN, ANCHOR_PREFIX, PageStart, visible_length


def _skipped(box: boxes.Box) -> bool:
    # Running heads and folios (margin boxes), footnotes and generated content (the page
    # numbers after cross-references) are not in an e-book's text.
    return isinstance(box, boxes.MarginBox | boxes.FootnoteAreaBox) or "::" in (
        getattr(box, "element_tag", "") or "")


def _body_boxes(box: boxes.Box, kind: type[boxes.Box]) -> Iterator[boxes.Box]:
    """The outermost boxes of ``kind`` in the body text (not in running heads or notes)."""
    if _skipped(box):
        return
    if isinstance(box, kind):
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from _body_boxes(child, kind)


def _bodytext_boxes(box: boxes.Box) -> Iterator[boxes.TextBox]:
    return _body_boxes(box, boxes.TextBox)  # type: ignore[return-value]


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


def _body_lines(box: boxes.Box) -> Iterator[boxes.LineBox]:
    return _body_boxes(box, boxes.LineBox)  # type: ignore[return-value]


def _line_anchor(line: boxes.LineBox, parents: dict) -> str | None:
    return next((anchor for anchor in (_anchor_of(text.element, parents)
                                       for text in _bodytext_boxes(line)) if anchor), None)


def parents_of(root) -> dict:
    """Each element's parent in the parsed HTML, for the readers below that need it."""
    return {child: parent for parent in root.iter() for child in parent}


def split_at_foot(document: weasyprint.Document, parents: dict, index: int
                  ) -> tuple[str, int, int] | None:
    """The block whose lines end page ``index`` (0-based) and go on at the head of the next:
    its anchor, how many of its lines that page holds and its ``orphans``; None if the page
    ends with a whole block."""
    if index + 1 >= len(document.pages):
        return None
    following = next((anchor for anchor in (_line_anchor(line, parents) for line in
                                            _body_lines(document.pages[index + 1]._page_box))
                      if anchor), None)
    lines = [(anchor, line) for line in _body_lines(document.pages[index]._page_box)
             if (anchor := _line_anchor(line, parents))]
    if not lines or following is None or lines[-1][0] != following:
        return None
    count = sum(1 for anchor, _ in lines if anchor == following)
    return following, count, lines[-1][1].style["orphans"]


def text_boxes(box: boxes.Box) -> Iterator[boxes.TextBox]:
    if isinstance(box, boxes.TextBox):
        yield box
    for child in getattr(box, "children", ()):
        yield from text_boxes(child)


def placeholder_ids(box: boxes.Box) -> Iterator[str]:
    element = getattr(box, "element", None)
    if (element is not None and "::" not in (getattr(box, "element_tag", "") or "")
            and "source-page" in (element.get("class") or "").split() and element.get("id")):
        yield element.get("id")
        return
    for child in getattr(box, "children", ()):
        yield from placeholder_ids(child)


def page_starts(document: weasyprint.Document, root) -> tuple[PageStart, ...]:
    """Where every page of the laid-out document begins, by block anchor and offset; root is
    the parsed HTML (its tree gives each text box's enclosing block). A PDF reading's page
    has no text line of ours: it begins at its placeholder, named by the placeholder's id."""
    parents = parents_of(root)
    counted: dict[str, int] = {}
    starts: list[PageStart] = []
    for index, page in enumerate(document.pages):
        first: tuple[str, int] | None = None
        for box in _bodytext_boxes(page._page_box):
            anchor = _anchor_of(box.element, parents)
            if anchor is None:
                continue
            if first is None:
                first = (anchor, counted.get(anchor, 0))
            counted[anchor] = counted.get(anchor, 0) + visible_length(
                box.text.removesuffix(ADDED_HYPHEN))
        if first is None:
            placeholder = next(placeholder_ids(page._page_box), None)
            first = (placeholder, 0) if placeholder else None
        starts.append(PageStart(index + 1, *first) if first else PageStart(index + 1, None))
    return tuple(starts)
