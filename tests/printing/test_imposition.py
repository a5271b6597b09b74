"""Saddle-stitch imposition order and output: a booklet imposed from its volume's pieces."""

from __future__ import annotations

import io

import pikepdf
import pytest

from pressroom.errors import RenderError
from pressroom.printing.imposition import booklet_order, impose_booklet
from pressroom.printing.pieces import LaidPiece

A5 = (420.0, 595.0)


def test_eight_pages_make_two_sheets_with_the_last_and_first_on_the_first_front():
    assert booklet_order(8) == [(7, 0), (1, 6), (5, 2), (3, 4)]


def test_pages_are_padded_with_blanks_to_a_multiple_of_four():
    order = booklet_order(5)
    assert len(order) == 4  # 8 pages: two sheets, two sides each
    assert order[0] == (None, 0)
    assert sorted(i for side in order for i in side if i is not None) == [0, 1, 2, 3, 4]


def _piece(first_page: int, pages: int, title: str = "") -> LaidPiece:
    """A piece whose every page's content names its page of the volume."""
    pdf = pikepdf.new()
    for n in range(first_page, first_page + pages):
        page = pdf.add_blank_page(page_size=A5)
        page.obj.Contents = pdf.make_stream(f"% volume page {n}\n".encode("ascii"))
    if title:
        pdf.docinfo["/Title"] = title
    buffer = io.BytesIO()
    pdf.save(buffer)
    return LaidPiece(buffer.getvalue(), first_page, ())


def _sides(data: bytes) -> list[tuple[float, list[tuple[float, int]]]]:
    """Each side's width and, left to right, where each page drawn on it sits and which
    volume page it is."""
    sides = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            drawn = []
            content = page.obj.Contents.read_bytes().decode("ascii")
            for line in content.splitlines():
                *_, x, _y, _cm, name, _do, _q = line.split()
                form = page.obj.Resources.XObject[name].read_bytes().decode("ascii")
                drawn.append((float(x), int(form.split()[-1])))
            sides.append((float(page.mediabox[2]), drawn))
    return sides


def test_pieces_take_their_volume_pages_and_a_blank_verso_is_an_empty_slot():
    # Pages 1-3, then a piece opening on the recto 5: page 4 is a blank verso. Six pages,
    # padded to eight: two sheets.
    data, sheets = impose_booklet([_piece(1, 3, "A reader"), _piece(5, 2)])
    assert sheets == 2
    sides = _sides(data)
    assert [width for width, _ in sides] == [840.0] * 4
    # (8, 1), (2, 7), (6, 3), (4, 5): the padding (7, 8) and the blank verso (4) draw nothing.
    assert [drawn for _, drawn in sides] == [
        [(420.0, 1)], [(0.0, 2)], [(0.0, 6), (420.0, 3)], [(420.0, 5)]]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert str(pdf.docinfo["/Title"]) == "A reader"


def test_a_volume_not_starting_at_one_is_imposed_from_its_first_page():
    data, sheets = impose_booklet([_piece(7, 2), _piece(9, 2)])
    assert sheets == 1
    assert [drawn for _, drawn in _sides(data)] == [[(0.0, 10), (420.0, 7)],
                                                    [(0.0, 8), (420.0, 9)]]


def test_pages_are_centred_on_a_larger_sheet():
    data, _ = impose_booklet([_piece(1, 4)], sheet=(842.0, 600.0))
    with pikepdf.open(io.BytesIO(data)) as pdf:
        content = pdf.pages[0].obj.Contents.read_bytes().decode("ascii")
    assert content.splitlines()[0].startswith("q 1 0 0 1 1.0000 2.5000 cm")


def test_overlapping_pieces_and_a_small_sheet_are_refused():
    with pytest.raises(RenderError, match="overlaps"):
        impose_booklet([_piece(1, 3), _piece(3, 2)])
    with pytest.raises(RenderError, match="smaller than two pages"):
        impose_booklet([_piece(1, 2)], sheet=(800.0, 595.0))
