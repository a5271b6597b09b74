"""The print edition's layouts: the body once, a print page per variant, cut into pieces
that are laid out one by one and joined, and booklets imposed.

The reading is the unit of layout (printing.pieces): every piece of a variant (front
matter, each part page, reading, note and appendix) is laid out alone, starting at the page
it has in the volume, with the page numbers its links print taken from the pages the
pieces before it in this build fell on, or for pieces after it from what the last build
recorded, as LaTeX takes them from its aux file. The numbers are checked, never trusted: a
piece whose printed numbers are not its targets' pages is laid out again with the right
ones (pagehints), and one whose page count changed moves the pieces after it. A piece whose
page, start and numbers are those of a layout in the cache is never laid out again, so an
edit in one reading re-lays that reading, and the pieces after it only if it grew or
shrank by a page.

Every layout, join and imposition is a job (engine.jobs) run through the job graph
(engine.graph) by whichever executor the build has, so this module decides what to lay out
and never how or where.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pressroom import faces
from pressroom.assemble.document import Unit
from pressroom.cache import code_version, digest, tool_versions
from pressroom.engine.executor import Executor
from pressroom.engine.graph import Node, run_graph
from pressroom.engine.jobs import ImposeJob, Job, JoinJob, Layout, LayoutJob
from pressroom.engine.prepare import Prepared, blame_the_reading
from pressroom.engine.settings import Settings
from pressroom.engine.state import read_json
from pressroom.files import write_text_atomic
from pressroom.papers import KINDS, PAGE_SOURCE, SHEETS, Variant
from pressroom.printing import html, pagehints, pieces
from pressroom.printing.fetcher import check_html
from pressroom.printing.pagemap import PageMap, PageStart
from pressroom.printing.pieces import LaidPiece, Piece
from pressroom.printing.placement import inserts

log = logging.getLogger(__name__)


def print_body(settings: Settings, prepared: Prepared) -> str:
    """The edition's body as an HTML fragment, shared by every variant (they differ only in
    stylesheet): Pandoc once a unit (a reading, an appendix), each unit's fragment cached by
    its blocks, so that an edit to one reading converts that one."""
    cache = settings.cache
    hyphenate_min = html.hyphenation_minimum(settings.templates_dir)
    common = (prepared.metadata.read_text(encoding="utf-8"), str(hyphenate_min),
              code_version(), tool_versions())

    def convert(unit: Unit, make: Callable[[], str]) -> str:
        key = digest("body-unit", unit.name, unit.text, *common)
        cached = cache.get("pandoc", key, ".html")
        if cached is not None:
            return cached.decode("utf-8")
        made = make()
        cache.put("pandoc", key, ".html", made.encode("utf-8"))
        return made

    with blame_the_reading(prepared):
        body = html.render_body(prepared.tree, prepared.metadata, settings.limits,
                                hyphenate_min, convert, prepared.units)
    # Checked here, once: every variant's page holds it, and print_html checks the rest.
    check_html(body, settings.boundary)
    return body


def print_html(settings: Settings, prepared: Prepared, body: str, variant: Variant,
               hints: dict[str, int] | None = None) -> str:
    """The standalone print HTML of one variant (its stylesheets inlined).

    ``body`` is print_body's, which checked what it fetches. With ``hints`` (target id ->
    page, from an earlier layout of this variant) the cross-references' page numbers are
    literal counters instead of target-counter(), so that WeasyPrint lays every page out
    once (pagehints.py); None keeps target-counter()."""
    sheets = [html.read_stylesheet(settings.templates_dir, n)
              for n in ("print.css", *variant.stylesheets)]
    # The faces by language come from the table in faces.py, right after print.css.
    sheets.insert(1, ("fonts.css.j2", faces.render_font_css(settings.templates_dir, "print")))
    for name, css in sheets:
        faces.require_fonts(css, settings.templates_dir / name)
    css = [text for _, text in sheets] + [prepared.extra_css]
    if hints is not None:
        css += [literal_rules(settings, "\n".join(css)), pagehints.hint_rules(hints)]
    page = html.render_print_html(prepared.edition, body, settings.templates_dir, css,
                                  prepared.citations, handout=prepared.handout)
    # Whatever the page would fetch is checked before any output is written.
    check_html(page, settings.boundary, checked=body)
    return page


def literal_rules(settings: Settings, css: str) -> str:
    """pagehints.literal_rules of a variant's stylesheets, kept in the cache by their text."""
    return str(_of_stylesheets(settings, "literal-rules", css, pagehints.literal_rules))


