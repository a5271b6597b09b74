"""Lay out the print HTML with WeasyPrint, in-process: the PDF and where its pages begin."""


from __future__ import annotations

import contextlib
import functools
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from pressroom.errors import RenderError, SafetyError
from pressroom.printing import footnotes, keepnotes, pagehints
from pressroom.printing.boxes import (
    page_starts,
    parents_of,
    placeholder_ids,
    split_at_foot,
    text_boxes,
)
from pressroom.printing.fetcher import url_refusal
from pressroom.printing.pagemap import PageMap, PageStart
from pressroom.printing.pieces import PIECE_LINK

#: Characters that only steer line breaking (word joiner, soft hyphen): not words.
_BREAK_HINTS = str.maketrans("", "", "\u2060\u00ad")


class ConfinedFetcher(URLFetcher):
    """Allow data: URLs and file: URLs that resolve to a regular file under ``root``.

    Anything else (http, ftp, a path outside the project, a symlink out of it, a device such
    as /dev/zero, a folder, an image declaring more than MAX_PIXELS pixels) stops the render:
    a print build never depends on the network or on files we do not ship.
    """

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False,
                         fail_on_errors=True)
        self.root = root.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None):
        reason = url_refusal(url, self.root)
        if reason is None:
            return super().fetch(url, headers)
        self.refused.append(url)
        raise FatalURLFetchingError(f"refused to fetch {url}: {reason}")


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    #: Where each page begins, and the (1-based) page each element id is laid out on.
    page_map: PageMap
    warnings: tuple[str, ...] = ()
    #: The page numbers printed after links (contents, cross-references), by target id.
    printed_pages: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: A PDF reading's placeholders: id -> (0-based page, the page area to fill, in points
    #: from the page's bottom-left corner: x, y, width, height).
    placements: dict[str, tuple[int, tuple[float, float, float, float]]] = field(
        default_factory=dict)
    #: The outline's entries in order: (level, label, open), for a join to make it again.
    bookmarks: tuple[tuple[int, str, bool], ...] = ()

    @property
    def anchor_pages(self) -> dict[str, int]:
        """The page each element id fell on."""
        return dict(self.page_map.anchors)


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
            target = (href[1:] if href.startswith("#") else href[len(PIECE_LINK):]
                      if href.startswith(PIECE_LINK) else None)
            if target:
                text = "".join(b.text for b in text_boxes(box))
                number = _LAST_NUMBER.search(text)
                if number:
                    found.setdefault(target, []).append(int(number.group(1)))
                return
        for child in getattr(box, "children", ()):
            visit(child)

    for page in document.pages:
        visit(page._page_box)
    return {target: tuple(numbers) for target, numbers in found.items()}


#: CSS pixels to PDF points.
_PT = 0.75


def page_of_anchors(document: weasyprint.Document, first_page: int = 1) -> dict[str, int]:
    """The page number each anchor (element id) first falls on, the first page numbered
    ``first_page``."""
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=first_page):
        for name in page.anchors:
            pages.setdefault(name, number)
    return pages


