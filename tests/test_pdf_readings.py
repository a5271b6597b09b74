"""PDF readings: a publisher's PDF and a scan in a course reader, built into every output.

The tests make their own small PDFs: a "publisher PDF" laid out by WeasyPrint with a text
layer and its own page numbers (101, 102, 103), and an image-only "scan" of a page of it.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from conftest import Built
from helpers import TEMPLATES, pdftotext
from pressroom.checks.outputs import check_outputs, run_accessibility_check
from pressroom.checks.pdf import check_claim, check_faces
from pressroom.engine.build import build
from pressroom.engine.handout import build_handout
from pressroom.engine.settings import Settings
from pressroom.errors import ContentError
from pressroom.printing.placement import fit
from pressroom.sources.load import load_reading
from pressroom.sources.pdffile import describe_pages, parse_pages

#: Builds whole editions (or readers): the full suite runs it, the fast tier does not.
pytestmark = pytest.mark.slow

PUBLISHER_HTML = """<html><head><style>
@page { size: 6in 9in; margin: 20mm 18mm; marks: crop; bleed: 6pt;
        @bottom-center { content: counter(page) } }
@page :first { counter-reset: page 101 }
body { font-family: "DejaVu Serif" }
h1 { font-size: 22pt } h2 { font-size: 16pt } p { font-size: 11pt; margin: 0 0 8pt }
</style></head><body>
<h1>Unequal Allies</h1>
<p>Moscow and Beijing signed their treaty of alliance in February 1950. Neither side
believed the partnership to be equal, and each said so in private.</p>
<p style="font-size: 8pt; margin-top: 120mm">1. A footnote of the source, set small.</p>
<p>The second paragraph considers the conferences of 1957 and 1960, which ran on for weeks
and whose communiqués hid more than they said about the quarrel.</p>
<h2 style="break-before: page">Brothers in Name</h2>
<p>The language of fraternity was older than the alliance itself<sup>2</sup> and outlived it by some
years, as the documents of the period show to anyone who reads them closely and
patiently, one after another, without skipping the dull</p>
<p style="font-size: 8pt; margin-top: 100mm">2. Another footnote, at the foot of page 102.</p>
<div style="break-before: page; display: flex; gap: 8mm">
<div style="flex: 1">
<p>ones, which is where the quarrel first shows itself.</p>
<p>The left column goes on about the archives of the period, read in three languages and
four countries, which agree about the events and their order but never about their
meaning, which remained</p>
</div>
<div style="flex: 1">
<p>contested for decades afterwards, as the right column explains.</p>
<p>The documents are at <a href="https://doi.org/10.0000/fixture">doi.org/10.0000/fixture</a>.</p>
<p>Page three ends the article with a short conclusion about solidarity.</p>
</div>
</div>
</body></html>"""


def make_publisher_pdf(path: Path) -> None:
    import weasyprint

    weasyprint.HTML(string=PUBLISHER_HTML).write_pdf(path)


def make_scan(source: Path, path: Path, page: int = 1) -> None:
    """An image-only PDF of one page of source: a scanner's output, no text layer."""
    from PIL import Image

    prefix = path.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", "-f", str(page), "-l", str(page),
                    "-singlefile", str(source), str(prefix)], check=True, timeout=60)
    with Image.open(prefix.with_suffix(".png")) as image:
        image.convert("L").save(path, resolution=150)
    prefix.with_suffix(".png").unlink()


READER = """id: mixed-reader
title: A Mixed Reader
editors: [Ann Editor]
publisher: Test Press
date: 2026-01-01
language: en-US
readings:
  - readings/typed.md
  - readings/unequal-allies.pdf
  - readings/scanned-chapter.pdf
"""

TYPED = """---
title: A Typed Reading
author: Ann Editor
rights: Written for this reader.
---

This reading was typed in Markdown.[^1]

[^1]: Its only note.
"""

PUBLISHER_META = """title: Unequal Allies
author:
  - name: Lin Wei
    affiliation: Fixture University
source:
  type: article-journal
  container-title: Journal of Fixture Studies
  issued: 2001
  page: 102-103
  number-of-pages: 40
rights: Copyright 2001 by Fixture University Press. Reproduced with permission.
pages: "2-3"
"""

SCAN_META = """title: A Scanned Chapter
author: Someone Else
rights: Reproduced under the course licence.
"""


