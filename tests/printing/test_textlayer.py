"""Every word of the print HTML is whole in the PDFs' text layer: hyphenation stays on the
page, and text extraction (poppler's pdftotext, as pdf.js and the search of most viewers)
joins it up again, since the hyphen WeasyPrint adds is U+002D (print.css)."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path

import lxml.html
import pytest

from conftest import Built
from helpers import CONTENT, FIXTURES, ROOT, TEMPLATES
from pressroom.engine.build import build
from pressroom.engine.handout import build_handout
from pressroom.engine.settings import Settings

#: Marks that only steer line breaking (word joiner, soft hyphen) and spaces that print as one.
_HINTS = str.maketrans({"\u2060": "", "\u00ad": "", "\u00a0": " ", "\u202f": " "})
#: A word: letters and digits, with the hyphens and apostrophes inside it.
_WORD = re.compile(r"[^\W_]+(?:[-\u2010'’][^\W_]+)*")


#: Elements inside a word: formatting, and the spans of the print filter.
_INLINE = frozenset({"em", "i", "strong", "b", "span", "a", "small", "cite", "q", "abbr",
                     "code", "sub", "mark", "u", "s"})
#: Inline elements that are not inside a word: a note call, its note, the note's number.
_APART = frozenset({"noteref", "footnote", "note-back"})
#: What every variant prints as text: paragraphs, headings, list items, table cells; not a
#: figure's caption, nor what is hidden (large print and the booklets give the figure as text by
#: phase, A4 and Letter the figure).
_TEXT = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dt", "dd"})


def _text(element) -> str:
    inside = element.tag in _INLINE and not _APART & set(element.get("class", "").split())
    parts = [element.text or ""]
    for child in element:
        if child.tag in ("style", "script"):
            parts.append(child.tail or "")
            continue
        parts += [_text(child), child.tail or ""]
    text = "".join(parts)
    return text if inside else f" {text} "


def html_words(html: Path, within: str | None = None,
               leave_out: frozenset[str] | set[str] = frozenset()) -> Counter[str]:
    """The words of the text the print HTML gives WeasyPrint to set, outside figures, with
    how often each occurs; only inside the element ``within`` (an id), if given, and not in
    elements of the classes ``leave_out``."""
    body = lxml.html.parse(str(html)).getroot().find("body")
    if within is not None:
        body = next(e for e in body.iter() if e.get("id") == within)
    for element in list(body.iter()):
        if set(element.get("class", "").split()) & set(leave_out):
            element.drop_tree()
    words: Counter[str] = Counter()
    for element in body.iter(*_TEXT):
        if element.get("hidden") is not None or any(
                a.tag in _TEXT or a.tag == "figure" or a.get("hidden") is not None
                or "figure" in a.get("class", "").split() for a in element.iterancestors()):
            continue
        words.update(_WORD.findall(_text(element).translate(_HINTS)))
    return words


def pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=120).stdout
    return [page.translate(_HINTS) for page in text.split("\f")]


#: pdf.js, as the set-up installs it for the tests (scripts/setup.sh).
PDFJS = ROOT / ".tools" / "pdfjs"
PDFJS_TEXT = Path(__file__).with_name("pdfjs_text.mjs")


def _folded(text: str) -> str:
    """Text as pdf.js's find bar compares it: accents apart, typographic quotes plain."""
    text = unicodedata.normalize("NFD", text).translate(str.maketrans("’‘“”", "''\"\""))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


def pdfjs_pages(pdf: Path) -> list[str]:
    """Each page's text as pdf.js's find bar searches it (its PDFFindController)."""
    text = subprocess.run(["node", str(PDFJS_TEXT), str(PDFJS), str(pdf)], capture_output=True,
                          text=True, check=True, timeout=120).stdout
    return text.split("\f")


def pdfjs_broken_words(html: Path, pdf: Path) -> list[str]:
    """The words of the HTML that pdf.js's find bar finds whole fewer times than the HTML
    has them, but for a word hyphenated at the foot of a page (see broken_words)."""
    found = Counter(w for page in pdfjs_pages(pdf) for w in _WORD.findall(_folded(page)))
    at_foot, _ = broken_words(html, pdf)
    return sorted(word for word, count in html_words(html).items()
                  if found[_folded(word)] < count and word not in at_foot)


