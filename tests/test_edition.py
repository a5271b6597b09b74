"""The default edition end to end: the seed's every word in order in the PDF and the EPUB."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

from conftest import Built
from helpers import ROOT, SEED, XHTML, epub_xhtml, pdftotext
from pressroom.checks.epub import epub_note_links, run_epubcheck
from pressroom.checks.pdf import pdf_note_links
from pressroom.sources.load import load_edition

#: Builds whole editions (or readers): the full suite runs it, the fast tier does not.
pytestmark = pytest.mark.slow

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def tokens(text: str) -> list[str]:
    """Words for comparing texts: hyphens and line-end hyphenation folded, dashes split."""
    text = text.replace("\u00ad", "")
    # A word hyphenated at a line end (pdftotext joins most; not one at the foot of a page).
    text = re.sub(r"[-\u2010]\s*\n\s*", "", text)
    text = re.sub(r"[-\u2010]", "", text)
    text = text.translate(str.maketrans("", "", SUPERSCRIPTS))
    return re.findall(r"[^\W_]+", text.lower())


def in_order(needles: list[str], haystack: list[str]) -> int:
    """How many of needles appear in haystack in order (gaps allowed)."""
    at = 0
    for found, word in enumerate(needles):
        try:
            at = haystack.index(word, at) + 1
        except ValueError:
            return found
    return len(needles)


def seed_parts() -> tuple[str, list[str]]:
    text = SEED.read_text(encoding="utf-8")
    body = text[text.index("The split between Communism"):text.index("\nNotes\n")]
    notes_block = text[text.index("\nNotes\n") + 7:]
    notes = [n for n in re.split(rf"\n(?:- )?(?=[{SUPERSCRIPTS}])", notes_block) if n.strip()]
    return body, notes


def assert_seed_in(text: str, notes_text: str | None = None) -> None:
    body, notes = seed_parts()
    haystack = tokens(text)
    needles = tokens(body)
    found = in_order(needles, haystack)
    assert found == len(needles), f"body word {found}: {needles[found:found + 8]}"
    assert len(notes) == 29
    if notes_text is not None:
        haystack = tokens(notes_text)
    for number, note in enumerate(notes, start=1):
        needles = tokens(note)
        found = in_order(needles, haystack)
        assert found == len(needles), f"note {number}, word {found}: {needles[found:found + 8]}"


def epub_text(epub: Path) -> str:
    docs = epub_xhtml(epub)
    return "\n".join(" ".join(root.itertext()) for name, root in sorted(docs.items())
                     if "/text/ch" in name)


def test_every_word_of_the_seed_is_in_the_pdf_in_order(edition_build: Built):
    # Body (10-11 pt) and notes (8.8 pt) are read apart, page after page, so that a word
    # hyphenated across a page break joins up again over the notes and running heads between.
    with pdfplumber.open(edition_build.one("pdf", "reading", "A4")) as pdf:
        body = "\n".join(p.filter(lambda o: o.get("size", 99) >= 9.95).extract_text()
                         for p in pdf.pages)
        notes = "\n".join(p.filter(lambda o: 8.5 <= o.get("size", 0) < 8.95).extract_text()
                          for p in pdf.pages)
    assert_seed_in(body, notes)


def test_every_word_of_the_seed_is_in_the_epub_in_order(edition_build: Built):
    assert_seed_in(epub_text(edition_build.one("epub")))


def test_the_epub_passes_epubcheck(edition_build: Built):
    result = run_epubcheck(edition_build.one("epub"))
    assert result.ok, result.detail


def test_all_29_notes_link_both_ways(edition_build: Built):
    calls, problems = epub_note_links(edition_build.one("epub"))
    assert (calls, problems) == (29, [])
    calls, problems = pdf_note_links(edition_build.one("pdf", "reading", "A4"))
    assert (calls, problems) == (29, [])


def _paragraphs(epub: Path) -> list[str]:
    return [" ".join("".join(p.itertext()).split())
            for root in epub_xhtml(epub).values() for p in root.iter(f"{XHTML}p")]


@pytest.mark.parametrize("joined", [
    "(CPSU) by name, but which clearly took aim",
    "An additional complication is the curious case",
    "useful source materials.",
    "nuclear defense to the PRC.22 A crisis in Sino-Soviet relations was actually avoided",
])
def test_page_break_splits_are_single_paragraphs(edition_build: Built, joined: str):
    matches = [p for p in _paragraphs(edition_build.one("epub")) if joined in p]
    assert len(matches) == 1


def test_mao_quotation_is_a_block_quotation(edition_build: Built):
    quotes = [" ".join("".join(q.itertext()).split())
              for root in epub_xhtml(edition_build.one("epub")).values()
              for q in root.iter(f"{XHTML}blockquote")]
    assert len(quotes) == 1 and "more or less resembles a brotherly relationship" in quotes[0]


def test_front_matter_carries_the_source():
    meta = load_edition(ROOT / "src" / "content").lead.meta
    assert meta.title == "‘Father-and-Son’ or Communist ‘Brothers’?"
    assert meta.subtitle == "The Significance of ‘Socialist Solidarity’ in the Sino-Soviet Split"
    assert meta.authors[0].name == "Gary Blank"
    assert meta.authors[0].affiliation == "London School of Economics"
    source = load_edition(ROOT / "src" / "content").lead.source
    assert (source["container-title"], source["volume"], source["issue"], source["issued"]) == (
        "UCLA Historical Journal", "25", "1", {"date-parts": [[2014]]})
    assert source["URL"] == "https://escholarship.org/uc/item/96j2f2jf"
    assert source["author"] == [{"family": "Blank", "given": "Gary"}]
    assert meta.rights == (
        "Copyright 2014 by the author(s). All rights reserved unless otherwise indicated.")


# --- the print edition (issue: book-quality PDF) -----------------------------------------------

def test_every_font_is_embedded_eb_garamond(edition_build: Built):
    # Large print is set in Noto Serif (a larger x-height); every other edition in EB Garamond.
    for out in edition_build.outputs:
        if out.format != "pdf":
            continue
        face = "Noto-Serif" if out.variant == "large-print" else "EB-Garamond"
        lines = subprocess.run(["pdffonts", str(out.path)], capture_output=True, text=True,
                               check=True).stdout.splitlines()[2:]
        assert lines
        for line in lines:
            assert face in line and re.search(r"\byes\s+yes\s+(yes|no)\s+\d+", line), (
                out.path.name, line)


def test_each_note_is_at_the_foot_of_the_page_that_calls_it(edition_build: Built):
    pdf = edition_build.one("pdf", "reading", "A4")
    reader = PdfReader(pdf)
    dest_page = {name: reader.get_destination_page_number(d)
                 for name, d in reader.named_destinations.items()}
    for number in range(1, 30):
        call = dest_page[f"blank-2014-noteref-{number}"]
        note = dest_page[f"blank-2014-note-{number}"]
        assert call == note, number
        with pdfplumber.open(pdf) as doc:
            page = doc.pages[note]
            small = page.filter(lambda o: 8.5 <= o.get("size", 0) < 8.95).extract_text()
        assert re.search(rf"(^|\n){number}\. ", small), f"note {number} not at the foot"


def test_contents_and_outline_agree(edition_build: Built):
    pdf = edition_build.one("pdf", "reading", "A4")
    reader = PdfReader(pdf)
    outline = [(i.title, reader.get_destination_page_number(i) + 1)
               for i in reader.outline if not isinstance(i, list)]
    titles = [t for t, _ in outline]
    assert titles[0].startswith("‘Father-and-Son’")
    assert any(t.startswith("Appendix A: Chronology") for t in titles)
    assert any(t.startswith("Appendix B: The Historiography") for t in titles)
    toc = [int(n) for n in re.findall(r"\.\s*(\d+)\s*$", pdftotext(pdf, 2, 2), re.MULTILINE)]
    assert "A Note on This Edition" in titles
    assert toc == [page for _, page in outline[:4]]


def test_no_text_leaves_the_page(edition_build: Built):
    for out in edition_build.outputs:
        if out.format != "pdf" or out.variant == "booklet":
            continue
        with pdfplumber.open(out.path) as doc:
            for number, page in enumerate(doc.pages, start=1):
                for char in page.chars:
                    inside = (char["x0"] >= 0 and char["x1"] <= page.width
                              and char["top"] >= 0 and char["bottom"] <= page.height)
                    assert inside, (out.path.name, number, char["text"])


def test_the_measure_is_about_65_to_75_characters(edition_build: Built):
    for paper in ("A4", "US Letter"):
        with pdfplumber.open(edition_build.one("pdf", "reading", paper)) as pdf:
            body = pdf.pages[4].filter(lambda o: o.get("size", 0) >= 11)
            lines = [line for line in body.extract_text().splitlines() if len(line) > 40]
        full = sorted(len(line) for line in lines)[len(lines) // 4:]  # drop paragraph ends
        median = full[len(full) // 2]
        assert 60 <= median <= 78, (paper, median)
