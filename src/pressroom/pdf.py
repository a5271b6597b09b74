"""Lay out the print HTML with WeasyPrint, in-process: the PDF and where its pages begin."""

from __future__ import annotations

import contextlib
import logging
import re
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.urls import FatalURLFetchingError

from .errors import RenderError, SafetyError
from .fetcher import ConfinedFetcher

_GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "inherit",
            "initial", "math", "emoji", "fangsong"}
_FONT_FAMILY = re.compile(r"font(?:-family)?\s*:\s*([^;}]+)")
_QUOTED = re.compile(r"\"([^\"]+)\"|'([^']+)'")


@cache
def installed_families() -> frozenset[str]:
    """Font families fontconfig knows (what WeasyPrint will find)."""
    try:
        out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True,
                             check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise RenderError(f"cannot list fonts with fc-list: {exc}") from exc
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


@dataclass(frozen=True)
class PageStart:
    """Where a printed page begins: its number and the first words of its body text.

    ``split_word`` is true when the page opens with the end of a word hyphenated on the page
    before; a page-break marker then belongs after that word.
    """

    number: int
    words: tuple[str, ...]
    split_word: bool


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    page_starts: tuple[PageStart, ...]
    #: The page number (1-based) each id of the document is laid out on: where each reading
    #: begins and ends, for the permissions report and the handouts.
    anchor_pages: Mapping[str, int] = field(default_factory=dict)


_HYPHENS = ("-", "\u2010", "\u00ad")


def _body_text_boxes(box: boxes.Box) -> Iterator[boxes.TextBox]:
    # Body text only: running heads and folios (margin boxes), footnotes and generated
    # content (e.g. the page numbers added after cross-references) are not in an e-book.
    if isinstance(box, boxes.MarginBox | boxes.FootnoteAreaBox):
        return
    if "::" in (getattr(box, "element_tag", "") or ""):
        return
    if isinstance(box, boxes.TextBox):
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from _body_text_boxes(child)


def page_starts(document: weasyprint.Document, first_anchor: str, words: int = 8
                ) -> tuple[PageStart, ...]:
    """The start of every page from the one holding ``first_anchor`` to the end."""
    first = next((i for i, page in enumerate(document.pages) if first_anchor in page.anchors),
                 None)
    if first is None:
        return ()
    starts: list[PageStart] = []
    previous_last = ""
    for index in range(first, len(document.pages)):
        texts = [box.text for box in _body_text_boxes(document.pages[index]._page_box)]
        collected: list[str] = []
        for text in texts:
            collected.extend(text.split())
            if len(collected) >= words:
                break
        split = bool(texts) and previous_last.rstrip().endswith(_HYPHENS)
        starts.append(PageStart(index + 1, tuple(collected[:words]), split))
        if texts:
            previous_last = texts[-1]
    return tuple(starts)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _weasyprint_warnings(strict: bool) -> Iterator[None]:
    """WeasyPrint's warnings reach our logging; in strict mode the first one stops the build."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if strict and handler.messages:
        extra = len(handler.messages) - 1
        raise RenderError(f"WeasyPrint warned (strict mode): {handler.messages[0]}"
                          + (f" (and {extra} more)" if extra else ""))


def render_pdf(html: str, project_root: Path, *, variant: str | None = "pdf/ua-1",
               first_anchor: str | None = None, strict: bool = False) -> RenderedPdf:
    """The PDF of one print HTML document; only files under project_root may be read.

    Every footnote must come out laid out on some page: WeasyPrint has dropped a footnote
    whose call was pushed to the next page by widow/orphan control, and a lost note is a
    broken edition, so we check the anchors of the laid-out pages before writing.
    """
    fetcher = ConfinedFetcher(project_root)
    try:
        with _weasyprint_warnings(strict):
            document = weasyprint.HTML(
                string=html, base_url=str(project_root) + "/", url_fetcher=fetcher
            ).render()
        anchors = {name for page in document.pages for name in page.anchors}
        lost = [note for note in _FOOTNOTE_ID.findall(html) if note not in anchors]
        if lost:
            raise RenderError(
                f"WeasyPrint dropped footnote {lost[0]} while paginating"
                f"{f' (and {len(lost) - 1} more)' if len(lost) > 1 else ''}; "
                "check footnote-policy in the print stylesheet"
            )
        data = document.write_pdf(pdf_variant=variant, pdf_tags=True, uncompressed_pdf=False)
        starts = page_starts(document, first_anchor) if first_anchor else ()
        where: dict[str, int] = {}
        for number, page in enumerate(document.pages, start=1):
            for name in page.anchors:
                where.setdefault(name, number)
        return RenderedPdf(data, len(document.pages), starts, where)
    except FatalURLFetchingError as exc:
        raise SafetyError(str(exc)) from exc
    except (ValueError, OSError) as exc:
        raise RenderError(f"WeasyPrint failed: {exc}") from exc


