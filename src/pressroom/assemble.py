"""Assemble the edition through Jinja: one Markdown file, and the metadata Pandoc reads beside it.

The metadata (title, creators, rights, and the note-to-entry map for backlinks) goes in its own
YAML file passed with --metadata-file, not in a block inside the Markdown: Pandoc reads a YAML
block anywhere in a document, so Markdown written from data could otherwise rewrite it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup

from .content import Appendix, Edition
from .dates import short_display
from .figure import data_uri, phase_groups, render_timeline_svg, undrawn
from .images import allowed_sources
from .models import Chronology
from .templating import escape_markdown, make_environment, render_template

APPENDIX_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


ANCHOR_PREFIX = {"chronology": "chron", "historiography": "hist"}


@dataclass(frozen=True)
class Assembled:
    markdown: str
    metadata: str


def appendix_id(appendix: Appendix) -> str:
    return f"appendix-{appendix.kind}"


def entry_anchor(appendix: Appendix, entry_id: str) -> str:
    return f"{ANCHOR_PREFIX[appendix.kind]}-{entry_id}"


def note_citations(edition: Edition) -> dict[str, dict[str, list[dict[str, str]]]]:
    """reading id -> note number -> the appendix entries that cite the note (for backlinks)."""
    out: dict[str, dict[str, list[dict[str, str]]]] = {}
    for index, appendix in enumerate(edition.appendices):
        letter = APPENDIX_LETTERS[index]
        per_note = out.setdefault(appendix.reading.meta.id, {})
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
    meta: dict[str, Any] = {
        "title": lead.title,
        "subtitle": lead.subtitle,
        "author": [a.name for a in lead.authors],
        "lang": config.language,
        "date": config.date.isoformat(),
        "publisher": config.publisher,
        "rights": " ".join(filter(None, [lead.rights, lead.permissions])),
        "description": config.description,
        "subject": config.keywords,
        "pressroom-citations": note_citations(edition),
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


def build_context(edition: Edition, templates_dir: Path) -> dict[str, Any]:
    appendices = []
    for index, appendix in enumerate(edition.appendices):
        appendices.append(
            {
                "figure": _figure(appendix, templates_dir),
                "letter": APPENDIX_LETTERS[index],
                "kind": appendix.kind,
                "id": appendix_id(appendix),
                "template": f"appendix-{appendix.kind}.md.j2",
                "data": appendix.data,
                "entries": _entries(appendix),
                "reading": appendix.reading.meta,
                "anchor_prefix": ANCHOR_PREFIX[appendix.kind],
            }
        )
    return {
        "edition": edition.config,
        "readings": [
            {"meta": r.meta, "body": Markup(r.body.strip("\n"))} for r in edition.readings
        ],
        "appendices": appendices,
    }


def assemble_markdown(edition: Edition, templates_dir: Path) -> str:
    """The whole edition as one Pandoc Markdown document."""
    env = make_environment(templates_dir)
    return render_template(env, "edition.md.j2", build_context(edition, templates_dir),
                           templates_dir)


def assemble(edition: Edition, templates_dir: Path) -> Assembled:
    """The edition's Markdown and the metadata file that goes with it."""
    metadata = yaml.safe_dump(pandoc_metadata(edition), allow_unicode=True, sort_keys=False,
                              width=1000)
    return Assembled(assemble_markdown(edition, templates_dir), metadata)
