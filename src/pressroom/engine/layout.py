"""TODO(pipeline.py)"""


from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from pressroom.cache import (
    code_version,
    digest,
    tool_versions,
)
from pressroom.engine.jobs import Layout, LayoutJob, remember
from pressroom.engine.local import run_layouts
from pressroom.engine.prepare import Prepared, _blame_the_reading
from pressroom.engine.settings import Settings
from pressroom.papers import KINDS, PAGE_SOURCE, Variant

if TYPE_CHECKING:
    pass


log = logging.getLogger(__name__)


def print_body(settings: Settings, prepared: Prepared) -> str:
    """The edition's body as an HTML fragment: Pandoc once per build, shared by every
    variant (they differ only in stylesheet), cached by the Markdown it comes from."""
    from pressroom.printing import html

    cache = settings.cache
    hyphenate_min = html.hyphenation_minimum(settings.templates_dir)
    key = digest("body", prepared.document.read_text(encoding="utf-8"),
                 prepared.metadata.read_text(encoding="utf-8"), str(hyphenate_min),
                 code_version(), tool_versions())
    cached = cache.get("pandoc", key, ".html")
    if cached is not None:
        return cached.decode("utf-8")
    with _blame_the_reading(prepared):
        body = html.render_body(prepared.document, prepared.metadata, settings.limits,
                                hyphenate_min, meanwhile=_ready_to_lay_out)
    cache.put("pandoc", key, ".html", body.encode("utf-8"))
    return body


def _ready_to_lay_out() -> None:
    """What every layout needs and the body does not: WeasyPrint imported (the layout
    workers are forked from this process and inherit it) and the installed faces listed.
    Done while Pandoc converts the body, on the other core, instead of after it."""
    from pressroom import faces

    faces.installed_families()


def print_html(settings: Settings, prepared: Prepared, body: str, variant: Variant,
               hints: dict[str, int] | None = None) -> str:
    """The standalone print HTML of one variant (its stylesheets inlined).

    With ``hints`` (target id -> page, from an earlier layout of this variant) the
    cross-references' page numbers are literal counters instead of target-counter(), so that
    WeasyPrint lays every page out once (pagehints.py); None keeps target-counter()."""
    from pressroom import faces
    from pressroom.printing import html, pagehints
    from pressroom.printing.fetcher import check_html

    sheets = [html.read_stylesheet(settings.templates_dir, n)
              for n in ("print.css", *variant.stylesheets)]
    # The faces by language come from the table in fonts.py, right after print.css.
    sheets.insert(1, ("fonts.css.j2", faces.render_font_css(settings.templates_dir, "print")))
    for name, css in sheets:
        faces.require_fonts(css, settings.templates_dir / name)
    css = [text for _, text in sheets] + [prepared.extra_css]
    if hints is not None:
        css += [pagehints.literal_rules("\n".join(css)), pagehints.hint_rules(hints)]
    page = html.render_print_html(prepared.edition, body, settings.templates_dir, css,
                                  prepared.citations, handout=prepared.handout)
    # Whatever the page would fetch is checked before any output is written.
    check_html(page, settings.project_root)
    return page


#: Layouts of one variant before its page numbers must have settled.
LAYOUT_ROUNDS = 3


def lay_out(settings: Settings, prepared: Prepared, body: str, variants: Iterable[Variant],
            report: Callable[[str, Layout], None] | None = None,
            final: Callable[[Variant, Layout], None] | None = None,
            ) -> dict[Variant, tuple[LayoutJob, Layout]]:
    """Lay out each variant until every page number printed after a link is its target's
    page (pagehints.py). The first layout uses the numbers the last build settled on, kept
    in the cache, or with none WeasyPrint's own target-counter(); a variant whose numbers
    are wrong is laid out again with the pages of its last layout.

    ``final`` is told of each variant's last layout as soon as it is done, while the others
    may still be running: work that needs it (the EPUB needs the A4 page map) runs then, on
    the core that layout has just freed, instead of after the slowest variant."""
    from pressroom.printing import pagehints

    cache = settings.cache
    hints: dict[str, dict[str, int] | None] = {}
    for variant in variants:
        recorded = cache.get_json("hints", variant.name)
        hints[variant.name] = recorded if isinstance(recorded, dict) else None
    # The page with target-counter(): what a layout is of, whichever way its numbers are
    # written, so that a layout is found in the cache by its page and its numbers.
    pages = {v.name: print_html(settings, prepared, body, v) for v in variants}

    def job_for(variant: Variant) -> LayoutJob:
        numbers = hints[variant.name]
        identity = digest(pages[variant.name], json.dumps(numbers, sort_keys=True))
        html_text = pages[variant.name] if numbers is None else print_html(
            settings, prepared, body, variant, numbers)
        # Every round but the last is a draft: not written if its numbers come out wrong.
        draft = rounds[f"PDF, {variant.name}"] < LAYOUT_ROUNDS - 1
        return _job(settings, variant, html_text, identity, prepared, draft)

    by_name = {f"PDF, {v.name}": v for v in variants}
    done: dict[Variant, tuple[LayoutJob, Layout]] = {}
    rounds = dict.fromkeys(by_name, 0)
    pending: list[Variant] = []

    def then(job: LayoutJob, layout: Layout) -> LayoutJob | None:
        variant = by_name[job.name]
        done[variant] = (job, layout)
        rounds[job.name] += 1
        settled = pagehints.settled(layout.printed_pages, layout.anchor_pages)
        came_from_target_counter = hints[variant.name] is None
        hints[variant.name] = settled
        if pagehints.wrong(layout.printed_pages, layout.anchor_pages):
            if rounds[job.name] < LAYOUT_ROUNDS:
                return job_for(variant)
            pending.append(variant)
        else:
            cache.put_json("hints", variant.name, settled)
            if came_from_target_counter:
                # Right numbers lay out byte for byte as target-counter() did (tested): the
                # next build, which writes them as literal numbers, finds this layout.
                remember(cache, job_for(variant), layout)
        if final is not None:
            final(variant, layout)
        return None

    # The A4 edition first: the EPUB and the permissions report wait for its page map, and
    # the EPUB is then made while the others are laid out. Then the longest, so that the
    # last to finish is a short one: a booklet is laid out and imposed, large print has the
    # most pages.
    order = sorted(variants, key=lambda v: (v is not PAGE_SOURCE,
                                            -KINDS.index(v.kind)))
    run_layouts([job_for(v) for v in order], cache, settings.limits, report, then)
    for variant in pending:
        wrong = pagehints.wrong(done[variant][1].printed_pages, done[variant][1].anchor_pages)
        log.warning("%s: page numbers did not settle after %d layouts; the references to "
                    "%s may name the wrong page", variant.name, LAYOUT_ROUNDS, ", ".join(wrong))
    return {v: done[v] for v in variants}


def _job(settings: Settings, variant: Variant, html_text: str, identity: str,
         prepared: Prepared, draft: bool = False) -> LayoutJob:
    from pressroom.papers import SHEETS
    from pressroom.printing.placement import inserts

    return LayoutJob(f"PDF, {variant.name}", html_text, settings.project_root,
                     pdf_variant="pdf/ua-1" if prepared.tagged else None,
                     inserts=inserts(prepared.pdfs, enlarge=variant.kind == "large-print"),
                     strict=settings.strict,
                     sheet=SHEETS[variant.sheet] if variant.sheet else None,
                     identity=identity, draft=draft)
