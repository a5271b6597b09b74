"""The EPUB: a job made from the edition's Pandoc document and the A4 edition's page map.

The job filters the document unit by unit (epub.units) and writes the EPUB; each unit's
filtered blocks are cached by what they are made of, and those the cache has go with the
job, so an edit to one reading filters that one.
"""

from __future__ import annotations

import json

from pressroom.cache import code_version, digest, file_digest, tool_versions
from pressroom.engine.jobs import EpubJob, EpubPayload, cover_key, known_unit
from pressroom.engine.prepare import Prepared
from pressroom.engine.settings import Settings
from pressroom.epub import TEMPLATES
from pressroom.epub.units import plan
from pressroom.papers import PAGE_SOURCE
from pressroom.printing.pagemap import PageMap


def epub_job(settings: Settings, prepared: Prepared, page_map: PageMap,
             label: str = "") -> EpubJob:
    """The EPUB, with page-break markers where the page map says the A4 pages begin; its
    key covers its units, metadata, templates, page map, tools and fonts (its cover is set
    in one)."""
    page_source = (f"{prepared.id}{PAGE_SOURCE.suffix} "
                   f"(pressroom print edition, {PAGE_SOURCE.label})")
    metadata = prepared.metadata.read_text(encoding="utf-8")
    document = prepared.tree
    common = (metadata, json.dumps(document["meta"], sort_keys=True), code_version(),
              tool_versions())
    keys = tuple(digest("epub-unit", *unit.material, *common)
                 for unit in plan(document, page_map, prepared.units))
    made_of = (metadata, *(_template_digest(settings, name) for name in TEMPLATES))
    inputs = (*made_of, json.dumps(page_map.records(), sort_keys=True), page_source)
    payload = EpubPayload(prepared.edition, prepared.document, prepared.metadata,
                          settings.templates_dir, settings.build_dir, page_map, page_source,
                          tuple(prepared.citations.values()), settings.limits,
                          keys, tuple(known_unit(settings.cache, key) for key in keys),
                          made_of, settings.cache.get("epub-cover", cover_key(made_of), ".png"))
    return EpubJob(f"{label}EPUB", inputs, payload)


def _template_digest(settings: Settings, name: str) -> str:
    path = settings.templates_dir / name
    return f"{name}:{file_digest(path) if path.exists() else 'absent'}"