def recto_classes(settings: Settings, css: str) -> frozenset[str]:
    """pieces.recto_classes of a variant's stylesheets, kept in the cache by their text."""
    return frozenset(_of_stylesheets(settings, "recto-classes", css,
                                     lambda text: sorted(pieces.recto_classes(text))))


def _of_stylesheets(settings: Settings, kind: str, css: str,
                    derive: Callable[[str], Any]) -> Any:
    # What a build reads from its stylesheets is parsed from the whole of each variant's
    # CSS (tinycss2: 0.04 s a variant, each time); the stylesheets seldom change, the
    # readings often, so the cache keeps what was read from them by their text.
    key = digest(kind, css, code_version())
    found = settings.cache.get_json("stylesheets", key)
    if found is None:
        found = derive(css)
        settings.cache.put_json("stylesheets", key, found)
    return found


#: Where a collection's recorded page numbers are kept, in its folder.
RECORDED = ".pages"
#: Layouts of one piece before its page numbers must have settled.
LAYOUT_ROUNDS = 3

#: What a variant's layout comes to: the job that made its PDF (the join, or a booklet's
#: imposition; its key says whether the output changed) and the variant's Layout.
Laid = tuple[JoinJob | ImposeJob, Layout]


def report_job(say: Callable[[str], None]) -> Callable[[Job, Any], None]:
    """A progress line for each job this build ran (a job found in the cache says nothing:
    the variant's line says how many pieces it reused)."""
    def report(job: Job, result: Any) -> None:
        if result.reused:
            return
        how = f"{result.seconds:.1f} s"
        if isinstance(result, Layout):
            say(f"{job.name}: {result.pages} pages ({how})")
        elif isinstance(job, ImposeJob):
            say(f"{job.name}: {2 * result.sheets} pages imposed ({how})")
        else:
            say(f"{job.name} ({how})")
    return report


def _next_recto(last_page: int) -> int:
    """The first page of a piece after one ending on ``last_page``: the next odd page."""
    return last_page + 1 if last_page % 2 == 0 else last_page + 2


