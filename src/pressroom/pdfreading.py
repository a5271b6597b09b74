"""PDF readings: a publisher's PDF or a scanned chapter as a reading of the volume.

Most course readers are not typed in. A PDF reading cannot be re-set, so the volume lays out
its opener as for any reading, then one empty placeholder page per page of the PDF, on a
named page (`@page source` in print.css) that carries the volume's folio and nothing else.
After the layout, each source page is drawn into its placeholder's page area as a form
XObject (the page's own content, untouched: its text layer stays searchable), scaled to fit
without cropping. Before that, the page's white margins are measured, so that the source's
ink, not its paper, is what fills the area: this is how large print enlarges a page without
cutting a word off.

The stages are:

- loading (``inspect_pdf``): the file is opened with pypdf, refused if it is unreadable or
  encrypted, and the sidecar's ``pages`` checked against its length;
- preparing (``prepare_pdf``): text per page and its layout (poppler's pdftotext), the ink
  of each page (pdftoppm at a low resolution), OCR of a scan with ``--ocr`` (OCRmyPDF);
  cached by the file's bytes;
- placing (``place_pages``, in the layout worker): the pages drawn into the laid-out PDF.

The EPUB gets the text layer in reading order, headings recognised by their size, or a
notice that the reading is in print only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from io import BytesIO
from pathlib import Path

from ._run import DEFAULT_LIMITS, Limits, run_bounded, run_tool
from .cache import Cache, code_version, digest, file_digest
from .errors import ContentError, RenderError
from .pdftext import TextBlock, page_blocks, read_layout

#: Tesseract's names for the languages a reading may be in (BCP 47 primary subtag).
TESSERACT_LANGUAGES = {
    "en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "pt": "por", "ru": "rus",
    "nl": "nld", "pl": "pol", "zh-Hans": "chi_sim", "zh-Hant": "chi_tra", "zh": "chi_sim",
    "ja": "jpn", "ko": "kor",
}

#: The resolution the ink of a page is measured at: a pixel is about 1.3 mm.
_INK_DPI = 20
#: A pixel darker than this (of 255) is ink.
_INK_THRESHOLD = 245
#: The ink box of a page that is all ink, or has none: the whole page.
_WHOLE = (0.0, 0.0, 1.0, 1.0)


def sidecar_of(pdf: Path) -> Path:
    """The metadata file beside a PDF reading: same name, ``.yaml``."""
    return pdf.with_suffix(".yaml")


def parse_pages(spec: str, count: int) -> tuple[int, ...]:
    """The 0-based page indexes a ``pages`` field names ("3-17", "1, 4-6"), in its order.

    Raises ValueError with the words for the user: a page out of the file's range, a range
    that runs backwards, a page named twice."""
    chosen: list[int] = []
    for part in re.split(r"\s*,\s*", spec.strip()):
        match = re.fullmatch(r"(\d+)(?:\s*[-–]\s*(\d+))?", part)
        if not match:
            raise ValueError(f"{part!r} is not a page or a range of pages (write \"3-17\" "
                             "or \"1, 4-6\")")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last < first:
            raise ValueError(f"the range {part!r} runs backwards")
        if first < 1 or last > count:
            what = (f"page {first}" if first < 1 else f"pages {part}" if first > count
                    and last > first else f"page {last}")
            raise ValueError(f"{what} {'is' if what.startswith('page ') else 'are'} out of "
                             f"range: the PDF has {count} page{'s' if count != 1 else ''}")
        for page in range(first, last + 1):
            if page - 1 in chosen:
                raise ValueError(f"page {page} is named twice")
            chosen.append(page - 1)
    return tuple(chosen)


def describe_pages(indexes: Sequence[int]) -> str:
    """1-based runs: (2, 3, 4, 8) -> "3–5, 9"."""
    runs: list[list[int]] = []
    for page in (i + 1 for i in indexes):
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


# ---------------------------------------------------------------------------------------------
# Loading


@contextlib.contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs what it repairs in a damaged file; the one error line we raise says it."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@dataclass(frozen=True)
class PdfFile:
    """What loading learns of a PDF reading's file (with pypdf; no outside program)."""

    path: Path
    digest: str
    #: Pages in the file, and the 0-based indexes of those the reading reproduces.
    page_count: int
    pages: tuple[int, ...]
    #: The file says it is tagged (a structure tree, /MarkInfo /Marked): its tags are not
    #: carried into the volume, which is why the volume then makes no PDF/UA claim.
    tagged: bool


