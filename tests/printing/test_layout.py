"""The print renderer, with the real WeasyPrint, on the minimal fixture edition."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

from helpers import pdftotext
from pressroom.checks.pdf import pdf_note_links
from pressroom.errors import RenderError
from pressroom.faces import require_fonts
from pressroom.printing.layout import render_pdf


def _note_pages(pdf: Path) -> dict[int, tuple[int, int]]:
    """note number -> (page of its call, page of its note), from link annotations."""
    reader = PdfReader(pdf)
    dests = {name: reader.get_destination_page_number(d)
             for name, d in reader.named_destinations.items()}
    found: dict[int, tuple[int, int]] = {}
    for index, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            obj = annot.get_object()
            dest = str(obj.get("/Dest", ""))
            match = re.search(r"-note-(\d+)$", dest)
            if match and obj.get("/Rect") is not None:
                number = int(match.group(1))
                # The first link to a note on a body page is its call.
                found.setdefault(number, (index, dests[dest]))
    return found


def test_pdf_has_metadata_from_the_edition(minimal_build):
    pdf = minimal_build.one("pdf", "reading", "A4")
    meta = PdfReader(pdf).metadata
    assert meta.title.startswith("On Sample Texts")
    assert meta.author == "Ada Example"
    assert "fixture" in meta.get("/Keywords", "")
    assert meta.creation_date.year == 2020  # the edition's date, not the clock


def test_pdf_is_tagged_with_embedded_fonts(minimal_build):
    pdf = minimal_build.one("pdf", "reading", "A4")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.MULTILINE)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts, "no fonts listed"
    for line in fonts:
        assert "EB-Garamond" in line, line
        assert re.search(r"\byes\s+yes\s+(yes|no)\s+\d+\s+\d+\s*$", line), line  # emb, sub


def test_qpdf_check_passes_for_every_pdf(minimal_build):
    for out in minimal_build.outputs:
        if out.format == "pdf":
            result = subprocess.run(["qpdf", "--check", str(out.path)], capture_output=True,
                                    text=True)
            assert result.returncode == 0, result.stdout + result.stderr


def test_notes_are_printed_at_the_foot_of_the_page_that_calls_them(minimal_build):
    pdf = minimal_build.one("pdf", "reading", "A4")
    pages = _note_pages(pdf)
    assert sorted(pages) == [1, 2, 3]
    for number, (call_page, note_page) in pages.items():
        assert call_page == note_page
        text = pdftotext(pdf, call_page + 1, call_page + 1)
        _, _, foot = text.partition(f"{number}. ")
        assert foot, f"note {number} text not on page {call_page + 1}"
    foot_text = pdftotext(pdf, pages[1][0] + 1, pages[1][0] + 1)
    assert foot_text.index("the claim holds") < foot_text.index("1. First note")


def test_every_note_links_to_its_call_and_back(minimal_build):
    calls, problems = pdf_note_links(minimal_build.one("pdf", "reading", "A4"))
    assert calls == 3
    assert problems == []


def test_contents_page_numbers_match_the_outline(minimal_build):
    pdf = minimal_build.one("pdf", "reading", "A4")
    reader = PdfReader(pdf)
    outline = {
        item.title: reader.get_destination_page_number(item) + 1
        for item in reader.outline
        if not isinstance(item, list)
    }
    assert set(outline) >= {
        "On Sample Texts",
        "Appendix A: Chronology of the Sample, 1949–1951",
        "Appendix B: Works Cited, 1997–1998",
    }
    toc = pdftotext(pdf, 2, 2)
    for title, page in outline.items():
        short = title.split(":")[0]
        match = re.search(rf"{re.escape(short)}.*?(\d+)\s*$", toc, re.MULTILINE)
        assert match, f"{short} not in the contents"
        assert int(match.group(1)) == page, title


def test_no_character_lies_outside_the_page(minimal_build):
    for variant, paper in (("reading", "A4"), ("reading", "US Letter"), ("large-print", "A4")):
        with pdfplumber.open(minimal_build.one("pdf", variant, paper)) as doc:
            for page in doc.pages:
                for char in page.chars:
                    assert char["x0"] >= 0 and char["x1"] <= page.width, (variant, char["text"])
                    assert char["top"] >= 0 and char["bottom"] <= page.height


def test_cross_references_show_the_page(minimal_build):
    text = pdftotext(minimal_build.one("pdf", "reading", "A4"))
    assert re.search(r"Rests on n\. 1, p\. 3\.", text)
    assert re.search(r"Cited in n\. 1, p\. 3; n\. 2, p\. 3\.", text)
    # And back, from a note to the entries that cite it, with their pages.
    joined = " ".join(text.split())  # pdftotext joins a word hyphenated at a line end
    # In square brackets: the editors' addition, not the author's words.
    assert re.search(r"\[See App\. A, 14 Feb\. 1950 \(p\. \d+\); App\. B, Author 1998 "
                     r"\(p\. \d+\)\.\]", joined), joined


def test_large_print_is_at_least_16pt(minimal_build):
    with pdfplumber.open(minimal_build.one("pdf", "large-print", "A4")) as doc:
        sizes = [round(c["size"]) for page in doc.pages[2:3] for c in page.chars]
    body = max(set(sizes), key=sizes.count)
    assert body >= 16


def test_booklet_pages_are_twice_the_a5_page(minimal_build):
    booklet = PdfReader(minimal_build.one("pdf", "booklet"))
    box = booklet.pages[0].mediabox
    assert round(float(box.width)) == 842 and round(float(box.height)) == 595  # A4 landscape


def test_a_missing_font_stops_the_build_with_the_stylesheet_line(tmp_path):
    css = "p { color: black }\nbody { font-family: \"No Such Face Pro\", serif }\n"
    with pytest.raises(RenderError) as err:
        require_fonts(css, tmp_path / "print.css")
    assert str(err.value).startswith(f"{tmp_path / 'print.css'}:2: font 'No Such Face Pro'")


@pytest.mark.parametrize(
    "src",
    ["http://example.invalid/x.png", "file:///etc/hostname", "file:///dev/zero", "../outside.png"],
)
def test_renderer_reads_nothing_outside_the_project(tmp_path, src):
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "outside.png").write_bytes(b"not really")
    html = f'<html><body><p>x</p><img src="{src}" alt="x"></body></html>'
    with pytest.raises(RenderError, match="refused to fetch"):
        render_pdf(html, project, variant=None)


def test_booklet_sheet_one_front_holds_the_last_and_first_pages(minimal_build):
    with pdfplumber.open(minimal_build.one("pdf", "booklet", "A4 landscape")) as doc:
        front, back = doc.pages[0], doc.pages[1]
        half = front.width / 2
        right = front.crop((half, 0, front.width, front.height)).extract_text()
        left_back = back.crop((0, 0, half, back.height)).extract_text()
        last = doc.pages[0].crop((0, 0, half, front.height)).extract_text()
    assert "This edition: Fixture Press" in right  # page 1, the title page
    assert "Contents" in left_back  # page 2, on the back of page 1
    # The last printed page (or a blank that pads to a multiple of 4) faces page 1.
    assert "This edition: Fixture Press" not in last and "Contents" not in last


def test_entries_and_notes_link_each_other_in_the_pdf(minimal_build):
    reader = PdfReader(minimal_build.one("pdf", "reading", "A4"))
    dests = set(reader.named_destinations)
    links = [str(a.get_object().get("/Dest")) for page in reader.pages
             for a in page.get("/Annots") or []]
    to_entries = [d for d in links if d.startswith(("chron-", "hist-"))]
    to_notes = [d for d in links if re.fullmatch(r"sample-1999-note-\d", d)]
    # A link broken over two lines is two annotations: compare the destinations.
    assert set(to_entries) == {"chron-treaty", "chron-quotation", "hist-a-book",
                               "hist-an-article"}
    assert set(to_notes) == {f"sample-1999-note-{n}" for n in (1, 2, 3)}
    assert set(to_entries) | set(to_notes) <= dests


def test_weasyprint_warnings_come_back_with_the_layout(tmp_path):
    html = ('<html lang="en"><head><style>p { colour: red }</style></head>'
            "<body><p>x</p></body></html>")
    rendered = render_pdf(html, tmp_path, variant=None)
    assert rendered.pages == 1
    assert any(w.startswith("Ignored `colour: red") for w in rendered.warnings)
