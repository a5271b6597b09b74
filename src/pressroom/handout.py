"""Handouts: one reading of a collection alone, as A4 and Letter PDFs and a booklet.

A teacher who copies one reading for a class wants it to say where it comes from, and to
keep the reader's page numbers, so that "p. 63" means the same page in the reader and in
the handout. The reading's pages in the reader are taken from the A4 reader's layout.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from . import pipeline
from .assemble import Handout
from .content import Edition, Reading
from .errors import ConfigError
from .permissions import reading_pages

#: Papers of the handout's reading editions, and the sheet of its booklet.
HANDOUT_PAPERS = ("a4", "letter")
HANDOUT_BOOKLET = "a4"


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


def build_handout(settings: pipeline.Settings, reading_id: str, *, restart: bool = False,
                  progress: Callable[[str], None] | None = None) -> list[pipeline.Output]:
    """Build a reading's handout; by default its pages carry the reader's page numbers."""
    say = progress or (lambda _stage: None)
    say("checking the collection")
    prepared = pipeline.prepare(settings)
    reading = find_reading(prepared.edition, reading_id)
    say("laying out the reader to find the reading's pages")
    laid_out = pipeline.layout_a4(settings, prepared)
    first, last = reading_pages(reading, laid_out.anchor_pages)
    # The page counter of a page that sets it is not also incremented (CSS Paged Media), so
    # the first page prints as the reader's first page of the reading.
    css = "" if restart or first is None else f"@page :first {{ counter-reset: page {first} }}"
    one = handout_edition(prepared.edition, reading)
    handout = pipeline.write_prepared(
        settings, one, prepared.citations, f"{one.config.id}",
        Handout(from_line(prepared.edition, first, last)), extra_css=css)
    outputs = []
    for paper in HANDOUT_PAPERS:
        say(f"PDF, {pipeline.PAPERS[paper].label}")
        outputs.append(pipeline.build_pdf(settings, handout, paper))
    say("booklet")
    outputs.append(pipeline.build_booklet(settings, handout, HANDOUT_BOOKLET))
    outputs = [dataclasses.replace(out, variant="handout") for out in outputs]
    pipeline.write_manifest(settings, outputs)
    return outputs
