"""The text layer of a PDF reading, as paragraphs and headings in reading order (for the EPUB).

poppler's ``pdftotext -bbox-layout`` gives every word with its box, grouped in lines and
blocks. What it does not give is a reading order for pages set in columns, nor paragraphs
across column and page breaks, nor headings: this module makes those from the geometry.

- Page furniture goes: a single short line in the top or bottom margin (a running head, a
  page number).
- A heading is a short block set clearly larger than the text (poppler may cut a justified
  heading into pieces: neighbouring pieces of one size are put together again). Heading sizes
  are ranked into levels, sizes within a tenth of each other being one level.
- What is set clearly smaller than the text (a page's footnotes, captions) is kept apart.
- Reading order: blocks as wide as the text (a title, a full-width paragraph) divide a page
  into bands; within a band, blocks are grouped into columns by the horizontal extent they
  share, and read column by column, left to right.
- A paragraph that ends without a sentence's end and a next block that starts in lower case
  are one paragraph, across a column or a page; a word hyphenated at a line's end is joined
  again, unless the same text writes it with its hyphen elsewhere (a compound), or it is part
  of an address (a URL keeps its hyphens).
"""


from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from pressroom.errors import RenderError
from pressroom.tools.run import Limits, run_tool


@dataclass(frozen=True)
class TextBlock:
    """A paragraph or a heading of a page's text layer; ``level`` 0 is a paragraph, 1 the
    largest heading size on the reading's pages, 2 the next. ``note``: set smaller than the
    text (the page's footnotes, a caption), kept apart from the running text."""

    text: str
    level: int = 0
    note: bool = False
    #: Its lines on the page (and on the next, for a paragraph that runs on): the 0-based
    #: page, then left, top, right, bottom in points from the page's top left, as poppler
    #: gives them. The tagging of the page finds what the content draws by them.
    boxes: tuple[tuple[int, float, float, float, float], ...] = ()


@dataclass(frozen=True)
class _Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True)
class _Line:
    words: tuple[_Word, ...]

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def size(self) -> float:
        """The height of the line's type: its words' median (a raised note call makes the
        line's extent taller, not its type)."""
        return statistics.median(w.bottom - w.top for w in self.words)

    @property
    def text(self) -> str:
        """The line's words; a note call (digits raised above the line) as superscript
        digits on the word before it, as it reads in print. poppler gives a call set close
        to its word as part of the word ("itself2"), one set apart as a word of its own."""
        size = self.size
        top = statistics.median(w.top for w in self.words)
        bottom = statistics.median(w.bottom for w in self.words)
        words = []
        for k, word in enumerate(self.words):
            raised = word.top < top - 0.15 * size or word.bottom < bottom - 0.2 * size
            call = _CALL.fullmatch(word.text) if raised else None
            if call and (call.group(1) or k):
                text = call.group(1) + call.group(2).translate(_SUPERSCRIPT)
                if not call.group(1) and words:
                    words[-1] += text
                    continue
                words.append(text)
            else:
                words.append(word.text)
        return " ".join(words)


@dataclass(frozen=True)
class _Block:
    lines: tuple[_Line, ...]

    @property
    def x0(self) -> float:
        return min(line.x0 for line in self.lines)

    @property
    def x1(self) -> float:
        return max(line.x1 for line in self.lines)

    @property
    def top(self) -> float:
        return min(line.top for line in self.lines)

    @property
    def bottom(self) -> float:
        return max(line.bottom for line in self.lines)

    @property
    def size(self) -> float:
        return statistics.median(line.size for line in self.lines)

    @property
    def words(self) -> int:
        return sum(len(line.words) for line in self.lines)


_XHTML = "{http://www.w3.org/1999/xhtml}"
#: A section number opening a line: "2.", "3.1", "4.2.1.", "IV.", then a capital.
_SECTION_NUMBER = re.compile(r"(?:(\d{1,2}(?:\.\d{1,2}){0,3})\.?|[IVXL]{1,5}\.)\s+[A-Z]")
_SENTENCE_END = re.compile(r"[.!?:;\"”’)\]]$")
#: Hyphens a line may end with where a word was broken: the hyphen-minus, the Unicode hyphen
#: (what browsers and WeasyPrint write), and the soft hyphen.
_BREAK_HYPHENS = "-\u2010\u00ad"
#: A word that ends in a note call: what comes before (maybe nothing) and the digits.
_CALL = re.compile(r"(.*[^\d\s.,;:()\-–]|)(\d{1,3})")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_ADDRESS = re.compile(r"(?:https?://|www\.|doi\.org|/|@)", re.IGNORECASE)


