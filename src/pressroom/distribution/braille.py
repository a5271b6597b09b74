"""Braille Ready Format (`inv brf`): each reading as a BRF file for disability services,
in Unified English Braille grade 2 by default (liblouis, tools/louis.py), on pages of 40
cells by 25 lines, with print page references as BANA's Braille Formats give them.

The text is the reading's blocks in the print HTML (its opener, headings, paragraphs; a
figure as "Figure:" with its alt text and caption; a table in linear form, a block a row, its
cells separated by semicolons; its notes gathered after the text under "Notes", each call
left in the text as its number in brackets; for a PDF reading, the text of its pages' text
layer, as the EPUB has it). The print pages are the A4 reader's, from its page map: where
each print page begins, by block anchor and how many characters of the block came before.
So, as BANA's formats have it:

- a print page change inside the text is a line of dots 3-6 (``-`` in braille ASCII) ending
  at the right margin with the new print page number; a change that falls at the top of a
  braille page needs none;
- line 1 of each braille page gives at its right margin the print page the page begins on,
  with a continuation letter (``a``, ``b`` …) when that print page began on an earlier
  braille page;
- line 25 gives the braille page number at its right margin;
- headings are centred, a blank line before them; paragraphs begin in cell 3 and run over to
  cell 1.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import lxml.html

from pressroom.engine.build import commit, stopped_by_sigterm
from pressroom.engine.executors import executor_for
from pressroom.engine.layout import lay_out, print_body
from pressroom.engine.prepare import prepare
from pressroom.engine.settings import Output, Settings
from pressroom.files import Staging, build_lock
from pressroom.papers import PAGE_SOURCE
from pressroom.printing.pagemap import ANCHOR_PREFIX, PageMap, visible_length
from pressroom.sources.edition import Reading
from pressroom.sources.pdfmaterial import PdfMaterial
from pressroom.tools.louis import DEFAULT_TABLE, check_table, translate
from pressroom.tools.run import DEFAULT_LIMITS, Limits

#: A braille page: 40 cells by 25 lines (the common 11 x 11.5 in page).
CELLS = 40
LINES = 25
#: Lines of text on a page: line 1 carries the print page, line 25 the braille page number.
TEXT_LINES = LINES - 2
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = frozenset({"p", "li", "dt", "dd", *_HEADINGS})
#: Read whole, as one block (a figure) or a block a row (a table): what is inside them is
#: not read again.
_WHOLES = frozenset({"figure", "table"})
_HINTS = str.maketrans({"\u2060": "", "\u00ad": "", "\u00a0": " ", "\u202f": " "})


@dataclass(frozen=True)
class Block:
    """A block of the reading's text: a heading or a paragraph, its page-map anchor (if the
    pages filter gave it one) and its text."""

    text: str
    heading: bool = False
    anchor: str | None = None
    #: The rest of a block after a print page change inside it: no new paragraph indent.
    continued: bool = False


@dataclass(frozen=True)
class PageBreak:
    """Print page ``page`` begins here."""

    page: int


def _text(element, notes: list[str]) -> str:
    """A block's text, its notes taken out (into ``notes``) and their calls left as
    " [12]"."""
    parts: list[str] = [element.text or ""]
    for child in element:
        classes = set(child.get("class", "").split())
        if "footnote" in classes:
            number = child.find(".//a[@class='note-back']")
            label = (number.text_content().strip() if number is not None else "").rstrip(".")
            body = child.text_content()
            if number is not None:
                body = body.replace(number.text_content(), "", 1)
            notes.append(f"{label}. {' '.join(body.split())}")
        elif "noteref" in classes:
            # Set apart: braille "4" after a word is a full stop or the "dis" of a word.
            parts.append(f" [{child.text_content().strip()}]")
        else:
            parts.append(_text(child, notes))
        parts.append(child.tail or "")
    return "".join(parts)


def _clean(text: str) -> str:
    return " ".join(text.translate(_HINTS).split())


def _whole(element, notes: list[str]) -> list[Block]:
    """A figure as one block, "Figure:" and what it shows (its images' alt text, then its
    caption where that says more); a table in the linear form, "Table:" and its caption,
    then a block a row with its cells in order, separated by semicolons."""
    caption = element.find("figcaption" if element.tag == "figure" else "caption")
    said = _clean(_text(caption, notes)) if caption is not None else ""
    if element.tag == "figure":
        alts = [_clean(img.get("alt", "")) for img in element.iter("img")]
        alts += [_clean(title.text_content()) for title in element.iter("title")]
        shown = "; ".join(a for a in alts if a and a != said)
        if shown and said and shown[-1] not in ".!?":
            shown += "."
        text = " ".join(filter(None, (shown, said)))
        return [Block(f"Figure: {text}" if text else "Figure")]
    rows = []
    for row in element.iter("tr"):
        cells = [_clean(_text(cell, notes)) for cell in row if cell.tag in ("td", "th")]
        if any(cells):
            rows.append(Block("; ".join(cells)))
    return [Block(f"Table: {said}" if said else "Table"), *rows]


def reading_blocks(body: str, reading: Reading, material: PdfMaterial | None = None
                   ) -> list[Block]:
    """The reading's blocks in the print body, in order, with its notes as blocks after; a
    PDF reading's pages give the blocks of their text layer (``material``)."""
    source_pages = {page.index: page for page in material.pages} if material else {}
    root = lxml.html.fragment_fromstring(body, create_parent="div")
    section = next((s for s in root.iter("section") if s.get("id") == reading.id), None)
    if section is None:
        return []
    blocks: list[Block] = []
    notes: list[str] = []
    for element in section.iter():
        if "source-page" in element.get("class", "").split():
            # A PDF reading's page: its placeholder is where the page map says it begins;
            # the text of its text layer follows, as in the EPUB (a scan has none).
            blocks.append(Block("", anchor=element.get("id")))
            page = source_pages.get(int(element.get("data-source-page", "0")) - 1)
            for text_block in page.blocks if page else ():
                text = " ".join(text_block.text.translate(_HINTS).split())
                if text:
                    blocks.append(Block(text, heading=text_block.level > 0))
            continue
        if any(a.tag in _BLOCKS or a.tag in _WHOLES for a in element.iterancestors()):
            continue
        if element.tag in _WHOLES:
            blocks += _whole(element, notes)
            continue
        if element.tag not in _BLOCKS:
            continue
        anchor = next((s.get("id") for s in element.iter("span")
                       if (s.get("id") or "").startswith(ANCHOR_PREFIX)), None)
        text = _clean(_text(element, notes))
        if text:
            blocks.append(Block(text, element.tag in _HEADINGS, anchor))
    if notes:
        blocks.append(Block("Notes", heading=True))
        blocks += [Block(note) for note in notes]
    return blocks


