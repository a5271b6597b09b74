"""Hostile content: what YAML and Markdown can smuggle in, and what the renderers may read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from weasyprint.urls import FatalURLFetchingError

from helpers import ROOT, TEMPLATES, build_epub, copy_fixture, epub_file
from pressroom.engine.build import build
from pressroom.engine.settings import Settings
from pressroom.errors import PressroomError, RenderError, SafetyError
from pressroom.printing.layout import ConfinedFetcher, render_pdf


def _edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def _settings(tmp_path: Path, content: Path) -> Settings:
    return Settings(ROOT, content, TEMPLATES, tmp_path / "build")


def test_an_annotation_cannot_rewrite_the_metadata(tmp_path):
    content = copy_fixture(tmp_path)
    _edit(content, "timeline/chronology.yaml", "The treaty the first paragraph discusses.",
          "|-\n      Innocent.\n\n      ---\n      title: HIJACKED\n      lang: fr\n      ---")
    settings = _settings(tmp_path, content)
    epub = build_epub(settings)
    opf = epub_file(epub, "EPUB/content.opf")
    assert "HIJACKED" not in opf and "<dc:language>en-GB</dc:language>" in opf
    assert re.search(r'<dc:title id="epub-title-1">On Sample Texts</dc:title>', opf)


def test_metadata_strings_print_literally(tmp_path):
    content = copy_fixture(tmp_path)
    _edit(content, "readings/sample.md", "title: On Sample Texts",
          "title: '1984. The *Year* [x](#sample-1999)'")
    settings = _settings(tmp_path, content)
    epub = build_epub(settings)
    opf = epub_file(epub, "EPUB/content.opf")
    assert "<dc:title id=\"epub-title-1\">1984. The *Year* [x](#sample-1999)</dc:title>" in opf
    title_page = epub_file(epub, "EPUB/text/title_page.xhtml")
    # The citation's italics are the style's (the journal's title), never the title's stars.
    assert "<em>Year</em>" not in title_page and 'href="#sample-1999"' not in title_page
    assert "<em>Journal of Fixtures</em>" in title_page
    assert "1984. The *Year* [x](#sample-1999)</h1>" in title_page


def test_a_duplicate_id_from_data_stops_the_build(tmp_path):
    content = copy_fixture(tmp_path)
    _edit(content, "timeline/chronology.yaml", "The year is uncertain.",
          "The year is [uncertain]{#sample-1999-note-1}.")
    settings = _settings(tmp_path, content)
    with pytest.raises(RenderError, match="duplicate id #sample-1999-note-1"):
        build(settings, formats=("html",))


@pytest.mark.parametrize("target", ["javascript:alert(1)", "file:///etc/passwd", "../x.html"])
def test_links_to_other_schemes_stop_the_build(tmp_path, target):
    content = copy_fixture(tmp_path)
    _edit(content, "timeline/chronology.yaml", "The year is uncertain.",
          f"The year is [uncertain]({target}).")
    settings = _settings(tmp_path, content)
    with pytest.raises(PressroomError, match="link to unsupported target"):
        build(settings, formats=("html",))


def test_pandoc_reads_no_image_from_outside_the_project(tmp_path):
    content = copy_fixture(tmp_path)
    _edit(content, "timeline/chronology.yaml", "The year is uncertain.",
          "The year is ![uncertain](/etc/hostname).")
    settings = _settings(tmp_path, content)
    with pytest.raises(RenderError, match="hostname"):
        build_epub(settings)


def test_the_fetcher_allows_data_and_project_files_only(tmp_path):
    project = tmp_path / "project"
    (project / "img").mkdir(parents=True)
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    (project / "img" / "ok.svg").write_text(svg)
    (tmp_path / "secret.svg").write_text(svg)
    (project / "img" / "link.svg").symlink_to(tmp_path / "secret.svg")
    (project / ".git").mkdir()
    (project / ".git" / "hidden.svg").write_text(svg)
    fetcher = ConfinedFetcher(project)
    assert fetcher.fetch("data:text/plain,hello") is not None
    assert fetcher.fetch((project / "img" / "ok.svg").as_uri()) is not None
    for url in ((project / "img" / "link.svg").as_uri(), (tmp_path / "secret.svg").as_uri(),
                (project / ".git" / "hidden.svg").as_uri(), project.as_uri(),
                "https://example.org/x.svg"):
        with pytest.raises(FatalURLFetchingError, match="refused to fetch"):
            fetcher.fetch(url)
    html = f'<html><body><img src="{(project / "img" / "link.svg").as_uri()}" alt=""></body></html>'
    with pytest.raises(SafetyError):
        render_pdf(html, project, variant=None)
