"""Page-break markers: unit cases on small documents, and the real edition against its PDF."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import Built
from helpers import MINIMAL, ROOT, TEMPLATES, copy_fixture, epub_file, pdftotext
from pressroom.engine.build import build
from pressroom.engine.prepare import prepare
from pressroom.engine.settings import Settings
from pressroom.epub.package import render_epub
from pressroom.epub.pagelist import Marker, find_markers, page_list_nav
from pressroom.epub.units import filter_document, plan
from pressroom.epub.xmltree import EPUB, XHTML
from pressroom.errors import RenderError
from pressroom.printing.pagemap import PageMap


def test_pages_without_text_begin_where_the_next_page_with_text_begins():
    page_map = [{"page": 1, "block": None, "offset": 0}, {"page": 2, "block": None, "offset": 0},
                {"page": 3, "block": "pm-4", "offset": 0}, {"page": 4, "block": "pm-9",
                                                            "offset": 120},
                {"page": 5, "block": None, "offset": 0}]
    assert PageMap.from_records(page_map, {}).placed() == [
        {"page": 1, "block": "pm-4", "offset": 0}, {"page": 2, "block": "pm-4", "offset": 0},
        {"page": 3, "block": "pm-4", "offset": 0}, {"page": 4, "block": "pm-9", "offset": 120},
        {"page": 5, "block": "pm-9", "offset": 120}]


def _marker(n: int) -> str:
    return (f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{n}" '
            f'aria-label="Page {n}"></span>')


def _xhtml(body: str) -> etree._Element:
    return etree.fromstring(
        f'<html xmlns="{XHTML}" xmlns:epub="{EPUB}"><body>{body}</body></html>')


def test_markers_are_found_by_id_and_listed_in_page_order():
    docs = {"text/a.xhtml": _xhtml(f"<p>{_marker(1)}One {_marker(2)}two</p>"),
            "text/b.xhtml": _xhtml(f"<p>{_marker(3)}three</p>")}
    markers = find_markers(docs)
    assert [(m.page, m.href) for m in markers] == [(1, "text/a.xhtml"), (2, "text/a.xhtml"),
                                                   (3, "text/b.xhtml")]


def test_a_marker_is_an_element_with_its_attributes_in_any_order_or_prefix():
    docs = {"text/a.xhtml": _xhtml(
        '<div id="page-2" role="doc-pagebreak" epub:type="pagebreak"></div>'
        '<p xmlns:ops="http://www.idpf.org/2007/ops"><span ops:type="pagebreak" '
        'role="doc-pagebreak" id="page-1"></span>'
        # Not markers: the id or type of a marker alone, a marker's text as text.
        '<span id="page-3"></span><span epub:type="pagebreak" role="doc-pagebreak" '
        'id="pagebreak-3"></span>&lt;span epub:type="pagebreak" role="doc-pagebreak" '
        'id="page-3"&gt;</p>')}
    assert [(m.page, m.href) for m in find_markers(docs)] == [(1, "text/a.xhtml"),
                                                              (2, "text/a.xhtml")]


def test_the_page_list_has_an_entry_per_marker_laid_out_like_pandocs_navs():
    nav = page_list_nav([Marker(1, "text/a.xhtml"), Marker(2, "text/b.xhtml")])
    assert nav.tag == f"{{{XHTML}}}nav"
    assert (nav.get(f"{{{EPUB}}}type"), nav.get("role"), nav.get("hidden")) == (
        "page-list", "doc-pagelist", "hidden")
    assert [(a.get("href"), a.text) for a in nav.iter(f"{{{XHTML}}}a")] == [
        ("text/a.xhtml#page-1", "1"), ("text/b.xhtml#page-2", "2")]
    assert etree.tostring(nav, encoding="unicode").split("\n")[1:] == [
        "    <h2>Pages</h2>",
        "    <ol>",
        '      <li><a href="text/a.xhtml#page-1">1</a></li>',
        '      <li><a href="text/b.xhtml#page-2">2</a></li>',
        "    </ol>",
        "  </nav>",
    ]


def test_a_missing_page_marker_is_an_error():
    with pytest.raises(RenderError, match="no marker for print page 2"):
        find_markers({"a": _xhtml(f"{_marker(1)}{_marker(3)}")})


def test_two_markers_for_one_page_are_an_error():
    with pytest.raises(RenderError, match="two markers for one print page"):
        find_markers({"a": _xhtml(_marker(1)), "b": _xhtml(f"{_marker(1)}{_marker(2)}")})


def test_the_navigation_page_list_is_built_from_the_markers(minimal_build: Built):
    epub = minimal_build.one("epub")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    with zipfile.ZipFile(epub) as zf:
        chapters = {n.removeprefix("EPUB/"): etree.fromstring(zf.read(n), parser)
                    for n in zf.namelist() if n.startswith("EPUB/text/ch")}
        nav = etree.fromstring(zf.read("EPUB/nav.xhtml"), parser)
    markers = find_markers(chapters)
    assert len(markers) >= 2
    body = nav.find(f"{{{XHTML}}}body")
    navs = [n.get(f"{{{EPUB}}}type") for n in body.iterchildren(f"{{{XHTML}}}nav")]
    # After Pandoc's contents and landmarks, once, a child of the body.
    assert navs == ["toc", "landmarks", "page-list"]
    page_list = body[-1]
    assert page_list.get("id") == "page-list" and page_list.get("hidden") == "hidden"
    assert page_list.get("aria-label") == "Print page list"
    assert page_list.get("role") == "doc-pagelist"
    entries = [(a.get("href"), a.text) for a in page_list.iter(f"{{{XHTML}}}a")]
    assert entries == [(f"{m.href}#page-{m.page}", str(m.page)) for m in markers]
    assert [m.page for m in markers] == list(range(1, len(markers) + 1))


def test_the_pages_filter_puts_a_marker_before_the_word_where_the_count_is_reached(tmp_path):
    settings = Settings(ROOT, MINIMAL, TEMPLATES, tmp_path / "build")
    prepared = prepare(settings)
    # The minimal edition's first text block after its opener (the abstract); 14 visible
    # characters in falls inside a word, so the marker goes before that word.
    probe = _epub(tmp_path / "probe.epub", prepared, PageMap())
    docs = {n: t for n, t in _documents(probe).items()}
    block = next(m.group(1) for t in docs.values()
                 for m in re.finditer(r'<span id="(pm-[\w-]+)"></span>This article', t))
    text = next(t for t in docs.values() if f'id="{block}"' in t)
    para = text[text.index(f'id="{block}"'):]
    para = re.sub(r"<[^>]+>", "", para[para.index(">") + 1:para.index("</p>")])
    visible = [i for i, ch in enumerate(para) if not ch.isspace()]
    word_start = para.rfind(" ", 0, visible[14]) + 1
    expected_word = para[word_start:].split()[0]
    out = _epub(tmp_path / "out.epub", prepared, PageMap.from_records(
        [{"page": 1, "block": block, "offset": 0}, {"page": 2, "block": block, "offset": 14}],
        {}))
    text = next(t for t in _documents(out).values() if f'id="{block}"' in t)
    assert f'id="{block}"></span>{_marker(1)}' in text
    after = text[text.index(_marker(2)) + len(_marker(2)):]
    assert re.sub(r"<[^>]+>", "", after).startswith(expected_word)


def _epub(path: Path, prepared, page_map: PageMap) -> Path:
    # The filters and the EPUB writer alone, given a page map made for the test.
    work = path.with_suffix(".work")
    work.mkdir()
    document = json.loads(prepared.document.read_text(encoding="utf-8"))
    filtered = work / "filtered.json"
    filtered.write_text(filter_document(document, prepared.metadata,
                                        plan(document, page_map))[0], encoding="utf-8")
    path.write_bytes(render_epub(prepared.edition, filtered, prepared.metadata,
                                 TEMPLATES, work, page_map=page_map))
    return path


def _documents(epub) -> dict[str, str]:
    with zipfile.ZipFile(epub) as zf:
        return {n: zf.read(n).decode() for n in zf.namelist() if n.endswith(".xhtml")}


def _page_list(epub) -> list[tuple[str, str, int]]:
    nav = epub_file(epub, "EPUB/nav.xhtml")
    block = nav[nav.index('epub:type="page-list"'):]
    return [(href, frag, int(num)) for href, frag, num in
            re.findall(r'<a href="([^"#]+)#([^"]+)">(\d+)</a>', block)]


@pytest.mark.slow
def test_the_page_list_has_one_entry_per_page_of_the_a4_edition(
        edition_build: Built):
    entries = _page_list(edition_build.one("epub"))
    a4 = edition_build.one("pdf", "reading", "A4")
    total = next(o.pages for o in edition_build.outputs if o.path == a4)
    # Every page, the title page and the contents included (they lead to where the text
    # begins).
    assert [n for _, _, n in entries] == list(range(1, total + 1))


@pytest.mark.slow
def test_words_after_each_marker_are_on_that_page_of_the_pdf(edition_build: Built):
    epub = edition_build.one("epub")
    a4 = edition_build.one("pdf", "reading", "A4")
    with zipfile.ZipFile(epub) as zf:
        docs = {n.removeprefix("EPUB/"): zf.read(n).decode() for n in zf.namelist()
                if n.endswith(".xhtml")}
    page_map = json.loads(next(o.path for o in edition_build.outputs
                               if o.variant == "page-map").read_text())
    without_text = {e["page"] for e in page_map["pages"] if e["block"] is None}
    checked = 0
    for href, frag, number in _page_list(epub):
        if number in without_text:
            continue  # the title page, the contents: their markers lead to the next text
        raw = docs[href]
        after = raw[raw.index(f'id="{frag}"'):]
        after = after[after.index("</span>") + 7:]
        text = re.sub(r"<[^>]+>", " ", after)
        words = re.findall(r"[^\W\d_]{4,}", text)[:3]
        page_text = pdftotext(a4, number, number).replace("\u2010\n", "").replace("-\n", "")
        if not words or not page_text.strip():
            continue  # a blank page: its marker sits just before the next page's
        first, *rest = words
        # A page may open with the end of a word hyphenated on the page before: the marker
        # then stands before the whole word, whose head ends the previous page.
        previous = pdftotext(a4, number - 1, number - 1) if number > 1 else ""
        assert first in page_text or (first[:3] in previous and any(
            first[k:] in page_text for k in range(2, len(first) - 1))), (number, first)
        for word in rest:
            assert word in page_text, f"page {number}: {word!r} not on it"
        checked += 1
    assert checked >= 15


def test_a_page_that_begins_in_chinese_is_found_by_identity(tmp_path):
    content = copy_fixture(tmp_path)
    reading = content / "readings" / "sample.md"
    sentence = "中苏同盟的历史说明了社会主义团结的意义，也说明了它的限度。"
    chinese = f"[{sentence * 90}]{{lang=zh-Hans}}"
    text = reading.read_text(encoding="utf-8")
    reading.write_text(text.replace("\n[^1]:", f"\n{chinese}\n\n[^1]:", 1), encoding="utf-8")
    settings = Settings(ROOT, content, TEMPLATES, tmp_path / "build")
    outputs = build(settings, formats=("pdf", "epub"), papers=("a4",), kinds=("reading",))
    pdf = next(o.path for o in outputs if o.format == "pdf")
    epub = next(o.path for o in outputs if o.format == "epub")
    total = next(o.pages for o in outputs if o.format == "pdf")
    assert [n for _, _, n in _page_list(epub)] == list(range(1, total + 1))
    page_map = json.loads(next(o.path for o in outputs if o.variant == "page-map").read_text())
    docs = _documents(epub)
    inside = [e for e in page_map["pages"] if e["block"] and e["offset"] > 0
              and sentence[:4] in pdftotext(pdf, e["page"], e["page"])]
    assert inside, "no page begins inside the Chinese paragraph"
    for entry in inside:
        raw = next(t for t in docs.values() if f'id="page-{entry["page"]}"' in t)
        after = raw[raw.index(f'id="page-{entry["page"]}"'):]
        after = re.sub(r"<[^>]+>", "", after[after.index("</span>") + 7:])[:6]
        page_text = "".join(pdftotext(pdf, entry["page"], entry["page"]).split())
        assert after in page_text, (entry, after)
