"""Make a collection's outputs: convert once, lay out every variant, the EPUB from the A4
page map, the permissions report; every output staged, nothing committed (engine.build
commits).

The layouts and the EPUB are jobs that one executor runs (engine.local's worker processes):
it is entered before the body is converted, so that its fork server imports WeasyPrint while
Pandoc works, and left when the last job is done, stopping every process it started.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pressroom.engine.ebook import epub_job
from pressroom.engine.executors import executor_for
from pressroom.engine.graph import Node, run_graph
from pressroom.engine.jobs import Layout, Made
from pressroom.engine.layout import layout_nodes, print_body, print_html, report_job
from pressroom.engine.prepare import Prepared, blame_the_reading, prepare, stage_prepared
from pressroom.engine.settings import Output, Settings
from pressroom.files import Staging
from pressroom.papers import PAGE_SOURCE, Variant
from pressroom.printing.pagemap import PageMap
from pressroom.reports import permissions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Making:
    """What a build made: its outputs, staged, and what the next build needs to know."""

    outputs: list[Output]
    #: The layout key of each variant, for the next build to say why it laid one out again.
    keys: dict[str, str]
    #: Every file the build read.
    sources: tuple[Path, ...] = field(default=())


def _reason(name: str, key: str, previous: Mapping[str, str], layout: Layout) -> str:
    if layout.reused:
        return "reused from the cache"
    why = ("first build" if name not in previous else
           "its inputs changed" if previous[name] != key else "not in the cache")
    if not layout.laid_out:
        return f"{why}; every piece reused, joined again"
    if len(layout.laid_out) == layout.pieces:
        return f"{why}; laid out all {layout.pieces} pieces"
    return (f"{why}; laid out {len(layout.laid_out)} of {layout.pieces} pieces: "
            f"{', '.join(layout.laid_out)}")


class _Collection:
    """One collection in a build: prepared, its layouts' nodes handed to the graph, then
    its outputs staged from their results."""

    def __init__(self, settings: Settings, formats: tuple[str, ...], variants: list[Variant],
                 previous: Mapping[str, str], label: str = "") -> None:
        self.settings = settings
        self.formats = formats
        self.variants = variants
        self.previous = previous
        self.label = label
        self.epub: list[Made] = []

    def start(self, say: Callable[[str], None]) -> Iterator[Node]:
        """Prepare the collection and convert it; the first nodes of its layouts (made as
        the graph draws them: a batch's next collection is prepared while the workers lay
        out the one before)."""
        say(f"{self.label}checking and assembling the sources")
        self.prepared = prepare(self.settings)
        wanted = list(self.variants)
        if PAGE_SOURCE not in wanted:
            # Laid out (or taken from the cache) for its page map, which the EPUB's page
            # list and the permissions report follow.
            wanted.insert(0, PAGE_SOURCE)
        say(f"{self.label}converting the edition with Pandoc")
        self.body = print_body(self.settings, self.prepared)
        nodes, self.results = layout_nodes(self.settings, self.prepared, self.body,
                                           wanted, self.final, label=self.label)
        with blame_the_reading(self.prepared):
            yield from nodes

    def final(self, variant: Variant, page_map: PageMap) -> list[Node]:
        if variant is not PAGE_SOURCE or "epub" not in self.formats:
            return []
        return [Node(epub_job(self.settings, self.prepared, page_map, self.label),
                     lambda made: self.epub.append(made) or [], urgent=True)]

    def finish(self, staging: Staging, say: Callable[[str], None]) -> Making:
        settings, prepared, name = self.settings, self.prepared, self.prepared.id
        laid_out = self.results()
        for warning in sorted({w for _, layout in laid_out.values() for w in layout.warnings}):
            log.warning("WeasyPrint: %s", warning)
        outputs: list[Output] = []
        keys: dict[str, str] = {}
        if "html" in self.formats:
            # The page to look at in a browser keeps target-counter(): no layout's input.
            html_text = print_html(settings, prepared, self.body, PAGE_SOURCE)
            path = staging.write(f"{name}.html", html_text.encode("utf-8"))
            outputs.append(Output("html", path, reason="written"))
        for variant, (job, layout) in laid_out.items():
            keys[variant.name] = job.key
            if variant not in self.variants:
                continue
            path = staging.write(f"{name}{variant.suffix}", layout.data)
            outputs.append(Output("pdf", path, variant.label, variant.kind, layout.pages,
                                  rebuilt=not layout.reused,
                                  reason=_reason(variant.name, job.key, self.previous, layout),
                                  anchor_pages=layout.anchor_pages))
            if variant is PAGE_SOURCE:
                path = staging.write(f"{name}-{variant.name}.pagemap.json",
                                     layout.page_map.to_json().encode("utf-8"))
                outputs.append(Output("json", path, variant.label, "page-map",
                                      reason="written"))
        if "epub" in self.formats:
            # Made as soon as the A4 layout was final (above).
            made = self.epub[0]
            path = staging.write(f"{name}.epub", made.data)
            outputs.append(Output("epub", path, rebuilt=not made.reused,
                                  reason="reused from the cache" if made.reused else "made"))
        say(f"{self.label}permissions report")
        outputs += write_permissions(prepared, laid_out[PAGE_SOURCE][1].anchor_pages, staging)
        stage_prepared(settings, prepared, staging)
        return Making(outputs, keys, prepared.edition.sources)


def make(settings: Settings, formats: tuple[str, ...], variants: list[Variant],
         staging: Staging, previous: Mapping[str, str],
         say: Callable[[str], None]) -> Making:
    """Make one collection's outputs."""
    return make_batch([(settings, staging, previous)], formats, variants, say)[0]


def make_batch(collections: Sequence[tuple[Settings, Staging, Mapping[str, str]]],
               formats: tuple[str, ...], variants: list[Variant],
               say: Callable[[str], None]) -> list[Making]:
    """Make the outputs of several collections as one job graph on one executor: every
    collection's layouts, joins, impositions and EPUB are jobs of the same graph, so the
    workers are never idle while one collection waits on its slowest variant. Each
    collection is prepared in turn while the workers lay out those prepared before it."""
    many = len(collections) > 1
    work = [_Collection(settings, formats, variants, previous,
                        f"{settings.collection_id}: " if many else "")
            for settings, _staging, previous in collections]
    first = collections[0][0]
    with executor_for(first) as executor:
        run_graph(itertools.chain.from_iterable(c.start(say) for c in work), executor,
                  first.cache, report_job(say))
    return [collection.finish(staging, say)
            for collection, (_s, staging, _p) in zip(work, collections, strict=True)]


def write_permissions(prepared: Prepared, anchor_pages: Mapping[str, int],
                      staging: Staging) -> list[Output]:
    """<id>-permissions.csv and .json: each reading's citation, rights and pages in the A4
    edition."""
    rows = permissions.permissions_report(prepared.edition, prepared.citations, anchor_pages)
    csv_text, json_text = permissions.render_report(rows)
    return [Output("permissions", staging.write(f"{prepared.id}-permissions{ext}",
                                                text.encode("utf-8")), reason="written")
            for ext, text in ((".csv", csv_text), (".json", json_text))]
