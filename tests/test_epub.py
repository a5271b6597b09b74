"""The EPUB renderer, with the real Pandoc and EPUBCheck, on the minimal fixture edition."""

from __future__ import annotations

import hashlib
import re
import subprocess
import zipfile

import pytest

from conftest import Built
from helpers import EPUB_NS, MINIMAL, ROOT, TEMPLATES, XHTML, epub_file, epub_xhtml
from pressroom.check import epub_note_links, run_epubcheck
from pressroom.pipeline import Settings, build_epub, prepare


def _opf(epub) -> str:
    with zipfile.ZipFile(epub) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".opf"))
    return epub_file(epub, name)


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
    return build_epub(settings, prepare(settings)).path


def test_two_builds_give_the_same_identifier_and_bytes(minimal_build: Built, second_epub):
    first = minimal_build.one("epub")
    ident = re.compile(r"<dc:identifier[^>]*>([^<]+)<")
    assert ident.search(_opf(first)).group(1) == ident.search(_opf(second_epub)).group(1)
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(
        second_epub.read_bytes()).digest()


def test_every_content_document_declares_its_language(minimal_build: Built):
    for name, root in epub_xhtml(minimal_build.one("epub")).items():
        assert root.get("lang") == "en-GB", name


def test_cover_is_declared_and_described(minimal_build: Built):
    epub = minimal_build.one("epub")
    opf = _opf(epub)
    assert re.search(r'<item id="cover-image" href="media/cover.svg" '
                     r'media-type="image/svg\+xml" properties="cover-image" />', opf)
    svg = epub_file(epub, "EPUB/media/cover.svg")
    assert "On Sample Texts" in svg and "Ada Example" in svg and "<title" in svg
    page = epub_file(epub, "EPUB/text/cover.xhtml")
    assert 'alt="Cover: On Sample Texts: A Fixture in Two Paragraphs, by Ada Example"' in page


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
    result = subprocess.run(["ebook-meta", str(minimal_build.one("epub"))],
                            capture_output=True, text=True, timeout=120, check=True)
    fields = dict(re.findall(r"^(\w[\w() ]*?)\s*:\s(.+)$", result.stdout, re.MULTILINE))
    assert fields["Title"].startswith("On Sample Texts")
    assert fields["Author(s)"] == "Ada Example"
    assert fields["Languages"] == "eng"
    assert fields["Identifiers"] == "pressroom:minimal-edition:2020-05-01"