def placements(document: weasyprint.Document
               ) -> dict[str, tuple[int, tuple[float, float, float, float]]]:
    """Where each PDF reading's placeholder fell: its page, and that page's area (inside
    the margins of `@page source`), which the source page is drawn into."""
    found: dict[str, tuple[int, tuple[float, float, float, float]]] = {}
    for index, page in enumerate(document.pages):
        box = page._page_box
        for name in placeholder_ids(box):
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
def _weasyprint_warnings() -> Iterator[list[str]]:
    """Collect WeasyPrint's warnings: a layout runs in a worker process, so they travel back
    with its result, and the build reports them (and counts them, for --strict)."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def _bookmarks(document: weasyprint.Document) -> tuple[tuple[int, str, bool], ...]:
    return tuple((level, label, state != "closed") for page in document.pages
                 for level, label, _target, state in page.bookmarks)


def _clean_bookmarks(document: weasyprint.Document) -> None:
    """The PDF outline shows headings as words: without the line-breaking hints they carry."""
    for page in document.pages:
        page.bookmarks = [(level, label.translate(_BREAK_HINTS), *rest)
                          for level, label, *rest in page.bookmarks]


def _numbered_from(html: str, first_page: int) -> str:
    """The page with its first page numbered ``first_page``: a page that sets the page
    counter is not also incremented (CSS Paged Media), so it prints as that number."""
    rule = f"<style>@page :first {{ counter-reset: page {first_page} }}</style>"
    head_end = html.find("</head>")
    if head_end < 0:
        raise RenderError("the print page has no head to number its pages from")
    return html[:head_end] + rule + html[head_end:]


def render_pdf(html: str, project_root: Path, *, variant: str | None = "pdf/ua-1",
               draft: bool = False, first_page: int = 1) -> RenderedPdf:
    """The PDF of one print HTML document and its page map; only files under project_root
    may be read.

    ``first_page`` is the page number the first page has in the volume (a piece of it, or a
    handout that keeps the reader's numbers): folios count from it, and the page map and
    anchors give the volume's page numbers.

    A ``draft`` whose printed page numbers come out wrong (pagehints.wrong) is not written:
    it will be laid out again with the right ones, and writing a tagged PDF costs a fifth of
    a layout. Its data is then empty; its page map and pages are what the next round needs.

    Every note must come out at the foot of its call's page. The layout runs with the
    context of printing.keepnotes, which keeps WeasyPrint from moving notes over to save a
    paragraph's orphan line; the notes are still checked after it, and a piece with one out
    of place (a paragraph whose notes outgrow the page) is laid out again with the paragraph
    at that page's foot held together (printing.footnotes). A note still dropped stops the
    build; one still a page late is said in a warning.
    """
    fetcher = ConfinedFetcher(project_root)
    keepnotes.installed()
    try:
        numbered = html if first_page == 1 else _numbered_from(html, first_page)
        best = None
        held: dict[str, int] = {}
        spaced = False
        for _ in range(1 + footnotes.RETRIES):
            with _weasyprint_warnings() as said:
                parsed = weasyprint.HTML(string=footnotes.with_holds(numbered, held, spaced),
                                         base_url=str(project_root) + "/",
                                         url_fetcher=fetcher)
                document = parsed.render()
            anchor_pages = page_of_anchors(document, first_page)
            wrong = footnotes.misplaced(html, anchor_pages)
            if best is None or wrong.weight < best[0].weight:
                best = (wrong, parsed, document, anchor_pages, said)
            if not wrong:
                break
            splits = functools.partial(split_at_foot, document,
                                       parents_of(parsed.etree_element))
            more = {block: lines for block, lines in footnotes.holds(wrong, first_page, splits)
                    .items() if held.get(block, 0) < lines}
            if more:
                held.update(more)
            elif not spaced:
                spaced = True
            else:
                break  # nothing left to try: another layout would be the same
        wrong, parsed, document, anchor_pages, warnings = best
        if wrong.lost:
            lost = wrong.lost
            call = anchor_pages.get(footnotes.call_of(lost[0]))
            raise RenderError(
                f"WeasyPrint dropped footnote {lost[0]} (reading "
                f"{lost[0].rsplit('-note-', 1)[0]!r}, its call on page {call or '?'}) "
                "while paginating"
                f"{f' (and {len(lost) - 1} more)' if len(lost) > 1 else ''}, "
                "however the notes were spaced; check footnote-policy in the print stylesheet"
            )
        warnings = [*warnings, *(
            f"note {note.rsplit('-note-', 1)[1]} of {note.rsplit('-note-', 1)[0]!r} is "
            f"printed on page {page}, its call on page {call}"
            for note, page, call in wrong.moved)]
        printed = printed_pages(document)
        if draft and pagehints.wrong(printed, anchor_pages):
            data = b""
        else:
            _clean_bookmarks(document)
            data = document.write_pdf(pdf_variant=variant, pdf_tags=True,
                                      uncompressed_pdf=False)
        starts = tuple(PageStart(s.number + first_page - 1, s.block, s.offset)
                       for s in page_starts(document, parsed.etree_element))
        return RenderedPdf(data, len(document.pages), PageMap(starts, anchor_pages),
                           tuple(warnings), printed, placements(document),
                           _bookmarks(document))
    except FatalURLFetchingError as exc:
        raise SafetyError(str(exc)) from exc
    except (ValueError, OSError) as exc:
        raise RenderError(f"WeasyPrint failed: {exc}") from exc