def read_layout(path: Path, first: int, last: int, limits: Limits
                ) -> dict[int, list[_Block]]:
    """Each page's blocks (0-based page index), page furniture left out."""
    xml = run_tool(["pdftotext", "-bbox-layout", "-enc", "UTF-8", "-f", str(first + 1),
                    "-l", str(last + 1), str(path), "-"], what="pdftotext", limits=limits,
                   source_path=path).stdout
    try:
        # poppler writes this XML from the PDF's text (escaped, no entity declarations).
        root = ElementTree.fromstring(xml)  # noqa: S314
    except ElementTree.ParseError as exc:
        raise RenderError(f"pdftotext gave a text layout that cannot be read: {exc}",
                          path=path) from exc
    pages: dict[int, list[_Block]] = {}
    for number, page in enumerate(root.iter(f"{_XHTML}page"), start=first):
        height = float(page.get("height", "0")) or 1.0
        blocks = []
        for block in page.iter(f"{_XHTML}block"):
            lines = []
            for line in block.iter(f"{_XHTML}line"):
                found = tuple(_Word(w.text.strip(), float(w.get("xMin", 0)),
                                    float(w.get("xMax", 0)), float(w.get("yMin", 0)),
                                    float(w.get("yMax", 0)))
                              for w in line.iter(f"{_XHTML}word") if (w.text or "").strip())
                if found:
                    lines.append(_Line(found))
            if not lines:
                continue
            candidate = _Block(tuple(lines))
            furniture = len(lines) == 1 and candidate.words <= 10 and (
                candidate.bottom / height < 0.08 or candidate.top / height > 0.92)
            if not furniture:
                blocks.append(candidate)
        pages[number] = blocks
    return pages


# --- geometry -------------------------------------------------------------------------------


def _regroup(words: Iterable[_Word]) -> tuple[_Line, ...]:
    """Words as lines again: by their vertical position, then left to right."""
    rows: list[list[_Word]] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        if rows and abs(rows[-1][0].top - word.top) < 0.5 * (word.bottom - word.top):
            rows[-1].append(word)
        else:
            rows.append([word])
    return tuple(_Line(tuple(sorted(row, key=lambda w: w.x0))) for row in rows)


def _merge_headings(blocks: list[_Block], is_heading) -> list[_Block]:
    """Neighbouring pieces of one heading (same size, side by side or one line apart) as one
    block: poppler cuts a justified heading where its spaces are wide."""
    out: list[_Block] = []
    for block in blocks:
        for k, other in enumerate(out):
            if (is_heading(block) and is_heading(other)
                    and abs(block.size - other.size) <= 0.15 * max(block.size, other.size)
                    and block.top < other.bottom + 0.8 * block.size
                    and other.top < block.bottom + 0.8 * block.size):
                out[k] = _Block(_regroup(w for b in (other, block) for line in b.lines
                                         for w in line.words))
                break
        else:
            out.append(block)
    return out


def _reading_order(blocks: list[_Block]) -> list[_Block]:
    """Bands divided by blocks as wide as the text; in each band, columns left to right."""
    if not blocks:
        return []
    left, right = min(b.x0 for b in blocks), max(b.x1 for b in blocks)
    wide = 0.6 * (right - left)
    out: list[_Block] = []
    band: list[_Block] = []

    def flush() -> None:
        columns: list[list[_Block]] = []
        for block in sorted(band, key=lambda b: b.x0):
            if columns and block.x0 < max(b.x1 for b in columns[-1]) - 2:
                columns[-1].append(block)
            else:
                columns.append([block])
        for column in columns:
            out.extend(sorted(column, key=lambda b: b.top))
        band.clear()

    for block in sorted(blocks, key=lambda b: b.top):
        if block.x1 - block.x0 >= wide:
            flush()
            out.append(block)
        else:
            band.append(block)
    flush()
    return out


def _paragraphs(block: _Block) -> list[list[_Line]]:
    """A block split where a line is indented (a paragraph's first line) after a line that
    ends a sentence: publishers' justified text often comes as one block a column."""
    margin = block.x0
    out: list[list[_Line]] = [[block.lines[0]]]
    for previous, line in itertools.pairwise(block.lines):
        indented = line.x0 - margin > 0.8 * max(line.size, 1.0)
        if indented and _SENTENCE_END.search(previous.text):
            out.append([line])
        else:
            out[-1].append(line)
    return out


# --- text -----------------------------------------------------------------------------------


def _join(left: str, right: str, compounds: set[str]) -> str:
    """Two pieces of running text, across a line (or column, or page) break."""
    if not left:
        return right
    if left[-1] in _BREAK_HYPHENS and len(left) > 1 and left[-2].isalnum() and right:
        stem = left.rsplit(" ", 1)[-1][:-1]
        rest = right.split(" ", 1)[0]
        if left[-1] == "\u00ad":
            return left[:-1] + right
        if _ADDRESS.search(stem) or f"{stem}-{rest}".casefold().strip(".,;:") in compounds:
            return left[:-1] + "-" + right
        if rest[:1].islower():
            return left[:-1] + right
    return f"{left} {right}"