def inspect_pdf(path: Path, spec: str | None, pages_line: int | None,
                sidecar: Path) -> PdfFile:
    """Open a PDF reading's file; an unreadable, encrypted or empty file, or pages out of
    range, is an error naming the file (the sidecar's line for ``pages``)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    with path.open("rb") as handle:
        if b"%PDF-" not in handle.read(1024):
            raise ContentError("is not a PDF file (it does not begin with %PDF-)", path=path)
    try:
        with _quiet_pypdf():
            reader = PdfReader(path)
        if reader.is_encrypted:
            raise ContentError("the PDF is encrypted: its pages cannot be reproduced (ask the "
                               "publisher for a copy without a password or restrictions)",
                               path=path)
        count = len(reader.pages)
        root = reader.trailer["/Root"]
        mark_info = root.get("/MarkInfo")
        tagged = bool("/StructTreeRoot" in root and mark_info is not None
                      and mark_info.get_object().get("/Marked"))
    except ContentError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError) as exc:
        raise ContentError(f"cannot read the PDF, which is damaged or incomplete ({exc})",
                           path=path) from exc
    if count == 0:
        raise ContentError("the PDF has no pages", path=path)
    try:
        chosen = parse_pages(spec, count) if spec else tuple(range(count))
    except ValueError as exc:
        raise ContentError(str(exc), path=sidecar, line=pages_line, field="pages") from exc
    return PdfFile(path, file_digest(path), count, chosen, tagged)


# ---------------------------------------------------------------------------------------------
# Preparing: text, ink, OCR


@dataclass(frozen=True)
class SourcePage:
    """One page a PDF reading reproduces."""

    index: int
    #: The box its ink lies in, as fractions of the visible page: left, top, right, bottom
    #: (the whole page if it is blank).
    ink: tuple[float, float, float, float]
    has_text: bool
    #: No text layer but an image: a scan, which nothing can read aloud or search.
    scanned: bool
    blocks: tuple[TextBlock, ...] = ()
    #: Nothing printed on it.
    blank: bool = False


@dataclass(frozen=True)
class PdfMaterial:
    """A PDF reading ready for the volume: the file its pages are drawn from (the source, or
    its OCR in the cache) and what was learnt of each page."""

    reading: str
    file: Path
    digest: str
    pages: tuple[SourcePage, ...]
    ocr: bool = False

    @property
    def has_text(self) -> bool:
        return any(page.has_text for page in self.pages)

    @property
    def scanned(self) -> tuple[int, ...]:
        return tuple(page.index for page in self.pages if page.scanned)

    @property
    def blank(self) -> tuple[int, ...]:
        return tuple(page.index for page in self.pages if page.blank)


def _ocr_language(lang: str | None) -> str:
    tag = lang or "en"
    for key in (tag, tag.split("-")[0]):
        if key in TESSERACT_LANGUAGES:
            return TESSERACT_LANGUAGES[key]
    return "eng"


def run_ocr(source: Path, out: Path, lang: str | None, limits: Limits) -> None:
    """OCRmyPDF on a scan: a text layer under each page's image, pages left as they are."""
    language = _ocr_language(lang)
    args = ["ocrmypdf", "--output-type", "pdf", "--skip-text", "--optimize", "0",
            "--jobs", "1", "--quiet", "-l", language, str(source), str(out)]
    try:
        result = run_bounded(args, seconds=limits.ocr_seconds, memory_mb=limits.ocr_memory_mb,
                             what="OCRmyPDF", limit="ocr", source_path=source,
                             # One thread: the layouts have the other cores.
                             env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    except OSError as exc:
        raise RenderError("cannot run OCRmyPDF (the set-up installs it): "
                          f"{exc.strerror or exc}", path=source) from exc
    if result.returncode != 0:
        said = " ".join((result.stderr or "").split())[:300]
        raise RenderError(f"OCRmyPDF failed ({language}): {said or result.returncode}",
                          path=source)


def prepare_pdf(reading_id: str, pdf: PdfFile, lang: str | None, cache: Cache, *,
                ocr: bool = False, limits: Limits = DEFAULT_LIMITS) -> PdfMaterial:
    """Text, ink and (with ``ocr``) OCR of a PDF reading's pages; cached by the file's bytes,
    the pages chosen and the code."""
    key = digest("pdf-reading", pdf.digest, ",".join(map(str, pdf.pages)), str(ocr),
                 lang or "", code_version())
    ocr_file = cache.path("ocr", key, ".pdf")
    recorded = cache.get_json("pdf-reading", key)
    if isinstance(recorded, dict) and (not recorded.get("ocr") or ocr_file.is_file()):
        return _material_from_record(reading_id, ocr_file if recorded["ocr"] else pdf.path,
                                     recorded)
    material = _read_pages(reading_id, pdf.path, pdf.pages, limits)
    if ocr and material.scanned:
        ocr_file.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=ocr_file.parent) as tmp:
            made = Path(tmp) / "ocr.pdf"
            run_ocr(pdf.path, made, lang, limits)
            made.replace(ocr_file)
        material = replace(_read_pages(reading_id, ocr_file, pdf.pages, limits), ocr=True)
    cache.put_json("pdf-reading", key, {"digest": material.digest, "ocr": material.ocr,
                                        "pages": [asdict(page) for page in material.pages]})
    return material


