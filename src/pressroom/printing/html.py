"""Turn the assembled Markdown into the print HTML: Pandoc for the body, Jinja for the page."""


from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tinycss2
from lxml import html as lxml_html
from markupsafe import Markup

from pressroom.assemble.chunks import APPENDIX_LETTERS, appendix_id
from pressroom.assemble.document import Unit, units_of
from pressroom.errors import RenderError
from pressroom.mathsvg import typeset_math
from pressroom.printing.pagemap import filter_arguments
from pressroom.sources.citations import Citation
from pressroom.sources.edition import Edition, Part, Reading
from pressroom.templating import make_environment, read_template_file, render_template
from pressroom.tools.pandoc import FILTERS, run_pandoc, side_by_side
from pressroom.tools.run import DEFAULT_LIMITS, Limits


@dataclass(frozen=True)
class TocEntry:
    id: str
    label: str
    title: str
    authors: str = ""
    kind: str = "reading"
    children: tuple[TocEntry, ...] = ()


def _reading_entry(reading: Reading) -> TocEntry:
    return TocEntry(reading.id, "", reading.meta.title,
                    ", ".join(a.name for a in reading.meta.authors))


def toc_entries(edition: Edition) -> list[TocEntry]:
    """The contents: introduction, parts with their readings, the note, the appendices."""
    entries = []
    if edition.introduction:
        entries.append(TocEntry("introduction", "", edition.introduction.title,
                                 ", ".join(p.name for p in edition.config.editors)))
    for item in edition.contents or edition.readings:
        if isinstance(item, Part):
            entries.append(TocEntry(item.id, "", item.title, kind="part", children=tuple(
                _reading_entry(r) for r in item.readings)))
        else:
            entries.append(_reading_entry(item))
    if edition.config.note_on_the_text:
        entries.append(TocEntry("note-on-the-text", "", "A Note on This Edition",
                                kind="note"))
    for letter, appendix in zip(APPENDIX_LETTERS, edition.appendices, strict=False):
        entries.append(TocEntry(appendix_id(appendix), f"Appendix {letter}",
                                appendix.data.title, kind="appendix"))
    return entries


def render_unit(document: Mapping[str, Any], unit: Unit, metadata_path: Path,
                limits: Limits = DEFAULT_LIMITS, hyphenate_min: int = 5) -> str:
    """One unit of the document's body as an HTML fragment, notes inline for footnote
    floats (the document gives Pandoc's API version and its metadata).

    print.lua (after the notes filter) marks where lines may not break: names and hyphenated
    compounds, note calls and their words, day and month. ``hyphenate_min`` is the shortest
    word the stylesheets let WeasyPrint hyphenate (hyphenation_minimum): names shorter than
    that need no protecting, and get no span to lay out.
    """
    blocks = unit.blocks
    if _has_math(blocks):
        # TeX math is drawn for print (mathsvg); the EPUB keeps it as MathML.
        blocks = typeset_math(blocks)
    with tempfile.TemporaryDirectory(prefix="pressroom-print-") as work:
        printed = Path(work) / "print.json"
        printed.write_text(json.dumps({"pandoc-api-version": document["pandoc-api-version"],
                                       "meta": document["meta"], "blocks": blocks}),
                           encoding="utf-8")
        return run_pandoc(printed, "html5", metadata=metadata_path, format="json",
                          extra_args=("--section-divs", "--wrap=none",
                                      "-V", f"pressroom-hyphenate-min={hyphenate_min}",
                                      "--metadata", f"pressroom-unit={unit.name}",
                                      *filter_arguments(),
                                      "--lua-filter", str(FILTERS / "print.lua")),
                          limits=limits)


def render_body(document: Mapping[str, Any], metadata_path: Path,
                limits: Limits = DEFAULT_LIMITS, hyphenate_min: int = 5,
                convert: Callable[[Unit, Callable[[], str]], str] | None = None,
                units: list[Unit] | None = None) -> str:
    """The edition's body (a Pandoc document) as an HTML fragment: its units (units_of,
    unless given) converted side by side (one Pandoc per core), joined and checked.
    ``convert(unit, make)`` returns a unit's fragment, calling ``make`` if it has none (a
    cache: an edit to one reading converts that reading's unit)."""
    units = units_of(document) if units is None else units
    convert = convert or (lambda unit, make: make())

    def one(unit: Unit) -> str:
        if not unit.blocks:
            return ""
        return convert(unit, lambda: render_unit(document, unit, metadata_path, limits,
                                                 hyphenate_min))

    htmls = side_by_side(one, units)
    body = join_units(units, htmls)
    check_links(body)
    return body


_CLOSE = "\n</section>"


