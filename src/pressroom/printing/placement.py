"""A PDF reading's pages drawn into the volume: each source page into its placeholder's
area, framed by its ink, its links carried over."""


from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from pressroom.errors import RenderError
from pressroom.printing.imposition import content_bytes, page_as_form
from pressroom.sources.links import is_web_link
from pressroom.sources.pdffile import pdf_faults, visible_box
from pressroom.sources.pdfmaterial import _WHOLE, PdfMaterial

# ---------------------------------------------------------------------------------------------
# Placing the pages


@dataclass(frozen=True)
class Insert:
    """A source page to draw on the laid-out page that holds placeholder ``id``."""

    id: str
    file: str
    index: int
    ink: tuple[float, float, float, float]
    #: Large print: scaled up to fill the page; elsewhere a page is drawn at its own size
    #: unless the page is too small for it.
    enlarge: bool = False
    #: What the page is tagged by (printing.sourcetags); None: it is not tagged (a scan
    #: without text, a figure without alt text).
    tags: PageTags | None = None


@dataclass(frozen=True)
class Unit:
    """A paragraph, heading or note of the text layer, as a structure element: ``key``
    is the same on every page it is on; ``role`` the element's type (P, H1-H6, Note);
    ``boxes`` its lines on this page (left, top, right, bottom, as poppler gives them)."""

    key: int
    role: str
    boxes: tuple[tuple[float, float, float, float], ...]
    #: Its text as the text layer reads it (words joined across line ends).
    text: str = ""


@dataclass(frozen=True)
class PageTags:
    """A source page's structure: its units in reading order, its figures' alt texts in
    drawing order (None: decorative), the reading's id and language."""

    reading: str
    units: tuple[Unit, ...]
    alts: tuple[str | None, ...]
    lang: str | None = None


def _units(material: PdfMaterial) -> dict[int, list[Unit]]:
    """Every page's units, in reading order: a paragraph that runs on from the page before
    comes first on the page it runs on to (the pages are read in order)."""
    out: dict[int, list[Unit]] = {page.index: [] for page in material.pages}
    key = 0
    for page in material.pages:
        for block in page.blocks:
            role = "Note" if block.note else f"H{block.level}" if block.level else "P"
            for index in dict.fromkeys(box[0] for box in block.boxes):
                if index in out:
                    out[index].append(Unit(key, role, tuple(tuple(box[1:]) for box in block.boxes
                                                            if box[0] == index), block.text))
            key += 1
    return out


def inserts(materials: Mapping[str, PdfMaterial], *, enlarge: bool = False,
            langs: Mapping[str, str | None] | None = None) -> tuple[Insert, ...]:
    """What each layout draws: every page of every PDF reading, framed by the ink of all the
    reading's pages together, so that its pages keep one scale and one position, as a
    photocopy would (a short last page is not blown up, nor moved to the middle); with
    what each page is tagged by when the reading can be (``langs``: each reading's
    language)."""
    out: list[Insert] = []
    for material in materials.values():
        inked = [page.ink for page in material.pages if not page.blank]
        frame = (min(b[0] for b in inked), min(b[1] for b in inked),
                 max(b[2] for b in inked), max(b[3] for b in inked)) if inked else _WHOLE
        units = _units(material) if material.taggable else {}
        lang = (langs or {}).get(material.reading)
        out += [Insert(placeholder_id(material.reading, n), str(material.file), page.index,
                       frame, enlarge,
                       PageTags(material.reading, tuple(units[page.index]),
                                material.alts.get(page.index, ()), lang)
                       if material.taggable else None)
                for n, page in enumerate(material.pages, start=1)]
    return tuple(out)


#: The resource names the source pages are drawn under (and found by, in checks).
FORM_PREFIX = "/PressroomSource"


def placeholder_id(reading_id: str, number: int) -> str:
    """The id of the placeholder of a reading's nth page (as the chunk's ids are prefixed)."""
    return f"{reading_id}-source-page-{number}"


def _carry_links(source, target, writer, to_target, shown) -> None:
    """The source page's web links (a DOI, a URL in a reference), moved with the page onto
    the volume's page, so that they still work there; links inside the source PDF, whose
    pages are not the volume's, are left out."""
    xs, ys = [p[0] for p in shown], [p[1] for p in shown]
    shown = (min(xs), min(ys), max(xs), max(ys))
    for ref in source.get("/Annots") or []:
        annot = ref.get_object()
        action = annot.get("/A")
        action = action.get_object() if action is not None else {}
        if annot.get("/Subtype") != "/Link" or action.get("/S") != "/URI":
            continue
        # Only web links travel: javascript:, file:, data: and the rest are dropped.
        uri = str(action.get("/URI", ""))
        if not is_web_link(uri):
            continue
        x0, y0, x1, y1 = (float(v) for v in annot["/Rect"])
        corners = [to_target(x, y) for x in (x0, x1) for y in (y0, y1)]
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        rect = (min(xs), min(ys), max(xs), max(ys))
        if rect[2] < shown[0] or rect[0] > shown[2] or rect[3] < shown[1] or rect[1] > shown[3]:
            continue
        link = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(round(v, 3)) for v in rect]),
            NameObject("/Border"): ArrayObject([NumberObject(0)] * 3),
            NameObject("/A"): DictionaryObject({
                NameObject("/S"): NameObject("/URI"),
                NameObject("/URI"): TextStringObject(uri),
            }),
        })
        annots = target.get("/Annots")
        annots = ArrayObject(annots.get_object() if annots is not None else [])
        annots.append(writer._add_object(link))
        target[NameObject("/Annots")] = annots


