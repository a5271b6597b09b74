"""Braille Ready Format: pages of 40 x 25 cells, print page references from the A4 reader,
and a text that liblouis translates back to the reading's own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import Built
from helpers import CONTENT, READER, ROOT, TEMPLATES
from pressroom.distribution.braille import (
    Block,
    PageBreak,
    build_brf,
    paginate,
    reading_blocks,
    with_page_breaks,
)
from pressroom.engine.handout import reading_pages
from pressroom.engine.settings import Settings
from pressroom.printing.pagemap import PageMap, PageStart
from pressroom.sources.load import load_edition
from pressroom.tools.louis import translate

_INDICATOR = re.compile(r"-+(\S+)")


def _pages(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("ascii")
    assert text.endswith("\r\n\f")
    return [page.split("\r\n") for page in text.split("\r\n\f")[:-1]]


def _number(cells: str) -> int:
    (text,) = translate([cells], backward=True)
    return int(text)


def _paragraphs(pages: list[list[str]]) -> list[str]:
    """The text's paragraphs in braille: a paragraph begins in cell 3 and runs over to
    cell 1, across print page indicators and braille pages."""
    paragraphs: list[list[str]] = []
    for page in pages:
        for line in page[1:-1]:
            if not line.strip() or _INDICATOR.fullmatch(line) or line.startswith("   "):
                continue
            if line.startswith("  ") or not paragraphs:
                paragraphs.append([])
            paragraphs[-1].append(line.strip())
    return [" ".join(p) for p in paragraphs]


def _words(text: str) -> list[str]:
    text = text.translate(str.maketrans("’‘“”", "''\"\""))
    return re.findall(r"[\w'-]+", text.lower())


@pytest.fixture(scope="module")
def reader_brf(tmp_path_factory) -> dict[str, Path]:
    settings = Settings(ROOT, READER, TEMPLATES, tmp_path_factory.mktemp("brf"))
    return {o.path.name: o.path for o in build_brf(settings)}


def test_every_page_is_40_cells_by_25_lines_numbered_at_the_foot(reader_brf):
    assert len(reader_brf) == len(load_edition(READER, ROOT).readings)
    for path in reader_brf.values():
        pages = _pages(path)
        for number, page in enumerate(pages, 1):
            assert len(page) == 25, (path.name, number)
            assert all(len(line) <= 40 for line in page), (path.name, number)
            # Braille ASCII: the 64 cells, as upper-case ASCII from space to underscore.
            assert all(" " <= ch <= "_" for line in page for ch in line)
            assert page[-1].startswith(" " * 30) and _number(page[-1].strip()) == number


def test_print_pages_are_the_a4_readers(reader_brf, reader_build: Built):
    edition = load_edition(READER, ROOT)
    pagemap = reader_build.one("json", "page-map")
    anchors = PageMap.load(pagemap).anchors
    for reading in edition.readings:
        first, last = reading_pages(reading, anchors)
        pages = _pages(reader_brf[f"fixture-reader-{reading.id}.brf"])
        heads = [page[0].strip() for page in pages]
        # Line 1: the print page a braille page begins on, a letter before it on the
        # braille pages that continue it.
        assert _number(heads[0]) == first
        indicators = [_number(m.group(1)) for page in pages for line in page[1:-1]
                      if (m := _INDICATOR.fullmatch(line))]
        shown = sorted({_number(re.sub(r"^[A-Z]+(?=#)", "", h)) for h in heads} |
                       set(indicators))
        assert shown == list(range(first, last + 1)), (reading.id, shown)
        for head in heads[1:]:
            assert re.fullmatch(r"[A-Z]?#[A-J]+", head), head


def test_the_text_translates_back_to_the_readings(reader_brf):
    edition = load_edition(READER, ROOT)
    beta = next(r for r in edition.readings if r.id == "beta")
    braille = _paragraphs(_pages(reader_brf["fixture-reader-beta.brf"]))
    back = translate(braille, backward=True)
    source = [p for p in re.split(r"\n\s*\n", beta.body) if p.strip()
              and not p.lstrip().startswith(("[^", "#", ":::"))]
    # The note calls, "[1]" in braille as in print, are not words of the source.
    text = _words(re.sub(r"\[\d+\]", "", " ".join(back)))
    for paragraph in source:
        words = _words(re.sub(r"\[\^\w+\]|[*_]", "", paragraph))
        assert " ".join(words) in " ".join(text), paragraph[:60]


def test_a_page_change_inside_a_paragraph_is_a_line_and_line_1_continues_it():
    # 300 words (1200 visible characters) of print page 7, then page 8: 38 lines of braille,
    # so the change falls on the second braille page.
    blocks = [Block("word " * 600, anchor="pm-1"), Block("Heading", heading=True)]
    page_map = PageMap((PageStart(7, "pm-1", 0), PageStart(8, "pm-1", 1200)))
    items = with_page_breaks(blocks, page_map, 7)
    assert [type(i).__name__ for i in items] == ["PageBreak", "Block", "PageBreak", "Block",
                                                 "Block"]
    assert items[3].continued and len(items[1].text.split()) == 300
    braille = {b.text: b.text.upper() for b in items if isinstance(b, Block)}
    numbers = {7: "#G", 8: "#H", **{-n: f"#{chr(64 + n)}" for n in range(1, 27)}}
    pages = [p.split("\r\n") for p in paginate(items, braille, numbers).split("\r\n\f")[:-1]]
    assert pages[0][0].strip() == "#G" and pages[1][0].strip() == "A#G"
    indicator = [(n, line) for n, page in enumerate(pages) for line in page
                 if line.endswith("#H") and line.startswith("-")]
    assert len(indicator) == 1 and len(indicator[0][1]) == 40
    # The braille page after the change continues print page 8 that began on it.
    assert pages[indicator[0][0] + 1][0].strip() == "A#H"
    # Text after the change runs on without a paragraph indent.
    after = pages[indicator[0][0]][pages[indicator[0][0]].index(indicator[0][1]) + 1]
    assert after.startswith("WORD")


def test_notes_follow_the_text_and_their_calls_stay_as_numbers():
    body = ('<section id="r"><h1>T</h1><p><span id="pm-1"></span>Text.<a class="noteref">1'
            '</a><span class="footnote"><a class="note-back">1.</a> The note.</span> More.'
            '</p></section>')

    class Reading:
        id = "r"

    blocks = reading_blocks(body, Reading())
    assert blocks == [Block("T", heading=True), Block("Text. [1] More.", anchor="pm-1"),
                      Block("Notes", heading=True), Block("1. The note.")]
    assert all(isinstance(b, Block) for b in with_page_breaks(blocks, PageMap(), None))
    assert not any(isinstance(b, PageBreak) for b in with_page_breaks(blocks, PageMap(), None))


def test_a_figure_is_its_alt_text_and_a_table_is_read_row_by_row():
    body = ('<section id="r"><p>Before.</p><figure><img src="m.png" alt="A map of the '
            'border"><figcaption>The border in 1969.</figcaption></figure>'
            '<figure><img src="c.png" alt="Same words"><figcaption>Same words</figcaption>'
            '</figure><table><caption>Treaties</caption><tr><th>Year</th><th>Treaty</th>'
            '</tr><tr><td>1950</td><td>Alliance</td></tr></table><p>After.</p></section>')

    class Reading:
        id = "r"

    assert reading_blocks(body, Reading()) == [
        Block("Before."), Block("Figure: A map of the border. The border in 1969."),
        Block("Figure: Same words"), Block("Table: Treaties"), Block("Year; Treaty"),
        Block("1950; Alliance"), Block("After.")]


@pytest.mark.slow
def test_the_default_editions_brf_translates_back(tmp_path: Path):
    settings = Settings(ROOT, CONTENT, TEMPLATES, tmp_path / "build")
    (output,) = build_brf(settings)
    paragraphs = _paragraphs(_pages(output.path))
    back = translate(paragraphs, backward=True)
    edition = load_edition(CONTENT / "edition.yaml", ROOT)
    source = _words(edition.readings[0].body)
    text = " ".join(_words(re.sub(r"\[\d+\]", "", " ".join(back))))
    # A sample: every third long paragraph of the article, word for word.
    body = re.sub(r"^:::.*$", "", edition.readings[0].body, flags=re.MULTILINE)
    sample = [p for p in re.split(r"\n\s*\n", body)
              if len(p) > 400 and not p.lstrip().startswith("[^")][::3]
    assert len(sample) >= 4 and len(source) > 3000
    for paragraph in sample:
        words = _words(re.sub(r"\[\^\d+\]|[*_]", "", paragraph))
        assert " ".join(words) in text, paragraph[:80]


@pytest.mark.slow
def test_a_pdf_readings_text_layer_is_brailled_page_by_page(tmp_path: Path):
    from test_pdf_readings import settings_for, write_reader

    write_reader(tmp_path / "mixed")
    outputs = {o.path.name: o.path for o in build_brf(settings_for(tmp_path / "mixed"))}
    pages = _pages(outputs["mixed-reader-unequal-allies.brf"])
    back = " ".join(translate(_paragraphs(pages), backward=True))
    # The publisher's text, from its text layer, as the EPUB has it.
    assert "The language of fraternity" in back
    indicators = [_number(m.group(1)) for page in pages for line in page[1:-1]
                  if (m := _INDICATOR.fullmatch(line))]
    # The opener's page, then each of the two source pages on a volume page of its own.
    assert _number(pages[0][0].strip()) == 5 and indicators == [6, 7]


def test_an_unknown_table_is_one_line_before_any_work(tmp_path: Path):
    from pressroom.errors import ConfigError

    build = tmp_path / "build"
    with pytest.raises(ConfigError) as caught:
        build_brf(Settings(ROOT, READER, TEMPLATES, build), table="nope.ctb")
    assert str(caught.value).startswith("liblouis cannot use the table 'nope.ctb' (")
    assert "\n" not in str(caught.value) and not build.exists()