def join_units(units: list[Unit], htmls: list[str]) -> str:
    """The body the units' fragments make together: what Pandoc writes for the whole
    document, sections nested across units (a part's section holds its readings')."""
    out: list[str] = []
    open_levels: list[int] = []
    for unit, html in zip(units, htmls, strict=True):
        if unit.level:
            while open_levels and open_levels[-1] >= unit.level:
                open_levels.pop()
                out.append("</section>")
        text = html.rstrip("\n")
        # Pandoc closed the unit's sections at its end; some go on into the next units.
        closing = _CLOSE * len(unit.open_levels)
        if not text.endswith(closing):
            raise RenderError(f"pandoc's print HTML of {unit.name or 'the front matter'} "
                              "does not end with its sections closed")
        text = text[:len(text) - len(closing)]
        if text:
            out.append(text.lstrip("\n"))
        open_levels.extend(unit.open_levels)
    out.extend("</section>" for _ in open_levels)
    return "\n".join(out) + "\n"


def check_links(body: str) -> None:
    """Every id of the joined body once, and every internal link to one of them (the notes
    filter checks a whole document itself; a unit sees only its own ids)."""
    root = lxml_html.fragment_fromstring(body, create_parent="div")
    seen: set[str] = set()
    for element in root.iter():
        ident = element.get("id") if isinstance(element.tag, str) else None
        if ident:
            if ident in seen:
                raise RenderError(f"pandoc (html5): duplicate id #{ident} (links to it would "
                                  "be ambiguous)")
            seen.add(ident)
    missing = [href[1:] for a in root.iter("a") if (href := a.get("href") or "")[:1] == "#"
               and href[1:] not in seen]
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise RenderError(f"pandoc (html5): dangling internal link: #{missing[0]} (no element "
                          f"has that id){more}")


def _has_math(node: object) -> bool:
    if isinstance(node, list):
        return any(_has_math(item) for item in node)
    if isinstance(node, dict):
        return node.get("t") == "Math" or any(_has_math(v) for v in node.values()
                                              if isinstance(v, list | dict))
    return False


#: WeasyPrint's hyphenate-limit-chars when none is given (or "auto"): words of five or more.
_DEFAULT_HYPHENATE_MIN = 5


def hyphenation_minimum(templates_dir: Path) -> int:
    """The shortest word any print stylesheet lets WeasyPrint hyphenate: the smallest first
    value of hyphenate-limit-chars in templates/. WeasyPrint's default counts too unless a
    sheet sets the value on the root, which every element inherits. Erring low only protects
    more words."""
    root: list[int] = []
    others: list[int] = []
    for sheet in sorted(templates_dir.glob("*.css")):
        rules = tinycss2.parse_stylesheet(sheet.read_text(encoding="utf-8"),
                                          skip_comments=True, skip_whitespace=True)
        for rule in rules:
            if rule.type != "qualified-rule":
                continue
            selector = tinycss2.serialize(rule.prelude).strip().lower()
            for decl in tinycss2.parse_declaration_list(rule.content, skip_comments=True,
                                                        skip_whitespace=True):
                if decl.type != "declaration" or decl.lower_name != "hyphenate-limit-chars":
                    continue
                first = next((t for t in decl.value if t.type != "whitespace"), None)
                total = (first.int_value if first is not None and first.type == "number"
                         and first.is_integer else _DEFAULT_HYPHENATE_MIN)
                (root if selector in ("html", ":root") else others).append(total)
    return min(others + (root or [_DEFAULT_HYPHENATE_MIN]))


def read_stylesheet(templates_dir: Path, name: str) -> tuple[str, str]:
    """(name, text) of a stylesheet in templates/."""
    return name, read_template_file(templates_dir, name)


def render_print_html(
    edition: Edition,
    body: str,
    templates_dir: Path,
    stylesheets: list[str],
    citations: Mapping[str, Citation] | None = None,
    *,
    handout: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """The standalone print HTML (the stylesheets' text inlined) that WeasyPrint lays out.

    body is render_body's fragment, made once and shared by every variant. A handout is
    its reading alone: no title page or contents, the opener first.
    """
    css = "\n".join(stylesheets)
    lead = (citations or {}).get(edition.lead.id)
    context = {
        "edition": edition.config,
        "title": edition.title,
        "subtitle": edition.subtitle,
        "full_title": edition.full_title,
        "creators": edition.creators,
        "edited": bool(edition.config.editors),
        "reading": edition.lead.meta,
        # An edition of one reading names its source on the title page as well.
        "citation": Markup(lead.html) if lead and len(edition.readings) == 1 else None,
        "handout": handout,
        "toc": toc_entries(edition),
        "body": Markup(body),
        "css": Markup(_safe_css(css)),
        # For a browser only: print.html.j2 puts it in a <style media="screen">, which
        # WeasyPrint (laying out for print) skips.
        "screen_css": Markup(_safe_css(read_template_file(templates_dir, "screen.css"))),
    }
    return render_template(make_environment(templates_dir, "xml"), "print.html.j2", context,
                           templates_dir)


def _safe_css(css: str) -> str:
    # The stylesheet goes inside <style>; it must not be able to close the element.
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)
