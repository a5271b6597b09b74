"""Impose a PDF as a saddle-stitched booklet: two pages a side, ready to print duplex and fold."""


from __future__ import annotations

import io
from collections.abc import Sequence

import pikepdf
from pypdf import PageObject, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    StreamObject,
)

from pressroom.errors import RenderError
from pressroom.printing.join import saved
from pressroom.printing.pieces import LaidPiece, blanks_before


def booklet_order(pages: int) -> list[tuple[int | None, int | None]]:
    """Page pairs (left, right) for each side of each sheet, 0-based; None is a blank.

    With n pages padded to a multiple of 4, sheet k's front holds n-1-2k and 2k, and its back
    holds 2k+1 and n-2-2k: sheet 1's front carries the last and the first page.
    """
    padded = -(-pages // 4) * 4
    sides: list[tuple[int | None, int | None]] = []

    def real(i: int) -> int | None:
        return i if i < pages else None

    for k in range(padded // 4):
        sides.append((real(padded - 1 - 2 * k), real(2 * k)))
        sides.append((real(2 * k + 1), real(padded - 2 - 2 * k)))
    return sides


def page_as_form(page: PageObject, writer: PdfWriter) -> IndirectObject:
    """A page as a form XObject in the writer: its content untouched, its resources copied
    once (fonts shared by many pages stay one object). PDF readings draw their source pages
    this way (placement.place_pages), as imposition draws the volume's with qpdf's own."""
    form = StreamObject()
    form.set_data(content_bytes(page))
    box = page.mediabox
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject([FloatObject(v) for v in
                                          (box.left, box.bottom, box.right, box.top)]),
        NameObject("/Resources"): (page["/Resources"].clone(writer) if "/Resources" in page
                                   else DictionaryObject()),
    })
    return writer._add_object(form.flate_encode())


def content_bytes(page: PageObject) -> bytes:
    """A page's content streams, decoded and joined as they are (nothing parsed)."""
    contents = page.get("/Contents")
    if contents is None:
        return b""
    contents = contents.get_object()
    streams = contents if isinstance(contents, list) else [contents]
    return b"\n".join(stream.get_object().get_data() for stream in streams)


def impose_booklet(pieces: Sequence[LaidPiece],
                   sheet: tuple[float, float] | None = None) -> tuple[bytes, int]:
    """A booklet imposed from its volume's pieces, each laid out alone: the imposed PDF
    and its number of sheets.

    The pieces' pages take their places in the volume as the join gives them
    (``pieces.blanks_before``), a blank verso being a blank slot; the joined PDF is not
    made, since imposing keeps only the pages (a sheet side has no structure tree, outline
    or links to carry over). Pages sit side by side, centred on the sheet (an A5 pair is
    1 mm narrower than A4), so the fold falls in the middle of the sheet. Each page goes
    onto its side as a form XObject drawn where it belongs (qpdf, through pikepdf): nothing
    of its content is parsed or rewritten, which keeps imposing a long booklet fast and the
    file near the size of the edition. The document's information (title, authors) is the
    front piece's, as the joined volume's is.
    """
    if not pieces:
        raise RenderError("nothing to impose: the volume has no pieces")
    sources = [pikepdf.open(io.BytesIO(p.pdf)) for p in pieces]
    try:
        pages: list[pikepdf.Page | None] = []
        for piece, source in zip(pieces, sources, strict=True):
            pages += [None] * blanks_before(piece, pieces[0].first_page, len(pages))
            pages += source.pages
        box = [float(v) for v in sources[0].pages[0].mediabox]
        width, height = box[2] - box[0], box[3] - box[1]
        sheet_width, sheet_height = sheet or (2 * width, height)
        if sheet_width < 2 * width or sheet_height < height:
            raise RenderError("the sheet is smaller than two pages")
        dx, dy = (sheet_width - 2 * width) / 2, (sheet_height - height) / 2
        out = pikepdf.new()
        sides = booklet_order(len(pages))
        for left, right in sides:
            xobjects = pikepdf.Dictionary()
            drawing = []
            for slot, index in enumerate((left, right)):
                page = pages[index] if index is not None else None
                if page is None:
                    continue
                name = f"/P{slot}"
                xobjects[name] = out.copy_foreign(page.as_form_xobject())
                drawing.append(f"q 1 0 0 1 {dx + slot * width:.4f} {dy:.4f} cm {name} Do Q")
            side = out.add_blank_page(page_size=(sheet_width, sheet_height))
            side.obj.Resources = pikepdf.Dictionary(XObject=xobjects)
            side.obj.Contents = out.make_stream("\n".join(drawing).encode("ascii"))
        info = sources[0].docinfo
        for key in ("/Title", "/Author", "/Subject", "/Keywords", "/CreationDate", "/ModDate"):
            if key in info:
                out.docinfo[key] = info[key]
        out.docinfo["/Producer"] = "pressroom imposition (pikepdf)"
        return saved(out, sources[0].pdf_version), len(sides) // 2
    finally:
        for source in sources:
            source.close()