def with_page_breaks(blocks: Sequence[Block], page_map: PageMap, first_page: int | None
                     ) -> list[Block | PageBreak]:
    """The blocks with a PageBreak wherever the page map says a print page begins: before
    the block, or inside it at the word where its offset falls."""
    starts: dict[str, list[tuple[int, int]]] = {}
    for start in page_map.starts:
        if start.block is not None:
            starts.setdefault(start.block, []).append((start.offset, start.number))
    out: list[Block | PageBreak] = [PageBreak(first_page)] if first_page else []
    for block in blocks:
        text, consumed = block.text, 0
        first = True
        for offset, page in sorted(starts.get(block.anchor or "", [])):
            if offset > consumed:
                cut = _cut_at(text, offset - consumed)
                if text[:cut].strip():
                    out.append(Block(text[:cut].strip(), block.heading and first,
                                     block.anchor, continued=not first))
                    first = False
                consumed += visible_length(text[:cut])
                text = text[cut:]
            out.append(PageBreak(page))
        if text.strip():
            out.append(Block(text.strip(), block.heading and first, block.anchor,
                             continued=not first))
    # A page begins once: the reading's first page is also where its heading's block begins.
    deduped: list[Block | PageBreak] = []
    current = None
    for item in out:
        if isinstance(item, PageBreak):
            if item.page == current:
                continue
            current = item.page
        deduped.append(item)
    return deduped


def _cut_at(text: str, visible: int) -> int:
    """The index of the first word boundary at or after ``visible`` visible characters."""
    seen = 0
    for index, char in enumerate(text):
        if seen >= visible and char == " ":
            return index
        if not char.isspace():
            seen += 1
    return len(text)


