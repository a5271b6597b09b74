"""The EPUB renderer, with the real Pandoc and EPUBCheck, on the minimal fixture edition."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import struct
import zipfile

import pytest
from lxml import etree

from conftest import Built
from helpers import EPUB_NS, MINIMAL, ROOT, TEMPLATES, XHTML, build_epub, epub_file, epub_xhtml
from pressroom.checks.epub import epub_note_links, run_epubcheck
from pressroom.engine.settings import Settings
from pressroom.epub.cover import cover_html, cover_page, cover_png, pdf_font_names
from pressroom.epub.package import (
    NAV,
    PACKAGE,
    STYLESHEET,
    TITLE_PAGE,
    accessibility,
    finish_epub,
)
from pressroom.epub.xmltree import DC, OPF
from pressroom.errors import RenderError
from pressroom.printing.layout import render_pdf
from pressroom.sources.load import load_edition
from pressroom.tools.run import DEFAULT_LIMITS, run_bounded


def _opf(epub) -> str:
    with zipfile.ZipFile(epub) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".opf"))
    return epub_file(epub, name)


@pytest.mark.slow
def test_epubcheck_reports_no_errors_or_warnings(minimal_build: Built):
    result = run_epubcheck(minimal_build.one("epub"))
    assert result.ok, result.detail


def test_package_metadata(minimal_build: Built):
    opf = _opf(minimal_build.one("epub"))
    assert "<dc:title" in opf and "On Sample Texts" in opf
    assert re.search(r"<dc:creator[^>]*>Ada Example</dc:creator>", opf)
    assert "<dc:language>en-GB</dc:language>" in opf
    assert "Copyright 1999 by the author. All rights reserved." in opf
    # The source's citation, by citeproc in the default style (Chicago author-date).
    assert ("<dc:source>Example, Ada. 1999. “On Sample Texts: A Fixture in Two Paragraphs.” "
            "Journal of Fixtures 3 (2). https://example.org/sample.</dc:source>") in opf
    assert "<meta property=\"dcterms:modified\">2020-05-01T00:00:00Z</meta>" in opf
    assert re.search(r"<dc:identifier[^>]*>urn:uuid:[0-9a-f-]{36}</dc:identifier>", opf)


def _opf_tree(epub) -> etree._Element:
    with zipfile.ZipFile(epub) as zf:
        return etree.fromstring(zf.read(PACKAGE), etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False))


def test_the_finished_package_document_parses_to_what_we_put_in(minimal_build: Built):
    package = _opf_tree(minimal_build.one("epub"))
    metadata, manifest, spine = (package.find(f"{{{OPF}}}{name}")
                                 for name in ("metadata", "manifest", "spine"))
    metas = [(m.get("property"), m.text) for m in metadata.iter(f"{{{OPF}}}meta")
             if m.get("property") is not None]
    # One date of modification, the edition's (Pandoc's 1970, from its sandbox, is gone).
    assert [text for prop, text in metas if prop == "dcterms:modified"] == [
        "2020-05-01T00:00:00Z"]
    # Our accessibility claims, in our order, and none of Pandoc's left beside them.
    claims = accessibility(load_edition(MINIMAL), has_page_list=True, has_images=True)
    expected = [("schema:accessMode", "textual"), ("schema:accessMode", "visual"),
                ("schema:accessModeSufficient", "textual"),
                *[("schema:accessibilityFeature", f) for f in claims.features],
                ("schema:accessibilityHazard", "none"),
                ("schema:accessibilitySummary", claims.summary)]
    assert [(p, t) for p, t in metas if p.startswith("schema:")] == expected
    assert ("dcterms:conformsTo", claims.conforms_to) in metas
    # Every added element is in the OPF namespace, under the prefix Pandoc uses (none).
    assert {m.prefix for m in metadata.iter(f"{{{OPF}}}meta")} == {None}
    cover_meta = [m for m in metadata.iter(f"{{{OPF}}}meta") if m.get("name") == "cover"]
    assert [m.get("content") for m in cover_meta] == ["cover-image"]
    assert [(e.get("id"), e.text) for e in metadata.iter(f"{{{DC}}}identifier")][1] == (
        "edition-urn", "urn:pressroom:minimal-edition:2020-05-01")
    items = {i.get("id"): i for i in manifest.iter(f"{{{OPF}}}item")}
    assert dict(items["cover-image"].attrib) == {
        "id": "cover-image", "href": "media/cover.png", "media-type": "image/png",
        "properties": "cover-image"}
    assert dict(items["cover_xhtml"].attrib) == {
        "id": "cover_xhtml", "href": "text/cover.xhtml", "media-type": "application/xhtml+xml"}
    assert len([i for i in items.values() if "cover-image" in (i.get("properties") or "")]) == 1
    # The cover page opens the reading order, once; the title page follows.
    refs = [r.get("idref") for r in spine.iter(f"{{{OPF}}}itemref")]
    assert refs[:2] == ["cover_xhtml", "title_page_xhtml"] and refs.count("cover_xhtml") == 1


def _raw_epub(path, opf: bytes):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip")
        zf.writestr(PACKAGE, opf)
        zf.writestr(NAV, '<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>')
        for name in (STYLESHEET, TITLE_PAGE):
            zf.writestr(name, "")
    return path


@pytest.mark.parametrize(("opf", "message"), [
    (b'<package xmlns="http://www.idpf.org/2007/opf"><metadata/><manifest/><spine/></package>',
     "no dcterms:modified"),
    (b'<package xmlns="http://www.idpf.org/2007/opf"><metadata><meta property='
     b'"dcterms:modified">x</meta></metadata><manifest/></package>', "no spine"),
    (b"<package><metadata>", "not well-formed XML"),
])
def test_a_pandoc_package_document_without_what_we_finish_is_an_error(tmp_path, opf, message):
    raw = _raw_epub(tmp_path / ".pandoc.epub", opf)
    with pytest.raises(RenderError, match=message) as caught:
        finish_epub(raw, load_edition(MINIMAL), TEMPLATES)
    assert caught.value.path == raw


def test_note_calls_link_to_notes_and_back(minimal_build: Built):
    calls, problems = epub_note_links(minimal_build.one("epub"))
    assert calls == 3
    assert problems == []


def test_notes_are_footnotes_with_roles(minimal_build: Built):
    docs = epub_xhtml(minimal_build.one("epub"))
    notes = [el for root in docs.values() for el in root.iter()
             if el.get(f"{EPUB_NS}type") == "footnote"]
    assert [n.get("id") for n in notes] == [f"sample-1999-note-{i}" for i in (1, 2, 3)]
    assert all(n.get("role") == "doc-footnote" for n in notes)
    # An <aside> is what reading systems (Apple Books, Kobo) open as a pop-up note.
    assert all(n.tag == f"{XHTML}aside" for n in notes)
    assert not [el for root in docs.values() for el in root.iter(f"{XHTML}div")
                if el.get("role") == "doc-footnote"]


def test_the_notes_section_is_labelled_by_its_heading(minimal_build: Built):
    docs = epub_xhtml(minimal_build.one("epub"))
    sections = [el for root in docs.values() for el in root.iter(f"{XHTML}section")
                if el.get("role") == "doc-endnotes"]
    assert len(sections) == 1
    section = sections[0]
    label = section.get("aria-labelledby")
    assert label and label != section.get("id")
    heading = next(el for el in section.iter() if el.get("id") == label)
    assert heading.tag == f"{XHTML}h2" and "".join(heading.itertext()) == "Notes"
    assert [n.get("id") for n in section.iter(f"{XHTML}aside")] == [
        f"sample-1999-note-{i}" for i in (1, 2, 3)]


def test_notes_cite_the_appendix_entries_in_words(minimal_build: Built):
    docs = epub_xhtml(minimal_build.one("epub"))
    note = next(el for root in docs.values() for el in root.iter()
                if el.get("id") == "sample-1999-note-1")
    citedby = next(el for el in note.iter(f"{XHTML}span") if el.get("class") == "note-citedby")
    text = " ".join("".join(citedby.itertext()).split())
    assert text == "[See App. A, 14 Feb. 1950; App. B, Author 1998.]"
    links = [a.get("href") for a in citedby.iter(f"{XHTML}a")]
    assert links == ["ch002.xhtml#chron-treaty", "ch003.xhtml#hist-a-book"]


def test_appendix_links_to_notes_resolve_across_files(minimal_build: Built):
    docs = epub_xhtml(minimal_build.one("epub"))
    ids = {el.get("id"): name for name, root in docs.items() for el in root.iter()
           if el.get("id")}
    xrefs = [(name, a.get("href")) for name, root in docs.items()
             for a in root.iter(f"{XHTML}a") if "note-xref" in (a.get("class") or "")]
    assert len(xrefs) == 6
    backrefs = [(name, a.get("href")) for name, root in docs.items()
                for a in root.iter(f"{XHTML}a") if "entry-xref" in (a.get("class") or "")]
    assert len(backrefs) == 6  # each note links back to the entries that cite it
    for name, href in xrefs + backrefs:
        file, _, frag = href.partition("#")
        assert ids[frag].endswith(file), (name, href)


@pytest.fixture(scope="module")
def second_epub(tmp_path_factory):
    settings = Settings(ROOT, MINIMAL, TEMPLATES, tmp_path_factory.mktemp("again"))
    return build_epub(settings)


def test_two_builds_give_the_same_identifier_and_bytes(minimal_build: Built, second_epub):
    first = minimal_build.one("epub")
    ident = re.compile(r"<dc:identifier[^>]*>([^<]+)<")
    assert ident.search(_opf(first)).group(1) == ident.search(_opf(second_epub)).group(1)
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(
        second_epub.read_bytes()).digest()


def test_every_content_document_declares_its_language(minimal_build: Built):
    for name, root in epub_xhtml(minimal_build.one("epub")).items():
        assert root.get("lang") == "en-GB", name


def test_cover_is_a_raster_image_declared_and_described(minimal_build: Built):
    epub = minimal_build.one("epub")
    covers = [(i.get("href"), i.get("media-type"))
              for i in _opf_tree(epub).iter(f"{{{OPF}}}item")
              if "cover-image" in (i.get("properties") or "").split()]
    assert covers == [("media/cover.png", "image/png")]
    with zipfile.ZipFile(epub) as zf:
        png = zf.read("EPUB/media/cover.png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", png[16:24]) == (1600, 2400)
    chunks, at = [], 8
    while at < len(png):
        size, kind = struct.unpack(">I4s", png[at:at + 8])
        chunks.append(kind)
        at += 12 + size
    # Pixels only: no time stamp or text that would differ between builds.
    assert chunks[-1] == b"IEND" and not {b"tIME", b"tEXt", b"iTXt", b"zTXt"} & set(chunks)
    page = epub_file(epub, "EPUB/text/cover.xhtml")
    assert 'src="../media/cover.png"' in page
    assert 'alt="Cover: On Sample Texts: A Fixture in Two Paragraphs, by Ada Example"' in page


def test_the_cover_page_escapes_the_title_and_authors_it_names():
    edition = load_edition(MINIMAL)
    lead = edition.lead.meta.model_copy(update={"title": 'Tom & Jerry\'s "<Cat>"'})
    odd = dataclasses.replace(edition, readings=(
        dataclasses.replace(edition.readings[0], meta=lead), *edition.readings[1:]))
    page = etree.fromstring(cover_page(odd, TEMPLATES).encode("utf-8"))
    assert page.findtext(f"{XHTML}head/{XHTML}title") == 'Tom & Jerry\'s "<Cat>"'
    image = page.find(f".//{XHTML}img")
    assert image.get("alt") == f"Cover: {odd.full_title}, by Ada Example"
    assert image.get("src") == "../media/cover.png"
    assert page.get("lang") == page.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"


def test_cover_text_is_set_in_eb_garamond_from_the_metadata():
    edition = load_edition(MINIMAL)
    html = cover_html(edition, TEMPLATES)
    assert "On Sample Texts" in html and "Ada Example" in html and "Fixture Press" in html
    fonts = pdf_font_names(render_pdf(html, TEMPLATES, variant=None).data)
    assert fonts and all(f.replace("-", "").startswith("EBGaramond") for f in fonts), fonts


def test_a_cover_character_outside_eb_garamond_stops_the_build():
    edition = load_edition(MINIMAL)
    # U+262D is in DejaVu Sans, not in EB Garamond: WeasyPrint would set it in DejaVu.
    lead = edition.lead.meta.model_copy(update={"title": "On Sample Texts \u262d"})
    odd = dataclasses.replace(edition, readings=(
        dataclasses.replace(edition.readings[0], meta=lead), *edition.readings[1:]))
    with pytest.raises(RenderError, match="not EB Garamond alone"):
        cover_png(odd, TEMPLATES)


def test_title_page_is_styled_with_citation_link_and_human_date(minimal_build: Built):
    epub = minimal_build.one("epub")
    page = epub_file(epub, "EPUB/text/title_page.xhtml")
    root = epub_xhtml(epub)["EPUB/text/title_page.xhtml"]
    text = " ".join(" ".join(root.itertext()).split())
    assert "2020-05-01" not in page  # the ISO date Pandoc's title page showed
    assert "This edition: Fixture Press, 1 May 2020." in text
    assert "University of Nowhere" in text and "A Fixture in Two Paragraphs" in text
    # The source's citation by citeproc (Chicago author-date, the default style).
    assert ("First published as: Example, Ada. 1999. “On Sample Texts: A Fixture in Two "
            "Paragraphs.” Journal of Fixtures 3 (2).") in text
    # In the style's italics, as in the reading's opener.
    assert "Journal of Fixtures" in [e.text for e in root.iter(f"{XHTML}em")]
    assert "Copyright 1999 by the author. All rights reserved. Ask the author before copying." \
        in text
    links = list(root.iter(f"{XHTML}a"))
    assert [a.get("href") for a in links] == ["https://example.org/sample"]
    for a in links:
        label = "".join(a.itertext())
        assert label and "://" not in label and label != a.get("href"), label
    assert 'href="../styles/stylesheet1.css"' in page


def test_accessibility_metadata(minimal_build: Built):
    opf = _opf(minimal_build.one("epub"))
    for expected in (
        '<meta property="schema:accessMode">textual</meta>',
        '<meta property="schema:accessModeSufficient">textual</meta>',
        '<meta property="schema:accessibilityFeature">structuralNavigation</meta>',
        '<meta property="schema:accessibilityFeature">tableOfContents</meta>',
        '<meta property="schema:accessibilityFeature">printPageNumbers</meta>',
        '<meta property="schema:accessibilityHazard">none</meta>',
        '<meta property="dcterms:conformsTo">EPUB Accessibility 1.1 - WCAG 2.2 Level AA</meta>',
        '<meta property="pageBreakSource">minimal-edition-a4.pdf',
    ):
        assert expected in opf
    assert re.search(r'<meta property="schema:accessibilitySummary">[^<]{40,}</meta>', opf)
    # The timeline figure is the one image: it has alt text, so alternativeText is claimed,
    # and it is visual content, though the text alone suffices.
    assert '<meta property="schema:accessibilityFeature">alternativeText</meta>' in opf
    assert '<meta property="schema:accessMode">visual</meta>' in opf


def test_subtitle_is_a_refined_title(minimal_build: Built):
    opf = _opf(minimal_build.one("epub"))
    assert '<dc:title id="epub-subtitle">A Fixture in Two Paragraphs</dc:title>' in opf
    assert '<meta refines="#epub-subtitle" property="title-type">subtitle</meta>' in opf


def test_calibre_reads_title_author_language_and_identifier(minimal_build: Built):
    seconds, memory_mb = DEFAULT_LIMITS.of("tool")
    result = run_bounded(["ebook-meta", str(minimal_build.one("epub"))], seconds=seconds,
                         memory_mb=memory_mb, what="ebook-meta", limit="tool")
    assert result.returncode == 0, result.stderr
    fields = dict(re.findall(r"^(\w[\w() ]*?)\s*:\s(.+)$", result.stdout, re.MULTILINE))
    assert fields["Title"].startswith("On Sample Texts")
    assert fields["Author(s)"] == "Ada Example"
    assert fields["Languages"] == "eng"
    assert fields["Identifiers"] == "pressroom:minimal-edition:2020-05-01"


def test_each_chapter_is_titled_by_its_heading_and_no_list_of_titles_holds_a_joiner(
        minimal_build: Built):
    epub = minimal_build.one("epub")
    with zipfile.ZipFile(epub) as zf:
        chapters = sorted(n for n in zf.namelist() if re.fullmatch(r"EPUB/text/ch\d+\.xhtml", n))
        titles = {}
        for name in chapters:
            root = etree.fromstring(zf.read(name))
            heading = next(root.iter(f"{XHTML}h1", f"{XHTML}h2"))
            titles[name] = ("".join(root.find(f"{XHTML}head/{XHTML}title").itertext()),
                            "".join(heading.itertext()))
        nav, ncx = zf.read("EPUB/nav.xhtml").decode(), zf.read("EPUB/toc.ncx").decode()
    # What a reading system announces is the chapter's heading, not its file name.
    assert all(title == " ".join(heading.replace("\u2060", "").split())
               for title, heading in titles.values()), titles
    # The chronology's heading keeps the word joiners round its range's dash (the print
    # filter's, for display type); its title, the navigation and the NCX do not.
    chronology = next(t for t in titles.values() if "Chronology" in t[1])
    assert "1949\u2060\u2013\u20601951" in chronology[1]
    assert "1949\u20131951" in chronology[0]
    assert "Chronology of the Sample, 1949\u20131951" in nav and "\u2060" not in nav
    assert "Chronology of the Sample, 1949\u20131951" in ncx and "\u2060" not in ncx


def test_an_empty_element_of_a_chapter_keeps_its_end_tag(minimal_build: Built):
    # Read as HTML (a browser given the file), <span id="x"/> would open a span round the
    # rest of its paragraph.
    chapter = epub_file(minimal_build.one("epub"), "EPUB/text/ch001.xhtml")
    assert re.search(r'<span id="pm-[\w-]+"></span>', chapter)
    assert not re.search(r"<(?!br|img|hr|meta|link)\w+[^>]*/>", chapter)


def test_the_landmarks_lead_to_the_cover_and_the_start_of_the_reading(minimal_build: Built):
    nav = etree.fromstring(epub_file(minimal_build.one("epub"), "EPUB/nav.xhtml").encode())
    landmarks = next(n for n in nav.iter(f"{XHTML}nav")
                     if n.get(f"{EPUB_NS}type") == "landmarks")
    found = {a.get(f"{EPUB_NS}type"): a.get("href") for a in landmarks.iter(f"{XHTML}a")}
    assert found == {"titlepage": "text/title_page.xhtml", "toc": "#toc",
                     "cover": "text/cover.xhtml", "bodymatter": "text/ch001.xhtml"}
