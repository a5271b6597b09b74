"""Jinja for every template: one strict environment, escaping data for what it writes."""


from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from markupsafe import Markup

from pressroom.dates import human_date
from pressroom.errors import TemplateError

# Every ASCII character Pandoc's Markdown gives a meaning to in running text, except quotes and
# dashes (kept so that smart typography still applies) and sentence punctuation; the second
# keeps asterisks, for text whose *emphasis* is its own (an imported extraction's).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+!|~^$@&=])")
_MD_SPECIAL_BUT_EMPHASIS = re.compile(r"([\\`_{}\[\]<>#+!|~^$@&=])")
# What would start a list, a rule or a heading if a value begins a line: "1. ", "(a) ", "- ".
_LINE_START = re.compile(r"^(\s*)(\(?(?:\d+|[A-Za-z]|[ivxlcdm]+))([.)])", re.MULTILINE)
_LINE_START_BULLET = re.compile(r"^(\s*)([-+]|\*(?=\s))", re.MULTILINE)
_RAW_HTML = re.compile(r"[<>&]")

def escape_markdown(value: Any, *, emphasis: bool = False) -> Markup:
    """Make a value print literally in Markdown (one line, every special escaped); with
    ``emphasis``, its asterisks stay emphasis. The one Markdown escaper: templates' data
    values and imported text alike."""
    if isinstance(value, Markup):
        return value
    text = re.sub(r"\s+", " ", str(value))  # one line, spaces at the edges kept (", ")
    text = (_MD_SPECIAL_BUT_EMPHASIS if emphasis else _MD_SPECIAL).sub(r"\\\1", text)
    text = _LINE_START.sub(r"\1\2\\\3", text)
    text = _LINE_START_BULLET.sub(r"\1\\\2", text)
    return Markup(text)


def trusted_markdown(value: Any) -> Markup:
    """Mark a data value as Markdown (emphasis, links) while keeping raw HTML literal."""
    if isinstance(value, Markup):
        return value
    text = _RAW_HTML.sub(lambda m: "\\" + m.group(0), str(value).strip())
    return Markup(text)


def _finalize(value: Any) -> Any:
    # Everything printed with {{ }} is escaped unless a filter marked it as trusted Markdown.
    return escape_markdown(value)


def make_environment(templates_dir: Path, syntax: str = "markdown") -> jinja2.Environment:
    """The Jinja environment: strict, and escaping every data value for what it writes.

    ``syntax="markdown"`` (the edition's Markdown) escapes values for Pandoc's Markdown unless a
    filter marks them trusted; ``syntax="xml"`` (the print HTML, the SVG figure and cover)
    escapes them as HTML/XML. Both raise on an undefined name and trim block lines.
    """
    if syntax not in ("markdown", "xml"):
        raise ValueError(f"unknown template syntax {syntax!r}")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=syntax == "xml",
        finalize=_finalize if syntax == "markdown" else None,
    )
    env.filters["nobreak"] = nobreak
    env.filters["human_date"] = human_date
    if syntax == "markdown":
        env.filters["md"] = escape_markdown
        env.filters["markdown"] = trusted_markdown
        env.filters["attr"] = _attr_value
        env.filters["join_md"] = _join_md
    return env


#: A dash between two figures (a range), or a hyphen between two letters (a compound).
_JOINED = re.compile(r"(?<=\d)([–-])(?=\d)|(?<=[^\W\d_])(-)(?=[^\W\d_])")


def nobreak(value: Any) -> Any:
    """Bind number ranges ('1919–1964') and hyphenated compounds ('Sino-Soviet') with word
    joiners (U+2060), so that no line breaks them: for titles and headings, in print and in
    an e-reader's contents. Escaping is left to the caller (a Markup value stays Markup)."""
    joined = _JOINED.sub(lambda m: "\u2060" + m.group(0) + "\u2060", str(value))
    return Markup(joined) if isinstance(value, Markup) else joined


def _attr_value(value: Any) -> Markup:
    # For a quoted Pandoc attribute value: no quotes, braces or backslashes can break out.
    return Markup(re.sub(r'["{}\\]', "", " ".join(str(value).split())))


def _join_md(values: list[Any], sep: str = ", ") -> Markup:
    return Markup(sep).join(escape_markdown(v) for v in values)


def render_template(
    env: jinja2.Environment, name: str, context: Mapping[str, Any], templates_dir: Path
) -> str:
    """Render one template; syntax and undefined-variable errors name the template's line."""
    try:
        template = env.get_template(name)
        return template.render(context)
    except jinja2.TemplateSyntaxError as exc:
        path = Path(exc.filename) if exc.filename else templates_dir / (exc.name or name)
        raise TemplateError(f"template syntax: {exc.message}", path=path,
                            line=exc.lineno) from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template not found: {exc.name}", path=templates_dir) from exc
    except jinja2.UndefinedError as exc:
        failing, line = _innermost_template(exc.__traceback__)
        raise TemplateError(
            exc.message or "undefined variable",
            path=templates_dir / (failing or name),
            line=line,
        ) from exc


def _innermost_template(tb: TracebackType | None) -> tuple[str | None, int | None]:
    # Jinja rewrites tracebacks so template frames carry the template's file and line; the
    # innermost one is where the undefined name was used (an include's, not its parent's).
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (Path(filename).name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def read_template_file(templates_dir: Path, name: str) -> str:
    """A file of templates/ (a stylesheet) as text; a missing one is a TemplateError."""
    try:
        return (templates_dir / name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise TemplateError(f"cannot read: {reason}", path=templates_dir / name) from exc
