"""Saddle-stitch imposition order and output."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader, PdfWriter

from pressroom.printing.imposition import booklet_order, impose_booklet


def test_eight_pages_make_two_sheets_with_the_last_and_first_on_the_first_front():
    assert booklet_order(8) == [(7, 0), (1, 6), (5, 2), (3, 4)]


def test_pages_are_padded_with_blanks_to_a_multiple_of_four():
    order = booklet_order(5)
    assert len(order) == 4  # 8 pages: two sheets, two sides each
    assert order[0] == (None, 0)
    assert sorted(i for side in order for i in side if i is not None) == [0, 1, 2, 3, 4]


def test_imposed_pdf_has_double_width_sides():
    writer = PdfWriter()
    for _ in range(6):
        writer.add_blank_page(width=420, height=595)
    buf = BytesIO()
    writer.write(buf)
    data, sheets = impose_booklet(buf.getvalue())
    reader = PdfReader(BytesIO(data))
    assert sheets == 2
    assert len(reader.pages) == 4
    assert float(reader.pages[0].mediabox.width) == 840