def _material_from_record(reading_id: str, ocr_file: Path, record: dict) -> PdfMaterial:
    pages = tuple(SourcePage(**{**p, "ink": tuple(p["ink"]),
                                "blocks": tuple(TextBlock(**b) for b in p["blocks"])})
                  for p in record["pages"])
    return PdfMaterial(reading_id, ocr_file, record["digest"], pages, record["ocr"])


def _read_pages(reading_id: str, path: Path, indexes: tuple[int, ...],
                limits: Limits) -> PdfMaterial:
    from pypdf import PdfReader

    reader = PdfReader(path)
    first, last = min(indexes), max(indexes)
    layout = read_layout(path, first, last, limits)
    inks = _ink_boxes(path, reader, first, last, limits)
    blocks = page_blocks(layout)
    pages = []
    for index in indexes:
        page = reader.pages[index]
        has_text = bool(layout.get(index))
        ink = inks.get(index)
        pages.append(SourcePage(index, ink or _WHOLE, has_text,
                                not has_text and _has_image(page),
                                tuple(blocks.get(index, ())), blank=ink is None))
    return PdfMaterial(reading_id, path, file_digest(path), tuple(pages))


def _has_image(page) -> bool:
    resources = page.get("/Resources")
    if resources is None:
        return False
    xobjects = resources.get_object().get("/XObject")
    if xobjects is None:
        return False
    for ref in xobjects.get_object().values():
        item = ref.get_object()
        if item.get("/Subtype") == "/Image" or (item.get("/Subtype") == "/Form"
                                               and _has_image(item)):
            return True
    return False


