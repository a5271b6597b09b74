"""Images beside a reading: checked at load time, shown in the PDF and the EPUB; tables."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
import weasyprint
from PIL import Image
from weasyprint.formatting_structure import boxes

from helpers import (
    FIXTURES,
    TEMPLATES,
    build_a4,
    build_epub,
    copy_fixture,
    epub_xhtml,
    pdftotext,
    variant_html,
)
from pressroom.checks.epub import run_epubcheck
from pressroom.engine.settings import Settings
from pressroom.errors import ContentError, RenderError
from pressroom.printing.layout import ConfinedFetcher
from pressroom.sources.load import load_edition

XHTML = "{http://www.w3.org/1999/xhtml}"
IMAGES = ("map.png", "portrait.jpg", "diagram.svg")


@pytest.fixture(scope="module")
def images_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path, Path]:
    # The project is a temporary folder holding the fixture, so the fetcher's confinement to
    # the project is what it is in a real build.
    project = tmp_path_factory.mktemp("images-project")
    content = copy_fixture(project, "images")
    settings = Settings(project, content, TEMPLATES, project / "build")
    pdf = build_a4(settings)
    epub = build_epub(settings)
    return settings, pdf, epub


def _pdf_images(pdf: Path) -> list[tuple[int, int, str]]:
    out = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    return [(int(f[3]), int(f[4]), f[8]) for f in (line.split() for line in out)]


def test_png_and_jpeg_are_in_the_pdf_at_their_size(images_build):
    _, pdf, _ = images_build
    found = _pdf_images(pdf)
    assert (320, 200, "image") in found  # the PNG, decoded and re-encoded
    assert (240, 360, "jpeg") in found  # the JPEG, passed through


def test_the_svg_is_drawn_in_the_pdf(images_build):
    _, pdf, _ = images_build
    from pypdf import PdfReader

    # WeasyPrint draws an SVG as vector paths: look for its stroke colour, #942 (0.6 0.267
    # 0.133 in the content stream), on the page that holds its caption.
    reader = PdfReader(pdf)
    page = next(p for p in reader.pages if "A diagram of the alliance" in
                " ".join(p.extract_text().split()))
    streams = [page.get_contents().get_data()]
    for xobject in (page["/Resources"].get("/XObject") or {}).values():
        streams.append(xobject.get_object().get_data())
    data = b"".join(streams)
    assert re.search(rb"0\.6 0\.26\d* 0\.13\d* RG", data), "the SVG's stroke is not drawn"


def test_captions_and_table_are_in_the_pdf_text(images_build):
    _, pdf, _ = images_build
    text = " ".join(pdftotext(pdf).split())
    assert "A map of the treaty ports, drawn as a frame crossed by a red line" in text
    assert "Treaties and loans, 1950–1959" in text
    assert "1959 Nuclear agreement lapses 2 1 085" in text


def test_all_three_images_are_in_the_epub_and_shown(images_build):
    _, _, epub = images_build
    with zipfile.ZipFile(epub) as zf:
        names = zf.namelist()
        opf = zf.read("EPUB/content.opf").decode()
        sizes = {n: zf.getinfo(n).file_size for n in names}
    originals = {(FIXTURES / "images" / "readings" / n).stat().st_size for n in IMAGES}
    media = [n for n in names if n.startswith("EPUB/media/file")]
    assert originals <= {sizes[n] for n in media}
    shown = {img.get("src"): img.get("alt") for root in epub_xhtml(epub).values()
             for img in root.iter(f"{XHTML}img")}
    for ext, media_type in (("png", "image/png"), ("jpg", "image/jpeg"),
                            ("svg", "image/svg+xml")):
        name = next(n for n in media if n.endswith(f".{ext}") and sizes[n] in originals)
        assert f"../media/{Path(name).name}" in shown
        assert f'href="media/{Path(name).name}" media-type="{media_type}"' in opf
    assert shown["../media/" + Path(next(n for n in media if n.endswith(".png"))).name] == (
        "A map of the treaty ports, drawn as a frame crossed by a red line")


def test_a_lone_image_is_a_figure_in_both_outputs(images_build):
    settings, _, epub = images_build
    for root in epub_xhtml(epub).values():
        for figure in root.iter(f"{XHTML}figure"):
            img = figure.find(f"{XHTML}img")
            caption = "".join(figure.find(f"{XHTML}figcaption").itertext())
            assert img is not None and caption.strip() == img.get("alt")
    print_html = variant_html(settings, "a4")
    assert len(re.findall(r"<figure>\s*<img ", print_html)) == 3
    assert "<figcaption" in print_html


@pytest.mark.slow
def test_the_epub_table_scrolls_and_the_epub_is_valid(images_build):
    _, _, epub = images_build
    regions = [div for root in epub_xhtml(epub).values() for div in root.iter(f"{XHTML}div")
               if "table-scroll" in (div.get("class") or "")]
    assert len(regions) == 1
    assert regions[0].get("tabindex") == "0"
    assert regions[0].get("aria-label") == "Treaties and loans, 1950–1959"
    assert regions[0].find(f"{XHTML}table") is not None
    result = run_epubcheck(epub)
    assert result.ok, result.detail


def _with_line(content: Path, text: str) -> tuple[Path, int]:
    reading = content / "readings" / "sample.md"
    lines = reading.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("> "))
    lines.insert(number, "")
    lines.insert(number + 1, text)
    reading.write_text("\n".join(lines) + "\n")
    return reading, number + 2


def test_an_image_without_alt_text_is_an_error(tmp_path):
    content = copy_fixture(tmp_path, "images")
    reading, line = _with_line(content, "![](map.png)")
    with pytest.raises(ContentError) as caught:
        load_edition(content)
    assert str(caught.value).startswith(
        f"{reading}:{line}: image 'map.png' has no alt text")


@pytest.mark.parametrize("target", ["../../etc/passwd.png", "/etc/passwd.png",
                                    "link.png", "https://example.org/x.png", "../edition.yaml",
                                    ".hidden/x.png", "missing.png", "notes.txt"])
def test_images_that_are_not_ours_are_refused_with_file_and_line(tmp_path, target):
    content = copy_fixture(tmp_path, "images")
    outside = tmp_path / "secret.png"
    Image.new("RGB", (4, 4)).save(outside)
    (content / "readings" / "link.png").symlink_to(outside)
    (content / "readings" / ".hidden").mkdir()
    Image.new("RGB", (4, 4)).save(content / "readings" / ".hidden" / "x.png")
    (content / "readings" / "notes.txt").write_text("not an image")
    reading, line = _with_line(content, f"Text with ![an image]({target}) in it.")
    with pytest.raises(ContentError) as caught:
        load_edition(content)
    message = str(caught.value)
    assert message.startswith(f"{reading}:{line}: image '{target}'"), message


def test_a_reference_style_image_takes_its_path_from_the_definition(tmp_path):
    content = copy_fixture(tmp_path, "images")
    _with_line(content, "![a map][map] and ![map] again\n\n[Map]: map.png")
    reading = next(r for r in load_edition(content).readings if r.id == "sample-1999")
    image = next(i for i in reading.images if i.written == "map.png" and i.alt == "a map")
    assert f"[Map]: {image.source}" in reading.body


def test_a_reference_style_image_is_checked_as_any_image(tmp_path):
    content = copy_fixture(tmp_path, "images")
    _, line = _with_line(content, "![a map][gone]\n\n[gone]: missing.png")
    with pytest.raises(ContentError, match=rf"sample\.md:{line}: image 'missing\.png': no such"):
        load_edition(content)


def test_image_syntax_shown_as_code_is_no_image(tmp_path):
    content = copy_fixture(tmp_path, "images")
    _with_line(content, "Write `![alt](missing.png)`:\n\n```\n![alt](gone.png)\n```")
    reading = next(r for r in load_edition(content).readings if r.id == "sample-1999")
    assert "![alt](missing.png)" in reading.body and "![alt](gone.png)" in reading.body


def test_an_image_in_a_subfolder_is_relative_to_its_reading(tmp_path):
    content = copy_fixture(tmp_path, "images")
    (content / "readings" / "figures").mkdir()
    (content / "readings" / "map.png").rename(content / "readings" / "figures" / "map.png")
    reading = content / "readings" / "sample.md"
    reading.write_text(reading.read_text().replace("](map.png)", "](figures/map.png)"))
    edition = load_edition(content)
    (image,) = [i for i in edition.readings[0].images if i.written == "figures/map.png"]
    assert image.path == (content / "readings" / "figures" / "map.png").resolve()
    assert image.source in edition.readings[0].body


@pytest.mark.parametrize("paper", ["a4", "letter", "a5", "a4-large"])
def test_the_print_figures_fit_every_paper(tmp_path, paper):
    # A very tall and a very wide image are scaled into the text block, proportions kept.
    content = copy_fixture(tmp_path, "images")
    sizes = {"tall": (300, 3000), "wide": (4000, 300)}
    for name, size in sizes.items():
        Image.new("RGB", size, (10, 10, 10)).save(content / "readings" / f"{name}.png")
    reading = content / "readings" / "sample.md"
    reading.write_text(reading.read_text().replace("](map.png)", "](tall.png)")
                       .replace("](portrait.jpg ", "](wide.png "))
    settings = Settings(tmp_path, content, TEMPLATES, tmp_path / "build")
    name = {"a5": "booklet-a4", "a4-large": "large-print-a4"}.get(paper, paper)
    html = variant_html(settings, name)
    document = weasyprint.HTML(string=html, base_url=f"{tmp_path}/",
                               url_fetcher=ConfinedFetcher(tmp_path)).render()
    laid_out = {Path(box.element.get("src")).stem: (page._page_box, box)
                for page in document.pages for box in _replaced(page._page_box)
                if getattr(box, "element_tag", "") == "img"}
    assert set(sizes) <= set(laid_out), "an image was not laid out"
    for name, (width, height) in sizes.items():
        page_box, img = laid_out[name]
        assert img.width <= page_box.width + 0.01, name
        assert img.height <= page_box.height + 0.01, name
        assert img.width / img.height == pytest.approx(width / height, rel=0.02), name


def _replaced(box):
    if isinstance(box, boxes.ReplacedBox):
        yield box
    for child in getattr(box, "children", ()):
        yield from _replaced(child)


def test_the_epub_takes_no_image_the_load_time_check_did_not_list(tmp_path):
    # An image in timeline data is not a reading's: media.lua leaves it to Pandoc's sandbox,
    # which refuses it even when the file lies inside the content folder.
    content = copy_fixture(tmp_path, "images")
    unlisted = content / "timeline" / "unlisted.png"
    Image.new("RGB", (4, 4)).save(unlisted)
    chronology = content / "timeline" / "chronology.yaml"
    chronology.write_text(chronology.read_text().replace(
        "The year is uncertain.", f"The year is ![uncertain]({unlisted.as_uri()})."))
    settings = Settings(tmp_path, content, TEMPLATES, tmp_path / "build")
    with pytest.raises(RenderError, match=r"unlisted\.png"):
        build_epub(settings)
