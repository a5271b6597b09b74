"""Turn the assembled Markdown into the print HTML: Pandoc for the body, Jinja for the page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from ._pandoc import FILTERS, run_pandoc
from ._run import DEFAULT_LIMITS, Limits
from .assemble import APPENDIX_LETTERS, appendix_id
from .content import Edition
from .templating import make_environment, read_template_file, render_template


@dataclass(frozen=True)
class TocEntry:
    id: str
    label: str
    title: str


def toc_entries(edition: Edition) -> list[TocEntry]:
    entries = [TocEntry(r.meta.id, "", r.meta.title) for r in edition.readings]
    if edition.config.note_on_the_text:
        entries.append(TocEntry("note-on-the-text", "", "A Note on This Edition"))
    for letter, appendix in zip(APPENDIX_LETTERS, edition.appendices, strict=False):
        entries.append(TocEntry(appendix_id(appendix), f"Appendix {letter}", appendix.data.title))
    return entries


def render_body(markdown_path: Path, metadata_path: Path,
                limits: Limits = DEFAULT_LIMITS) -> str:
    """The edition's body as an HTML fragment, notes inline for footnote floats.

    print.lua (after the notes filter) marks where lines may not break: names and hyphenated
    compounds, note calls and their words, day and month.
    """
    return run_pandoc(markdown_path, "html5", metadata=metadata_path,
                      extra_args=("--section-divs", "--wrap=none",
                                  "--lua-filter", str(FILTERS / "print.lua")), limits=limits)


def read_stylesheet(templates_dir: Path, name: str) -> tuple[str, str]:
    """(name, text) of a stylesheet in templates/."""
    return name, read_template_file(templates_dir, name)


def render_print_html(
    edition: Edition,
    body: str,
    templates_dir: Path,
    stylesheets: list[str],
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """The standalone print HTML (the stylesheets' text inlined) that WeasyPrint lays out;
    body is render_body's fragment, made once and shared by every variant."""
    css = "\n".join(stylesheets)
    context = {
        "edition": edition.config,
        "reading": edition.lead.meta,
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
