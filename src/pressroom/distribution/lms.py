"""The LMS package (`inv lms`): one accessible PDF per reading, a Common Cartridge that
Canvas and Moodle import, and the reading list as RIS and BibTeX.

Each reading's PDF is its handout (engine.handout): its opener with its rights line, the
reader's page numbers, tagged wherever its pages are the volume's own (a PDF reading's
pages are the publisher's, untagged). The cartridge (distribution.cartridge) has a module
per part and an item per reading; the reading list is distribution.readinglist.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from pressroom.distribution.cartridge import (
    CartridgeItem,
    CartridgeModule,
    cartridge,
    manifest,
)
from pressroom.distribution.readinglist import reading_list_bibtex, reading_list_ris
from pressroom.engine.build import commit, stopped_by_sigterm
from pressroom.engine.executors import executor_for
from pressroom.engine.handout import HANDOUT_VARIANTS, handout_layouts, reading_pages
from pressroom.engine.layout import lay_out, print_body
from pressroom.engine.prepare import Prepared, prepare
from pressroom.engine.settings import Output, Settings
from pressroom.files import Staging, build_lock
from pressroom.papers import PAGE_SOURCE
from pressroom.sources.edition import Part, Reading
from pressroom.templating import make_environment, render_template

#: The paper of the readings' PDFs: the reader's own page source, so its numbers are the
#: reader's pages.
LMS_VARIANT = next(v for v in HANDOUT_VARIANTS if v.paper == PAGE_SOURCE.paper
                   and v.kind == "reading")


def _modules(prepared: Prepared) -> list[tuple[str, str, list[Reading]]]:
    """(id, title, readings) per module: a part each, and the readings outside parts."""
    edition = prepared.edition
    loose = [item for item in edition.contents if isinstance(item, Reading)]
    modules = [(part.id, part.title, list(part.readings))
               for part in edition.contents if isinstance(part, Part)]
    if loose or not modules:
        modules.insert(0, ("readings", edition.title, loose or list(edition.readings)))
    return modules


def _rights(reading: Reading) -> str:
    meta = reading.meta
    return " ".join(filter(None, (meta.rights, meta.license and f"Licence: {meta.license}.",
                                  meta.permissions)))


def reading_page(prepared: Prepared, reading: Reading, pdf: str, pdf_pages: int,
                 pages: str, tagged: bool, templates_dir) -> str:
    citation = prepared.citations.get(reading.id)
    return render_template(make_environment(templates_dir, "xml"), "lms-reading.html.j2", {
        "language": reading.meta.lang or prepared.edition.config.language,
        "title": reading.meta.title,
        "authors": ", ".join(a.name for a in reading.meta.authors),
        "citation": Markup(citation.html) if citation else None, "rights": _rights(reading),
        "collection": prepared.edition.full_title, "pages": pages, "pdf": pdf,
        "pdf_pages": pdf_pages, "tagged": tagged,
    }, templates_dir)


def build_lms(settings: Settings, *,
              progress: Callable[[str], None] | None = None) -> list[Output]:
    """Write the LMS package: ``<id>-lms-<reading>.pdf`` per reading, ``<id>.imscc`` and
    ``<id>-reading-list.ris`` / ``.bib``, committed together and added to the manifest."""
    say = progress or (lambda _stage: None)
    with stopped_by_sigterm(), build_lock(settings.build_dir):
        say("checking the collection")
        prepared = prepare(settings)
        pdfs: dict[str, tuple[bytes, int, str]] = {}
        with executor_for(settings) as executor:
            say("laying out the reader to find each reading's pages")
            reader = lay_out(settings, prepared, print_body(settings, prepared),
                             [PAGE_SOURCE], executor)[PAGE_SOURCE][1]
            for reading in prepared.edition.readings:
                first, last = reading_pages(reading, reader.anchor_pages)
                say(f"laying out {reading.id}")
                layout = handout_layouts(settings, prepared, reading, first, last,
                                         variants=(LMS_VARIANT,),
                                         executor=executor)[LMS_VARIANT][1]
                pages = "" if first is None else (
                    f"p. {first}" if last in (None, first) else f"pp. {first}–{last}")
                pdfs[reading.id] = (layout.data, layout.pages, pages)
        edition = prepared.edition
        files: dict[str, bytes] = {}
        modules = []
        for ident, title, readings in _modules(prepared):
            items = []
            for reading in readings:
                data, count, pages = pdfs[reading.id]
                pdf, page = f"readings/{reading.id}.pdf", f"readings/{reading.id}.html"
                files[pdf] = data
                files[page] = reading_page(prepared, reading, f"{reading.id}.pdf", count,
                                           pages, not reading.pdf,
                                           settings.templates_dir).encode("utf-8")
                citation = prepared.citations.get(reading.id)
                items.append(CartridgeItem(reading.id, reading.meta.title, page, pdf,
                                           " ".join(filter(None, [citation.text if citation
                                                                  else "", _rights(reading)]))))
            modules.append(CartridgeModule(ident, title, tuple(items)))
        xml = manifest(f"{prepared.id}-cartridge", edition.full_title,
                       edition.config.language, modules)
        staging = Staging(settings.out_dir)
        try:
            outputs = [Output("pdf", staging.write(f"{prepared.id}-lms-{rid}.pdf", data),
                              LMS_VARIANT.label, "lms", count)
                       for rid, (data, count, _) in pdfs.items()]
            outputs += [
                Output("imscc", staging.write(f"{prepared.id}.imscc", cartridge(xml, files))),
                Output("ris", staging.write(f"{prepared.id}-reading-list.ris",
                                            reading_list_ris(edition).encode("utf-8"))),
                Output("bibtex", staging.write(f"{prepared.id}-reading-list.bib",
                                               reading_list_bibtex(
                                                   edition, settings.limits).encode("utf-8")))]
            commit(settings, staging, outputs)
        finally:
            staging.discard()
    return outputs
