"""The PDF/UA self-check: it passes what WeasyPrint tags (with the running heads made
artifacts) and fails, naming the piece and the page, on each kind of damage."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pikepdf
import pytest

from conftest import Built
from pressroom.checks.pdfua import check_pdfua, pdfua_problems
from pressroom.printing.artifacts import mark_pagination_artifacts
from pressroom.printing.layout import render_pdf

#: A small book: two pieces (each a top-level outline entry), a running head and folio in
#: the page margins, a figure with alt text, a link.
_HTML = """<!DOCTYPE html><html lang="en-GB"><head><title>A Small Book</title>
<style>@page {{ size: A6; margin: 20mm 12mm; @top-center {{ content: "A Small Book" }}
@bottom-center {{ content: counter(page) }} }}
h1 {{ break-before: page }}</style></head><body>
<h1>The First Reading</h1><p>Some text of the first reading, with
<a href="https://example.org/">a link</a>.</p>
<figure><img src="data:image/svg+xml;utf8,{svg}" alt="A red square"></figure>
<h1>The Second Reading</h1><h2>A Section</h2>{second}<p>The second reading's text.</p>
</body></html>"""
_SVG = ("%3Csvg xmlns='http://www.w3.org/2000/svg' width='20' height='20'%3E"
        "%3Crect width='20' height='20' fill='red'/%3E%3C/svg%3E")


def _book(tmp_path: Path, second: str = "", artifacts: bool = True) -> Path:
    rendered = render_pdf(_HTML.format(svg=_SVG, second=second), tmp_path)
    pdf = tmp_path / "book.pdf"
    pdf.write_bytes(mark_pagination_artifacts(rendered.data) if artifacts
                    else rendered.data)
    return pdf


def _edit(pdf: Path, change) -> Path:
    with pikepdf.open(pdf) as doc:
        change(doc)
        out = BytesIO()
        doc.save(out)
    pdf.write_bytes(out.getvalue())
    return pdf


def _messages(pdf: Path) -> list[str]:
    return [str(p) for p in pdfua_problems(pdf, ["The Second Reading"])]


def test_a_tagged_book_passes(tmp_path: Path):
    pdf = _book(tmp_path)
    assert _messages(pdf) == []
    result = check_pdfua(pdf)
    assert result.ok and "every page tagged" in result.detail


def test_running_heads_left_outside_the_tree_fail(tmp_path: Path):
    # WeasyPrint's own output: the margin boxes' marked content reaches no structure.
    messages = _messages(_book(tmp_path, artifacts=False))
    assert messages and all("is not reached from the structure tree" in m for m in messages)
    assert messages[0].startswith("The First Reading, page 1: ")


def test_an_untagged_page_is_named_with_its_piece(tmp_path: Path):
    def untag(doc: pikepdf.Pdf) -> None:
        page = doc.pages[1]
        kept = [(operands, operator)
                for operands, operator in pikepdf.parse_content_stream(page)
                if str(operator) not in ("BDC", "BMC", "EMC")]
        page.obj.Contents = doc.make_stream(pikepdf.unparse_content_stream(kept))

    messages = _messages(_edit(_book(tmp_path), untag))
    untagged = [m for m in messages if "untagged content" in m]
    assert untagged and untagged[0].startswith("The Second Reading, page 2: "), messages


def test_a_figure_without_alt_text_fails(tmp_path: Path):
    def drop_alt(doc: pikepdf.Pdf) -> None:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure":
                del obj.Alt

    assert _messages(_edit(_book(tmp_path), drop_alt)) == [
        "The First Reading, page 1: a figure without alt text"]


def test_no_language_fails(tmp_path: Path):
    def drop_lang(doc: pikepdf.Pdf) -> None:
        del doc.Root.Lang

    pdf = _edit(_book(tmp_path), drop_lang)
    assert _messages(pdf) == ["no document language (/Lang)"]
    # A PDF that claims PDF/UA-1 and fails is a failure of inv check, in one line.
    result = check_pdfua(pdf)
    assert not result.ok
    assert result.detail == "claims PDF/UA-1, but no document language (/Lang)"


def test_a_window_title_and_tab_order_are_required(tmp_path: Path):
    def drop(doc: pikepdf.Pdf) -> None:
        del doc.Root.ViewerPreferences.DisplayDocTitle
        del doc.pages[0].obj.Tabs

    assert _messages(_edit(_book(tmp_path), drop)) == [
        "the title is not shown as the window title (/DisplayDocTitle)",
        "The First Reading, page 1: annotations, but the tab order is not the structure's "
        "(/Tabs /S)"]


def test_a_link_outside_a_link_element_fails(tmp_path: Path):
    def unlink(doc: pikepdf.Pdf) -> None:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Link":
                obj.S = pikepdf.Name.Span

    assert _messages(_edit(_book(tmp_path), unlink)) == [
        "The First Reading, page 1: a link annotation outside a Link structure element"]


def test_a_skipped_heading_level_fails(tmp_path: Path):
    messages = _messages(_book(tmp_path, second="<h4>Too deep</h4>"))
    assert messages == ["The Second Reading, page 2: heading H4 after H2: a level skipped"]


def test_a_font_without_its_unicode_map_fails(tmp_path: Path):
    def drop_map(doc: pikepdf.Pdf) -> None:
        for font in doc.pages[0].Resources.Font.values():
            del font.ToUnicode

    messages = _messages(_edit(_book(tmp_path), drop_map))
    assert messages and all(m.startswith("The First Reading, page 1: font ") and
                            m.endswith("has no ToUnicode map") for m in messages)


def test_an_untagged_pdf_fails_but_is_not_required_to_pass(tmp_path: Path):
    from weasyprint import HTML

    pdf = tmp_path / "plain.pdf"
    HTML(string="<p>Plain.</p>").write_pdf(pdf)
    messages = _messages(pdf)
    assert "no structure tree (/StructTreeRoot): the PDF is untagged" in messages
    assert "front matter, page 1: 1 marks painted outside tagged content and artifacts " \
           "(untagged content)" in messages
    result = check_pdfua(pdf)
    assert result.ok and result.detail.startswith("no PDF/UA-1 claim, rightly: ")


@pytest.mark.slow
def test_the_default_editions_a4_passes(edition_build: Built):
    pdf = edition_build.one("pdf", "reading", "A4")
    assert pdfua_problems(pdf) == []
    assert check_pdfua(pdf).ok


@pytest.mark.slow
def test_a_volume_with_pdf_readings_names_their_untagged_pages(tmp_path: Path):
    from pressroom.engine.build import build
    from test_pdf_readings import settings_for, write_reader

    write_reader(tmp_path / "reader")
    settings = settings_for(tmp_path / "reader")
    pdf = next(o.path for o in build(settings, formats=("pdf",), papers=("a4",),
                                     kinds=("reading",)) if o.format == "pdf")
    untagged = [p for p in pdfua_problems(pdf, ["Unequal Allies", "A Scanned Chapter"])
                if "untagged content" in p.what]
    # The publisher's pages are tagged from their text layer; the scan, without text, not.
    assert {p.piece for p in untagged} == {"A Scanned Chapter"}
    assert all(p.page for p in untagged)
    # The volume does not claim PDF/UA-1, so the check reports and does not fail.
    result = check_pdfua(pdf)
    assert result.ok and result.detail.startswith("no PDF/UA-1 claim, rightly: ")
