"""The EPUB: a job made from the edition's Pandoc document and the A4 edition's page map."""

from __future__ import annotations

import json

from pressroom.cache import file_digest
from pressroom.engine.executor import Executor
from pressroom.engine.graph import Node, run_graph
from pressroom.engine.jobs import EpubJob, EpubPayload, Made
from pressroom.engine.layout import lay_out, print_body
from pressroom.engine.prepare import Prepared, blame_the_reading
from pressroom.engine.settings import Output, Settings
from pressroom.epub import TEMPLATES
from pressroom.files import Staging
from pressroom.papers import PAGE_SOURCE
from pressroom.printing.pagemap import PageMap


def epub_job(settings: Settings, prepared: Prepared, page_map: PageMap) -> EpubJob:
    """The EPUB, with page-break markers where the page map says the A4 pages begin; its
    key covers its documents, templates, page map, tools and fonts (its cover is set in one)."""
    page_source = (f"{prepared.id}{PAGE_SOURCE.suffix} "
                   f"(pressroom print edition, {PAGE_SOURCE.label})")
    inputs = (prepared.document.read_text(encoding="utf-8"),
              prepared.metadata.read_text(encoding="utf-8"),
              *(_template_digest(settings, name) for name in TEMPLATES),
              json.dumps(page_map.records(), sort_keys=True), page_source)
    payload = EpubPayload(prepared.edition, prepared.document, prepared.metadata,
                          settings.templates_dir, settings.build_dir, page_map, page_source,
                          tuple(c.text for c in prepared.citations.values()), settings.limits)
    return EpubJob("EPUB", inputs, payload)


def _template_digest(settings: Settings, name: str) -> str:
    path = settings.templates_dir / name
    return f"{name}:{file_digest(path) if path.exists() else 'absent'}"


def make_epub(settings: Settings, prepared: Prepared, executor: Executor,
              page_map: PageMap | None = None) -> Made:
    """The EPUB alone (the page map from the A4 layout, cached or made)."""
    if page_map is None:
        body = print_body(settings, prepared)
        laid_out = lay_out(settings, prepared, body, [PAGE_SOURCE], executor)
        page_map = laid_out[PAGE_SOURCE][1].page_map
    made: list[Made] = []
    with blame_the_reading(prepared):
        run_graph([Node(epub_job(settings, prepared, page_map),
                        lambda result: made.append(result) or [])], executor, settings.cache)
    return made[0]


def build_epub(settings: Settings, prepared: Prepared, executor: Executor,
               page_map: PageMap | None = None) -> Output:
    """Only the EPUB, written into build/."""
    made = make_epub(settings, prepared, executor, page_map)
    staging = Staging(settings.build_dir)
    try:
        path = staging.write(f"{prepared.id}.epub", made.data)
        staging.commit()
    finally:
        staging.discard()
    return Output("epub", path, rebuilt=not made.reused)
