"""Assemble the edition's Markdown (front matter, readings, appendices) through Jinja templates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
import yaml
from markupsafe import Markup

from .content import Appendix, Edition
from .errors import TemplateError
from .figure import data_uri, render_timeline_svg
from .models import Chronology

# Every ASCII character Pandoc's Markdown gives a meaning to in running text, except quotes and
# dashes (kept so that smart typography still applies) and sentence punctuation.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+!|~^$@&=])")
# What would start a list, a rule or a heading if a value begins a line: "1. ", "(a) ", "- ".
_LINE_START = re.compile(r"^(\s*)(\(?(?:\d+|[A-Za-z]|[ivxlcdm]+))([.)])", re.MULTILINE)
_LINE_START_BULLET = re.compile(r"^(\s*)([-+])", re.MULTILINE)
_RAW_HTML = re.compile(r"[<>&]")

APPENDIX_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def escape_markdown(value: Any) -> Markup:
    """Make a data value print literally in Markdown (one line, every special escaped)."""
    if isinstance(value, Markup):
        return value
    text = re.sub(r"\s+", " ", str(value))  # one line, spaces at the edges kept (", ")
    text = _MD_SPECIAL.sub(r"\\\1", text)
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


def make_environment(templates_dir: Path) -> jinja2.Environment:
    """The one Jinja environment: strict, escaping data for Markdown, filters registered here."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        finalize=_finalize,
    )
    env.filters["md"] = escape_markdown
    env.filters["markdown"] = trusted_markdown
    env.filters["attr"] = _attr_value
    env.filters["join_md"] = _join_md
    return env


def _attr_value(value: Any) -> Markup:
    # For a quoted Pandoc attribute value: no quotes, braces or backslashes can break out.
    return Markup(re.sub(r'["{}\\]', "", " ".join(str(value).split())))


def _join_md(values: list[Any], sep: str = ", ") -> Markup:
    return Markup(sep).join(escape_markdown(v) for v in values)


def _template_line(tb: TracebackType | None, name: str) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


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
        failing = _failing_template(exc.__traceback__) or name
        raise TemplateError(
            exc.message or "undefined variable",
            path=templates_dir / failing,
            line=_template_line(exc.__traceback__, failing),
        ) from exc


def _failing_template(tb: TracebackType | None) -> str | None:
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = Path(filename).name
        tb = tb.tb_next
    return found


def entry_anchor(appendix: Appendix, entry_id: str) -> str:
    prefix = "chron" if appendix.kind == "chronology" else "hist"
    return f"{prefix}-{entry_id}"


def note_citations(edition: Edition) -> dict[str, dict[str, list[dict[str, str]]]]:
    """reading id -> note number -> the appendix entries that cite the note (for backlinks)."""
    out: dict[str, dict[str, list[dict[str, str]]]] = {}
    for index, appendix in enumerate(edition.appendices):
        letter = APPENDIX_LETTERS[index]
        per_note = out.setdefault(appendix.reading.meta.id, {})
        for entry in _entries(appendix):
            label = (
                f"{letter}, {entry.date.display()}"
                if appendix.kind == "chronology"
                else f"{letter}, {entry.short_citation}"
            )
            for note in entry.notes:
                per_note.setdefault(str(note), []).append(
                    {"id": entry_anchor(appendix, entry.id), "label": label}
                )
    return out


def _entries(appendix: Appendix) -> list[Any]:
    data = appendix.data
    if isinstance(data, Chronology):
        return sorted(data.events, key=lambda e: e.date.sort_key)
    # By year; within a year, the order of the file (names are not all surname-last).
    return sorted(data.works, key=lambda w: w.year)


def pandoc_metadata(edition: Edition) -> dict[str, Any]:
    """Metadata Pandoc reads from the front matter (title, creators, rights) plus our own."""
    config, lead = edition.config, edition.lead.meta
    meta: dict[str, Any] = {
        "title": lead.title,
        "subtitle": lead.subtitle,
        "author": [a.name for a in lead.authors],
        "lang": config.language,
        "date": config.date.isoformat(),
        "publisher": config.publisher,
        "rights": " ".join(filter(None, [lead.rights, lead.permissions])),
        "description": config.description,
        "subject": config.keywords,
        "pressroom-citations": note_citations(edition),
    }
    return {k: v for k, v in meta.items() if v not in (None, [], "")}


def _figure(appendix: Appendix, templates_dir: Path) -> dict[str, Any] | None:
    if not isinstance(appendix.data, Chronology):
        return None
    svg, description = render_timeline_svg(appendix.data, templates_dir)
    return {"uri": Markup(data_uri(svg)), "alt": description, "svg": svg}


def build_context(edition: Edition, templates_dir: Path) -> dict[str, Any]:
    appendices = []
    for index, appendix in enumerate(edition.appendices):
        appendices.append(
            {
                "figure": _figure(appendix, templates_dir),
                "letter": APPENDIX_LETTERS[index],
                "kind": appendix.kind,
                "id": f"appendix-{appendix.kind}",
                "template": f"appendix-{appendix.kind}.md.j2",
                "data": appendix.data,
                "entries": _entries(appendix),
                "reading": appendix.reading.meta,
                "anchor_prefix": "chron" if appendix.kind == "chronology" else "hist",
            }
        )
    front = yaml.safe_dump(pandoc_metadata(edition), allow_unicode=True, sort_keys=False,
                           width=1000)
    return {
        "edition": edition.config,
        "readings": [
            {"meta": r.meta, "body": Markup(r.body.strip("\n"))} for r in edition.readings
        ],
        "appendices": appendices,
        "front_matter": Markup(front.rstrip("\n")),
    }


def assemble_markdown(edition: Edition, templates_dir: Path) -> str:
    """The whole edition as one Pandoc Markdown document."""
    env = make_environment(templates_dir)
    return render_template(env, "edition.md.j2", build_context(edition, templates_dir),
                           templates_dir)
