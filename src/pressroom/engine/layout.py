"""The print edition's layouts: the body once, a print page per variant, layout rounds until
the page numbers printed after links are their targets' pages, and booklets imposed.

Every layout and imposition is a job (engine.jobs) run through the job graph (engine.graph)
by whichever executor the build has, so this module decides what to lay out and never how
or where.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from pressroom import faces
from pressroom.cache import code_version, digest, tool_versions
from pressroom.engine.executor import Executor
from pressroom.engine.graph import Node, run_graph
from pressroom.engine.jobs import ImposeJob, Job, Layout, LayoutJob
from pressroom.engine.prepare import Prepared, blame_the_reading
from pressroom.engine.settings import Settings
from pressroom.papers import KINDS, PAGE_SOURCE, SHEETS, Variant
from pressroom.printing import html, pagehints
from pressroom.printing.fetcher import check_html
from pressroom.printing.placement import inserts

log = logging.getLogger(__name__)


def print_body(settings: Settings, prepared: Prepared) -> str:
    """The edition's body as an HTML fragment: Pandoc once per build, shared by every
    variant (they differ only in stylesheet), cached by the Markdown it comes from."""
    cache = settings.cache
    hyphenate_min = html.hyphenation_minimum(settings.templates_dir)
    key = digest("body", prepared.document.read_text(encoding="utf-8"),
                 prepared.metadata.read_text(encoding="utf-8"), str(hyphenate_min),
                 code_version(), tool_versions())
    cached = cache.get("pandoc", key, ".html")
    if cached is not None:
        return cached.decode("utf-8")
    with blame_the_reading(prepared):
        body = html.render_body(prepared.document, prepared.metadata, settings.limits,
                                hyphenate_min)
    cache.put("pandoc", key, ".html", body.encode("utf-8"))
    return body


def print_html(settings: Settings, prepared: Prepared, body: str, variant: Variant,
               hints: dict[str, int] | None = None) -> str:
    """The standalone print HTML of one variant (its stylesheets inlined).

    With ``hints`` (target id -> page, from an earlier layout of this variant) the
    cross-references' page numbers are literal counters instead of target-counter(), so that
    WeasyPrint lays every page out once (pagehints.py); None keeps target-counter()."""
    sheets = [html.read_stylesheet(settings.templates_dir, n)
              for n in ("print.css", *variant.stylesheets)]
    # The faces by language come from the table in faces.py, right after print.css.
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


def report_job(say: Callable[[str], None]) -> Callable[[Job, Any], None]:
    """A progress line for each finished job: what it made and what it took."""
    def report(job: Job, result: Any) -> None:
        how = "reused" if result.reused else f"{result.seconds:.1f} s"
        if isinstance(result, Layout):
            say(f"{job.name}: {result.pages} pages ({how})")
        elif isinstance(job, ImposeJob):
            say(f"{job.name}: {2 * result.sheets} pages imposed ({how})")
        else:
            say(f"{job.name} ({how})")
    return report


def lay_out(settings: Settings, prepared: Prepared, body: str, variants: Iterable[Variant],
            executor: Executor, report: Callable[[Job, Any], None] | None = None,
            final: Callable[[Variant, Layout], Iterable[Node]] | None = None,
            ) -> dict[Variant, tuple[LayoutJob, Layout]]:
    """Lay out each variant until every page number printed after a link is its target's
    page (pagehints.py); a booklet's final layout is then imposed, and its Layout carries
    the imposed pages. The first layout uses the numbers the last build settled on, kept in
    the cache, or with none WeasyPrint's own target-counter(); a variant whose numbers are
    wrong is laid out again with the pages of its last layout, at once, while the others
    may still be running.

    ``final`` is told of each variant's final layout as soon as it is done and answers the
    jobs that need it (the EPUB needs the A4 page map), which then run in the same graph,
    on the worker that layout has just freed, instead of after the slowest variant."""
    cache = settings.cache
    variants = list(variants)
    hints: dict[str, dict[str, int] | None] = {}
    # The numbers are a collection's own: two collections built in one project must not
    # start from each other's.
    def hints_key(variant: Variant) -> str:
        return f"{prepared.id}-{variant.name}"

    for variant in variants:
        recorded = cache.get_json("hints", hints_key(variant))
        hints[variant.name] = recorded if isinstance(recorded, dict) else None
    # The page with target-counter(): what a layout is of, whichever way its numbers are
    # written, so that a layout is found in the cache by its page and its numbers.
    pages = {v.name: print_html(settings, prepared, body, v) for v in variants}
    rounds = dict.fromkeys((v.name for v in variants), 0)
    done: dict[Variant, tuple[LayoutJob, Layout]] = {}
    unsettled: list[Variant] = []

    def job_for(variant: Variant) -> LayoutJob:
        numbers = hints[variant.name]
        identity = digest(pages[variant.name], json.dumps(numbers, sort_keys=True))
        html_text = pages[variant.name] if numbers is None else print_html(
            settings, prepared, body, variant, numbers)
        return LayoutJob(
            f"PDF, {variant.name}", html_text, settings.project_root,
            pdf_variant="pdf/ua-1" if prepared.tagged else None, identity=identity,
            inserts=inserts(prepared.pdfs, enlarge=variant.kind == "large-print"),
            # Every round but the last is a draft: not written if its numbers come out wrong.
            draft=rounds[variant.name] < LAYOUT_ROUNDS - 1)

    def node_for(variant: Variant) -> Node:
        job = job_for(variant)
        return Node(job, lambda layout: after(variant, job, layout))

    def after(variant: Variant, job: LayoutJob, layout: Layout) -> list[Node]:
        rounds[variant.name] += 1
        settled = pagehints.settled(layout.printed_pages, layout.anchor_pages)
        came_from_target_counter = hints[variant.name] is None
        hints[variant.name] = settled
        if pagehints.wrong(layout.printed_pages, layout.anchor_pages):
            if rounds[variant.name] < LAYOUT_ROUNDS:
                return [node_for(variant)]
            unsettled.append(variant)
        else:
            cache.put_json("hints", hints_key(variant), settled)
            if came_from_target_counter:
                # Right numbers lay out byte for byte as target-counter() did (tested): the
                # next build, which writes them as literal numbers, finds this layout.
                job_for(variant).remember(cache, layout)
        done[variant] = (job, layout)
        follow = list(final(variant, layout)) if final is not None else []
        if variant.sheet is not None:
            follow.append(_imposition(variant, job, layout, done))
        return follow

    # The A4 edition first: the EPUB and the permissions report wait for its page map, and
    # the EPUB is then made while the others are laid out. Then the longest, so that the
    # last to finish is a short one: a booklet is laid out and imposed, large print has the
    # most pages.
    order = sorted(variants, key=lambda v: (v is not PAGE_SOURCE, -KINDS.index(v.kind)))
    run_graph([node_for(v) for v in order], executor, cache, report)
    for variant in unsettled:
        wrong = pagehints.wrong(done[variant][1].printed_pages, done[variant][1].anchor_pages)
        log.warning("%s: page numbers did not settle after %d layouts; the references to "
                    "%s may name the wrong page", variant.name, LAYOUT_ROUNDS, ", ".join(wrong))
    return {v: done[v] for v in variants}


def _imposition(variant: Variant, job: LayoutJob, layout: Layout,
                done: dict[Variant, tuple[LayoutJob, Layout]]) -> Node:
    """The job that imposes a booklet's final layout; its result replaces the layout's
    pages in ``done`` with the imposed ones."""
    impose = ImposeJob(f"PDF, {variant.name}, imposed", layout.data, SHEETS[str(variant.sheet)])

    def imposed(result: Any) -> list[Node]:
        done[variant] = (job, Layout(result.data, 2 * result.sheets, layout.page_map,
                                     layout.warnings, layout.seconds + result.seconds,
                                     layout.reused and result.reused, layout.printed_pages))
        return []

    return Node(impose, imposed)
