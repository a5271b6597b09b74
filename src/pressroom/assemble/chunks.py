"""Assemble the edition through Jinja: Markdown chunks, and the metadata Pandoc reads with them.

Each reading's body is a chunk of its own, next to the chunks the templates write (openers,
parts, appendices): Pandoc converts every chunk separately, so two readings that both number
their notes from 1 never meet in one Markdown document (see document.py). Joined, the chunks
are build/edition.md, the edition as one file to read.

The metadata (title, creators, rights, and the note-to-entry map for backlinks) goes in its own
YAML file passed with --metadata-file, not in a block inside the Markdown: Pandoc reads a YAML
block anywhere in a document, so Markdown written from data could otherwise rewrite it.
"""


from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup

from pressroom.assemble.figure import data_uri, phase_groups, render_timeline_svg, undrawn
from pressroom.dates import short_display
from pressroom.sources.edition import Appendix, Edition, Introduction, Part, Reading
from pressroom.sources.images import allowed_sources
from pressroom.sources.pdffile import describe_pages
from pressroom.sources.pdfmaterial import PdfMaterial
from pressroom.sources.timeline import Chronology
from pressroom.templating import escape_markdown, make_environment, render_template

APPENDIX_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


ANCHOR_PREFIX = {"chronology": "chron", "historiography": "hist"}


@dataclass(frozen=True)
class Chunk:
    """Markdown that Pandoc converts on its own: notes and ids inside it stay its own."""

    markdown: str
    #: The file the chunk's text comes from, and the line its text starts on there, so that
    #: Pandoc's warnings name that file and line.
    source: Path | None = None
    first_line: int = 1
    #: The level of the heading the chunk sits under (a reading's title): the chunk's own
    #: headings are moved to start one below it. 0: left as they are.
    shift: int = 0
    #: Prefix for the ids inside the chunk (two readings may both have #introduction).
    prefix: str | None = None
    #: An empty element with this id closes the chunk (where a reading's last page is).
    end_anchor: str | None = None
    #: A text by an author or the editors, whose in-text citations ([@key]) citeproc
    #: formats from the collection's bibliography in its style and language.
    cites: Citing | None = None


@dataclass(frozen=True)
class Citing:
    """What citeproc reads to format a chunk's citations: one path for every citation."""

    bibliography: Path
    csl: Path | None
    lang: str


@dataclass(frozen=True)
class Assembled:
    chunks: tuple[Chunk, ...]
    metadata: str
    #: The chunks joined: the edition as one Markdown file to read.
    markdown: str


@dataclass(frozen=True)
class Handout:
    """What a handout adds to its reading's opener: where it comes from in the reader."""

    from_line: str


def appendix_id(appendix: Appendix) -> str:
    return f"appendix-{appendix.kind}"


def entry_anchor(appendix: Appendix, entry_id: str) -> str:
    return f"{ANCHOR_PREFIX[appendix.kind]}-{entry_id}"


def note_citations(edition: Edition) -> dict[str, dict[str, list[dict[str, str]]]]:
    """reading id -> note number -> the appendix entries that cite the note (for backlinks)."""
    out: dict[str, dict[str, list[dict[str, str]]]] = {}
    for index, appendix in enumerate(edition.appendices):
        letter = APPENDIX_LETTERS[index]
        per_note = out.setdefault(appendix.reading.id, {})
        for entry in _entries(appendix):
            label = (
                f"App. {letter}, {short_display(entry.date)}"
                if appendix.kind == "chronology"
                else f"App. {letter}, {entry.short_citation}"
            )
            for note in entry.notes:
                per_note.setdefault(str(note), []).append(
                    {"id": entry_anchor(appendix, entry.id), "label": label}
                )
    return out


def _entries(appendix: Appendix) -> list[Any]:
    data = appendix.data
    if isinstance(data, Chronology):
        return data.in_date_order()
    return data.in_publication_order()


