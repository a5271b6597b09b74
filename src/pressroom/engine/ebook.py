"""TODO(pipeline.py)"""


from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from pressroom.cache import (
    code_version,
    digest,
    file_digest,
    fonts_fingerprint,
    tool_versions,
)
from pressroom.engine.layout import lay_out, print_body
from pressroom.engine.prepare import Prepared, _blame_the_reading
from pressroom.engine.settings import Output, Settings
from pressroom.files import Staging
from pressroom.papers import PAGE_SOURCE

if TYPE_CHECKING:
    pass


def epub_bytes(settings: Settings, prepared: Prepared, page_map: tuple[dict, ...],
               page_source: str) -> tuple[bytes, bool]:
    """The EPUB, with page-break markers where the page map says the A4 pages begin; cached
    by its Markdown, templates, page map, tools and fonts (its cover is set in one).
    (bytes, rebuilt)."""
    import tempfile

    from pressroom.epub import package

    cache = settings.cache
    key = digest("epub", prepared.document.read_text(encoding="utf-8"),
                 prepared.metadata.read_text(encoding="utf-8"),
                 *(_template_digest(settings, name) for name in package.TEMPLATES),
                 json.dumps(list(page_map), sort_keys=True), page_source,
                 code_version(), tool_versions(), fonts_fingerprint())
    cached = cache.get("epub", key, ".epub")
    if cached is not None:
        return cached, False
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".epub-", dir=settings.build_dir) as work, \
            _blame_the_reading(prepared):
        data = package.render_epub(prepared.edition, prepared.document, prepared.metadata,
                                settings.templates_dir, Path(work), page_map=page_map,
                                page_source=page_source,
                                sources=[c.text for c in prepared.citations.values()],
                                limits=settings.limits)
    cache.put("epub", key, ".epub", data)
    return data, True


def _template_digest(settings: Settings, name: str) -> str:
    path = settings.templates_dir / name
    return f"{name}:{file_digest(path) if path.exists() else 'absent'}"


def build_epub(settings: Settings, prepared: Prepared,
               page_map: tuple[dict, ...] | None = None) -> Output:
    """Only the EPUB, written into build/ (the page map from the A4 layout, cached or made)."""
    if page_map is None:
        body = print_body(settings, prepared)
        page_map = lay_out(settings, prepared, body, [PAGE_SOURCE])[PAGE_SOURCE][1].page_map
    data, rebuilt = epub_bytes(settings, prepared, page_map, _page_source(prepared))
    staging = Staging(settings.build_dir)
    try:
        path = staging.write(f"{prepared.id}.epub", data)
        staging.commit()
    finally:
        staging.discard()
    return Output("epub", path, rebuilt=rebuilt)


def _page_source(prepared: Prepared) -> str:
    return f"{prepared.id}{PAGE_SOURCE.suffix} (pressroom print edition, {PAGE_SOURCE.label})"