def broken_words(html: Path, pdf: Path, **only) -> tuple[list[str], list[str]]:
    """The words of the HTML that the PDF's text holds whole fewer times than the HTML has
    them (it has more: running heads, the contents): those hyphenated at the foot of a page
    (the one place extraction cannot join a word: its rest is on the next page, after the
    notes and the folio), and all others."""
    pages = pdf_pages(pdf)
    found = Counter(word for page in pages for word in _WORD.findall(page))
    # pdftotext joins a hyphenated line end inside a block of text; what it leaves is a
    # block's last line (a page's, or in a booklet a half-sheet's, whose rest is elsewhere).
    heads = {head for page in pages for head in re.findall(r"([^\W_]+)-\n", page)}
    across = {head + tail for head in heads for tail in found}
    # Where the foot of the page is a note, pdftotext runs the word's head into the note's
    # number below it ("evi-" and "1. Long Live …" read as "evi1."): the head and the note
    # number are both missing whole.
    for token in found:
        run_in = re.fullmatch(r"([^\W\d_]{2,})(\d+)", token)
        if run_in:
            across |= {run_in.group(2)} | {w for w in html_words(html, **only)
                                           if w.startswith(run_in.group(1))}
    short = sorted(word for word, count in html_words(html, **only).items()
                   if found[word] < count)
    return [w for w in short if w in across], [w for w in short if w not in across]


@pytest.fixture(scope="module")
def hyphens_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A reading of long words: every paper hyphenates many of its lines."""
    settings = Settings(ROOT, FIXTURES / "hyphens", TEMPLATES,
                        tmp_path_factory.mktemp("hyphens-build"))
    return Built(settings, build(settings, formats=("html", "pdf"), kinds=("reading",)))


def test_a_hyphenated_word_is_whole_in_the_text_layer(hyphens_build: Built):
    html = hyphens_build.one("html")
    for paper in ("A4", "US Letter"):
        pdf = hyphens_build.one("pdf", "reading", paper)
        raw = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True,
                             text=True, check=True).stdout
        # The fixture does hyphenate, with the ASCII hyphen and only that: not vacuous.
        assert len(re.findall(r"[^\W_]-\n", raw)) >= 5, raw
        assert "\u2010" not in raw
        at_foot, broken = broken_words(html, pdf)
        assert not broken and not at_foot, (pdf.name, broken, at_foot)


def test_pdfjs_finds_every_word_whole(hyphens_build: Built, tmp_path: Path):
    html = hyphens_build.one("html")
    for paper in ("A4", "US Letter"):
        assert pdfjs_broken_words(html, hyphens_build.one("pdf", "reading", paper)) == []
    # And finds the split: WeasyPrint's own U+2010 hyphen splits the word for pdf.js too.
    from weasyprint import HTML

    pdf = tmp_path / "u2010.pdf"
    HTML(string='<html lang="en-US"><style>p { width: 6em; hyphens: auto; font-size: 20pt }'
         '</style><p>Internationalism, too.</p>').write_pdf(pdf)
    (tmp_path / "a.html").write_text("<html><body><p>Internationalism, too.</p></body></html>",
                                     encoding="utf-8")
    assert pdfjs_broken_words(tmp_path / "a.html", pdf) == ["Internationalism"]


def test_a_compound_keeps_its_hyphen_whole(hyphens_build: Built):
    text = "".join(pdf_pages(hyphens_build.one("pdf", "reading", "A4")))
    for word in ("well-established", "long-standing", "self-contradictory"):
        assert re.search(rf"\b{word}\b", text), word


def test_a_split_word_is_found(tmp_path: Path):
    # The check itself: a PDF whose text splits a word at a U+2010 line end fails it.
    html = tmp_path / "a.html"
    html.write_text("<html><body><p>Internationalism, too.</p></body></html>",
                    encoding="utf-8")
    pdf = tmp_path / "a.pdf"
    style = "p { width: 6em; hyphens: auto; font-size: 20pt }"
    from weasyprint import HTML

    HTML(string=f'<html lang="en-US"><style>{style}</style><p>Internationalism, too.</p>'
         ).write_pdf(pdf)
    assert broken_words(html, pdf) == ([], ["Internationalism"])


@pytest.mark.slow
def test_every_word_of_the_edition_is_whole_in_every_pdf(edition_build: Built, tmp_path: Path):
    html = edition_build.one("html")
    pdfs = [o.path for o in edition_build.outputs if o.format == "pdf"]
    settings = Settings(ROOT, CONTENT, TEMPLATES, tmp_path / "handout")
    handouts = [o.path for o in build_handout(settings, "blank-2014") if o.format == "pdf"]
    assert len(pdfs) == 5 and len(handouts) == 3
    for pdf in handouts:
        # A handout's text is its reading's alone, without the notes' references to the
        # appendices.
        at_foot, broken = broken_words(html, pdf, within="blank-2014",
                                       leave_out={"note-citedby"})
        assert not broken, (pdf.name, broken[:10])
        assert len(at_foot) <= 6, (pdf.name, at_foot)
    for pdf in pdfs:
        at_foot, broken = broken_words(html, pdf)
        assert not broken, (pdf.name, broken[:10])
        assert len(at_foot) <= 6, (pdf.name, at_foot)
        if "booklet" not in pdf.name:
            # pdf.js runs the lines of two pages imposed side by side together where they
            # share a baseline ("…wordAppendix"): a sheet for the printer, not the screen.
            assert pdfjs_broken_words(html, pdf) == [], pdf.name
