"""The build, top to bottom: load, assemble, convert once, lay out the variants in parallel,
make the EPUB from the recorded page map, commit the outputs and the manifest together.

A build first compares a fingerprint of everything it reads (sources, templates, the
package's code, tool versions, fonts, options) with the one the last complete build
recorded; if they match and the outputs are as that build left them, nothing is done. Past
that, every expensive step is cached by a key over its own inputs (cache.py), so an edit
redoes only the layouts and conversions that it changes.

Heavy libraries (WeasyPrint, Pandoc's wrapper, pydantic models) are imported inside the
stages, so an up-to-date build costs a fraction of a second.
"""


from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from pressroom.cache import (
    file_digest,
)
from pressroom.engine.ebook import _page_source, epub_bytes
from pressroom.engine.jobs import Layout
from pressroom.engine.layout import lay_out, print_body, print_html
from pressroom.engine.manifest import manifest_entry, merged_manifest
from pressroom.engine.prepare import Prepared, prepare
from pressroom.engine.settings import Output, Settings
from pressroom.engine.state import STATE, _read_json, fingerprint, up_to_date
from pressroom.errors import ConfigError
from pressroom.files import Staging, build_lock, write_text_atomic
from pressroom.papers import DEFAULT_PAPERS, FORMATS, KINDS, PAGE_SOURCE, Variant, selected_variants
from pressroom.printing.pagemap import page_map_json

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# The build


def build(settings: Settings, formats: Iterable[str] = FORMATS,
          papers: Iterable[str] = DEFAULT_PAPERS, kinds: Iterable[str] = KINDS,
          progress: Callable[[str], None] | None = None) -> list[Output]:
    """Build the requested outputs and list them in the manifest.

    PDFs: every variant of the table for the chosen papers and kinds. All outputs and the
    manifest are committed together at the end: a build that fails, is interrupted or is
    killed leaves every earlier output and the manifest as they were. ``progress`` is told
    what each step is about to do and what each finished layout took.
    """
    say = progress or (lambda _message: None)
    formats, papers, kinds = tuple(formats), tuple(papers), tuple(kinds)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ConfigError(f"unknown format {unknown[0]!r} (choose from {', '.join(FORMATS)})")
    variants = selected_variants(formats, papers, kinds)
    with build_lock(settings.build_dir):
        last = _read_json(settings.cache.root / STATE) or {}
        shared = [str(name) for name in last.get("shared", [])]
        state = fingerprint(settings, formats, papers, kinds, shared)
        reused = up_to_date(settings, state)
        if reused is not None:
            return reused
        say("checking and assembling the sources")
        prepared = prepare(settings)
        previous = last.get("keys", {})
        staging = Staging(settings.build_dir)
        try:
            outputs, keys = _make(settings, prepared, formats, variants, staging, previous, say)
            complete = (set(formats) == set(FORMATS) and set(papers) == set(DEFAULT_PAPERS)
                        and set(kinds) == set(KINDS))
            entries = [manifest_entry(o, settings.build_dir,
                                      staging.path(o.path.relative_to(settings.build_dir)
                                                   .as_posix())) for o in outputs]
            staging.write("manifest.json",
                          merged_manifest(settings, entries, complete).encode("utf-8"))
            staging.commit()
        finally:
            staging.discard()
        folder = settings.content_dir.resolve()
        now_shared = sorted(str(p.resolve()) for p in prepared.edition.sources
                            if not p.resolve().is_relative_to(folder))
        if now_shared != shared:
            state = fingerprint(settings, formats, papers, kinds, now_shared)
        write_text_atomic(settings.cache.root / STATE, json.dumps({
            "fingerprint": state,
            "shared": now_shared,
            "manifest": file_digest(settings.build_dir / "manifest.json"),
            "keys": {**previous, **keys},
        }, indent=1, sort_keys=True))
        return outputs


def _reason(name: str, key: str, previous: dict[str, str], rebuilt: bool) -> str:
    if not rebuilt:
        return "reused from the cache"
    if name not in previous:
        return "first build"
    return "its inputs changed" if previous[name] != key else "not in the cache"


def _make(settings: Settings, prepared: Prepared, formats: tuple[str, ...],
          variants: list[Variant], staging: Staging, previous: dict[str, str],
          say: Callable[[str], None]) -> tuple[list[Output], dict[str, str]]:
    name = prepared.id
    outputs: list[Output] = []
    keys: dict[str, str] = {}
    say("converting the edition with Pandoc")
    body = print_body(settings, prepared)
    wanted = list(variants)
    if PAGE_SOURCE not in wanted:
        # Laid out (or taken from the cache) for its page map, which the EPUB's page list
        # and the permissions report follow.
        wanted.insert(0, PAGE_SOURCE)

    def report(job_name: str, layout: Layout) -> None:
        how = "reused" if layout.reused else f"{layout.seconds:.1f} s"
        say(f"{job_name}: {layout.pages} pages ({how})")

    epub: list[tuple[bytes, bool]] = []

    def final(variant: Variant, layout: Layout) -> None:
        if variant is PAGE_SOURCE and "epub" in formats:
            say("EPUB")
            epub.append(epub_bytes(settings, prepared, layout.page_map,
                                   _page_source(prepared)))

    laid_out = lay_out(settings, prepared, body, wanted, report, final)
    for warning in sorted({w for _, layout in laid_out.values() for w in layout.warnings}):
        log.warning("WeasyPrint: %s", warning)

    if "html" in formats:
        # The page to look at in a browser keeps target-counter(): it is no layout's input.
        html_text = print_html(settings, prepared, body, PAGE_SOURCE)
        path = staging.write(f"{name}.html", html_text.encode("utf-8"))
        outputs.append(Output("html", path, reason="written"))
    for variant, (job, layout) in laid_out.items():
        keys[variant.name] = job.key
        if variant not in variants:
            continue
        path = staging.write(f"{name}{variant.suffix}", layout.data)
        outputs.append(Output("pdf", path, variant.label, variant.kind, layout.pages,
                              rebuilt=not layout.reused,
                              reason=_reason(variant.name, job.key, previous,
                                             not layout.reused),
                              anchor_pages=layout.anchor_pages))
        if variant is PAGE_SOURCE:
            path = staging.write(f"{name}-{variant.name}.pagemap.json",
                                 page_map_json(layout).encode("utf-8"))
            outputs.append(Output("json", path, variant.label, "page-map", reason="written"))
    if "epub" in formats:
        # Made as soon as the A4 layout was final (above).
        data, rebuilt = epub[0]
        path = staging.write(f"{name}.epub", data)
        outputs.append(Output("epub", path, rebuilt=rebuilt,
                              reason="made" if rebuilt else "reused from the cache"))
    say("permissions report")
    outputs += write_permissions(settings, prepared, laid_out[PAGE_SOURCE][1].anchor_pages,
                                 staging)
    return outputs, keys


def write_permissions(settings: Settings, prepared: Prepared,
                      anchor_pages: Mapping[str, int], staging: Staging) -> list[Output]:
    """<id>-permissions.csv and .json: each reading's citation, rights and pages in the A4
    edition."""
    from pressroom.reports import permissions

    rows = permissions.permissions_report(prepared.edition, prepared.citations, anchor_pages,
                                          strict=settings.strict)
    csv_text, json_text = permissions.render_report(rows)
    return [Output("permissions", staging.write(f"{prepared.id}-permissions{ext}",
                                                text.encode("utf-8")), reason="written")
            for ext, text in ((".csv", csv_text), (".json", json_text))]