#: A placement: the page (0-based) of the laid-out PDF and the area to fill, in points from
#: its bottom-left corner: x, y, width, height.
Placement = tuple[int, tuple[float, float, float, float]]


Matrix = tuple[float, float, float, float, float, float]




def visible_size(page) -> tuple[float, float]:
    x0, y0, x1, y1 = visible_box(page)
    width, height = x1 - x0, y1 - y0
    return (height, width) if (page.get("/Rotate") or 0) % 180 else (width, height)


def _visible_matrix(page) -> Matrix:
    """The matrix from a page's user space to its visible page (rotation applied, the trim
    box's lower-left corner at the origin)."""
    x0, y0, x1, y1 = visible_box(page)
    rotate = (page.get("/Rotate") or 0) % 360
    if rotate == 90:
        return (0, -1, 1, 0, -y0, x1)
    if rotate == 180:
        return (-1, 0, 0, -1, x1, y1)
    if rotate == 270:
        return (0, 1, -1, 0, y1, -x0)
    return (1, 0, 0, 1, -x0, -y0)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def fit(ink: tuple[float, float, float, float], width: float, height: float,
        area: tuple[float, float, float, float], enlarge: bool = True) -> Matrix:
    """The matrix that draws a visible page (width x height) so that its inked box sits in
    the area, centred, scaled by one factor: filling the area with ``enlarge``, else at
    most at its own size. A page that is read much larger turned (a landscape table on a
    portrait page) is turned a quarter to the left, its top at the page's left edge on
    versos and rectos alike, as books set broadside tables."""
    left, top, right, bottom = ink
    ink_w, ink_h = (right - left) * width, (bottom - top) * height
    x, y, w, h = area
    if ink_w <= 0 or ink_h <= 0:
        return (1, 0, 0, 1, x, y)

    def scale(across: float, down: float) -> float:
        found = min(w / across, h / down)
        return found if enlarge else min(found, 1.0)

    upright, turned = scale(ink_w, ink_h), scale(ink_h, ink_w)
    ink_x, ink_y = left * width, (1 - bottom) * height  # the ink's lower-left corner
    if turned > 1.15 * upright:
        # (x, y) -> (-y, x), scaled: the ink spans x in [-(ink_y + ink_h), -ink_y].
        s = turned
        return (0, s, -s, 0, x + (w - s * ink_h) / 2 + s * (ink_y + ink_h),
                y + (h - s * ink_w) / 2 - s * ink_x)
    s = upright
    return (s, 0, 0, s, x + (w - s * ink_w) / 2 - s * ink_x, y + (h - s * ink_h) / 2 - s * ink_y)


def place_pages(pdf: bytes, placements: Mapping[str, Placement],
                to_place: Sequence[Insert]) -> bytes:
    """The laid-out PDF with each source page drawn into its placeholder's page area.

    The page is a form XObject (imposition.page_as_form): its content stream, fonts and
    text layer are as the publisher made them, clipped to its ink box (nothing inked lies
    outside it) and scaled; the volume's own page content (the folio) is left as it was."""

    if not to_place:
        return pdf
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    sources: dict[str, PdfReader] = {}
    for number, item in enumerate(to_place):
        if item.id not in placements:
            raise RenderError(f"the layout lost the placeholder of {item.id}")
        page_index, area = placements[item.id]
        with pdf_faults(item.file, RenderError):
            reader = sources.get(item.file) or sources.setdefault(item.file, PdfReader(item.file))
            source = reader.pages[item.index]
            width, height = visible_size(source)
            matrix = fit(item.ink, width, height, area, item.enlarge)
            inner = _visible_matrix(source)
            left, top, right, bottom = item.ink
            clip = (left * width, (1 - bottom) * height, (right - left) * width,
                    (bottom - top) * height)
            name = f"{FORM_PREFIX}{number}"
            target = writer.pages[page_index]
            resources = target.get("/Resources")
            resources = DictionaryObject(resources.get_object() if resources else {})
            xobjects = resources.get("/XObject")
            xobjects = DictionaryObject(xobjects.get_object() if xobjects else {})
            xobjects[NameObject(name)] = page_as_form(source, writer)
            resources[NameObject("/XObject")] = xobjects
            target[NameObject("/Resources")] = resources
            drawing = (" ".join(f"{v:.5f}" for v in matrix) + " cm "
                       + " ".join(f"{v:.3f}" for v in clip) + " re W n "
                       + " ".join(f"{v:g}" for v in inner) + f" cm {name} Do")
            content = StreamObject()
            content.set_data(b"q\n" + content_bytes(target) + b"\nQ\nq " + drawing.encode("ascii")
                             + b" Q\n")
            target.replace_contents(content)
            target.compress_content_streams()

            def to_target(px: float, py: float, outer=matrix,
                          inner=inner) -> tuple[float, float]:
                return _apply(outer, *_apply(inner, px, py))

            shown = [_apply(matrix, cx, cy) for cx in (clip[0], clip[0] + clip[2])
                     for cy in (clip[1], clip[1] + clip[3])]
            _carry_links(source, target, writer, to_target, shown)
    out = BytesIO()
    with pdf_faults(" and ".join(sorted(sources)), RenderError):
        writer.write(out)
    return out.getvalue()
