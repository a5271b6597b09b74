"""Turn the assembled Markdown into the print HTML: Pandoc for the body, Jinja for the page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from ._pandoc import run_pandoc
from .assemble import APPENDIX_LETTERS, render_template
from .content import Edition


@dataclass(frozen=True)
class TocEntry:
    id: str
    label: str
    title: str


def make_html_environment(templates_dir: Path) -> jinja2.Environment:
    """Jinja for HTML shells: strict and HTML-autoescaped (data never becomes markup)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=True,
    )


def toc_entries(edition: Edition) -> list[TocEntry]:
    entries = [TocEntry(r.meta.id, "", r.meta.title) for r in edition.readings]
    for index, appendix in enumerate(edition.appendices):
        letter = APPENDIX_LETTERS[index]
        entries.append(
            TocEntry(f"appendix-{appendix.kind}", f"Appendix {letter}", appendix.data.title)
        )
    return entries


def render_body(markdown_path: Path, extra_args: tuple[str, ...] = ()) -> str:
    """The edition's body as an HTML fragment, notes inline for footnote floats."""
    return run_pandoc(markdown_path, "html5",
                      extra_args=("--section-divs", "--wrap=none", *extra_args))


def read_stylesheet(templates_dir: Path, name: str) -> str:
    return (templates_dir / name).read_text(encoding="utf-8")


def render_print_html(
    edition: Edition,
    markdown_path: Path,
    templates_dir: Path,
    *,
    stylesheets: tuple[str, ...] = ("print.css",),
    page_css: str = "",
) -> str:
    """The standalone print HTML (styles inlined) that WeasyPrint lays out."""
    body = render_body(markdown_path)
    css = "\n".join(read_stylesheet(templates_dir, name) for name in stylesheets)
    context = {
        "edition": edition.config,
        "reading": edition.lead.meta,
        "toc": toc_entries(edition),
        "body": Markup(body),
        "css": Markup(_safe_css(css + "\n" + page_css)),
    }
    return render_template(make_html_environment(templates_dir), "print.html.j2", context,
                           templates_dir)


def _safe_css(css: str) -> str:
    # The stylesheet goes inside <style>; it must not be able to close the element.
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)