def _wrap(cells: str, width: int, first_indent: int = 0) -> list[str]:
    lines: list[str] = []
    line = " " * first_indent
    for word in cells.split():
        while len(word) > width:  # a word longer than a line is divided, as braille does
            if line.strip():
                lines.append(line.rstrip())
                line = ""
            lines.append(word[: width - 1] + "-")
            word = word[width - 1:]
        candidate = f"{line} {word}" if line.strip() else f"{line}{word}"
        if len(candidate) > width:
            lines.append(line.rstrip())
            line = word
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _letters(n: int) -> str:
    """Continuation letters: a, b, … z, aa, ab … (upper case in the file: braille ASCII)."""
    letters = string.ascii_lowercase
    return letters[n - 1] if n <= 26 else _letters((n - 1) // 26) + letters[(n - 1) % 26]


@dataclass(frozen=True)
class _Line:
    cells: str
    page_break: int | None = None  # this line is the indicator of that print page


def _lines(items: Sequence[Block | PageBreak], braille: dict[str, str],
           numbers: dict[int, str]) -> Iterator[_Line]:
    for item in items:
        if isinstance(item, PageBreak):
            number = numbers[item.page]
            yield _Line("-" * (CELLS - len(number)) + number, item.page)
        elif item.heading:
            yield _Line("")
            for line in _wrap(braille[item.text], CELLS - 4):
                yield _Line(" " * ((CELLS - len(line)) // 2) + line)
        else:
            for line in _wrap(braille[item.text], CELLS, first_indent=0 if item.continued
                              else 2):
                yield _Line(line)


def paginate(items: Sequence[Block | PageBreak], braille: dict[str, str],
             numbers: dict[int, str]) -> str:
    """The BRF text: pages of LINES lines of at most CELLS cells, each ended by a form feed,
    lines by CR LF. ``braille`` maps each block's text to its braille; ``numbers`` each
    print and braille page number to its braille."""
    pages: list[list[str]] = []
    body: list[_Line] = list(_lines(items, braille, numbers))
    print_page: int | None = None
    continuation = 0
    index = 0
    braille_page = 0
    while index < len(body):
        braille_page += 1
        # A print page change at the top of a braille page is shown on line 1, not by a line.
        while index < len(body) and body[index].page_break is not None:
            print_page, continuation = body[index].page_break, 0
            index += 1
        while index < len(body) and not body[index].cells and not body[index].page_break:
            index += 1  # no blank line at the top of a page
        chunk = body[index:index + TEXT_LINES]
        index += len(chunk)
        head = ""
        if print_page is not None:
            head = (_letters(continuation).upper() if continuation else "") + numbers[print_page]
        continuation += 1
        for line in chunk:
            if line.page_break is not None:
                print_page, continuation = line.page_break, 1
        lines = [head.rjust(CELLS)] + [line.cells for line in chunk]
        lines += [""] * (LINES - 1 - len(lines))
        lines.append(numbers[-braille_page].rjust(CELLS))
        pages.append(lines)
    return "".join("\r\n".join(page) + "\r\n\f" for page in pages)


def reading_brf(reading: Reading, body: str, page_map: PageMap, first_page: int | None,
                table: str = DEFAULT_TABLE, limits: Limits = DEFAULT_LIMITS,
                material: PdfMaterial | None = None) -> str:
    """One reading as BRF."""
    items = with_page_breaks(reading_blocks(body, reading, material), page_map, first_page)
    texts = sorted({item.text for item in items if isinstance(item, Block)})
    braille = dict(zip(texts, translate(texts, table, limits=limits,
                                        source_path=reading.path), strict=True))
    print_pages = sorted({item.page for item in items if isinstance(item, PageBreak)})
    # Enough braille page numbers for any page count: no more pages than lines, and a block
    # takes at most a line for every 20 cells of it, and two more (a heading's blank line).
    most = sum(len(braille[t]) // 20 + 3 for t in texts) + len(items)
    labels = [str(p) for p in print_pages] + [str(n) for n in range(1, most + 1)]
    cells = translate(labels, table, limits=limits, source_path=reading.path)
    numbers = {p: c for p, c in zip(print_pages, cells, strict=False)}
    numbers |= {-n: c for n, c in zip(range(1, most + 1), cells[len(print_pages):],
                                      strict=True)}
    return paginate(items, braille, numbers)


_BRF_NAME = re.compile(r"[^a-z0-9-]")


def build_brf(settings: Settings, *, table: str = DEFAULT_TABLE,
              progress: Callable[[str], None] | None = None) -> list[Output]:
    """Write ``<id>-<reading>.brf`` for every reading of the collection, committed together
    and added to the manifest."""
    say = progress or (lambda _stage: None)
    check_table(table, settings.limits)
    with stopped_by_sigterm(), build_lock(settings.build_dir):
        say("checking the collection")
        prepared = prepare(settings)
        body = print_body(settings, prepared)
        with executor_for(settings) as executor:
            say("laying out the reader for its print pages")
            reader = lay_out(settings, prepared, body, [PAGE_SOURCE], executor)[PAGE_SOURCE][1]
        staging = Staging(settings.out_dir)
        try:
            outputs = []
            for reading in prepared.edition.readings:
                say(f"translating {reading.id} ({table})")
                brf = reading_brf(reading, body, reader.page_map,
                                  reader.anchor_pages.get(reading.id), table, settings.limits,
                                  prepared.pdfs.get(reading.id))
                name = f"{prepared.id}-{_BRF_NAME.sub('-', reading.id)}.brf"
                outputs.append(Output("brf", staging.write(name, brf.encode("ascii")),
                                      pages=brf.count("\f")))
            commit(settings, staging, outputs)
        finally:
            staging.discard()
    return outputs
