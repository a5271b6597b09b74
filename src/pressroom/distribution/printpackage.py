"""The print package (`inv print-package`): an interior and a cover for one kind of printer.

A print shop or print-on-demand service wants files a reading edition is not: PDF/X, the
page extended past the trim by a bleed (with the trim and bleed boxes set), crop marks for a
copy centre and none for KDP, a page count made up to the printer's multiple with blank
pages, and a cover whose spine is as wide as the pages make it. What each printer wants is
one row of `papers.PRINT_PROFILES`.

The interior is the collection's print HTML with the profile's page rule after the paper's
own sheet (templates/print-package.css.j2), laid out as a job of the engine's graph with the
profile's PDF/X variant; WeasyPrint itself sets the boxes (CSS ``bleed``, ``marks``) and
dates the file from the collection, not the clock. The cover is templates/print-cover.html.j2.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import pikepdf

from pressroom.cache import digest
from pressroom.engine.build import commit, stopped_by_sigterm
from pressroom.engine.executors import executor_for
from pressroom.engine.graph import Node, run_graph
from pressroom.engine.jobs import Layout, LayoutJob
from pressroom.engine.layout import lay_out, print_body, report_job
from pressroom.engine.prepare import Prepared, prepare
from pressroom.engine.settings import Output, Settings
from pressroom.errors import ConfigError, RenderError
from pressroom.faces import require_fonts
from pressroom.files import Staging, build_lock
from pressroom.papers import CMYK_PROFILE, PrintProfile, print_profile, spine_width
from pressroom.printing.placement import inserts
from pressroom.sources.edition import Edition
from pressroom.templating import make_environment, render_template

log = logging.getLogger(__name__)

#: Type on the cover stays this far inside the trim (points): clear of the cut, as KDP and
#: IngramSpark ask (0.125 in at least).
COVER_SAFE = 0.5 * 72
#: The spine's type, at most (points); a narrower spine gets smaller type.
SPINE_FONT = 11.0


def output_profile() -> str:
    """The output intent's ICC profile as a data: URL: WeasyPrint reads nothing outside the
    project, and PDF/X embeds the profile anyway."""
    try:
        data = CMYK_PROFILE.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the CMYK output profile: {exc.strerror} (the set-up "
                          "installs libgs-common)", path=CMYK_PROFILE) from exc
    return "data:application/vnd.iccprofile;base64," + base64.b64encode(data).decode("ascii")


def interior_css(templates_dir: Path, profile: PrintProfile) -> str:
    """The profile's page rule: trim size, bleed, marks, the output intent's profile."""
    width, height = profile.trim
    return render_template(make_environment(templates_dir, "xml"), "print-package.css.j2", {
        "width": round(width, 2), "height": round(height, 2), "bleed": round(profile.bleed, 2),
        "crop_marks": profile.crop_marks, "outside_bleed_only": profile.outside_bleed_only,
        "output_profile": output_profile(), "cmyk": profile.cmyk,
    }, templates_dir)


def _paragraphs(text: str | None) -> list[str]:
    return [" ".join(p.split()) for p in (text or "").split("\n\n") if p.strip()]


def cover_html(edition: Edition, templates_dir: Path, profile: PrintProfile,
               pages: int) -> str:
    """The cover page for WeasyPrint: back, spine and front, the spine ``spine_width`` of
    the interior's page count on the collection's paper stock."""
    config = edition.config
    width, height = profile.trim
    spine = spine_width(pages, config.paper_stock)
    names = [p.name for p in edition.creators]
    editors = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)
    return render_template(make_environment(templates_dir, "xml"), "print-cover.html.j2", {
        "language": config.language, "full_title": edition.full_title,
        "title": edition.title, "subtitle": edition.subtitle,
        "editors": editors, "edited": bool(config.editors),
        "editor_role": "eds." if len(config.editors) > 1 else "ed.",
        "course_line": config.course_line, "publisher": config.publisher,
        "back_cover": _paragraphs(config.back_cover),
        "spine_text": edition.title if pages >= profile.spine_text_from else None,
        "spine_font": round(min(SPINE_FONT, spine * 0.6), 2),
        "created": config.date.isoformat(), "modified": config.revised.isoformat(),
        "width": round(width, 3), "height": round(height, 3), "spine": round(spine, 3),
        "sheet_width": round(2 * width + spine, 3), "bleed": round(profile.bleed, 3),
        "crop_marks": profile.crop_marks, "safe": COVER_SAFE,
        "output_profile": output_profile(), "cmyk": profile.cmyk,
    }, templates_dir)


def finish_interior(data: bytes, profile: PrintProfile) -> tuple[bytes, int]:
    """The laid-out interior made up to the profile's page multiple with blank pages (each
    with the boxes of the page before it, so the bleed and trim stay the same), without
    outline and links where the profile refuses them; its bytes and page count."""
    with pikepdf.open(BytesIO(data)) as pdf:
        while len(pdf.pages) % profile.page_multiple:
            last = pdf.pages[-1]
            # Facing pages mirror their bleed: the blank takes the page two before it.
            model = pdf.pages[-2] if len(pdf.pages) > 1 else last
            blank = pdf.add_blank_page(page_size=(72, 72))
            for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
                if box in model.obj:
                    blank.obj[box] = pikepdf.Array(model.obj[box])
        if not profile.outline_and_links:
            for page in pdf.pages:
                if "/Annots" in page.obj:
                    del page.obj.Annots
            for key in ("/Outlines", "/PageMode"):
                if key in pdf.Root:
                    del pdf.Root[key]
        out = BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return out.getvalue(), len(pdf.pages)


#: Content-stream operators that set an RGB colour, and RGB colour spaces of images.
_RGB_OPERATORS = frozenset({"rg", "RG"})
_RGB_SPACES = frozenset({"/DeviceRGB", "/CalRGB"})


def _rgb_image(image: pikepdf.Object) -> bool:
    space = image.get("/ColorSpace")
    if isinstance(space, pikepdf.Array) and len(space) == 2 and space[0] == "/ICCBased":
        return int(space[1].get("/N", 0)) == 3
    return str(space) in _RGB_SPACES


def rgb_pages(data: bytes) -> list[int]:
    """The pages (1-based) that still paint in RGB: an RGB fill or stroke colour, or an RGB
    image. PDF/X-1a allows none; a figure or a photograph drawn in RGB keeps its colours, and
    the printer converts them or refuses the file, so the build says where they are."""
    found: list[int] = []
    with pikepdf.open(BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            xobjects = page.obj.get("/Resources", {}).get("/XObject", {})
            images = any(x.get("/Subtype") == "/Image" and _rgb_image(x)
                         for x in xobjects.values())
            if images or any(str(op) in _RGB_OPERATORS
                             for _, op in pikepdf.parse_content_stream(page)):
                found.append(number)
    return found


def _lay_out(settings: Settings, jobs: list[LayoutJob],
             say: Callable[[str], None]) -> list[Layout]:
    done: dict[str, Layout] = {}

    def keep(job: LayoutJob) -> Callable[[Any], list[Node]]:
        def then(layout: Any) -> list[Node]:
            done[job.name] = layout
            return []
        return then

    with executor_for(settings) as executor:
        run_graph([Node(job, keep(job)) for job in jobs], executor, settings.cache,
                  report_job(say))
    for layout in done.values():
        for warning in layout.warnings:
            log.warning("WeasyPrint: %s", warning)
    return [done[job.name] for job in jobs]


def _job(name: str, html: str, settings: Settings, profile: PrintProfile,
         prepared: Prepared | None = None) -> LayoutJob:
    return LayoutJob(name, html, settings.project_root, pdf_variant=profile.pdf_variant,
                     identity=digest(name, html),
                     inserts=inserts(prepared.pdfs, langs=prepared.reading_langs)
                     if prepared is not None else ())


def build_print_package(settings: Settings, profile_name: str, *,
                        progress: Callable[[str], None] | None = None) -> list[Output]:
    """Write the collection's print package for one profile: ``<id>-print-<profile>.pdf``
    (the interior) and ``<id>-print-<profile>-cover.pdf``, committed together and added to
    the manifest, beside the other outputs."""
    say = progress or (lambda _stage: None)
    profile = print_profile(profile_name)
    with stopped_by_sigterm(), build_lock(settings.build_dir):
        say("checking the collection")
        prepared = prepare(settings)
        printed = dataclasses.replace(prepared, extra_css="\n".join(filter(None, [
            prepared.extra_css, interior_css(settings.templates_dir, profile)])))
        say(f"laying out the interior for {profile.name}")
        # Piece by piece, as every volume (engine.layout): no job grows with the volume.
        with executor_for(settings) as executor:
            interior = lay_out(settings, printed, print_body(settings, printed),
                               [profile.variant], executor, report_job(say),
                               pdf_variant=profile.pdf_variant,
                               record=f"-print-{profile.name}")[profile.variant][1]
        for warning in interior.warnings:
            log.warning("WeasyPrint: %s", warning)
        data, pages = finish_interior(interior.data, profile)
        if profile.cmyk and (rgb := rgb_pages(data)):
            log.warning("%s: pages %s of the interior paint in RGB (a figure or an image), "
                        "which %s allows only in CMYK: the printer will convert or refuse "
                        "them", profile.name, ", ".join(map(str, rgb)),
                        profile.pdf_variant.upper())
        cover = cover_html(prepared.edition, settings.templates_dir, profile, pages)
        cover_template = settings.templates_dir / "print-cover.html.j2"
        require_fonts(cover, cover_template)
        say(f"laying out the cover: {pages} pages, spine "
            f"{spine_width(pages, prepared.edition.config.paper_stock) / 72:.3f} in")
        cover_layout = _lay_out(settings, [_job(f"PDF, {profile.name} cover", cover,
                                                settings, profile)], say)[0]
        if cover_layout.pages != 1:
            raise RenderError(f"the cover takes {cover_layout.pages} pages, not 1 (a back "
                              "cover text too long?)", path=cover_template)
        stem = f"{prepared.id}-print-{profile.name}"
        staging = Staging(settings.out_dir)
        try:
            outputs = [
                Output("pdf", staging.write(f"{stem}.pdf", data), profile.variant.label,
                       f"print-{profile.name}", pages, rebuilt=not interior.reused),
                Output("pdf", staging.write(f"{stem}-cover.pdf", cover_layout.data),
                       f"{profile.variant.label} cover", f"print-{profile.name}-cover", 1,
                       rebuilt=not cover_layout.reused)]
            commit(settings, staging, outputs)
        finally:
            staging.discard()
    return outputs