def pandoc_metadata(edition: Edition) -> dict[str, Any]:
    """Metadata for Pandoc (title, creators, rights) plus our own; Pandoc reads its strings as
    Markdown, so each is escaped to print literally."""
    config, lead = edition.config, edition.lead.meta
    creators = [p.name for p in edition.creators]
    contributors = []
    for reading in edition.readings:
        for person in reading.meta.authors:
            if person.name not in creators and person.name not in contributors:
                contributors.append(person.name)
    single = len(edition.readings) == 1
    edited = bool(config.editors)
    meta: dict[str, Any] = {
        "title": edition.title,
        "subtitle": edition.subtitle,
        # A collection's editors are its creators as editors (dc:creator, role edt), not
        # its authors; an edition of one reading is by that reading's authors.
        "author": [] if edited else creators,
        "creator": [{"role": "edt", "text": name} for name in creators] if edited else [],
        # The readings' authors, as dc:contributor in the EPUB's package document.
        "contributor": [{"role": "aut", "text": name} for name in contributors],
        "lang": config.language,
        "date": config.date.isoformat(),
        "publisher": config.publisher,
        "rights": " ".join(filter(None, [lead.rights, lead.permissions])) if single else
        "The rights in each reading are stated at its head.",
        "description": config.description,
        "subject": config.keywords,
        "pressroom-citations": note_citations(edition),
        # The numbers each reading's notes print as, in call order (sources/notes.py).
        "pressroom-note-numbers": {
            **({"introduction": [str(n) for n in edition.introduction.notes]}
               if edition.introduction else {}),
            **{r.id: [str(n) for n in r.notes] for r in edition.readings if r.notes}},
        "pressroom-images": allowed_sources(edition.readings),
    }
    return {k: _escaped(v) for k, v in meta.items() if v not in (None, [], "")}


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return str(escape_markdown(value))
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value


def _figure(appendix: Appendix, templates_dir: Path) -> dict[str, Any] | None:
    if not isinstance(appendix.data, Chronology):
        return None
    svg, description = render_timeline_svg(appendix.data, templates_dir)
    return {"uri": Markup(data_uri(svg)), "alt": description, "svg": svg,
            "undrawn": undrawn(appendix.data), "groups": phase_groups(appendix.data)}


def rights_line(reading: Reading) -> str:
    """The opener's rights line: the statement, the licence and how to ask permission."""
    meta = reading.meta
    return " ".join(filter(None, [meta.rights, meta.license, meta.permissions]))


def _appendix_context(edition: Edition, index: int, appendix: Appendix, templates_dir: Path,
                      level: int) -> dict[str, Any]:
    return {
        "figure": _figure(appendix, templates_dir),
        "letter": APPENDIX_LETTERS[index],
        "kind": appendix.kind,
        "id": appendix_id(appendix),
        "template": f"appendix-{appendix.kind}.md.j2",
        "data": appendix.data,
        "entries": _entries(appendix),
        "reading": {"id": appendix.reading.id, "meta": appendix.reading.meta},
        "anchor_prefix": ANCHOR_PREFIX[appendix.kind],
        "hashes": Markup("#" * level),
    }


def reading_context(reading: Reading, level: int, handout: Handout | None = None,
                    pdf: PdfMaterial | None = None) -> dict[str, Any]:
    return {
        "id": reading.id,
        "meta": reading.meta,
        "hashes": Markup("#" * level),
        "authors": ", ".join(a.name for a in reading.meta.authors),
        "has_source": reading.source is not None,
        "rights": rights_line(reading),
        "from_line": handout.from_line if handout else None,
        "pdf": {"pages": len(pdf.pages), "text": pdf.has_text,
                # An excerpt that leaves pages out between others says which it gives.
                "excerpt": describe_pages([p.index for p in pdf.pages])
                if any(b.index != a.index + 1 for a, b in pairwise(pdf.pages)) else None,
                } if pdf else None,
    }


