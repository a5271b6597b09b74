"""Print page numbers in the EPUB: page-break markers where the print edition's pages begin.

The print edition is laid out first; for each page we know the first words of its body text
(pdf.PageStart). Here those words are found, in reading order, in the EPUB's content documents,
and an empty ``<span epub:type="pagebreak">`` is put in front of them. The markup Pandoc wrote
is otherwise left byte for byte as it was.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import RenderError
from .pdf import PageStart

_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"[^\W_]+")
_ENTITY = re.compile(r"&[#\w]+;")
#: Words that must match in a row to place a marker; fewer if the page has fewer.
MATCH_WORDS = 5


@dataclass(frozen=True)
class Token:
    word: str
    doc: int
    offset: int  # where the whitespace-delimited word containing it starts in the raw XHTML


@dataclass(frozen=True)
class Marker:
    page: int
    doc: int
    offset: int

    @property
    def id(self) -> str:
        return f"page-{self.page}"


def _words(text: str) -> list[str]:
    text = text.replace("\u00ad", "")
    text = re.sub(r"[-\u2010]", "", text)
    return [w.lower() for w in _WORD.findall(text)]


def tokens(documents: Sequence[str]) -> list[Token]:
    """Every word of the documents' text, in order, with where its word starts."""
    out: list[Token] = []
    for doc, raw in enumerate(documents):
        body = raw.find("<body")
        position = body if body >= 0 else 0
        for match in re.finditer(r">([^<]+)<", raw[position:]):
            start = position + match.start(1)
            segment = match.group(1)
            # Words are runs of non-space characters; a marker goes before the whole run,
            # so it never lands between an opening quote and its word.
            for chunk in re.finditer(r"\S+", segment):
                visible = _ENTITY.sub(lambda m: html.unescape(m.group(0)), chunk.group(0))
                for word in _words(visible):
                    out.append(Token(word, doc, start + chunk.start()))
    return out


def place_markers(documents: Sequence[str], starts: Sequence[PageStart]) -> list[Marker]:
    """Find where each page begins in the documents, searching forward only."""
    stream = tokens(documents)
    words = [t.word for t in stream]
    markers: list[Marker] = []
    cursor = 0
    pending: list[int] = []  # blank pages: they begin where the next page with text begins
    for start in starts:
        page_words = _words(" ".join(start.words))
        if start.split_word and page_words:
            page_words = page_words[1:]  # the page opens with the tail of a hyphenated word
        if not page_words:
            pending.append(start.number)
            continue
        needle = page_words[:MATCH_WORDS]
        found = _find(words, needle, cursor)
        if found is None:
            raise RenderError(
                f"cannot find where print page {start.number} begins in the EPUB "
                f"(“{' '.join(start.words)}”)"
            )
        token = stream[found]
        for number in pending:
            markers.append(Marker(number, token.doc, token.offset))
        pending = []
        markers.append(Marker(start.number, token.doc, token.offset))
        cursor = found + 1
    if pending:
        last = stream[-1]
        markers += [Marker(n, last.doc, last.offset) for n in pending]
    return markers


def _find(words: list[str], needle: list[str], cursor: int) -> int | None:
    size = len(needle)
    for i in range(cursor, len(words) - size + 1):
        if words[i] == needle[0] and words[i : i + size] == needle:
            return i
    return None


def insert_markers(documents: Sequence[str], markers: Sequence[Marker]) -> list[str]:
    """The documents with a page-break span at each marker."""
    out = list(documents)
    by_doc: dict[int, list[Marker]] = {}
    for marker in markers:
        by_doc.setdefault(marker.doc, []).append(marker)
    for doc, items in by_doc.items():
        text = out[doc]
        # From the end, so earlier offsets stay valid; pages at one offset keep their order.
        for marker in sorted(items, key=lambda m: (m.offset, m.page), reverse=True):
            span = (
                f'<span epub:type="pagebreak" role="doc-pagebreak" id="{marker.id}" '
                f'aria-label="Page {marker.page}"></span>'
            )
            text = text[: marker.offset] + span + text[marker.offset :]
        out[doc] = text
    return out


def page_list_nav(markers: Sequence[Marker], hrefs: Sequence[str]) -> str:
    """The navigation document's page-list, one entry per marker."""
    items = "\n".join(
        f'      <li><a href="{hrefs[m.doc]}#{m.id}">{m.page}</a></li>' for m in markers
    )
    return (
        '<nav epub:type="page-list" role="doc-pagelist" id="page-list" '
        'aria-label="Print page list" hidden="hidden">\n'
        "    <h2>Pages</h2>\n"
        f"    <ol>\n{items}\n    </ol>\n  </nav>\n"
    )