def _boxes(index: int, lines: Sequence[_Line]) -> tuple[tuple[int, float, float, float, float],
                                                        ...]:
    return tuple((index, line.x0, line.top, line.x1, line.bottom) for line in lines)


def _line_text(lines: Sequence[_Line], compounds: set[str]) -> str:
    text = ""
    for line in lines:
        text = _join(text, line.text, compounds)
    return text


def _compounds(pages: Mapping[int, list[_Block]]) -> set[str]:
    """Words written with a hyphen inside a line: the text's own compounds."""
    found: set[str] = set()
    for blocks in pages.values():
        for block in blocks:
            for line in block.lines:
                for word in line.words[:-1]:
                    if "-" in word.text.strip("-"):
                        found.add(word.text.casefold().strip(".,;:()\"“”‘’"))
    return found


def page_blocks(pages: Mapping[int, list[_Block]]) -> dict[int, list[TextBlock]]:
    """Each page's paragraphs, headings and small type, in reading order."""
    sizes = [line.size for blocks in pages.values() for block in blocks
             for line in block.lines for _ in line.words]
    body = statistics.median(sizes) if sizes else 0.0

    def is_heading(block: _Block) -> bool:
        return bool(body) and block.size >= 1.18 * body and len(block.lines) <= 3 and (
            block.words <= 24)

    def is_note(block: _Block) -> bool:
        return bool(body) and block.size < 0.86 * body

    def numbered_depth(block: _Block) -> int:
        """A numbered section heading set at the text's size ("2. Methods", "3.1 Data",
        "IV. Findings"), as reports and public documents set them, in bold the text layer
        does not show: one short line of its own, no sentence's end; its numbering's depth,
        else 0."""
        if len(block.lines) != 1 or block.words > 10 or is_note(block):
            return 0
        text = block.lines[0].text
        found = _SECTION_NUMBER.match(text)
        if not found or re.search(r"[.,;:]$", text):
            return 0
        return found.group(1).count(".") + 1 if found.group(1) else 1

    ordered = {index: _reading_order(_merge_headings(blocks, is_heading))
               for index, blocks in pages.items()}
    heading_sizes = [b.size for blocks in ordered.values() for b in blocks if is_heading(b)]
    levels = _levels(heading_sizes)
    sized_levels = max((levels(size) for size in heading_sizes), default=0)
    compounds = _compounds(pages)
    out: dict[int, list[TextBlock]] = {}
    #: Where the running text's last paragraph ended without a sentence's end (page, place
    #: in its list): a next block's first paragraph that starts in lower case goes on there.
    open_at: tuple[int, int] | None = None
    for index in sorted(ordered):
        here: list[TextBlock] = []
        out[index] = here
        for block in ordered[index]:
            boxes = _boxes(index, block.lines)
            if is_note(block):
                here.append(TextBlock(_line_text(block.lines, compounds), note=True,
                                      boxes=boxes))
                continue
            if is_heading(block):
                here.append(TextBlock(_line_text(block.lines, compounds), levels(block.size),
                                      boxes=boxes))
                open_at = None
                continue
            depth = numbered_depth(block)
            if depth:
                # Below the headings set larger: their levels come first.
                here.append(TextBlock(_line_text(block.lines, compounds),
                                      min(3, sized_levels + depth), boxes=boxes))
                open_at = None
                continue
            for number, paragraph in enumerate(_paragraphs(block)):
                text = _line_text(paragraph, compounds)
                boxes = _boxes(index, paragraph)
                if number == 0 and open_at is not None and text[:1].islower():
                    # One paragraph across the break, kept where it begins.
                    page, place = open_at
                    before = out[page][place]
                    out[page][place] = TextBlock(_join(before.text, text, compounds),
                                                 boxes=before.boxes + boxes)
                    text = out[page][place].text
                else:
                    here.append(TextBlock(text, boxes=boxes))
                    page, place = index, len(here) - 1
                open_at = None if _SENTENCE_END.search(text) else (page, place)
        if not pages[index]:
            open_at = None  # a blank page between: nothing runs across it
    return out


def _levels(sizes: Iterable[float]):
    """Heading levels from the sizes found: the largest is 1; a size more than a tenth below
    the last level's begins the next (at most 3)."""
    bounds: list[float] = []
    for size in sorted(set(sizes), reverse=True):
        if not bounds or size < 0.9 * bounds[-1]:
            bounds.append(size)

    def level(size: float) -> int:
        for number, bound in enumerate(bounds, start=1):
            if size >= 0.9 * bound:
                return min(number, 3)
        return min(len(bounds), 3)

    return level