def write_reader(folder: Path) -> Path:
    readings = folder / "readings"
    readings.mkdir(parents=True)
    (folder / "reader.yaml").write_text(READER, encoding="utf-8")
    (readings / "typed.md").write_text(TYPED, encoding="utf-8")
    make_publisher_pdf(readings / "unequal-allies.pdf")
    (readings / "unequal-allies.yaml").write_text(PUBLISHER_META, encoding="utf-8")
    make_scan(readings / "unequal-allies.pdf", readings / "scanned-chapter.pdf")
    (readings / "scanned-chapter.yaml").write_text(SCAN_META, encoding="utf-8")
    return folder / "reader.yaml"


def settings_for(folder: Path, **kwargs) -> Settings:
    return Settings(folder, folder / "reader.yaml", TEMPLATES, folder / "build", **kwargs)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Built:
    folder = tmp_path_factory.mktemp("mixed")
    write_reader(folder)
    settings = settings_for(folder)
    return Built(settings, build(settings))


def words(pdf: Path, page: int) -> list[tuple[str, float, float]]:
    """(word, yMin, yMax) of every word pdftotext finds on a page, top down."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf),
                          "-"], capture_output=True, text=True, check=True, timeout=60).stdout
    return [(m.group(3), float(m.group(1)), float(m.group(2))) for m in re.finditer(
        r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>',
        out)]


# --- pages --------------------------------------------------------------------------------


def test_pages_are_read_as_the_sidecar_writes_them():
    assert parse_pages("3-5", 10) == (2, 3, 4)
    assert parse_pages("1, 4–6", 6) == (0, 3, 4, 5)
    assert describe_pages((2, 3, 4, 8)) == "3–5, 9"
    for spec, words_ in (("5-3", "runs backwards"), ("2-12", "page 12 is out of range"),
                         ("1, 1", "named twice"), ("iv", "is not a page")):
        with pytest.raises(ValueError, match=words_):
            parse_pages(spec, 10)


def test_a_page_is_fitted_by_its_ink_without_cropping():
    # A4 source whose ink covers the middle half; drawn into a 400 x 600 pt area.
    assert fit((0.25, 0.25, 0.75, 0.75), 595.0, 842.0, (0, 0, 400.0, 600.0), False)[0] == 1
    a, b, c, d, e, f = fit((0.25, 0.25, 0.75, 0.75), 595.0, 842.0, (10.0, 20.0, 400.0, 600.0))
    assert b == c == 0 and a == d  # upright, one scale both ways
    ink_w, ink_h = 0.5 * 595 * a, 0.5 * 842 * a
    assert ink_w <= 400.001 and ink_h <= 600.001
    assert max(ink_w / 400, ink_h / 600) == pytest.approx(1.0)  # fills one way
    left, bottom = e + 0.25 * 595 * a, f + 0.25 * 842 * a
    assert left >= 10 - 1e-6 and left + ink_w <= 410 + 1e-6
    assert bottom >= 20 - 1e-6 and bottom + ink_h <= 620 + 1e-6


def test_a_landscape_page_is_turned_where_it_reads_larger():
    # A landscape page, all ink, on a portrait area: turned a quarter to the left.
    a, b, c, d, e, f = fit((0, 0, 1, 1), 842.0, 595.0, (0.0, 0.0, 500.0, 760.0), False)
    assert a == d == 0 and b == -c == pytest.approx(500 / 595)
    corners = [(a * x + c * y + e, b * x + d * y + f) for x in (0, 842) for y in (0, 595)]
    assert all(-1e-6 <= x <= 500 + 1e-6 and -1e-6 <= y <= 760 + 1e-6 for x, y in corners)
    # The page's top (y = 595) goes to the left edge.
    assert a * 0 + c * 595 + e < a * 0 + c * 0 + e


# --- loading errors -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def publisher_pdf(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "unequal-allies.pdf"
    make_publisher_pdf(path)
    return path


def test_a_pdf_without_its_sidecar_is_an_error_naming_the_pdf(publisher_pdf: Path, tmp_path):
    lone = tmp_path / "lone.pdf"
    lone.write_bytes(publisher_pdf.read_bytes())
    with pytest.raises(ContentError) as caught:
        load_reading(lone)
    assert str(caught.value).startswith(f"{lone}: a PDF reading needs its metadata beside it "
                                        "in lone.yaml")


def test_pages_out_of_range_name_the_sidecars_line(publisher_pdf: Path, tmp_path):
    pdf = tmp_path / "allies.pdf"
    pdf.write_bytes(publisher_pdf.read_bytes())
    (tmp_path / "allies.yaml").write_text("title: Allies\nrights: R.\npages: 2-9\n")
    with pytest.raises(ContentError) as caught:
        load_reading(pdf)
    assert str(caught.value) == (f"{tmp_path / 'allies.yaml'}:3: pages: page 9 is out of "
                                 "range: the PDF has 3 pages")


@pytest.mark.parametrize("kind", ["encrypted", "unreadable"])
def test_an_encrypted_or_unreadable_pdf_is_an_error_naming_it(publisher_pdf: Path, tmp_path,
                                                               kind: str):
    pdf = tmp_path / "allies.pdf"
    if kind == "encrypted":
        writer = PdfWriter(clone_from=publisher_pdf)
        writer.encrypt("secret", algorithm="AES-128")
        writer.write(pdf)
    else:
        pdf.write_bytes(b"%PDF-1.7\nthis is not a PDF at all\n")
    (tmp_path / "allies.yaml").write_text("title: Allies\nrights: R.\n")
    with pytest.raises(ContentError) as caught:
        load_reading(pdf)
    message = str(caught.value)
    assert message.startswith(f"{pdf}: ")
    assert ("is encrypted" if kind == "encrypted" else "cannot read the PDF") in message
    assert "\n" not in message


def test_a_file_that_is_not_a_pdf_and_a_mistyped_key_are_named(publisher_pdf: Path,
                                                                tmp_path):
    pdf = tmp_path / "allies.pdf"
    pdf.write_text("Dear colleagues, the chapter is attached.\n")
    (tmp_path / "allies.yaml").write_text("title: Allies\nrights: R.\n")
    with pytest.raises(ContentError) as caught:
        load_reading(pdf)
    assert str(caught.value) == f"{pdf}: is not a PDF file (it does not begin with %PDF-)"
    pdf.write_bytes(publisher_pdf.read_bytes())
    (tmp_path / "allies.yaml").write_text("title: Allies\nrights: R.\npage: 2\n")
    with pytest.raises(ContentError) as caught:
        load_reading(pdf)
    assert str(caught.value) == (f"{tmp_path / 'allies.yaml'}:3: page: unknown field "
                                 '(did you mean "pages"?)')


def test_an_excerpt_with_a_gap_says_so_and_a_blank_page_is_named(tmp_path, caplog):
    folder = tmp_path / "reader"
    write_reader(folder)
    readings = folder / "readings"
    writer = PdfWriter(clone_from=readings / "unequal-allies.pdf")
    writer.insert_blank_page(index=2)  # the file's page 3 is now blank
    writer.write(readings / "unequal-allies.pdf")
    meta = readings / "unequal-allies.yaml"
    meta.write_text(meta.read_text().replace('pages: "2-3"', 'pages: "1, 3-4"'))
    with caplog.at_level(logging.WARNING):
        outputs = build(settings_for(folder), formats=("epub",))
    assert any(r.getMessage() == f"{readings / 'unequal-allies.pdf'}: page 3 of the PDF is "
               "blank, and reproduced as a blank page" for r in caplog.records)
    chapter = chapter_of(outputs[0].path, 'id="unequal-allies"')
    assert "An excerpt: pages 1, 3–4 of the PDF; the pages between are left out." in chapter


def test_a_bad_pdf_stops_the_build_and_keeps_the_outputs(mixed: Built, tmp_path):
    folder = tmp_path / "reader"
    write_reader(folder)
    settings = settings_for(folder)
    build(settings, formats=("epub",))
    before = {p.name: p.read_bytes() for p in settings.out_dir.iterdir() if p.is_file()}
    assert "manifest.json" in before
    (folder / "readings" / "unequal-allies.pdf").write_bytes(b"%PDF-1.4\nbroken")
    with pytest.raises(ContentError, match=r"unequal-allies\.pdf: cannot read the PDF"):
        build(settings, formats=("epub",))
    after = {p.name: p.read_bytes() for p in settings.out_dir.iterdir() if p.is_file()}
    assert after == before


# --- the volume -------------------------------------------------------------------------------


def test_the_pdf_reading_opens_on_a_recto_with_its_opener(mixed: Built):
    a4 = next(o for o in mixed.outputs if o.variant == "reading" and o.paper == "A4")
    opener = a4.anchor_pages["unequal-allies"]
    assert opener % 2 == 1
    text = " ".join(pdftotext(a4.path, opener, opener).split())
    assert text.startswith("Unequal Allies Lin Wei, Fixture University")
    assert "Journal of Fixture Studies" in text
    assert "Copyright 2001 by Fixture University Press. Reproduced with permission." in text
    # The contents and the outline list it with its page.
    contents = " ".join(pdftotext(a4.path, 2, 2).split())
    assert re.search(rf"Unequal Allies — Lin Wei[ .]*{opener}\b", contents)
    outline = [item.title for item in PdfReader(a4.path).outline if not isinstance(item, list)]
    assert "Unequal Allies" in outline


@pytest.mark.parametrize("paper", ["A4", "US Letter"])
def test_its_pages_carry_the_volumes_folios_clear_of_their_text(mixed: Built, paper: str):
    pdf = next(o for o in mixed.outputs if o.variant == "reading" and o.paper == paper)
    first = pdf.anchor_pages["unequal-allies-source-page-1"]
    assert first == pdf.anchor_pages["unequal-allies"] + 1
    for page, own in ((first, "102"), (first + 1, "103")):
        found = words(pdf.path, page)
        *source, folio = found
        # The volume's folio last, below everything the source page prints, its own page
        # number included; the source's text is there to search.
        assert folio[0] == str(page)
        assert all(folio[1] > y_max for _, _, y_max in source)
        assert own in [w for w, _, _ in source]
    text = " ".join(pdftotext(pdf.path, first, first + 1).split())
    assert "Brothers in Name The language of fraternity" in text
    assert "Moscow and Beijing" not in text  # page 1 of the PDF is not included


def test_the_source_pages_web_links_still_work(mixed: Built):
    pdf = mixed.one("pdf", "reading", "A4")
    reader = PdfReader(pdf)
    page = next(o for o in mixed.outputs if o.path == pdf).anchor_pages[
        "unequal-allies-source-page-2"]
    links = [a.get_object() for a in reader.pages[page - 1].get("/Annots") or []]
    uris = [(str(a["/A"]["/URI"]), [float(v) for v in a["/Rect"]]) for a in links
            if a.get("/A", {}).get("/S") == "/URI"]
    assert len(uris) == 1 and uris[0][0] == "https://doi.org/10.0000/fixture"
    # The link lies over its words where the page was drawn.
    _, y0, _, y1 = uris[0][1]
    height = float(reader.pages[page - 1].mediabox.height)
    word = next((w, top, bottom) for w, top, bottom in words(pdf, page)
                if w.startswith("doi.org"))
    assert y0 - 1 <= height - word[2] and height - word[1] <= y1 + 1


def test_pages_keep_their_aspect(mixed: Built):
    pdf = mixed.one("pdf", "reading", "US Letter")
    page = PdfReader(pdf).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (612, 792)
    # The drawing is scaled by one factor both ways: "cm" with equal a and d.
    reader = PdfReader(pdf)
    drawn = [reader.pages[i].get_contents().get_data() for i in range(len(reader.pages))]
    scales = [m.groups() for data in drawn for m in re.finditer(
        rb"q ([\d.]+) 0\.00000 0\.00000 ([\d.]+) [-\d.]+ [-\d.]+ cm [-\d. ]+re W n", data)]
    assert len(scales) == 3  # two publisher pages and the scan
    assert all(a == d for a, d in scales)


def test_large_print_enlarges_the_pages_and_says_so(mixed: Built):
    large = next(o for o in mixed.outputs if o.variant == "large-print")
    a4 = next(o for o in mixed.outputs if o.variant == "reading" and o.paper == "A4")

    def height_of(output, word: str) -> float:
        page = output.anchor_pages["unequal-allies-source-page-1"]
        return next(y1 - y0 for w, y0, y1 in words(output.path, page) if w == word)

    source = next(y1 - y0 for w, y0, y1 in words(
        mixed.settings.content_dir / "readings" / "unequal-allies.pdf", 2) if w == "fraternity")
    # A trade-book page: at its own size on A4, enlarged to the paper in large print.
    assert height_of(a4, "fraternity") == pytest.approx(source, rel=0.01)
    assert height_of(large, "fraternity") > source * 1.25
    opener = large.anchor_pages["unequal-allies"]
    text = " ".join(pdftotext(large.path, opener, opener).split())
    assert "cannot be re-set in large type: each page is enlarged to fill the page" in text
    a4_opener = " ".join(pdftotext(a4.path, a4.anchor_pages["unequal-allies"]).split())
    assert "large type" not in a4_opener


def test_the_booklets_impose_the_pdf_pages(mixed: Built):
    for paper in ("A4 landscape", "US Letter landscape"):
        booklet = next(o for o in mixed.outputs if o.variant == "booklet" and o.paper == paper)
        text = " ".join(pdftotext(booklet.path).split())
        assert "Brothers in Name" in text and "Unequal Allies" in text


def test_the_volume_claims_pdf_ua_only_when_every_part_is_tagged(mixed: Built,
                                                                  minimal_build: Built,
                                                                  tmp_path: Path):
    import pikepdf

    from pressroom.checks.pdfua import claims_pdfua
    from pressroom.printing.placement import FORM_PREFIX

    # The scan has no text (no --ocr): its page is drawn untagged, and the volume says so.
    untagged = mixed.one("pdf", "reading", "A4")
    result = check_claim(untagged)
    assert not claims_pdfua(untagged)
    assert result.ok and result.detail.startswith("no PDF/UA-1 claim: pages ")
    tagged = minimal_build.one("pdf", "reading", "A4")
    assert claims_pdfua(tagged) and check_claim(tagged).ok
    # A claim over a source page drawn without tags fails.
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(tagged) as pdf:
        page = pdf.pages[-1]
        form = pdf.make_stream(b"", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                               BBox=[0, 0, 10, 10])
        page.obj.Resources.XObject = pikepdf.Dictionary({f"{FORM_PREFIX}0": form})
        pdf.save(broken)
    result = check_claim(broken)
    assert not result.ok and result.detail == (
        f"claims PDF/UA-1, but the PDF reading's page drawn on page {len(pdf.pages)} is "
        "not tagged")
    # The tags of the volume's own parts are still written.
    assert "/StructTreeRoot" in PdfReader(untagged).trailer["/Root"]


def test_the_build_says_which_readings_break_the_claim_and_which_are_scans(tmp_path, caplog):
    folder = tmp_path / "reader"
    write_reader(folder)
    with caplog.at_level(logging.WARNING):
        build(settings_for(folder), formats=("epub",))
    messages = [r.getMessage() for r in caplog.records]
    scans = [m for m in messages if "scanned image without a text layer" in m]
    assert len(scans) == 1 and scans[0].startswith(
        f"{folder / 'readings' / 'scanned-chapter.pdf'}: page 1 of the PDF is a scanned image")
    assert "--ocr" in scans[0]
    claims = [m for m in messages if "does not claim PDF/UA-1" in m]
    # The publisher's PDF has a text layer and no figure: it is tagged; the scan is not.
    assert claims == [
        "the print volume does not claim PDF/UA-1: the pages of the PDF reading "
        f"{folder / 'readings' / 'scanned-chapter.pdf'} cannot be tagged (a scan without "
        "text, or a figure without alt text)"]


def test_every_check_passes_on_the_mixed_reader(mixed: Built):
    from pressroom.checks.faces import pdf_font_names

    failed = [r for r in check_outputs(mixed.settings) if not r.ok]
    assert failed == []
    # The booklet draws the publisher's pages (in its face) two forms deep.
    booklet = mixed.one("pdf", "booklet", "A4 landscape")
    assert any(name.startswith("DejaVu") for name in pdf_font_names(booklet))
    # The publisher's faces are left to the publisher; ours are still checked.
    assert check_faces(mixed.one("pdf", "reading", "A4")).ok


# --- EPUB ---------------------------------------------------------------------------------


def chapter_of(epub: Path, needle: str) -> str:
    with zipfile.ZipFile(epub) as zf:
        for name in zf.namelist():
            if name.endswith(".xhtml"):
                text = zf.read(name).decode("utf-8")
                if needle in text:
                    return text
    raise LookupError(needle)


def test_the_epub_gives_the_text_of_a_pdf_reading_with_its_headings(mixed: Built):
    chapter = chapter_of(mixed.one("epub"), 'id="unequal-allies"')
    assert "What follows is the text, taken from the PDF’s text layer" in chapter
    assert re.search(r"<h\d[^>]*>Brothers in Name</h\d>", chapter)
    # A paragraph broken by the page is one paragraph, a hyphenated word is whole again.
    paragraph = re.search(r"The language of fraternity[^<]*</p>", chapter).group(0)
    assert "the alliance itself² and outlived it" in paragraph  # the note call, raised
    assert "without skipping the dull ones, which is where the quarrel" in paragraph
    # The page's footnote, set small, is kept apart from the running text.
    assert re.search(r'<div class="source-notes">\s*<p>(<span[^>]*></span>)?2\. Another '
                     r"footnote, at the foot of page 102\.</p>", chapter)
    assert "Unequal Allies</h" not in chapter.split("</h1>", 1)[1]  # title not repeated
    # The page list marks where each of the reading's pages begins in the A4 volume.
    a4 = next(o for o in mixed.outputs if o.variant == "reading" and o.paper == "A4")
    for n in (1, 2):
        page = a4.anchor_pages[f"unequal-allies-source-page-{n}"]
        assert f'id="page-{page}"' in chapter


def test_the_epub_reads_columns_in_order_and_joins_across_them(mixed: Built):
    chapter = chapter_of(mixed.one("epub"), 'id="unequal-allies"')
    text = re.sub(r"<[^>]+>", "", chapter)
    order = ["first shows itself.", "The left column goes on", "which remained contested for "
             "decades afterwards", "The documents are at", "Page three ends the article"]
    found = [text.find(piece) for piece in order]
    assert -1 not in found and found == sorted(found)


def test_crop_marks_and_bleed_are_not_the_page(mixed: Built):
    source = PdfReader(mixed.settings.content_dir / "readings" / "unequal-allies.pdf")
    trim = source.pages[1].trimbox
    assert float(trim.width) < float(source.pages[1].mediabox.width)  # the fixture has marks
    pdf = mixed.one("pdf", "reading", "A4")
    data = b"".join(p.get_contents().get_data() for p in PdfReader(pdf).pages)
    clips = [tuple(map(float, m.groups())) for m in re.finditer(
        rb"cm ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re W n", data)]
    assert clips
    # What is drawn lies within the trim box (the ink frame), so no mark can show.
    for x, y, w, h in clips[:2]:
        assert x >= 0 and y >= 0 and x + w <= float(trim.width) and y + h <= float(trim.height)


def test_the_epub_says_a_scan_is_in_print_only(mixed: Built):
    chapter = chapter_of(mixed.one("epub"), 'id="scanned-chapter"')
    assert ("This reading is in the print edition only: its page is an image without a text "
            "layer (a scan)") in chapter
    assert "large type" not in chapter  # the large-print note is print's only


def test_the_mixed_epub_passes_ace(mixed: Built):
    result = run_accessibility_check(mixed.one("epub"), mixed.settings)
    assert result.ok, result.detail


# --- OCR, the report, handouts -------------------------------------------------------------


def test_ocr_makes_a_scan_searchable_and_is_cached(tmp_path, caplog):
    folder = tmp_path / "reader"
    write_reader(folder)
    settings = settings_for(folder, ocr=True)
    with caplog.at_level(logging.WARNING):
        outputs = build(settings, formats=("pdf", "epub"), papers=("a4",), kinds=("reading",))
    assert not [r for r in caplog.records if "scanned image" in r.getMessage()]
    a4 = next(o for o in outputs if o.format == "pdf")
    page = a4.anchor_pages["scanned-chapter-source-page-1"]
    text = " ".join(pdftotext(a4.path, page, page).split())
    assert "Moscow and Beijing signed their treaty" in text
    chapter = chapter_of(next(o.path for o in outputs if o.format == "epub"),
                         'id="scanned-chapter"')
    assert "signed their treaty of alliance" in chapter
    made = list((settings.build_dir / ".cache" / "ocr").glob("*.pdf"))
    assert len(made) == 1
    stamp = made[0].stat().st_mtime_ns
    (folder / "readings" / "typed.md").write_text(TYPED.replace("typed", "written"))
    build(settings, formats=("pdf",), papers=("a4",), kinds=("reading",))
    assert made[0].stat().st_mtime_ns == stamp


def test_the_permissions_report_lists_the_pdf_pages(mixed: Built):
    report = json.loads((mixed.settings.out_dir / "mixed-reader-permissions.json")
                        .read_text())["readings"]
    rows = {row["reading"]: row for row in report}
    allies = rows["unequal-allies"]
    assert allies["file"] == "unequal-allies.pdf"
    assert allies["pdf_pages"] == "2–3 of 3"
    assert allies["source_pages"] == "102-103" and allies["share_of_source"] == 0.05
    assert allies["pages"] == 3  # the opener and two pages
    assert rows["scanned-chapter"]["pdf_pages"] == "1 of 1"
    assert rows["typed"]["pdf_pages"] == ""


def test_a_handout_of_a_pdf_reading(mixed: Built):
    outputs = build_handout(mixed.settings, "unequal-allies")
    a4 = outputs[0].path
    reader_a4 = next(o for o in mixed.outputs if o.variant == "reading" and o.paper == "A4")
    first = reader_a4.anchor_pages["unequal-allies"]
    assert len(PdfReader(a4).pages) == 3
    opener = " ".join(pdftotext(a4, 1, 1).split())
    assert f"From: A Mixed Reader, pp. {first}–{first + 2}" in opener
    found = words(a4, 2)
    assert found[-1][0] == str(first + 1)
    assert "fraternity" in [w for w, _, _ in found]
    booklet = outputs[2].path
    assert "Brothers in Name" in pdftotext(booklet)


def test_a_rotated_page_is_drawn_as_it_is_shown_and_whole(tmp_path):
    folder = tmp_path / "reader"
    write_reader(folder)
    readings = folder / "readings"
    writer = PdfWriter(clone_from=readings / "unequal-allies.pdf")
    for page in writer.pages:
        page.rotate(90)  # shown landscape: a scanner's sideways page
    writer.write(readings / "unequal-allies.pdf")
    outputs = build(settings_for(folder), formats=("pdf",), papers=("a4",),
                    kinds=("reading",))
    a4 = outputs[0]
    page = a4.anchor_pages["unequal-allies-source-page-1"]
    found = words(a4.path, page)
    *source, folio = found
    assert folio[0] == str(page)
    assert all(y0 >= 0 and y1 < folio[1] for _, y0, y1 in source)
    # pdftotext reads the page as it is shown: the text runs on as in the source.
    text = " ".join(pdftotext(a4.path, page, page).split())
    assert "Brothers in Name" in text


def test_a_pdf_over_its_limit_is_refused_before_it_is_read(publisher_pdf: Path, tmp_path):
    from pressroom.errors import LimitError

    pdf = tmp_path / "allies.pdf"
    pdf.write_bytes(publisher_pdf.read_bytes() + b"\0" * (1024 * 1024))
    (tmp_path / "allies.yaml").write_text("title: Allies\nrights: R.\n")
    with pytest.raises(LimitError, match=r"allies\.pdf: the PDF is larger than 1 MB "
                                         r"\(limit pdf_mb; raise it in invoke\.yaml"):
        load_reading(pdf, max_pdf_mb=1)


def test_a_damaged_pdf_is_one_line_without_the_readers_own_warnings(tmp_path, caplog):
    pdf = tmp_path / "allies.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n")
    (tmp_path / "allies.yaml").write_text("title: Allies\nrights: R.\n")
    with caplog.at_level(logging.WARNING), pytest.raises(ContentError) as caught:
        load_reading(pdf)
    assert str(caught.value).startswith(f"{pdf}: cannot read the PDF, which is damaged")
    assert [r for r in caplog.records if r.name.startswith("pypdf")] == []


def test_an_institution_is_cited_whole_and_sort_name_gives_the_family_name(tmp_path):
    from pressroom.sources.citations import resolve_source

    (tmp_path / "r.md").write_text(
        "---\ntitle: Memorandum\nauthor:\n  - Ministry of Foreign Trade\n"
        "  - {name: Chen Jian, sort-name: 'Chen, Jian'}\n  - Gary Blank\n"
        "source: {type: report, issued: 1960}\n---\n\nText.\n")
    reading = resolve_source(load_reading(tmp_path / "r.md"), None, None)
    assert reading.source["author"] == [{"literal": "Ministry of Foreign Trade"},
                                        {"family": "Chen", "given": "Jian"},
                                        {"family": "Blank", "given": "Gary"}]