class _Variant:
    """One variant of one collection laid out piece by piece: the state of its rounds."""

    def __init__(self, plan: _Plan, variant: Variant) -> None:
        self.plan = plan
        self.variant = variant
        page = print_html(plan.settings, plan.prepared, plan.body, variant)
        self.pieces: list[Piece] = plan.splitter.split(page, whole=plan.whole)
        css = "\n".join(style for style in _styles(page))
        self.literal = literal_rules(plan.settings, css)
        recorded = read_json(self.hints_path) or {}
        #: The numbers the last build's links printed, and where its pieces began.
        self.recorded: dict[str, int] = _ints(recorded.get("numbers"))
        self.recorded_starts: dict[str, int] = _ints(recorded.get("starts"))
        self.laid: list[Layout | None] = [None] * len(self.pieces)
        self.starts: list[int] = [0] * len(self.pieces)
        self.rounds = [0] * len(self.pieces)
        #: Per piece, numbers its own last layout gave its targets.
        self.own: list[dict[str, int]] = [{} for _ in self.pieces]
        self.unsettled: list[str] = []
        self.result: Laid | None = None
        self.inserts = inserts(plan.prepared.pdfs, enlarge=variant.kind == "large-print",
                               langs=plan.prepared.reading_langs)

    @property
    def hints_path(self) -> Path:
        """The page numbers the last layout of this variant recorded, in the collection's
        folder: a collection's own, so two collections built in one project never start
        from each other's (and a handout has its own)."""
        return (self.plan.settings.out_dir / RECORDED
                / f"{self.plan.prepared.id}-{self.variant.name}{self.plan.record}.json")

    def anchors(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for layout in self.laid:
            if layout is not None:
                out.update(layout.anchor_pages)
        return out

    def start(self) -> list[Node]:
        return [self.node(0)]

    def node(self, index: int) -> Node:
        piece = self.pieces[index]
        first = (self.plan.first_page if index == 0
                 else _next_recto(self.starts[index - 1] + self.laid[index - 1].pages - 1))
        self.starts[index] = first
        # What the last build recorded for this piece and those after it moved with the
        # piece's start (a reading before it grew by a page); what this build laid out
        # before it is known; a target never laid out before is guessed at the piece's own
        # page. The check after the layout corrects any of them.
        moved = first - self.recorded_starts.get(piece.name, first)
        known = {**{t: n + moved for t, n in self.recorded.items()}, **self.own[index],
                 **self.anchors()}
        numbers = {t: known.get(t, first) for t in sorted(piece.targets)}
        page = pieces.with_numbers(piece.html, self.literal + "\n"
                                   + pagehints.hint_rules(numbers))
        job = LayoutJob(
            f"{self.plan.label}PDF, {self.variant.name}, {piece.name}", page,
            self.plan.settings.boundary,
            pdf_variant=self.plan.pdf_variant(),
            inserts=tuple(i for i in self.inserts if i.id in piece.ids),
            draft=self.rounds[index] < LAYOUT_ROUNDS - 1, first_page=first)
        return Node(job, lambda layout: self.after(index, job, layout),
                    self.variant is PAGE_SOURCE)

    def after(self, index: int, job: LayoutJob, layout: Layout) -> list[Node]:
        self.rounds[index] += 1
        own = layout.anchor_pages
        if pagehints.wrong(layout.printed_pages, own) and self.rounds[index] < LAYOUT_ROUNDS:
            self.own[index] = own
            return [self.node(index)]
        before = self.laid[index]
        self.laid[index] = layout
        if before is not None and before.pages != layout.pages:
            # Laid out again with other numbers, it grew or shrank: the pieces after it move.
            for later in range(index + 1, len(self.pieces)):
                self.laid[later] = None
                self.own[later] = {}
        if index + 1 < len(self.pieces) and self.laid[index + 1] is None:
            return [self.node(index + 1)]
        return self.verify()

    def verify(self) -> list[Node]:
        """Every piece laid out: lay out again the first whose printed numbers are wrong
        (one at a time, since one that grows moves the rest); then join."""
        anchors = self.anchors()
        wrong = [i for i, layout in enumerate(self.laid)
                 if pagehints.wrong(layout.printed_pages, anchors)]
        again = [i for i in wrong if self.rounds[i] < LAYOUT_ROUNDS]
        if again:
            return [self.node(again[0])]
        self.unsettled = sorted({t for i in wrong
                                 for t in pagehints.wrong(self.laid[i].printed_pages, anchors)})
        if not self.unsettled:
            settled: dict[str, int] = {}
            for layout in self.laid:
                settled.update(pagehints.settled(layout.printed_pages, anchors))
            starts = {piece.name: start for piece, start in zip(self.pieces, self.starts,
                                                                  strict=True)}
            write_text_atomic(self.hints_path, json.dumps(
                {"numbers": settled, "starts": starts}, sort_keys=True, indent=0))
        # What waits for the volume's page map (the EPUB) needs no joined PDF: it starts
        # beside the join. A booklet is imposed from its pieces: it has no joined PDF.
        follow = [self.join_node() if self.variant.sheet is None else self.imposition()]
        if self.plan.final:
            follow += self.plan.final(self.variant, self.page_map())
        return follow

    def page_map(self) -> PageMap:
        """The volume's page map, from its pieces' layouts: where each of their pages
        starts, and a blank verso wherever one precedes a piece."""
        starts: list[PageStart] = []
        anchors: dict[str, int] = {}
        for start, layout in zip(self.starts, self.laid, strict=True):
            # A blank verso before a piece begins where the piece does (PageMap.placed).
            starts += [PageStart(n, None) for n in range(len(starts) + self.plan.first_page,
                                                         start)]
            starts += layout.page_map.starts
            anchors.update(layout.page_map.anchors)
        return PageMap(tuple(starts), anchors)

    def laid_pieces(self) -> tuple[LaidPiece, ...]:
        laid = [layout for layout in self.laid if layout is not None]
        return tuple(LaidPiece(layout.data, start, layout.bookmarks, piece.continues)
                     for piece, start, layout in zip(self.pieces, self.starts, laid,
                                                     strict=True))

    def join_node(self) -> Node:
        job = JoinJob(f"{self.plan.label}PDF, {self.variant.name}, joined",
                      self.laid_pieces())
        return Node(job, lambda made: self.finished(job, made.data, made.reused, made.seconds),
                    self.variant is PAGE_SOURCE)

    def imposition(self) -> Node:
        """The job that imposes a booklet's pieces on its sheets; the variant's Layout then
        carries the imposed pages."""
        job = ImposeJob(f"{self.plan.label}PDF, {self.variant.name}, imposed",
                        self.laid_pieces(), SHEETS[str(self.variant.sheet)])
        return Node(job, lambda imposed: self.finished(job, imposed.data, imposed.reused,
                                                       imposed.seconds, 2 * imposed.sheets))

    def finished(self, job: JoinJob | ImposeJob, data: bytes, reused: bool, seconds: float,
                 pages: int | None = None) -> list[Node]:
        """The variant's Layout, its PDF ``data`` made by ``job`` (the join, or a booklet's
        imposition of ``pages`` pages) from the pieces' layouts."""
        laid = [layout for layout in self.laid if layout is not None]
        printed: dict[str, list[int]] = {}
        for layout in laid:
            for target, numbers in layout.printed_pages.items():
                printed.setdefault(target, []).extend(numbers)
        fresh = tuple(piece.name for piece, layout in zip(self.pieces, laid, strict=True)
                      if not layout.reused)
        warnings = tuple(dict.fromkeys(w for layout in laid for w in layout.warnings))
        page_map = self.page_map()
        volume = Layout(data, pages or len(page_map.starts), page_map, warnings,
                        sum(layout.seconds for layout in laid) + seconds,
                        reused and not fresh, printed, (), fresh, len(laid))
        self.result = (job, volume)
        return []


def _ints(value: object) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, int)}


