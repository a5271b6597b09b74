"""Markdown as published lessons and articles write it, built into a reader and read back.

The fixture reader (tests/fixtures/pandoc-real) holds what plain Pandoc renders and a build
used to refuse or print wrong: note and image syntax shown as code, notes in block quotes,
indented and inline, labels that start at 2 or are called out of order, [@key] citations,
TeX math, an HTML comment and a raw <div>, every ordered-list style, bullets and symbols, a
200-character code line, a PNG named .jpg, a French source title.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pypandoc
import pytest

from conftest import Built
from helpers import FIXTURES, ROOT, TEMPLATES, pdftotext
from pressroom.checks.outputs import check_outputs
from pressroom.engine.build import build
from pressroom.engine.settings import Settings

pytestmark = pytest.mark.slow

READER = FIXTURES / "pandoc-real" / "reader.yaml"
READINGS = FIXTURES / "pandoc-real" / "readings"


@pytest.fixture(scope="module")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    settings = Settings(ROOT, READER, TEMPLATES, tmp_path_factory.mktemp("pandoc-real"))
    return Built(settings, build(settings))


def _words(text: str) -> list[str]:
    # Letters and digits: what a reader searches for; punctuation and layout differ by design.
    return re.findall(r"[^\W_]+", text.casefold())


def _in_order(wanted: list[str], found: list[str]) -> list[str]:
    """The words of ``wanted`` not found in ``found`` in order (empty: all are)."""
    missing, at = [], 0
    for word in wanted:
        try:
            at = found.index(word, at) + 1
        except ValueError:
            missing.append(word)
    return missing


def _epub_text(epub: Path) -> str:
    with zipfile.ZipFile(epub) as zf:
        names = sorted(n for n in zf.namelist() if n.endswith(".xhtml") and "/text/ch" in n)
        return " ".join(re.sub(r"<[^>]+>", " ", zf.read(n).decode("utf-8")) for n in names)


def _plain_pandoc(reading: Path, with_list_numbers: bool = True
                  ) -> tuple[list[str], list[str]]:
    """The words plain Pandoc gives for the reading as plain text, citations included: of
    its text, and of its notes, which it gathers at the end (a build sets them at the foot
    of the page, or after the chapter). Note calls ([1]) are left out: a build prints the
    source's note numbers, Pandoc counts from 1. Without ``with_list_numbers``, as an
    EPUB's text has them: the reading system numbers the list items (start and type are
    attributes of the list)."""
    # The body alone: the front matter is the opener's (its title, its source's citation).
    body = reading.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    text = pypandoc.convert_text(body, "plain", format="markdown",
                                 extra_args=["--citeproc", "--bibliography",
                                             str(READER.parent / "sources.bib"), "--wrap=none",
                                             "--metadata=lang:en-GB"])
    if not with_list_numbers:
        text = _LIST_MARKER.sub("", text)
    first_note = re.search(r"^\[1\] ", text, re.MULTILINE)
    body, notes = (text[:first_note.start()], text[first_note.start():]) if first_note \
        else (text, "")
    return (_words(re.sub(r"\[\d+\]", " ", body)), _words(re.sub(r"\[\d+\]", " ", notes)))


#: An ordered list item's number as plain text writes it: "(2) ", "ii. ", "A.  ", "9)  ".
_LIST_MARKER = re.compile(r"^[ \t]*\(?(?:\d+|[ivxlcdm]+|[IVXLCDM]+|[A-Za-z])[.)][ \t]+",
                          re.MULTILINE)


def test_every_output_passes_the_checks(real_build: Built):
    results = check_outputs(real_build.settings)
    failed = [f"{r.name}: {r.detail}" for r in results if not r.ok and not r.skipped]
    assert not failed
    assert any(r.name.startswith("fonts") and r.ok for r in results)
    assert any(r.name == "epubcheck" and r.ok for r in results)


@pytest.mark.parametrize("reading", ["lesson.md", "article.md", "excerpt.md"])
def test_every_word_plain_pandoc_prints_is_in_the_a4_text_and_the_epub(real_build: Built,
                                                                        reading: str):
    pdf = _words(pdftotext(real_build.one("pdf", "reading", "A4")))
    epub = _words(_epub_text(real_build.one("epub")))
    for found, numbered in ((pdf, True), (epub, False)):
        body, notes = _plain_pandoc(READINGS / reading, numbered)
        assert _in_order(body, found) == []
        assert _in_order(notes, found) == []


def test_code_shows_note_and_image_syntax_and_wraps_a_long_line(real_build: Built):
    text = pdftotext(real_build.one("pdf", "reading", "A4"))
    assert "[^1]: And here is the note." in text
    assert "![A picture that is not there](nowhere.png)" in text
    line = next(ln for ln in (READINGS / "lesson.md").read_text().splitlines()
                if ln.startswith("result = compute("))
    assert len(line) >= 200
    # Every argument of the long line is on the page, none cut off at the margin, none
    # hyphenated.
    assert _in_order(_words(line), _words(text)) == []
    assert "argu-" not in text


def test_notes_keep_the_sources_numbers_in_print_and_epub(real_build: Built):
    text = " ".join(pdftotext(real_build.one("pdf", "reading", "A4")).split())
    assert "The fifth claim comes next in the text. 5 So does the sixth. 6" in text
    assert "La troisième suit. 3" in text
    epub = _epub_text(real_build.one("epub"))
    for number in (2, 3, 4):
        assert f'id="excerpt-note-{number}"' in zipfile.ZipFile(
            real_build.one("epub")).read(_chapter_of(real_build, "excerpt")).decode()
    assert "A note defined inside the block quote." in epub
    assert "An inline note, written where it is called." in epub
    assert "^[" not in epub


def _chapter_of(built: Built, reading: str) -> str:
    with zipfile.ZipFile(built.one("epub")) as zf:
        return next(n for n in zf.namelist() if n.endswith(".xhtml")
                    and f'id="{reading}"' in zf.read(n).decode("utf-8"))


def test_citations_go_through_citeproc_in_print_and_epub(real_build: Built):
    pdf = " ".join(pdftotext(real_build.one("pdf", "reading", "A4")).split())
    epub = " ".join(_epub_text(real_build.one("epub")).split())
    for text in (pdf, epub):
        assert "(Knuth 1984, 97)" in text and "(Lamport 1994)" in text
        assert "[@" not in text
        # A French title keeps its own capitals; an English one is title-cased.
        assert "La vie des notes de bas de page" in text
        assert "Literate Programming" in text


def test_math_is_drawn_in_print_and_mathml_in_the_epub(real_build: Built):
    html = (real_build.settings.out_dir / "pandoc-real.html").read_text()
    assert html.count('class="math-drawing"') == 3
    assert "$$" not in html and "\\frac" not in re.sub(r'<span class="math-tex"[^<]*</span>',
                                                      "", html).split("alt=")[0]
    with zipfile.ZipFile(real_build.one("epub")) as zf:
        chapter = zf.read(_chapter_of(real_build, "article")).decode("utf-8")
    assert chapter.count("<math") == 3 and "<mfrac>" in chapter


def test_a_comment_prints_nowhere_and_a_raw_div_is_a_div(real_build: Built):
    pdf = pdftotext(real_build.one("pdf", "reading", "A4"))
    epub = _epub_text(real_build.one("epub"))
    for text in (pdf, epub):
        assert "TODO" not in text and "<!--" not in text and "<div" not in text
        assert "A raw div block around a paragraph." in " ".join(text.split())


def test_ordered_lists_keep_their_numbering_in_print(real_build: Built):
    text = pdftotext(real_build.one("pdf", "reading", "A4"))
    for item in ("(2) second", "(3) third", "i. roman one", "ii. roman two", "A. letter A",
                 "D. letter D", "E. letter E", "I. capital roman one", "II. capital roman two",
                 "9) nine", "10) ten", "(1) an example", "(2) another example"):
        assert item in text


def test_a_png_named_jpg_is_listed_as_a_png(real_build: Built):
    with zipfile.ZipFile(real_build.one("epub")) as zf:
        opf = zf.read(next(n for n in zf.namelist() if n.endswith(".opf"))).decode("utf-8")
        image = next(n for n in zf.namelist() if "/media/" in n or n.startswith("EPUB/images"))
        assert zf.read(image).startswith(b"\x89PNG")
    assert re.search(r'href="[^"]+\.png"[^>]*media-type="image/png"', opf)
    assert "image/jpeg" not in opf


def test_deep_headings_stay_distinct(real_build: Built):
    html = (real_build.settings.out_dir / "pandoc-real.html").read_text()
    # In a reader with parts, the lesson's ####, ##### and ###### sit at levels 5, 6 and 7;
    # past 6 Pandoc writes a paragraph of class "heading" opening a section.level7, so no
    # two levels become one.
    plain = html.replace("\u2060", "")
    assert re.search(r"<h5>(<span[^>]*></span>)?A fourth-level heading</h5>", plain)
    assert re.search(r"<h6>(<span[^>]*></span>)?A fifth-level heading</h6>", plain)
    pattern = (r'<section id="lesson-a-sixth-level-heading" class="level7">\s*'
               r'<p class="heading">(<span[^>]*></span>)?A sixth-level heading</p>')
    assert re.search(pattern, plain)
    with zipfile.ZipFile(real_build.one("epub")) as zf:
        chapter = zf.read(_chapter_of(real_build, "lesson")).decode("utf-8")
    assert re.search(pattern, chapter.replace("\u2060", ""))


def test_the_package_names_editors_as_editors_and_no_timeline_it_lacks(real_build: Built):
    with zipfile.ZipFile(real_build.one("epub")) as zf:
        opf = zf.read("EPUB/content.opf").decode("utf-8")
    assert re.search(r'<dc:creator id="([^"]+)">Edith Editor</dc:creator>\s*'
                     r'<meta refines="#\1" property="role" scheme="marc:relators">edt</meta>',
                     opf)
    summary = re.search(r'property="schema:accessibilitySummary">([^<]+)<', opf).group(1)
    assert "timeline" not in summary and "every image have text alternatives" in summary


def test_the_editors_english_in_a_french_chapter_is_marked_english(real_build: Built):
    with zipfile.ZipFile(real_build.one("epub")) as zf:
        chapter = zf.read(_chapter_of(real_build, "excerpt")).decode("utf-8")
    assert re.search(r'<section id="excerpt"[^>]* lang="fr" xml:lang="fr"', chapter)
    assert re.search(r'class="notes-heading" lang="en-GB" xml:lang="en-GB">Notes<', chapter)
    assert '<div lang="en" xml:lang="en">' in chapter


def test_accented_names_in_small_capitals_read_back_as_written(real_build: Built):
    text = pdftotext(real_build.one("pdf", "reading", "A4"))
    # The contents, the lesson's small capitals, the excerpt's byline (small capitals).
    assert text.count("Hélène Laramée") >= 3


def test_code_in_the_epub_fits_a_390_px_phone(real_build: Built):
    # The lesson's chapter, laid out with the EPUB's own stylesheet on a 390 px wide
    # screen: no line of the 200-character code line runs past its right edge.
    import weasyprint

    with zipfile.ZipFile(real_build.one("epub")) as zf:
        chapter = zf.read(_chapter_of(real_build, "lesson")).decode("utf-8")
        css = zf.read("EPUB/styles/stylesheet1.css").decode("utf-8")
    chapter = re.sub(r"<link[^>]*stylesheet[^>]*>", "", chapter)
    phone = weasyprint.CSS(string="@page { size: 390px 844px; margin: 0 }")
    # As a reading system shows it: on a screen, where Pandoc's own code style applies.
    document = weasyprint.HTML(string=chapter, media_type="screen").render(
        stylesheets=[weasyprint.CSS(string=css), phone])

    def boxes(box):
        yield box
        for child in getattr(box, "children", ()):
            yield from boxes(child)

    texts = [b for page in document.pages for b in boxes(page._page_box)
             if type(b).__name__ == "TextBox" and "argument_" in b.text]
    assert len(texts) > 1  # the line is wrapped ...
    assert max(b.position_x + b.width for b in texts) <= 390  # ... within the screen


@pytest.mark.parametrize(("variant", "paper"), [("reading", "A4"), ("reading", "US Letter"),
                                              ("large-print", "A4")])
def test_a_paragraph_dense_with_notes_is_not_spread_a_line_a_page(real_build: Built,
                                                                    variant, paper):
    # Seven notes in three lines, each call's note on its call's page. (In US Letter
    # WeasyPrint set it a line a page until the notes were checked: printing/footnotes.py.)
    pdf = real_build.one("pdf", variant, paper)
    pages = [" ".join(pdftotext(pdf, n, n).split())
             for n in range(1, _page_count(pdf) + 1)]
    first = next(p for p in pages if "The first claim." in p)
    assert "The third claim." in first and "The seventh note." in " ".join(pages)
    assert "So does the sixth." in first or variant == "large-print"


def _page_count(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)