def _pdf_body(env: Any, edition: Edition, reading: Reading, material: PdfMaterial,
              level: int, templates_dir: Path) -> Chunk:
    """A PDF reading's pages: a placeholder for each, then its text for the EPUB."""
    def same(text: str) -> bool:
        # The source's own title heading repeats the opener's.
        return " ".join(text.casefold().split()) in {
            " ".join(t.casefold().split()) for t in (reading.meta.title,
                                                     reading.meta.full_title)}

    pages = [{"number": n, "index": page.index,
              "blocks": [{"text": b.text, "hashes": Markup("#" * b.level)}
                         for b in page.blocks if not b.note and not (b.level and same(b.text))],
              "notes": [b.text for b in page.blocks if b.note]}
             for n, page in enumerate(material.pages, start=1)]
    markdown = render_template(env, "pdf-reading.md.j2",
                               {"edition": edition.config, "pages": pages,
                                "digest": material.digest}, templates_dir)
    return Chunk(markdown, reading.pdf.path if reading.pdf else reading.path, 1, level,
                 reading.id, end_anchor=f"{reading.id}-end")


def _body(edition: Edition, reading: Reading | Introduction, level: int, prefix: str
          ) -> Chunk:
    lang = (reading.lang if isinstance(reading, Introduction) else reading.meta.lang) or \
        edition.config.language
    cites = Citing(edition.bibliography, edition.csl, lang) if edition.bibliography else None
    return Chunk(reading.body, reading.path, reading.body_line, level, prefix,
                 end_anchor=f"{prefix}-end", cites=cites)


def assemble_chunks(edition: Edition, templates_dir: Path, handout: Handout | None = None,
                    pdfs: Mapping[str, PdfMaterial] | None = None) -> tuple[Chunk, ...]:
    """The edition as chunks, in reading order: introduction, parts and readings (each an
    opener and a body), the note on the text, the appendices. ``pdfs`` are the PDF
    readings' prepared pages (pipeline.prepare_pdfs)."""
    pdfs = pdfs or {}
    env = make_environment(templates_dir)

    def render(name: str, **context: Any) -> Chunk:
        return Chunk(render_template(env, name, {"edition": edition.config, **context},
                                     templates_dir))

    chunks: list[Chunk] = []
    if edition.introduction:
        chunks.append(render("introduction.md.j2", introduction=edition.introduction,
                             editors=", ".join(p.name for p in edition.config.editors)))
        chunks.append(_body(edition, edition.introduction, 1, "introduction"))
    for item in edition.contents or edition.readings:
        members = item.readings if isinstance(item, Part) else (item,)
        level = 2 if isinstance(item, Part) else 1
        if isinstance(item, Part):
            chunks.append(render("part.md.j2", part=item))
        for reading in members:
            material = pdfs.get(reading.id) if reading.pdf else None
            if reading.pdf and material is None:
                raise ValueError(f"PDF reading {reading.id!r} was not prepared")
            chunks.append(render("reading.md.j2",
                                 reading=reading_context(reading, level, handout, material)))
            chunks.append(_pdf_body(env, edition, reading, material, level, templates_dir)
                          if material else _body(edition, reading, level, reading.id))
    if edition.config.note_on_the_text and handout is None:
        chunks.append(render("note-on-the-text.md.j2"))
    if edition.appendices and handout is None:
        level = 1
        if edition.has_parts:
            # Under a part of their own, so that they sit in the EPUB's navigation beside the
            # parts, and their entries below the EPUB's chapter level.
            chunks.append(render("part.md.j2", part=Part("appendices", "Appendices", ())))
            level = 2
        for index, appendix in enumerate(edition.appendices):
            context = _appendix_context(edition, index, appendix, templates_dir, level)
            chunks.append(render(context["template"], appendix=context))
    return tuple(chunks)


def assemble_markdown(edition: Edition, templates_dir: Path) -> str:
    """The whole edition as one Markdown file to read (Pandoc converts the chunks, not this)."""
    chunks = assemble_chunks(edition, templates_dir)
    return "\n".join(c.markdown.strip("\n") + "\n" for c in chunks)


def assemble(edition: Edition, templates_dir: Path, handout: Handout | None = None,
             pdfs: Mapping[str, PdfMaterial] | None = None) -> Assembled:
    """The edition's chunks, the metadata file that goes with them, and the readable whole."""
    metadata = yaml.safe_dump(pandoc_metadata(edition), allow_unicode=True, sort_keys=False,
                              width=1000)
    chunks = assemble_chunks(edition, templates_dir, handout, pdfs)
    markdown = "\n".join(c.markdown.strip("\n") + "\n" for c in chunks)
    return Assembled(chunks, metadata, markdown)
