"""Where a page's content draws things, in poppler's coordinates: every run of text the
content shows starts inside a line poppler boxes, however the page is turned."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from pressroom.sources.pdfcontent import (
    BACKGROUND,
    apply,
    figures,
    invert,
    multiply,
    page_objects,
    to_shown,
)
from pressroom.sources.pdftext import read_layout
from pressroom.tools.run import DEFAULT_LIMITS

_PAGE = """<html><head><style>@page { size: 120mm 160mm; margin: 15mm }
body { font-family: "DejaVu Serif"; font-size: 10pt }
.wide { width: 80mm; height: 30mm }</style></head><body>
<h1>A Heading</h1><p>A first paragraph of some words, set over two lines or more so that
the walk meets a change of line.</p>
<img class="wide" src="data:image/png;base64,{png}" alt="">
<p>And a last paragraph after the figure.</p></body></html>"""


def _png() -> str:
    import base64
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (40, 15), "teal").save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


@pytest.fixture(scope="module")
def page_pdf(tmp_path_factory) -> Path:
    import weasyprint

    path = tmp_path_factory.mktemp("content") / "page.pdf"
    weasyprint.HTML(string=_PAGE.replace("{png}", _png())).write_pdf(path)
    return path


def _turned(source: Path, rotate: int, folder: Path) -> Path:
    out = folder / f"turned-{rotate}.pdf"
    with pikepdf.open(source) as pdf:
        pdf.pages[0].obj.Rotate = rotate
        pdf.save(out)
    return out


def _lines(path: Path) -> list[tuple[float, float, float, float]]:
    return [(line.x0, line.top, line.x1, line.bottom)
            for block in read_layout(path, 0, 0, DEFAULT_LIMITS)[0] for line in block.lines]


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_every_run_of_text_starts_on_a_line_poppler_boxes(page_pdf: Path, tmp_path: Path,
                                                          rotate: int):
    path = _turned(page_pdf, rotate, tmp_path)
    lines = _lines(path)
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        shown = to_shown([float(v) for v in page.mediabox], rotate)
        runs = [apply(shown, *d.point) for d in page_objects(page) if d.kind == "text"]
    assert len(runs) >= 4
    for x, y in runs:
        # A run starts at its line's first glyph: on the box's edge, where it begins.
        assert any(left - 4 <= x <= right + 4 and top - 4 <= y <= bottom + 4
                   for left, top, right, bottom in lines), (x, y, lines)


def test_an_image_is_a_figure_unless_it_is_the_pages_background(page_pdf: Path):
    with pikepdf.open(page_pdf) as pdf:
        drawn = page_objects(pdf.pages[0])
    images = [d for d in drawn if d.kind == "image"]
    assert len(images) == 1 and 0.1 < images[0].area < BACKGROUND
    assert figures(drawn, has_text=True) == images
    # Covering the page under text, it is a background (a scan under its OCR text).
    big = [type(images[0])(0, 1, "image", (0, 0), area=0.9)]
    assert figures(big, has_text=True) == [] and figures(big, has_text=False) == big


def test_a_form_is_followed_into_with_its_matrix(tmp_path: Path):
    # The page's text moved into a form drawn shifted: the runs move with it.
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    form = pdf.make_stream(b"BT /F1 10 Tf 10 20 Td (inside) Tj 0 -12 Td (below) Tj ET",
                           Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                           BBox=[0, 0, 100, 100], Matrix=[1, 0, 0, 1, 5, 0],
                           Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)))
    page = pdf.pages[0]
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm=form))
    page.obj.Contents = pdf.make_stream(b"q 1 0 0 1 30 40 cm /Fm Do Q")
    points = [d.point for d in page_objects(page) if d.kind == "text"]
    assert points == [(45.0, 60.0), (45.0, 48.0)]


def test_matrices_compose_and_invert():
    m = (2.0, 0.0, 0.0, 3.0, 5.0, 7.0)
    n = (0.0, 1.0, -1.0, 0.0, 1.0, 1.0)
    x, y = apply(multiply(m, n), 1.0, 2.0)
    assert (x, y) == apply(n, *apply(m, 1.0, 2.0))
    back = apply(invert(multiply(m, n)), x, y)
    assert back == pytest.approx((1.0, 2.0))
