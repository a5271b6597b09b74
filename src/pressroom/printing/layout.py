"""Lay out the print HTML with WeasyPrint, in-process: the PDF and where its pages begin."""


from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.urls import FatalURLFetchingError

from pressroom.errors import RenderError, SafetyError
from pressroom.printing import pagehints
from pressroom.printing.fetcher import ConfinedFetcher
from pressroom.printing.pagemap import PageStart, _placeholder_ids, _text_boxes, page_map

_FOOTNOTE_ID = re.compile(r'<span id="([^"]+)" class="footnote"')
#: Characters that only steer line breaking (word joiner, soft hyphen): not words.
_BREAK_HINTS = str.maketrans("", "", "\u2060\u00ad")


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    page_starts: tuple[PageStart, ...]
    #: Every element id and the (1-based) page it is laid out on.
    anchor_pages: dict[str, int]
    warnings: tuple[str, ...] = ()
    #: The page numbers printed after links (contents, cross-references), by target id.
    printed_pages: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: A PDF reading's placeholders: id -> (0-based page, the page area to fill, in points
    #: from the page's bottom-left corner: x, y, width, height).
    placements: dict[str, tuple[int, tuple[float, float, float, float]]] = field(
        default_factory=dict)


_LAST_NUMBER = re.compile(r"(\d+)\D*$")


def printed_pages(document: weasyprint.Document) -> dict[str, tuple[int, ...]]:
    """The page numbers the layout printed after internal links (generated ``::after``
    content: the contents' leaders, the "p. 23" of cross-references), by target id. What is
    printed is what is checked, whichever way the numbers were made."""
    found: dict[str, list[int]] = {}

    def visit(box: boxes.Box) -> None:
        tag = getattr(box, "element_tag", "") or ""
        element = getattr(box, "element", None)
        if tag.endswith("::after") and element is not None:
            href = element.get("href") or ""
            if href.startswith("#"):
                text = "".join(b.text for b in _text_boxes(box))
                number = _LAST_NUMBER.search(text)
                if number:
                    found.setdefault(href[1:], []).append(int(number.group(1)))
                return
        for child in getattr(box, "children", ()):
            visit(child)

    for page in document.pages:
        visit(page._page_box)
    return {target: tuple(numbers) for target, numbers in found.items()}


#: CSS pixels to PDF points.
_PT = 0.75


def placements(document: weasyprint.Document
               ) -> dict[str, tuple[int, tuple[float, float, float, float]]]:
    """Where each PDF reading's placeholder fell: its page, and that page's area (inside
    the margins of `@page source`), which the source page is drawn into."""
    found: dict[str, tuple[int, tuple[float, float, float, float]]] = {}
    for index, page in enumerate(document.pages):
        box = page._page_box
        for name in _placeholder_ids(box):
            top = box.content_box_y()
            found.setdefault(name, (index, (
                box.content_box_x() * _PT, (page.height - top - box.height) * _PT,
                box.width * _PT, box.height * _PT)))
    return found


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _weasyprint_warnings(strict: bool) -> Iterator[list[str]]:
    """Collect WeasyPrint's warnings (a layout may run in a worker process, so they travel
    back with its result); in strict mode the first one stops the build."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
    if strict and handler.messages:
        extra = len(handler.messages) - 1
        raise RenderError(f"WeasyPrint warned (strict mode): {handler.messages[0]}"
                          + (f" (and {extra} more)" if extra else ""))


def _clean_bookmarks(document: weasyprint.Document) -> None:
    """The PDF outline shows headings as words: without the line-breaking hints they carry."""
    for page in document.pages:
        page.bookmarks = [(level, label.translate(_BREAK_HINTS), *rest)
                          for level, label, *rest in page.bookmarks]


def render_pdf(html: str, project_root: Path, *, variant: str | None = "pdf/ua-1",
               strict: bool = False, draft: bool = False) -> RenderedPdf:
    """The PDF of one print HTML document and its page map; only files under project_root
    may be read.

    A ``draft`` whose printed page numbers come out wrong (pagehints.wrong) is not written:
    it will be laid out again with the right ones, and writing a tagged PDF costs a fifth of
    a layout. Its data is then empty; its page map and pages are what the next round needs.

    Every footnote must come out laid out on some page: WeasyPrint has dropped a footnote
    whose call was pushed to the next page by widow/orphan control, and a lost note is a
    broken edition, so we check the anchors of the laid-out pages before writing.
    """
    fetcher = ConfinedFetcher(project_root)
    try:
        with _weasyprint_warnings(strict) as warnings:
            parsed = weasyprint.HTML(string=html, base_url=str(project_root) + "/",
                                     url_fetcher=fetcher)
            document = parsed.render()
        anchor_pages: dict[str, int] = {}
        for number, page in enumerate(document.pages, start=1):
            for name in page.anchors:
                anchor_pages.setdefault(name, number)
        lost = [note for note in _FOOTNOTE_ID.findall(html) if note not in anchor_pages]
        if lost:
            raise RenderError(
                f"WeasyPrint dropped footnote {lost[0]} while paginating"
                f"{f' (and {len(lost) - 1} more)' if len(lost) > 1 else ''}; "
                "check footnote-policy in the print stylesheet"
            )
        printed = printed_pages(document)
        if draft and pagehints.wrong(printed, anchor_pages):
            data = b""
        else:
            _clean_bookmarks(document)
            data = document.write_pdf(pdf_variant=variant, pdf_tags=True,
                                      uncompressed_pdf=False)
        return RenderedPdf(data, len(document.pages), page_map(document, parsed.etree_element),
                           anchor_pages, tuple(warnings), printed, placements(document))
    except FatalURLFetchingError as exc:
        raise SafetyError(str(exc)) from exc
    except (ValueError, OSError) as exc:
        raise RenderError(f"WeasyPrint failed: {exc}") from exc
