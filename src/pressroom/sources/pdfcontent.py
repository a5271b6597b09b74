"""What a PDF page's content stream draws, and where: the geometry its tagging needs.

A publisher's page is tagged (printing.sourcetags) by finding, for each thing its content
draws, which paragraph or heading of its text layer (sources.pdftext, read by poppler) it
belongs to. poppler gives words with boxes; the content stream gives operators. This walks
the operators with the part of the graphics state that places things (the transformation
matrix, the text matrix and leading) and says, for every graphics object, what it is and
where it is drawn, in the coordinates poppler's boxes use (points from the top left of the
page as it is shown).

Only position is followed, not glyph widths: a run of text is placed by the point it starts
at, which is on its line and inside its block, and that is all the tagging asks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pikepdf

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

#: Operators that show text, build a path, paint or end one.
SHOW = frozenset({"Tj", "TJ", "'", '"'})
PATH = frozenset({"m", "l", "c", "v", "y", "h", "re"})
PAINT = frozenset({"S", "s", "f", "F", "f*", "B", "B*", "b", "b*"})
#: Marked-content operators: the publisher's own are taken out before tagging.
MARKED = frozenset({"BDC", "BMC", "EMC", "MP", "DP"})


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF's row-vector convention: m × n)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return (a * x + c * y + e, b * x + d * y + f)


def invert(m: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    det = a * d - b * c
    if abs(det) < 1e-12:
        return IDENTITY
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det,
            (b * e - a * f) / det)


@dataclass(frozen=True)
class Drawn:
    """One graphics object: the operators ``start`` to ``end`` (exclusive) of the stream.

    ``kind``: "text" (one text-showing operator), "image", "form", "path" or "shading".
    ``point``: where it is, in user space (text: where the run starts; an image or a form:
    its centre). ``area``: the part of the page an image covers (0-1)."""

    start: int
    end: int
    kind: str
    point: tuple[float, float]
    area: float = 0.0
    #: A form: its resource name, and the transformation its content is drawn under.
    name: str = ""
    matrix: Matrix = IDENTITY


def _numbers(operands: Sequence[Any]) -> list[float]:
    return [float(v) for v in operands]


class _State:
    def __init__(self, ctm: Matrix) -> None:
        self.ctm = ctm
        self.stack: list[Matrix] = []
        self.tm = IDENTITY
        self.tlm = IDENTITY
        self.leading = 0.0

    def next_line(self, tx: float, ty: float) -> None:
        self.tlm = multiply((1, 0, 0, 1, tx, ty), self.tlm)
        self.tm = self.tlm


def walk(ops: Sequence[Any], resources: pikepdf.Dictionary | None,
         page_area: float, ctm: Matrix = IDENTITY) -> list[Drawn]:
    """Every graphics object the operators draw, in stream order. ``page_area`` is the
    page's area in square points (an image's share of it is its ``area``)."""
    state = _State(ctm)
    xobjects = resources.get("/XObject") if resources is not None else None
    out: list[Drawn] = []
    path_start: int | None = None
    for index, instruction in enumerate(ops):
        operands, op = instruction.operands, str(instruction.operator)
        if op == "q":
            state.stack.append(state.ctm)
        elif op == "Q":
            if state.stack:
                state.ctm = state.stack.pop()
        elif op == "cm" and len(operands) == 6:
            state.ctm = multiply(tuple(_numbers(operands)), state.ctm)  # type: ignore[arg-type]
        elif op == "BT":
            state.tm = state.tlm = IDENTITY
        elif op == "Tm" and len(operands) == 6:
            state.tm = state.tlm = tuple(_numbers(operands))  # type: ignore[assignment]
        elif op in ("Td", "TD") and len(operands) == 2:
            tx, ty = _numbers(operands)
            if op == "TD":
                state.leading = -ty
            state.next_line(tx, ty)
        elif op == "TL" and operands:
            state.leading = float(operands[0])
        elif op in ("T*", "'", '"'):
            state.next_line(0.0, -state.leading)
        if op in SHOW:
            origin = apply(multiply(state.tm, state.ctm), 0.0, 0.0)
            out.append(Drawn(index, index + 1, "text", origin))
        elif op in PATH:
            if path_start is None:
                path_start = index
        elif op in PAINT or op == "n":
            start = path_start if path_start is not None else index
            path_start = None
            if op != "n":  # "n" ends a path (a clip) without painting it
                out.append(Drawn(start, index + 1, "path", (0.0, 0.0)))
        elif op == "sh":
            out.append(Drawn(index, index + 1, "shading", (0.0, 0.0)))
        elif op == "INLINE IMAGE":
            out.append(_image(index, state.ctm, page_area))
        elif op == "Do" and operands and xobjects is not None:
            xobject = xobjects.get(operands[0])
            subtype = xobject.get("/Subtype") if isinstance(xobject, pikepdf.Stream) else None
            if subtype == "/Image":
                out.append(_image(index, state.ctm, page_area))
            elif subtype == "/Form":
                box = [float(v) for v in xobject.get("/BBox", [0, 0, 0, 0])]
                own = tuple(float(v) for v in xobject.get("/Matrix", IDENTITY))
                matrix = multiply(own, state.ctm)  # type: ignore[arg-type]
                centre = apply(matrix, (box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
                out.append(Drawn(index, index + 1, "form", centre, name=str(operands[0]),
                                 matrix=matrix))
    return out


def _image(index: int, ctm: Matrix, page_area: float) -> Drawn:
    """An image fills the unit square of its transformation."""
    corners = [apply(ctm, x, y) for x in (0.0, 1.0) for y in (0.0, 1.0)]
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    area = (max(xs) - min(xs)) * (max(ys) - min(ys))
    return Drawn(index, index + 1, "image", ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2),
                 area / page_area if page_area > 0 else 0.0)


def to_shown(box: Sequence[float], rotate: int) -> Matrix:
    """User space to poppler's coordinates (points from the top left of the media box as the
    page is shown, turned by ``/Rotate``)."""
    x0, y0, x1, y1 = box
    turn = rotate % 360
    if turn == 90:
        return (0.0, 1.0, 1.0, 0.0, -y0, -x0)
    if turn == 180:
        return (-1.0, 0.0, 0.0, 1.0, x1, -y0)
    if turn == 270:
        return (0.0, -1.0, -1.0, 0.0, y1, x1)
    return (1.0, 0.0, 0.0, -1.0, -x0, y1)


#: An image covering this much of a page that also has text is its background: a scan under
#: its recognised text, a tint behind the type.
BACKGROUND = 0.6


def figures(drawn: Iterable[Drawn], has_text: bool) -> list[Drawn]:
    """The images that are figures (not a page's background), in stream order."""
    return [d for d in drawn if d.kind == "image"
            and not (has_text and d.area >= BACKGROUND)]


#: Forms drawing forms are followed this deep (checks.pdfua follows as deep).
MAX_DEPTH = 32


def page_objects(page: pikepdf.Page) -> list[Drawn]:
    """What a page of a source PDF draws, the content of the forms it draws included (an
    OCR'd scan keeps its text in one; layout programs put images in them)."""
    box = [float(v) for v in page.mediabox]
    area = abs((box[2] - box[0]) * (box[3] - box[1]))
    out: list[Drawn] = []

    def visit(stream: Any, resources: Any, ctm: Matrix, depth: int, seen: frozenset) -> None:
        for drawn in walk(pikepdf.parse_content_stream(stream), resources, area, ctm):
            form = (resources.get("/XObject", {}).get(drawn.name)
                    if drawn.kind == "form" and resources is not None else None)
            if form is not None and depth < MAX_DEPTH and form.objgen not in seen:
                visit(form, form.get("/Resources", resources), drawn.matrix, depth + 1,
                      seen | {form.objgen})
            else:
                out.append(drawn)

    visit(page, page.obj.get("/Resources"), IDENTITY, 0, frozenset())
    return out
