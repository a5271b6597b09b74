"""The EPUB's cover and title page, made from the edition's metadata.

The cover is a raster image, as shops and reading systems want it: templates/cover.html.j2,
laid out by WeasyPrint in EB Garamond alone and rasterised by poppler's pdftoppm, so that the
same metadata gives the same pixels. The cover page shows that image whole; the title page
(templates/epub-title-page.xhtml.j2) replaces Pandoc's. Both pages are Jinja templates that
escape every value for XML, so no page is put together from strings.
"""


from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from markupsafe import Markup
from pypdf import PdfReader

from pressroom.dates import human_date
from pressroom.epub.xmltree import EPUB, XHTML
from pressroom.errors import RenderError
from pressroom.faces import font_face_css, require_fonts
from pressroom.printing.layout import render_pdf
from pressroom.sources.citations import Citation
from pressroom.sources.edition import Edition
from pressroom.sources.links import is_web_link
from pressroom.templating import make_environment, render_template
from pressroom.tools.run import run_tool

#: The cover's size in pixels: the 2:3 portrait shops and reading systems ask for.
COVER_SIZE = (1600, 2400)
#: The only face the cover may be set in (as PDF font names spell it).
COVER_FACE = "EBGaramond"

#: The cover page, a template rendered with the title page's escaping (templates/ holds what
#: a designer changes; this page is only the image, whole, in the reader's own colours).
_COVER_PAGE = """\
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="{{ xhtml }}" xmlns:epub="{{ epub }}" lang="{{ language }}" xml:lang="{{ language }}">
<head>
  <meta charset="utf-8" />
  <title>{{ title }}</title>
  <style>{{ style }}</style>
</head>
<body epub:type="cover">
<section epub:type="cover" aria-label="Cover">
  <img role="doc-cover" src="../media/cover.png" alt="{{ alt }}" />
</section>
</body>
</html>
"""
_COVER_STYLE = (":root { color-scheme: light dark; } body { margin: 0; text-align: center; } "
                "img { max-width: 100%; max-height: 100vh; }")


def _cover_source_line(edition: Edition) -> str:
    # A reader names its course; an edition of one reading, the journal or book it is from.
    config = edition.config
    if config.course_line:
        return config.course_line
    source = edition.lead.source or {}
    issued = (source.get("issued") or {}).get("date-parts", [[None]])[0][0]
    number = f" {source['volume']}" if source.get("volume") else ""
    if number and source.get("issue"):
        number += f"({source['issue']})"
    container = source.get("container-title") or source.get("publisher") or ""
    return ", ".join(str(p) for p in (f"{container}{number}".strip(), issued) if p)


def cover_html(edition: Edition, templates_dir: Path) -> str:
    """The cover as an HTML page for WeasyPrint (templates/cover.html.j2)."""
    context = {
        "language": edition.config.language,
        "full_title": edition.full_title,
        "title": edition.title,
        "subtitle": edition.subtitle,
        "authors": ", ".join(p.name for p in edition.creators),
        "source_line": _cover_source_line(edition),
        "publisher": edition.config.publisher,
        "font_faces": font_face_css(),
    }
    return render_template(make_environment(templates_dir, "xml"), "cover.html.j2", context,
                           templates_dir)


def pdf_font_names(data: bytes) -> set[str]:
    """The base names of the fonts a PDF uses, subset prefixes removed."""
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for ref in fonts.values():
            base = str(ref.get_object().get("/BaseFont", ""))
            names.add(base.lstrip("/").split("+", 1)[-1])
    return names


def _letters(name: str) -> str:
    # "EB-Garamond-Bold" -> "EBGaramondBold": a font name as the check reads it.
    return "".join(c for c in name if c.isascii() and c.isalpha())


def cover_png(edition: Edition, templates_dir: Path) -> bytes:
    """The raster cover, COVER_SIZE pixels: the cover page laid out, then rasterised.

    The text must be in EB Garamond: a face missing from the system, or a character the face
    lacks (which WeasyPrint would set in some fallback face), stops the build. pdftoppm's PNG
    holds pixels only (no time stamp), so the same page gives the same bytes.
    """
    html = cover_html(edition, templates_dir)
    require_fonts(html, templates_dir / "cover.html.j2")
    pdf = render_pdf(html, templates_dir, variant=None)
    if pdf.pages != 1:
        raise RenderError(f"the cover takes {pdf.pages} pages, not 1 (shorten it or its type)",
                          path=templates_dir / "cover.html.j2")
    strays = sorted(f for f in pdf_font_names(pdf.data) if not _letters(f).startswith(COVER_FACE))
    if strays:
        raise RenderError(f"the cover uses {', '.join(strays)}, not EB Garamond alone (a "
                          "character EB Garamond lacks?)", path=templates_dir / "cover.html.j2")
    width, height = COVER_SIZE
    with tempfile.TemporaryDirectory(prefix="pressroom-cover-") as work:
        source = Path(work) / "cover.pdf"
        source.write_bytes(pdf.data)
        run_tool(["pdftoppm", "-png", "-singlefile", "-scale-to-x", str(width),
                  "-scale-to-y", str(height), str(source), str(Path(work) / "cover")],
                 what="pdftoppm (the cover)", source_path=templates_dir / "cover.html.j2")
        return (Path(work) / "cover.png").read_bytes()



def title_page(edition: Edition, templates_dir: Path, sources: Sequence[Citation] = ()) -> str:
    """The title page (templates/epub-title-page.xhtml.j2), in place of Pandoc's: a reader's
    title, editors and course; an edition of one reading, its source and rights as well."""
    config, lead = edition.config, edition.lead.meta
    single = len(edition.readings) == 1
    source = edition.lead.source or {}
    permalink = source.get("URL") or (f"https://doi.org/{source['DOI']}"
                                      if source.get("DOI") else None)
    if permalink is not None and not is_web_link(str(permalink)):
        # A URL: javascript:… is no link; the citation above it prints it as text.
        permalink = None
    context = {
        "language": config.language,
        "title": edition.title,
        "subtitle": edition.subtitle,
        "full_title": edition.full_title,
        "creators": edition.creators,
        "edited": bool(config.editors),
        "course_line": config.course_line,
        # The source is linked once, in words: the citation prints its address as text.
        "citation": Markup(sources[0].html_unlinked) if single and sources else None,
        "permalink": permalink if single else None,
        "permalink_host": (urlsplit(permalink).hostname or "").removeprefix("www.")
        if permalink else None,
        "rights": " ".join(filter(None, [lead.rights, lead.permissions])) if single else None,
        "publisher": config.publisher,
        "date": human_date(config.date),
    }
    return render_template(make_environment(templates_dir, "xml"), "epub-title-page.xhtml.j2",
                           context, templates_dir)


def cover_page(edition: Edition, templates_dir: Path) -> str:
    """The cover page: the raster cover alone, described by the title and authors."""
    context = {
        "xhtml": XHTML,
        "epub": EPUB,
        "language": edition.config.language,
        "title": edition.title,
        "style": _COVER_STYLE,
        "alt": f"Cover: {edition.full_title}, by " + ", ".join(p.name for p in edition.creators),
    }
    return make_environment(templates_dir, "xml").from_string(_COVER_PAGE).render(context)
