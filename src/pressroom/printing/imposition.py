"""Impose a PDF as a saddle-stitched booklet: two pages a side, ready to print duplex and fold."""


from __future__ import annotations

from io import BytesIO

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    StreamObject,
)


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
    once (fonts shared by many pages stay one object). Imposition draws the volume's pages
    this way, and PDF readings their source pages (pdfreading.place_pages)."""
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


def impose_booklet(pdf: bytes, sheet: tuple[float, float] | None = None) -> tuple[bytes, int]:
    """The imposed PDF and its number of sheets.

    Pages sit side by side, centred on the sheet (an A5 pair is 1 mm narrower than A4), so
    the fold falls in the middle of the sheet. Each page goes onto its side as a form
    XObject drawn where it belongs: nothing of its content is parsed or rewritten, which
    keeps imposing a long booklet fast and the file near the size of the edition.
    """
    reader = PdfReader(BytesIO(pdf))
    first = reader.pages[0]
    width, height = float(first.mediabox.width), float(first.mediabox.height)
    sheet_width, sheet_height = sheet or (2 * width, height)
    if sheet_width < 2 * width or sheet_height < height:
        raise ValueError("the sheet is smaller than two pages")
    dx, dy = (sheet_width - 2 * width) / 2, (sheet_height - height) / 2
    writer = PdfWriter()
    forms: dict[int, IndirectObject] = {}
    sides = booklet_order(len(reader.pages))
    for left, right in sides:
        side = writer.add_blank_page(width=sheet_width, height=sheet_height)
        xobjects = DictionaryObject()
        drawing = []
        for slot, index in enumerate((left, right)):
            if index is None:
                continue
            if index not in forms:
                forms[index] = page_as_form(reader.pages[index], writer)
            name = f"/P{slot}"
            xobjects[NameObject(name)] = forms[index]
            drawing.append(f"q 1 0 0 1 {dx + slot * width:.4f} {dy:.4f} cm {name} Do Q")
        side[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/XObject"): xobjects})
        content = StreamObject()
        content.set_data("\n".join(drawing).encode("ascii"))
        side.replace_contents(content)
        side.compress_content_streams()
    for key in ("/Title", "/Author", "/Subject", "/Keywords", "/CreationDate", "/ModDate"):
        if reader.metadata and key in reader.metadata:
            writer.add_metadata({key: reader.metadata[key]})
    writer.add_metadata({"/Producer": "pressroom imposition (pypdf)"})
    out = BytesIO()
    writer.write(out)
    return out.getvalue(), len(sides) // 2