def _ink_boxes(path: Path, reader, first: int, last: int, limits: Limits
               ) -> dict[int, tuple[float, float, float, float]]:
    """Where each page's ink lies within its trim box, from a low-resolution greyscale
    rendering (a page without ink is left out)."""
    from PIL import Image, ImageOps
    from pypdf import PdfWriter

    out: dict[int, tuple[float, float, float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        rendered = path
        if any(visible_box(reader.pages[i]) != tuple(float(v) for v in reader.pages[i].cropbox)
               for i in range(first, last + 1)):
            # Crop marks and bleed outside the trim box are not the page: render the trim box.
            writer = PdfWriter(clone_from=reader)
            for page in writer.pages:
                page.cropbox = page.trimbox
            rendered = Path(tmp) / "trimmed.pdf"
            writer.write(rendered)
        run_tool(["pdftoppm", "-cropbox", "-r", str(_INK_DPI), "-gray", "-f", str(first + 1),
                  "-l", str(last + 1), str(rendered), f"{tmp}/p"], what="pdftoppm",
                 limits=limits, source_path=path)
        for image_path in Path(tmp).glob("p-*.pgm"):
            index = int(image_path.stem.rsplit("-", 1)[1]) - 1
            with Image.open(image_path) as image:
                ink = ImageOps.invert(image.convert("L")).point(
                    lambda v: 255 if v > 255 - _INK_THRESHOLD else 0)
                box = ink.getbbox()
                w, h = image.size
            if box is None:
                continue
            # One pixel of slack each way: a rendering this coarse rounds the edges.
            left, top, right, bottom = box
            out[index] = (max(0.0, (left - 1) / w), max(0.0, (top - 1) / h),
                          min(1.0, (right + 1) / w), min(1.0, (bottom + 1) / h))
    return out


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


def inserts(materials: Mapping[str, PdfMaterial], *, enlarge: bool = False
            ) -> tuple[Insert, ...]:
    """What each layout draws: every page of every PDF reading, framed by the ink of all the
    reading's pages together, so that its pages keep one scale and one position, as a
    photocopy would (a short last page is not blown up, nor moved to the middle)."""
    out: list[Insert] = []
    for material in materials.values():
        inked = [page.ink for page in material.pages if not page.blank]
        frame = (min(b[0] for b in inked), min(b[1] for b in inked),
                 max(b[2] for b in inked), max(b[3] for b in inked)) if inked else _WHOLE
        out += [Insert(placeholder_id(material.reading, n), str(material.file), page.index,
                       frame, enlarge) for n, page in enumerate(material.pages, start=1)]
    return tuple(out)


#: The resource names the source pages are drawn under (and found by, in checks).
FORM_PREFIX = "/PressroomSource"


def source_fonts(pdf: Path) -> set[str]:
    """The fonts of the PDF readings' pages drawn into a volume (their publishers' faces,
    OCR's invisible one): theirs, not the volume's, so the check of our faces leaves them."""
    from pypdf import PdfReader

    found: set[str] = set()

    def entries(holder, key: str) -> dict:
        holder = holder.get_object() if holder is not None else None
        value = holder.get(key) if holder is not None else None
        return dict(value.get_object()) if value is not None else {}

    def fonts_of(resources) -> None:
        for font in entries(resources, "/Font").values():
            base = str(font.get_object().get("/BaseFont", ""))
            found.add(re.sub(r"^/?(?:[A-Z]{6}\+)?", "", base))
        for item in entries(resources, "/XObject").values():
            item = item.get_object()
            if item.get("/Subtype") == "/Form":
                fonts_of(item.get("/Resources"))

    def forms_in(resources, depth: int = 0) -> None:
        # A booklet draws each page as a form of its own: the source pages are one deeper.
        for name, item in entries(resources, "/XObject").items():
            item = item.get_object()
            if str(name).startswith(FORM_PREFIX):
                fonts_of(item.get("/Resources"))
            elif item.get("/Subtype") == "/Form" and depth < 3:
                forms_in(item.get("/Resources"), depth + 1)

    for page in PdfReader(pdf).pages:
        forms_in(page.get("/Resources"))
    return found


def placeholder_id(reading_id: str, number: int) -> str:
    """The id of the placeholder of a reading's nth page (as the chunk's ids are prefixed)."""
    return f"{reading_id}-source-page-{number}"


def _carry_links(source, target, writer, to_target, shown) -> None:
    """The source page's web links (a DOI, a URL in a reference), moved with the page onto
    the volume's page, so that they still work there; links inside the source PDF, whose
    pages are not the volume's, are left out."""
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    xs, ys = [p[0] for p in shown], [p[1] for p in shown]
    shown = (min(xs), min(ys), max(xs), max(ys))
    for ref in source.get("/Annots") or []:
        annot = ref.get_object()
        action = annot.get("/A")
        action = action.get_object() if action is not None else {}
        if annot.get("/Subtype") != "/Link" or action.get("/S") != "/URI":
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
                NameObject("/URI"): TextStringObject(str(action.get("/URI", ""))),
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


def visible_box(page) -> tuple[float, float, float, float]:
    """The part of a page that is the page: its trim box (inside crop marks and bleed; pypdf
    gives the crop box where there is none)."""
    box = page.trimbox
    return float(box.left), float(box.bottom), float(box.right), float(box.top)


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
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    from .imposition import content_bytes, page_as_form

    if not to_place:
        return pdf
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    sources: dict[str, PdfReader] = {}
    for number, item in enumerate(to_place):
        if item.id not in placements:
            raise RenderError(f"the layout lost the placeholder of {item.id}")
        page_index, area = placements[item.id]
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

        def to_target(px: float, py: float, outer=matrix, inner=inner) -> tuple[float, float]:
            return _apply(outer, *_apply(inner, px, py))

        shown = [_apply(matrix, cx, cy) for cx in (clip[0], clip[0] + clip[2])
                 for cy in (clip[1], clip[1] + clip[3])]
        _carry_links(source, target, writer, to_target, shown)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