def _styles(page: str) -> list[str]:
    return [match.group(1) for match in _STYLE.finditer(page)]


_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


#: The PDF variant a volume gets unless told otherwise (_Plan.pdf_variant).
AUTO = "auto"


@dataclasses.dataclass
class _Plan:
    settings: Settings
    prepared: Prepared
    body: str
    final: Callable[[Variant, PageMap], Iterable[Node]] | None
    first_page: int
    whole: bool
    #: Cuts the variants' pages into pieces: the body once for all of them, reading the
    #: recto sections from each variant's stylesheets through the cache.
    splitter: pieces.Splitter
    #: What the jobs' names begin with: the collection's id in a batch.
    label: str = ""
    #: WeasyPrint's PDF variant; AUTO: PDF/UA-1 when every page can be tagged.
    variant: str | None = AUTO
    #: What the recorded page numbers' file is told apart by (a print package's trim).
    record: str = ""

    def pdf_variant(self) -> str | None:
        if self.variant == AUTO:
            return "pdf/ua-1" if self.prepared.tagged else None
        return self.variant


def layout_nodes(settings: Settings, prepared: Prepared, body: str,
                 variants: Iterable[Variant],
                 final: Callable[[Variant, PageMap], Iterable[Node]] | None = None, *,
                 first_page: int = 1, whole: bool = False, label: str = "",
                 pdf_variant: str | None = AUTO, record: str = "",
                 ) -> tuple[Iterator[Node], Callable[[], dict[Variant, Laid]]]:
    """The first nodes of the variants' layouts, made as the graph draws them, and what
    answers their results once the graph has run (a batch runs many collections' nodes in
    one graph)."""
    splitter = pieces.Splitter(lambda css: recto_classes(settings, css))
    plan = _Plan(settings, prepared, body, final, first_page, whole, splitter, label,
                 pdf_variant, record)
    # The A4 edition first: the EPUB and the permissions report wait for its page map, and
    # the EPUB is then made while the others are laid out. Then the longest, so that the
    # last to finish is a short one.
    order = sorted(variants, key=lambda v: (v is not PAGE_SOURCE, -KINDS.index(v.kind)))
    states: list[_Variant] = []

    def nodes() -> Iterator[Node]:
        # Each variant's pieces are made as the graph draws its first node, while the
        # workers lay out those of the variants before it.
        for variant in order:
            state = _Variant(plan, variant)
            states.append(state)
            yield from state.start()

    def results() -> dict[Variant, Laid]:
        out = {}
        for state in states:
            if state.unsettled:
                log.warning("%s: page numbers did not settle after %d layouts; the references "
                            "to %s may name the wrong page", state.variant.name, LAYOUT_ROUNDS,
                            ", ".join(state.unsettled))
            out[state.variant] = state.result
        return {v: out[v] for v in variants}

    return nodes(), results


def lay_out(settings: Settings, prepared: Prepared, body: str, variants: Iterable[Variant],
            executor: Executor, report: Callable[[Job, Any], None] | None = None,
            final: Callable[[Variant, PageMap], Iterable[Node]] | None = None, *,
            first_page: int = 1, whole: bool = False, pdf_variant: str | None = AUTO,
            record: str = "") -> dict[Variant, Laid]:
    """Lay out each variant piece by piece and join it; a booklet's joined pages are then
    imposed, and its Layout carries the imposed pages. ``final`` is told of each variant's
    page map as soon as its pieces are laid out, before the join, and answers the jobs
    that need it (the EPUB needs the A4 page map), which then run in the same graph.
    ``whole`` lays each variant out as one piece (what the pieces are checked against in
    the tests). ``pdf_variant`` and ``record`` are for a print package: its PDF/X variant,
    and its own recorded numbers."""
    variants = list(variants)
    nodes, results = layout_nodes(settings, prepared, body, variants, final,
                                  first_page=first_page, whole=whole,
                                  pdf_variant=pdf_variant, record=record)
    run_graph(nodes, executor, settings.cache, report)
    return results()
