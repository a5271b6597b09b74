"""The EPUB: a job made from the edition's Pandoc document and the A4 edition's page map.

The document is filtered for the EPUB here, unit by unit, each unit's result cached by what
it is made of (epub.units): an edit to one reading filters that one. The job then has only
Pandoc's EPUB writer to run, and the package to finish.
"""

from __future__ import annotations

import json

from pressroom.cache import code_version, digest, file_digest, tool_versions
from pressroom.engine.jobs import EpubJob, EpubPayload
from pressroom.engine.prepare import Prepared, blame_the_reading
from pressroom.engine.settings import Settings
from pressroom.epub import TEMPLATES
from pressroom.epub.units import Filtered, filter_document
from pressroom.papers import PAGE_SOURCE
from pressroom.printing.pagemap import PageMap


def epub_job(settings: Settings, prepared: Prepared, page_map: PageMap,
             label: str = "") -> EpubJob:
    """The EPUB, with page-break markers where the page map says the A4 pages begin; its
    key covers its filtered document, templates, page map, tools and fonts (its cover is set
    in one)."""
    page_source = (f"{prepared.id}{PAGE_SOURCE.suffix} "
                   f"(pressroom print edition, {PAGE_SOURCE.label})")
    filtered = prepared.document.with_name(f"{prepared.document.stem}-epub.json")
    metadata = prepared.metadata.read_text(encoding="utf-8")
    cache = settings.cache
    common = (metadata, code_version(), tool_versions())

    def keep(material: tuple[str, ...], make) -> Filtered:
        key = digest("epub-unit", *material, *common)
        blocks = cache.get("epub-unit", key, ".blocks")
        record = cache.get_json("epub-unit", key)
        if blocks is not None and isinstance(record, dict):
            return Filtered(blocks.decode("utf-8"), tuple(record["ids"]),
                            tuple(record["links"]))
        made = make()
        cache.put("epub-unit", key, ".blocks", made.blocks.encode("utf-8"))
        cache.put_json("epub-unit", key, made.record())
        return made

    with blame_the_reading(prepared):
        text = filter_document(prepared.document, prepared.metadata, page_map, filtered,
                               settings.limits, keep)
    inputs = (text, metadata,
              *(_template_digest(settings, name) for name in TEMPLATES),
              json.dumps(page_map.records(), sort_keys=True), page_source)
    payload = EpubPayload(prepared.edition, filtered, prepared.metadata,
                          settings.templates_dir, settings.build_dir, page_map, page_source,
                          tuple(c.text for c in prepared.citations.values()), settings.limits)
    return EpubJob(f"{label}EPUB", inputs, payload)


def _template_digest(settings: Settings, name: str) -> str:
    path = settings.templates_dir / name
    return f"{name}:{file_digest(path) if path.exists() else 'absent'}"
