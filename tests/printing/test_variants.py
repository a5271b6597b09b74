"""The print editions of the default edition, page by page: what a reviewer checks by eye.

Every variant (A4, Letter, large print, both booklets) comes from the one real build of the
session (the ``edition_build`` fixture). Booklets are checked on their imposed sheets, half by
half: each half is one booklet page.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

from conftest import Built
from helpers import CONTENT
from pressroom.assemble.figure import layout_timeline
from pressroom.sources.load import load_edition

#: Builds whole editions (or readers): the full suite runs it, the fast tier does not.
pytestmark = pytest.mark.slow

MM = 72 / 25.4
#: Large print: nothing smaller (pdfplumber reports sizes to a few hundredths).
LARGE_MIN_PT = 16 - 0.05
CAPTION = "Figure A.1."

READING = [("reading", "A4"), ("reading", "US Letter"), ("large-print", "A4")]
BOOKLETS = ["A4 landscape", "US Letter landscape"]


@dataclass(frozen=True)
class Page:
    """One printed page: a whole PDF page, or one half of an imposed booklet sheet, read once
    (characters, text lines, drawn shapes) and kept as plain data."""

    label: str
    left: float
    right: float
    height: float
    chars: tuple[dict, ...]
    lines: tuple[dict, ...]
    shapes: tuple[dict, ...]
    text: str


_READ: dict[Path, tuple[Page, ...]] = {}


def _read(view: pdfplumber.page.Page, label: str, left: float, right: float) -> Page:
    lines = view.extract_text_lines(return_chars=True, keep_blank_chars=False)
    keep = ("text", "size", "x0", "x1", "top", "bottom")
    chars = tuple({k: c[k] for k in keep} for c in view.chars if c["text"].strip())
    lines = tuple({"text": line["text"], "x0": line["x0"], "top": line["top"],
                   "bottom": line["bottom"],
                   "chars": [{k: c[k] for k in keep} for c in line["chars"]]}
                  for line in lines)
    shapes = tuple({k: s[k] for k in ("x0", "x1", "top", "bottom")}
                   for s in view.rects + view.curves if left <= s["x0"] and s["x1"] <= right)
    return Page(label, left, right, view.height, chars, lines, shapes,
                view.extract_text() or "")


def _pages(built: Built, variant: str, paper: str) -> tuple[Page, ...]:
    path = built.one("pdf", variant, paper)
    if path not in _READ:
        pages: list[Page] = []
        with pdfplumber.open(path) as doc:
            for number, page in enumerate(doc.pages, 1):
                if variant == "booklet":
                    half = page.width / 2
                    for side, (x0, x1) in (("left", (0, half)), ("right", (half, page.width))):
                        view = page.crop((x0, 0, x1, page.height), strict=False)
                        pages.append(_read(view, f"{paper} sheet side {number}, {side} half",
                                           x0, x1))
                else:
                    pages.append(_read(page, f"{variant} {paper} p. {number}", 0, page.width))
        _READ[path] = tuple(pages)
    return _READ[path]


def _lines(page: Page) -> tuple[dict, ...]:
    return page.lines


def _figure_labels() -> list[str]:
    chronology = next(a.data for a in load_edition(CONTENT).appendices
                      if a.kind == "chronology")
    layout = layout_timeline(chronology)
    return [line for row in layout.rows for line in row.title_lines] + [
        b.label for b in layout.bands]


# -- large print --------------------------------------------------------------------------


def test_every_character_of_the_large_print_edition_is_at_least_16pt(edition_build: Built):
    small: list[str] = []
    for page in _pages(edition_build, "large-print", "A4"):
        for char in page.chars:
            if char["size"] < LARGE_MIN_PT:
                small.append(f"{page.label}: {char['text']!r} at {char['size']:.1f} pt")
    assert not small, f"{len(small)} characters under 16 pt, e.g. {small[:5]}"


@pytest.mark.parametrize(("variant", "paper"),
                         [("large-print", "A4"), *(("booklet", b) for b in BOOKLETS)])
def test_a_page_too_small_for_the_figure_gives_it_as_text(edition_build: Built, variant: str,
                                                         paper: str):
    # Large print could not set the figure at 16 pt; a booklet's page would set its labels
    # under 6 pt. Each gives the events as text, by phase, and draws no figure.
    pages = _pages(edition_build, variant, paper)
    text = " ".join(" ".join(p.text for p in pages).split())
    assert "the events by phase" in text
    for label in _figure_labels()[:5]:
        assert label.split()[0] in text
    assert not any(CAPTION in p.text for p in pages)


# -- every variant ------------------------------------------------------------------------


@pytest.mark.parametrize(("variant", "paper"),
                         [*READING, *(("booklet", b) for b in BOOKLETS)])
def test_no_character_lies_outside_its_page(edition_build: Built, variant: str, paper: str):
    for page in _pages(edition_build, variant, paper):
        height = page.height
        for char in page.chars:
            assert page.left <= char["x0"] and char["x1"] <= page.right, (page.label, char)
            assert char["top"] >= 0 and char["bottom"] <= height, (page.label, char)


@pytest.mark.parametrize(("variant", "paper"), READING[:2])
def test_the_figure_is_whole_on_one_page_with_its_caption(edition_build: Built, variant: str,
                                                          paper: str):
    labels = _figure_labels()
    holding = [p for p in _pages(edition_build, variant, paper) if CAPTION in p.text]
    assert len(holding) == 1, f"the caption is on {len(holding)} pages"
    page = holding[0]
    # Compared without spaces (the SVG's words are placed one by one, without space glyphs);
    # the phase labels run upwards, so they are read backwards.
    flat = re.sub(r"\s+", "", page.text)
    squeezed = [re.sub(r"\s+", "", label) for label in labels]
    missing = [label for label, word in zip(labels, squeezed, strict=True)
               if word not in flat and word[::-1] not in flat]
    assert not missing, f"{page.label}: figure labels not on the caption's page: {missing[:4]}"


@pytest.mark.parametrize(("variant", "paper"), READING[:2])
def test_the_folio_is_clear_of_the_figure(edition_build: Built, variant: str, paper: str):
    page = next(p for p in _pages(edition_build, variant, paper) if CAPTION in p.text)
    # The figure: its bands and marks (vector shapes) and every character above the folio.
    shapes = page.shapes
    assert shapes, "no figure drawn on the caption's page"
    lines = _lines(page)
    folio = max(lines, key=lambda line: line["bottom"])
    assert folio["text"].strip().isdigit(), f"{page.label}: last line is not the folio"
    figure_bottom = max(s["bottom"] for s in shapes)
    above = [line for line in lines if line is not folio]
    figure_bottom = max([figure_bottom, *(line["bottom"] for line in above)])
    assert folio["top"] > figure_bottom + 2 * MM, (
        f"{page.label}: folio at {folio['top']:.0f} pt, figure down to {figure_bottom:.0f} pt")


@pytest.mark.parametrize(("variant", "paper"),
                         [*READING, *(("booklet", b) for b in BOOKLETS)])
def test_no_page_holds_only_a_caption(edition_build: Built, variant: str, paper: str):
    for page in _pages(edition_build, variant, paper):
        words = [line["text"] for line in _lines(page)]
        body = [w for w in words if not w.strip().isdigit()]
        if body and body[0].startswith(CAPTION):
            assert len(page.shapes) > 3, f"{page.label}: caption alone"


# -- line breaks ----------------------------------------------------------------------------


#: A compound hyphenated again: WeasyPrint's hyphen (print.css: U+002D) after a part of it.
#: (A compound is never broken at its own hyphen: the print filter puts a word joiner there.)
_COMPOUND_BROKEN = re.compile(r"\w[-‐]\w+-$")
_WORD = re.compile(r"[A-Za-z\u00c0-\u024f’']+")


def _line_texts(built: Built, variant: str, paper: str) -> Iterator[tuple[str, dict]]:
    for page in _pages(built, variant, paper):
        for line in _lines(page):
            yield page.label, line


@pytest.mark.parametrize(("variant", "paper"),
                         [*READING, *(("booklet", b) for b in BOOKLETS)])
def test_no_hyphenated_compound_is_broken_again(edition_build: Built, variant: str, paper: str):
    broken = [f"{label}: …{line['text'][-30:]}"
              for label, line in _line_texts(edition_build, variant, paper)
              if _COMPOUND_BROKEN.search(line["text"].split()[-1] if line["text"].split()
                                         else "")]
    assert not broken, broken[:5]


@pytest.mark.parametrize(("variant", "paper"),
                         [*READING, *(("booklet", b) for b in BOOKLETS)])
def test_no_name_is_hyphenated(edition_build: Built, variant: str, paper: str):
    # A capitalised fragment before a line-end hyphen that, joined to the next line's first
    # word, makes a word the edition prints whole elsewhere: a name broken ("Mos-" "cow").
    items = list(_line_texts(edition_build, variant, paper))
    whole = {w for _, line in items for w in _WORD.findall(line["text"])}
    broken = []
    for (label, line), (_, following) in itertools.pairwise(items):
        words, next_words = line["text"].split(), following["text"].split()
        if not words or not next_words or not words[-1].endswith("-"):
            continue
        head = words[-1][:-1]
        if "-" in head or not head[:1].isupper() or (len(words) > 1 and
                                                     words[-2].endswith((".", "?", "!"))):
            continue
        tail = _WORD.match(next_words[0])
        if tail and tail.group(0)[:1].islower() and head + tail.group(0) in whole:
            broken.append(f"{label}: {head}-{tail.group(0)}")
    assert not broken, broken[:5]


@pytest.mark.parametrize(("variant", "paper"), READING)
def test_display_type_is_never_hyphenated(edition_build: Built, variant: str, paper: str):
    items = list(_line_texts(edition_build, variant, paper))
    body = _body_size(items)
    hyphenated = [f"{label}: {line['text']}" for label, line in items
                  if line["chars"] and line["chars"][0]["size"] > body * 1.15
                  and line["text"].rstrip().endswith(("-", "‐"))]
    assert not hyphenated, hyphenated


def _body_size(items: list[tuple[str, dict]]) -> float:
    sizes: dict[float, int] = {}
    for _, line in items:
        for char in line["chars"]:
            sizes[round(char["size"], 1)] = sizes.get(round(char["size"], 1), 0) + 1
    return max(sizes, key=lambda s: sizes[s])


@pytest.mark.parametrize(("variant", "paper"), READING)
def test_a_note_call_never_starts_a_line(edition_build: Built, variant: str, paper: str):
    # A call is a number set smaller than the text (or bracketed, in large print) that follows
    # a word directly: it must never be the first thing on a line.
    items = list(_line_texts(edition_build, variant, paper))
    body = _body_size(items)
    starts = []
    for label, line in items:
        first = line["chars"][0] if line["chars"] else None
        if first and first["text"].isdigit() and first["size"] < body * 0.72 and (
                line["x0"] > 0 and len(line["text"].split()) > 3):
            starts.append(f"{label}: {line['text'][:30]}")
        if variant == "large-print" and re.match(r"\[\d+\]", line["text"]):
            starts.append(f"{label}: {line['text'][:30]}")
    assert not starts, starts[:5]


# -- running heads ---------------------------------------------------------------------------


@pytest.mark.parametrize(("variant", "paper", "top_mm"),
                         [("reading", "A4", 24), ("reading", "US Letter", 22),
                          ("large-print", "A4", 24)])
def test_no_running_head_on_an_opening_page(edition_build: Built, variant: str, paper: str,
                                            top_mm: float):
    pdf = edition_build.one("pdf", variant, paper)
    reader = PdfReader(pdf)
    openings = {reader.get_destination_page_number(item) for item in reader.outline
                if not isinstance(item, list)}
    assert len(openings) >= 4  # the reading, the note, two appendices
    with pdfplumber.open(pdf) as doc:
        heads = {}
        for index, page in enumerate(doc.pages):
            heads[index] = [c for c in page.chars if c["bottom"] < top_mm * MM - 1]
    for index in openings:
        assert not heads[index], f"running head on opening page {index + 1}: " + "".join(
            c["text"] for c in heads[index])
    # ...and there are running heads elsewhere, so the test can tell.
    assert sum(1 for index, chars in heads.items() if chars and index not in openings) > 5
