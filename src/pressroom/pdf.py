"""Lay out the print HTML with WeasyPrint, in-process: the PDF and where its pages begin."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.urls import FatalURLFetchingError

from . import pagehints
from ._run import DEFAULT_LIMITS, run_bounded
from .errors import LimitError, RenderError, SafetyError
from .fetcher import ConfinedFetcher

_GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "inherit",
            "initial", "math", "emoji", "fangsong"}
_FONT_FAMILY = re.compile(r"font(?:-family)?\s*:\s*([^;}]+)")
_QUOTED = re.compile(r"\"([^\"]+)\"|'([^']+)'")


@cache
def installed_families() -> frozenset[str]:
    """Font families fontconfig knows (what WeasyPrint will find)."""
    seconds, memory_mb = DEFAULT_LIMITS.of("tool")
    try:
        result = run_bounded(["fc-list", ":", "family"], seconds=seconds, memory_mb=memory_mb,
                             what="fc-list", limit="tool")
    except (OSError, LimitError) as exc:
        raise RenderError(f"cannot list fonts with fc-list: {exc}") from exc
    if result.returncode != 0:
        raise RenderError(f"cannot list fonts with fc-list: exit {result.returncode}")
    out = result.stdout
    names = set()
    for line in out.splitlines():
        names.update(part.strip().lower() for part in line.split(","))
    return frozenset(names)


def require_fonts(css: str, css_path: Path) -> None:
    """Stop, naming the stylesheet line, if a face the stylesheet asks for is not installed."""
    families = installed_families()
    for match in _FONT_FAMILY.finditer(css):
        for quoted in _QUOTED.finditer(match.group(1)):
            name = quoted.group(1) or quoted.group(2)
            if name.lower() in _GENERIC or name.lower() in families:
                continue
            line = css.count("\n", 0, match.start()) + 1
            raise RenderError(
                f"font {name!r} is not installed (the set-up installs it; WeasyPrint would "
                "silently fall back to another face)",
                path=css_path,
                line=line,
            )


_FOOTNOTE_ID = re.compile(r'<span id="([^"]+)" class="footnote"')
#: The id prefix of the block anchors that the pages filter (filters/pages.lua) writes.
ANCHOR_PREFIX = "pm-"
#: What is not counted when characters are counted: white space, and the invisible marks
#: that only steer line breaking (word joiner, soft hyphen, zero-width no-break space), which
#: the print filter adds. pages.lua uses the same set.
_SPACES = frozenset(
    [0x09, 0x0A, 0x0D, 0x20, 0xA0, 0xAD, 0x1680, 0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF,
     *range(0x2000, 0x200C)]
)
#: Characters that only steer line breaking (word joiner, soft hyphen): not words.
_BREAK_HINTS = str.maketrans("", "", "\u2060\u00ad")
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


def _text_boxes(box: boxes.Box) -> Iterator[boxes.TextBox]:
    if isinstance(box, boxes.TextBox):
        yield box
    for child in getattr(box, "children", ()):
        yield from _text_boxes(child)


#: CSS pixels to PDF points.
_PT = 0.75


def _placeholder_ids(box: boxes.Box) -> Iterator[str]:
    element = getattr(box, "element", None)
    if (element is not None and "::" not in (getattr(box, "element_tag", "") or "")
            and "source-page" in (element.get("class") or "").split() and element.get("id")):
        yield element.get("id")
        return
    for child in getattr(box, "children", ()):
        yield from _placeholder_ids(child)


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
