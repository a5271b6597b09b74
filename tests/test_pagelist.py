"""Page-break markers: unit cases on small documents, and the real edition against its PDF."""

from __future__ import annotations

import re
import zipfile

import pytest

from conftest import Built
from helpers import epub_file, pdftotext
from pressroom.errors import RenderError
from pressroom.pagelist import insert_markers, page_list_nav, place_markers
from pressroom.pdf import PageStart

DOC = (
    '<html><head><title>t</title></head><body><p>The first page opens here and “runs on” '
    "until the break.</p><p>Second page starts with this sentence and goes on.</p>"
    "<p>A realist para&amp;graph follows.</p></body></html>"
)


def test_markers_go_before_the_first_word_of_each_page():
    starts = [PageStart(3, ("The", "first", "page"), False),
              PageStart(4, ("Second", "page", "starts", "with"), False)]
    markers = place_markers([DOC], starts)
    out = insert_markers([DOC], markers)[0]
    assert '<p><span epub:type="pagebreak" role="doc-pagebreak" id="page-3"' in out
    assert 'aria-label="Page 4"></span>Second page starts' in out
    assert out.replace(re.search(r"<span[^>]*page-3[^>]*></span>", out).group(0), "").replace(
        re.search(r"<span[^>]*page-4[^>]*></span>", out).group(0), "") == DOC


def test_a_marker_never_splits_an_opening_quote_from_its_word():
    markers = place_markers([DOC], [PageStart(7, ("runs", "on”", "until"), False)])
    out = insert_markers([DOC], markers)[0]
    assert 'aria-label="Page 7"></span>“runs on”' in out


def test_a_page_opening_with_a_hyphenated_tail_marks_the_next_word():
    markers = place_markers([DOC], [PageStart(9, ("graph", "follows."), True)])
    out = insert_markers([DOC], markers)[0]
    assert 'aria-label="Page 9"></span>follows.' in out


def test_blank_pages_share_the_next_pages_position_in_order():
    starts = [PageStart(5, (), False), PageStart(6, ("Second", "page"), False)]
    out = insert_markers([DOC], place_markers([DOC], starts))[0]
    assert re.search(r'id="page-5"[^>]*></span><span[^>]*id="page-6"', out)


def test_words_that_are_not_there_stop_the_build():
    with pytest.raises(RenderError, match="cannot find where print page 4 begins"):
        place_markers([DOC], [PageStart(4, ("nowhere", "to", "be", "seen"), False)])


def test_nav_lists_every_marker_with_its_document():
    markers = place_markers([DOC, DOC], [PageStart(1, ("The", "first"), False),
                                         PageStart(2, ("Second", "page"), False)])
    nav = page_list_nav(markers, ["text/a.xhtml", "text/b.xhtml"])
    assert 'epub:type="page-list"' in nav
    assert '<a href="text/a.xhtml#page-1">1</a>' in nav
    assert '<a href="text/a.xhtml#page-2">2</a>' in nav


def _page_list(epub) -> list[tuple[str, str, int]]:
    nav = epub_file(epub, "EPUB/nav.xhtml")
    block = nav[nav.index('epub:type="page-list"'):]
    return [(href, frag, int(num)) for href, frag, num in
            re.findall(r'<a href="([^"#]+)#([^"]+)">(\d+)</a>', block)]


def test_the_page_list_has_one_entry_per_page_of_the_a4_article_and_appendices(
        edition_build: Built):
    entries = _page_list(edition_build.one("epub"))
    a4 = edition_build.one("pdf", "reading", "A4")
    total = next(o.pages for o in edition_build.outputs if o.path == a4)
    first_article_page = 3  # title page and contents come first
    assert [n for _, _, n in entries] == list(range(first_article_page, total + 1))


def test_words_after_each_marker_are_on_that_page_of_the_pdf(edition_build: Built):
    epub = edition_build.one("epub")
    a4 = edition_build.one("pdf", "reading", "A4")
    with zipfile.ZipFile(epub) as zf:
        docs = {n.removeprefix("EPUB/"): zf.read(n).decode() for n in zf.namelist()
                if n.endswith(".xhtml")}
    checked = 0
    for href, frag, number in _page_list(epub):
        raw = docs[href]
        after = raw[raw.index(f'id="{frag}"'):]
        after = after[after.index("</span>") + 7:]
        text = re.sub(r"<[^>]+>", " ", after)
        words = re.findall(r"[^\W\d_]{4,}", text)[:3]
        page_text = pdftotext(a4, number, number).replace("\u2010\n", "").replace("-\n", "")
        if not words or not page_text.strip():
            continue  # a blank page: its marker sits just before the next page's
        for word in words:
            assert word in page_text, f"page {number}: {word!r} not on it"
        checked += 1
    assert checked >= 15
