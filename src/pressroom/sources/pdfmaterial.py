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
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pikepdf
from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter

from pressroom.cache import Cache, code_version, digest, file_digest
from pressroom.errors import ContentError, RenderError
from pressroom.sources.pdfcontent import figures, page_objects
from pressroom.sources.pdffile import PdfFile, pdf_faults, visible_box
from pressroom.sources.pdftext import TextBlock, page_blocks, read_layout
from pressroom.tools.run import DEFAULT_LIMITS, Limits, run_bounded, run_tool

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
    #: The images it draws that are figures (not its background: sources.pdfcontent).
    figures: int = 0


@dataclass(frozen=True)
class PdfMaterial:
    """A PDF reading ready for the volume: the file its pages are drawn from (the source, or
    its OCR in the cache) and what was learnt of each page."""

    reading: str
    file: Path
    digest: str
    pages: tuple[SourcePage, ...]
    ocr: bool = False
    #: Each figure's alt text by 0-based page, in drawing order; None: decorative (from
    #: the sidecar, not the cache: editing it re-tags the pages without reading them again).
    alts: Mapping[int, tuple[str | None, ...]] = field(default_factory=dict)

    @property
    def has_text(self) -> bool:
        return any(page.has_text for page in self.pages)

    @property
    def scanned(self) -> tuple[int, ...]:
        return tuple(page.index for page in self.pages if page.scanned)

    @property
    def blank(self) -> tuple[int, ...]:
        return tuple(page.index for page in self.pages if page.blank)

    @property
    def without_alt(self) -> tuple[int, ...]:
        """Pages with more figures than the sidecar describes."""
        return tuple(page.index for page in self.pages
                     if page.figures > len(self.alts.get(page.index, ())))

    @property
    def taggable(self) -> bool:
        """Whether every page can be tagged: text on every page that is not blank (a scan
        needs --ocr), and every figure described."""
        return not self.scanned and not self.without_alt


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
    with pdf_faults(pdf.path):
        material = _read_pages(reading_id, pdf.path, pdf.pages, limits)
    if ocr and material.scanned:
        ocr_file.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=ocr_file.parent) as tmp:
            made = Path(tmp) / "ocr.pdf"
            run_ocr(pdf.path, made, lang, limits)
            made.replace(ocr_file)
        with pdf_faults(pdf.path):
            material = replace(_read_pages(reading_id, ocr_file, pdf.pages, limits), ocr=True)
    cache.put_json("pdf-reading", key, {"digest": material.digest, "ocr": material.ocr,
                                        "pages": [asdict(page) for page in material.pages]})
    return material


def _material_from_record(reading_id: str, ocr_file: Path, record: dict) -> PdfMaterial:
    pages = tuple(SourcePage(**{**p, "ink": tuple(p["ink"]),
                                "blocks": tuple(TextBlock(**{**b, "boxes": tuple(
                                    tuple(box) for box in b["boxes"])}) for b in p["blocks"])})
                  for p in record["pages"])
    return PdfMaterial(reading_id, ocr_file, record["digest"], pages, record["ocr"])


def _read_pages(reading_id: str, path: Path, indexes: tuple[int, ...],
                limits: Limits) -> PdfMaterial:
    reader = PdfReader(path)
    first, last = min(indexes), max(indexes)
    # Before poppler's programs read the pages first to last (seconds for each gigabyte a
    # stream inflates to), pypdf, whose limits stop a deflate bomb, inflates what they draw.
    for index in range(first, last + 1):
        _inflate_drawing(path, index, reader.pages[index])
    layout = read_layout(path, first, last, limits)
    inks = _ink_boxes(path, reader, first, last, limits)
    blocks = page_blocks(layout)
    pages = []
    with _content_faults(path), pikepdf.open(path) as drawing:
        for index in indexes:
            page = reader.pages[index]
            has_text = bool(layout.get(index))
            ink = inks.get(index)
            drawn = page_objects(drawing.pages[index])
            pages.append(SourcePage(index, ink or _WHOLE, has_text,
                                    not has_text and _has_image(page),
                                    tuple(blocks.get(index, ())), blank=ink is None,
                                    figures=len(figures(drawn, has_text))))
    return PdfMaterial(reading_id, path, file_digest(path), tuple(pages))


@contextlib.contextmanager
def _content_faults(path: Path) -> Iterator[None]:
    """qpdf (under pikepdf) failing on a page pypdf could read: one line naming the file."""
    try:
        yield
    except pikepdf.PdfError as exc:
        raise ContentError(f"the PDF's page content cannot be read: {exc}", path=path) from exc


def _xobjects(page) -> Iterator[tuple[Any, int]]:
    """Every XObject the page draws, itself or through the forms it draws, with how deep
    in forms it is (1: the page draws it). Walked with a list, each once: a form may draw
    itself, or forms nest thousands deep."""
    todo, seen = [(page, 0)], set()
    while todo:
        holder, depth = todo.pop()
        resources = holder.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        if xobjects is None:
            continue
        for ref in xobjects.get_object().values():
            item = ref.get_object()
            if id(item) in seen:
                continue
            seen.add(id(item))
            yield item, depth + 1
            if item.get("/Subtype") == "/Form":
                todo.append((item, depth + 1))


def _has_image(page) -> bool:
    """Whether the page draws an image, itself or in a form it draws."""
    return any(item.get("/Subtype") == "/Image" for item, _ in _xobjects(page))


#: The deepest a page's forms may nest (a form drawing a form drawing …): far past what a
#: publisher's PDF has, and well short of what placing the page can follow, which copies
#: its forms with pypdf's recursive clone (some 150 deep in a shallow stack, fewer in a
#: layout worker's, one fewer again for a booklet, which draws each page as a form).
MAX_FORM_DEPTH = 32


def _inflate_drawing(path: Path, index: int, page) -> None:
    """Inflate the streams a page draws with, its contents and its forms (not its images),
    under pypdf's limits: a deflate bomb anywhere in them raises pypdf's LimitReachedError
    (pdf_faults words it). A form's bomb would otherwise pass into the volume unread, for
    every reader of its PDFs to inflate. Forms nested past MAX_FORM_DEPTH are refused."""
    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else []
    for stream in contents if isinstance(contents, list) else [contents]:
        stream.get_object().get_data()
    for item, depth in _xobjects(page):
        if item.get("/Subtype") != "/Form":
            continue
        if depth > MAX_FORM_DEPTH:
            raise ContentError(f"page {index + 1} of the PDF draws forms nested more than "
                               f"{MAX_FORM_DEPTH} deep (a form within a form within …): it "
                               "cannot be reproduced", path=path)
        item.get_data()


def _ink_boxes(path: Path, reader, first: int, last: int, limits: Limits
               ) -> dict[int, tuple[float, float, float, float]]:
    """Where each page's ink lies within its trim box, from a low-resolution greyscale
    rendering (a page without ink is left out)."""
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
