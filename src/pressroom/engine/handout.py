"""Handouts: one reading of a collection alone, as A4 and Letter PDFs and a booklet.

A teacher who copies one reading for a class wants it to say where it comes from, and to
keep the reader's page numbers, so that "p. 63" means the same page in the reader and in
the handout. The reading's pages in the reader are taken from the A4 reader's layout.
"""


from __future__ import annotations

import dataclasses
from collections.abc import Callable

from pressroom.assemble.chunks import Handout
from pressroom.engine.build import commit, stopped_by_sigterm
from pressroom.engine.executor import Executor
from pressroom.engine.executors import executor_for
from pressroom.engine.layout import Laid, lay_out, print_body
from pressroom.engine.prepare import Prepared, prepare, write_prepared
from pressroom.engine.settings import Output, Settings
from pressroom.errors import ConfigError
from pressroom.files import Staging, build_lock
from pressroom.papers import HANDOUT_VARIANTS, PAGE_SOURCE, Variant
from pressroom.reports.permissions import reading_pages
from pressroom.sources.edition import Edition, Reading

__all__ = ["HANDOUT_VARIANTS", "build_handout", "handout_layouts", "reading_pages"]


def find_reading(edition: Edition, reading_id: str) -> Reading:
    for reading in edition.readings:
        if reading.id == reading_id:
            return reading
    known = ", ".join(r.id for r in edition.readings)
    raise ConfigError(f"no reading {reading_id!r} in this collection (it has: {known})",
                      path=edition.path)


def handout_edition(edition: Edition, reading: Reading) -> Edition:
    """The collection cut down to one reading, titled and credited as that reading."""
    config = edition.config.model_copy(update={
        "id": f"{edition.config.id}-{reading.id}-handout", "title": None, "subtitle": None,
        "editors": [], "appendices": [], "introduction": None, "note_on_the_text": None,
    })
    return dataclasses.replace(edition, config=config, readings=(reading,),
                               contents=(reading,), appendices=(), introduction=None)


def from_line(edition: Edition, first: int | None, last: int | None) -> str:
    """'From: <reader title>, pp. 57–81' (the pages of the A4 reader)."""
    if first is None:
        return f"From: {edition.full_title}"
    pages = f"p. {first}" if last in (None, first) else f"pp. {first}–{last}"
    return f"From: {edition.full_title}, {pages}"


def handout_layouts(settings: Settings, prepared: Prepared,
                    reading: Reading, first: int | None, last: int | None, *,
                    restart: bool = False,
                    variants: tuple[Variant, ...] = HANDOUT_VARIANTS,
                    executor: Executor,
                    ) -> dict[Variant, Laid]:
    """Lay out one reading alone; its first page numbered ``first`` unless ``restart``."""
    one = handout_edition(prepared.edition, reading)
    handout = write_prepared(
        settings, one, prepared.citations, one.config.id,
        Handout(from_line(prepared.edition, first, last)), pdfs=prepared.pdfs)
    # Laid out as the volume's piece that begins at the reader's page of the reading.
    return lay_out(settings, handout, print_body(settings, handout), variants, executor,
                   first_page=1 if restart or first is None else first)


def build_handout(settings: Settings, reading_id: str, *, restart: bool = False,
                  progress: Callable[[str], None] | None = None) -> list[Output]:
    """Build a reading's handout; by default its pages carry the reader's page numbers.

    The outputs are committed together and added to the manifest, beside the reader's."""
    say = progress or (lambda _stage: None)
    with stopped_by_sigterm(), build_lock(settings.build_dir):
        say("checking the collection")
        prepared = prepare(settings)
        reading = find_reading(prepared.edition, reading_id)
        with executor_for(settings) as executor:
            say("laying out the reader to find the reading's pages")
            body = print_body(settings, prepared)
            reader = lay_out(settings, prepared, body, [PAGE_SOURCE], executor)[PAGE_SOURCE][1]
            first, last = reading_pages(reading, reader.anchor_pages)
            say("laying out the handout")
            laid_out = handout_layouts(settings, prepared, reading, first, last,
                                       restart=restart, executor=executor)
        stem = f"{prepared.id}-{reading.id}"
        out = settings.out_dir
        staging = Staging(out)
        try:
            outputs = []
            for variant, (_, layout) in laid_out.items():
                # Booklets come imposed from their layout worker.
                path = staging.write(f"{stem}{variant.suffix}", layout.data)
                outputs.append(Output("pdf", path, variant.label, "handout",
                                               layout.pages, rebuilt=not layout.reused))
            commit(settings, staging, outputs)
        finally:
            staging.discard()
    return outputs
