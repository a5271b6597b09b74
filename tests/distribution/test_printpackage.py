"""The print package: each profile's interior and cover, as the printer will check them."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from helpers import FIXTURES, ROOT, TEMPLATES
from pressroom.distribution.printpackage import build_print_package, cover_html, rgb_pages
from pressroom.engine.settings import Output, Settings
from pressroom.errors import ConfigError
from pressroom.papers import PAPER_STOCKS, PRINT_PROFILES, PT_PER_IN
from pressroom.sources.load import load_edition

PRINT = FIXTURES / "print"


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Output]]:
    """Every profile's package of the print fixture, into one build folder."""
    settings = Settings(ROOT, PRINT, TEMPLATES, tmp_path_factory.mktemp("print-build"))
    return {name: build_print_package(settings, name) for name in PRINT_PROFILES}


def _boxes(pdf: Path) -> list[dict[str, list[float]]]:
    with pikepdf.open(pdf) as doc:
        return [{box: [round(float(v), 2) for v in page.obj[box]]
                 for box in ("/MediaBox", "/TrimBox", "/BleedBox")} for page in doc.pages]


def _size(box: list[float]) -> tuple[float, float]:
    return round(box[2] - box[0], 2), round(box[3] - box[1], 2)


@pytest.mark.parametrize("name", list(PRINT_PROFILES))
def test_every_pdf_passes_qpdf_and_embeds_its_fonts(packages, name: str):
    for output in packages[name]:
        check = subprocess.run(["qpdf", "--check", str(output.path)], capture_output=True,
                               text=True, timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr
        fonts = subprocess.run(["pdffonts", str(output.path)], capture_output=True, text=True,
                               check=True, timeout=60).stdout.splitlines()[2:]
        assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts


@pytest.mark.parametrize("name", list(PRINT_PROFILES))
def test_the_interior_is_trimmed_bled_and_made_up_to_the_multiple(packages, name: str):
    profile = PRINT_PROFILES[name]
    interior = packages[name][0]
    boxes = _boxes(interior.path)
    assert interior.pages == len(boxes) and len(boxes) % profile.page_multiple == 0
    width, height = profile.trim
    bleed = round(profile.bleed, 2)
    for number, page in enumerate(boxes, 1):
        assert _size(page["/TrimBox"]) == (round(width, 2), round(height, 2))
        media_width, media_height = _size(page["/MediaBox"])
        # KDP: bleed on the outside edge only, none at the gutter.
        sides = 1 if profile.outside_bleed_only else 2
        assert (media_width, media_height) == pytest.approx(
            (width + sides * bleed, height + 2 * bleed), abs=0.02), number
        # The bleed box: inside the media box, at most 10 pt past the trim (WeasyPrint's).
        bleed_width, _ = _size(page["/BleedBox"])
        assert bleed_width == pytest.approx(width + sides * min(10, bleed), abs=0.02)
    if profile.outside_bleed_only:
        # A recto bleeds on its right (outside) edge, a verso on its left.
        assert boxes[0]["/MediaBox"][0] == 0 and boxes[1]["/MediaBox"][2] == round(width, 2)


def test_pdf_x_as_each_profile_asks(packages):
    for name, outputs in packages.items():
        profile = PRINT_PROFILES[name]
        for output in outputs:
            with pikepdf.open(output.path) as doc:
                # The output intent: the printing condition, its ICC profile embedded.
                (intent,) = doc.Root.OutputIntents
                assert intent.S == "/GTS_PDFX"
                assert str(intent.OutputConditionIdentifier) == "Artifex CMYK SWOP Profile"
                assert int(intent.DestOutputProfile.N) == 4
                xmp = doc.Root.Metadata.read_bytes().decode()
                if profile.pdf_variant == "pdf/x-1a":
                    assert str(doc.docinfo["/GTS_PDFXVersion"]) == "PDF/X-1a:2003"
                    assert doc.pdf_version == "1.4"
                    assert rgb_pages(output.path.read_bytes()) == [], output.path.name
                else:
                    assert "PDF/X-4" in xmp
                # Dated from the collection (2021-03-01), not the clock.
                assert str(doc.docinfo["/CreationDate"]).startswith("D:20210301")


def test_kdp_gets_no_bookmarks_or_links_the_others_keep_them(packages):
    for name, outputs in packages.items():
        with pikepdf.open(outputs[0].path) as doc:
            links = sum(len(page.obj.get("/Annots", [])) for page in doc.pages)
            has_outline = "/Outlines" in doc.Root
        if PRINT_PROFILES[name].outline_and_links:
            assert links and has_outline, name
        else:
            assert not links and not has_outline, name


def _dark_outside(pdf: Path, tmp_path: Path, box: str) -> bool:
    """Whether anything dark is drawn on the first page outside ``box`` (the trim box of an
    interior, whose bleed is blank paper; the bleed box of a cover, whose colours bleed):
    where crop marks go."""
    stem = tmp_path / pdf.stem
    subprocess.run(["pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-png", "-singlefile",
                    str(pdf), str(stem)], check=True, timeout=60)
    image = Image.open(f"{stem}.png").convert("L")
    page = _boxes(pdf)[0]
    media, inner = page["/MediaBox"], page[box]
    # Pixels from the top left corner of the media box (72 dpi: one pixel a point).
    left, right = inner[0] - media[0], inner[2] - media[0]
    top, bottom = media[3] - inner[3], media[3] - inner[1]
    outside = Image.new("L", image.size, 255)
    outside.paste(image)
    outside.paste(255, (int(left) - 1, int(top) - 1, int(right) + 2, int(bottom) + 2))
    return outside.getextrema()[0] < 128


def test_crop_marks_only_where_the_profile_wants_them(packages, tmp_path: Path):
    for name, (interior, cover) in packages.items():
        marks = PRINT_PROFILES[name].crop_marks
        assert _dark_outside(interior.path, tmp_path, "/TrimBox") == marks, name
        if marks:
            assert _dark_outside(cover.path, tmp_path, "/BleedBox"), name


@pytest.mark.parametrize("name", list(PRINT_PROFILES))
def test_the_covers_spine_is_as_wide_as_the_pages_make_it(packages, name: str):
    profile = PRINT_PROFILES[name]
    interior, cover = packages[name]
    (page,) = _boxes(cover.path)
    width, height = _size(page["/TrimBox"])
    # The fixture is on cream paper: KDP's 0.0025 in a page.
    spine = interior.pages * 0.0025 * PT_PER_IN
    assert PAPER_STOCKS["cream"] == 0.0025
    assert width == pytest.approx(2 * profile.trim[0] + spine, abs=0.01)
    assert height == pytest.approx(profile.trim[1], abs=0.01)
    text = subprocess.run(["pdftotext", str(cover.path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "A Reader for the Print Shop" in text and "Ada Example and Bruno Beta (eds.)" in text
    assert "HIST 101, University of Nowhere, Spring 2021" in text
    assert "keeps its paragraphs." in text


def test_spine_text_only_from_79_pages():
    edition = load_edition(PRINT / "edition.yaml", ROOT)
    kdp = PRINT_PROFILES["kdp"]
    assert 'class="spine-text"' not in cover_html(edition, TEMPLATES, kdp, 78)
    assert 'class="spine-text">A Reader for the Print Shop<' in cover_html(
        edition, TEMPLATES, kdp, 79)
    # 400 pages on white paper: 0.9008 in.
    white = dataclasses.replace(edition, config=edition.config.model_copy(
        update={"paper_stock": "white"}))
    sheet = re.search(r"size: ([\d.]+)pt", cover_html(white, TEMPLATES, kdp, 400)).group(1)
    assert float(sheet) == pytest.approx(2 * 612 + 400 * 0.002252 * 72, abs=0.001)


def test_the_bytes_are_reproducible(packages, tmp_path: Path):
    # A second build from nothing (no cache) gives the same bytes.
    settings = Settings(ROOT, PRINT, TEMPLATES, tmp_path / "again")
    again = build_print_package(settings, "kdp")
    for first, second in zip(packages["kdp"], again, strict=True):
        assert (hashlib.sha256(first.path.read_bytes()).hexdigest()
                == hashlib.sha256(second.path.read_bytes()).hexdigest()), first.path.name


def test_an_unknown_profile_or_paper_stock_is_one_line(tmp_path: Path):
    settings = Settings(ROOT, PRINT, TEMPLATES, tmp_path / "build")
    with pytest.raises(ConfigError, match=r"unknown print profile 'lulu' \(choose from "
                                          r"copy-shop, kdp, ingram\)"):
        build_print_package(settings, "lulu")
    folder = tmp_path / "print"
    shutil.copytree(PRINT, folder)
    collection = folder / "edition.yaml"
    collection.write_text(collection.read_text().replace("paper-stock: cream",
                                                         "paper-stock: glossy"))
    (tmp_path / "build").mkdir(exist_ok=True)
    (tmp_path / "build" / "kept.pdf").write_bytes(b"%PDF-1.7 kept")
    with pytest.raises(ConfigError) as caught:
        build_print_package(Settings(folder, folder, TEMPLATES, tmp_path / "build"), "kdp")
    message = str(caught.value)
    assert message.startswith(f"{collection}:14: paper-stock") and "\n" not in message, message
    assert (tmp_path / "build" / "kept.pdf").read_bytes() == b"%PDF-1.7 kept"


def test_rgb_left_in_an_x1a_interior_is_found(tmp_path: Path):
    from weasyprint import HTML

    data = HTML(string="<p style=\"color: device-cmyk(0 0 0 1)\">black</p>"
                "<p style=\"break-before: page; color: #c00\">red</p>"
                ).write_pdf()
    assert rgb_pages(data) == [2]


def _collections(tmp_path: Path) -> dict[str, Settings]:
    from helpers import CONTENT
    from test_pdf_readings import settings_for, write_reader

    write_reader(tmp_path / "mixed")
    return {"default edition": Settings(ROOT, CONTENT, TEMPLATES, tmp_path / "edition"),
            "demonstration reader": Settings(
                ROOT, CONTENT / "readers" / "sino-soviet" / "reader.yaml", TEMPLATES,
                tmp_path / "reader"),
            "reader with PDF readings": settings_for(tmp_path / "mixed")}


@pytest.mark.slow
def test_every_profile_of_every_shipped_collection(tmp_path: Path):
    for label, settings in _collections(tmp_path).items():
        stock = load_edition(settings.edition, settings.boundary).config.paper_stock
        for name, profile in PRINT_PROFILES.items():
            interior, cover = build_print_package(settings, name)
            for output in (interior, cover):
                check = subprocess.run(["qpdf", "--check", str(output.path)],
                                       capture_output=True, text=True, timeout=120)
                assert check.returncode == 0, (label, name, check.stdout[-300:])
                fonts = subprocess.run(["pdffonts", str(output.path)], capture_output=True,
                                       text=True, check=True).stdout.splitlines()[2:]
                assert all(line.split()[-5] == "yes" for line in fonts), (label, name, fonts)
            boxes = _boxes(interior.path)
            assert len(boxes) % profile.page_multiple == 0, (label, name)
            assert {_size(page["/TrimBox"]) for page in boxes} == {
                (round(profile.trim[0], 2), round(profile.trim[1], 2))}, (label, name)
            (sheet,) = _boxes(cover.path)
            assert _size(sheet["/TrimBox"])[0] == pytest.approx(
                2 * profile.trim[0] + len(boxes) * PAPER_STOCKS[stock] * PT_PER_IN, abs=0.01)
