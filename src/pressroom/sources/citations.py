"""Citations of the readings' sources, formatted by Pandoc's citeproc with a CSL style.

Every citation the outputs print (the opener of each reading, the EPUB's dc:source, the
permissions report) comes from here, so one style governs them all: Pandoc's built-in
Chicago author-date, or the .csl file a collection names.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import lxml.html
from lxml import etree
from markupsafe import escape

from pressroom.errors import ContentError
from pressroom.sources.edition import Reading
from pressroom.sources.links import is_safe_link
from pressroom.sources.models import (
    Person,
)
from pressroom.sources.safexml import parse_untrusted
from pressroom.sources.yamldoc import read_text
from pressroom.tools.pandoc import convert_text
from pressroom.tools.run import DEFAULT_LIMITS, Limits


@dataclass(frozen=True)
class Citation:
    """One formatted bibliography entry: as Pandoc AST blocks (for the documents), as text
    (metadata, reports) and as inline HTML (title pages: a journal's title in italics there
    as in the opener)."""

    blocks: tuple[dict[str, Any], ...]
    text: str
    html: str

    @property
    def html_unlinked(self) -> str:
        """The HTML with its links as their text: for a page that links the source in words
        of its own (the EPUB's title page: "Permalink at …")."""
        fragment = lxml.html.fragment_fromstring(self.html, create_parent="span")
        etree.strip_tags(fragment, "a")
        return _inner(fragment)


def read_bibliography(path: Path) -> dict[str, dict[str, Any]]:
    """A CSL JSON (.json) or BibTeX (.bib) file as CSL items by citation key."""
    formats = {".json": "csljson", ".bib": "bibtex", ".bibtex": "bibtex"}
    if path.suffix.lower() not in formats:
        raise ContentError("a bibliography is CSL JSON (.json) or BibTeX (.bib)", path=path)
    text = read_text(path)
    # Pandoc reads both kinds, so a BibTeX file means what it means to Pandoc users.
    items = json.loads(convert_text(text, "csljson", format=formats[path.suffix.lower()],
                                    path=path))
    return {str(item["id"]): item for item in items if "id" in item}


CSL = "{http://purl.org/net/xbiblio/csl}"
#: Links citeproc would follow: a dependent style's parent, which Pandoc fetches from its
#: href (even over http, even under --sandbox); a template is the same kind of pointer.
_FOLLOWED_LINKS = frozenset({"independent-parent", "template"})
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def check_style(path: Path) -> None:
    """Refuse a CSL style that is not one self-contained file: parsed with lxml (no DTD, no
    entities, no network), its root a CSL <style>, no link to another style (a dependent
    style must be replaced by its independent parent), locales only as language tags."""
    tree = parse_untrusted(path)
    root = tree.getroot()
    if root.tag != f"{CSL}style":
        raise ContentError("not a CSL style (its root must be <style "
                           'xmlns="http://purl.org/net/xbiblio/csl">)', path=path,
                           line=root.sourceline)
    for node in root.iter(f"{CSL}link"):
        rel = node.get("rel", "")
        if rel in _FOLLOWED_LINKS:
            raise ContentError(f'<link rel="{rel}"> points at another style, which would be '
                               "fetched from its href: refused; a dependent style must be "
                               "replaced by its independent parent's .csl", path=path,
                               line=node.sourceline)
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        for name in ("default-locale", "{http://www.w3.org/XML/1998/namespace}lang"):
            value = node.get(name)
            if value is not None and not _LANGUAGE_TAG.fullmatch(value):
                shown = "xml:lang" if name.startswith("{") else name
                raise ContentError(f"{shown} must be a language tag such as en-GB (locales "
                                   "are Pandoc's own, never fetched)", path=path,
                                   line=node.sourceline)


def render_citations(references: Iterable[dict[str, Any]], csl: Path | None = None,
                     limits: Limits = DEFAULT_LIMITS) -> dict[str, Citation]:
    """Format every reference (CSL items with ids) in one run of Pandoc's citeproc.

    A tiny document cites them all (nocite: @*); the bibliography Pandoc makes of it has one
    div#ref-<id> per item, which is split out by id.
    """
    items = list(references)
    if not items:
        return {}
    document = "---\nnocite: \"@*\"\n---\n"
    # References go in as CSL JSON (a bibliography file), never as YAML metadata, which
    # Pandoc would read as Markdown: a "*" in a title stays a "*".
    with tempfile.TemporaryDirectory(prefix="pressroom-cite-") as work:
        bib = Path(work) / "references.json"
        bib.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        extra = ["--citeproc", "--bibliography", str(bib)]
        if csl is not None:
            check_style(csl)
            extra += ["--csl", str(csl.resolve())]
        # A style's error can quote what citeproc read: never echo it.
        out = json.loads(convert_text(document, "json", format="markdown+citations",
                                      path=csl, extra_args=extra, limits=limits,
                                      quote_errors=csl is None))
    entries: dict[str, tuple[dict[str, Any], ...]] = {}
    for block in _walk_divs(out["blocks"]):
        ident = block["c"][0][0]
        if ident.startswith("ref-"):
            entries[ident.removeprefix("ref-")] = tuple(unlink_unsafe(block["c"][1]))
    html = _entries_html(entries, out["pandoc-api-version"], limits)
    return {key: Citation(blocks, stringify(blocks), html[key])
            for key, blocks in entries.items()}


def _entries_html(entries: dict[str, tuple[dict[str, Any], ...]], api: list[int],
                  limits: Limits) -> dict[str, str]:
    """Each entry as inline HTML, written by Pandoc's HTML writer in one run (its escaping,
    not ours), without raw HTML: the content of its paragraph (of each, joined by a space)."""
    if not entries:
        return {}
    document = {"pandoc-api-version": api, "meta": {}, "blocks": [
        {"t": "Div", "c": [[f"ref-{key}", [], []], list(blocks)]}
        for key, blocks in entries.items()]}
    written = convert_text(json.dumps(document, ensure_ascii=False), "html5-raw_html",
                           format="json", extra_args=["--wrap=none"], limits=limits)
    fragment = lxml.html.fragment_fromstring(written, create_parent="div")
    found: dict[str, str] = {}
    for div in fragment.iterchildren("div"):
        found[div.get("id", "").removeprefix("ref-")] = " ".join(_inner(p) for p in div)
    return found


def _inner(element: Any) -> str:
    """An element's content as markup, text escaped (lxml's serialiser)."""
    head = str(escape(element.text or ""))
    return head + "".join(etree.tostring(child, encoding="unicode", method="xml")
                          for child in element)


def unlink_unsafe(node: Any) -> Any:
    """The AST with every link whose target is not http(s), mailto or inside the book (a
    source's ``URL: javascript:…``) turned into the text it shows."""
    if isinstance(node, list):
        return [unlink_unsafe(n) for n in node]
    if not isinstance(node, dict):
        return node
    if node.get("t") == "Link" and not is_safe_link(node["c"][2][0]):
        return {"t": "Span", "c": [node["c"][0], unlink_unsafe(node["c"][1])]}
    return {key: unlink_unsafe(value) for key, value in node.items()}


def _walk_divs(blocks: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for block in blocks:
        if block.get("t") == "Div":
            yield block
            yield from _walk_divs(block["c"][1])


def stringify(node: Any) -> str:
    """The plain text of Pandoc AST nodes (like pandoc.utils.stringify)."""
    if isinstance(node, list | tuple):
        return re.sub(r"\s+", " ", "".join(stringify(n) for n in node)).strip()
    if not isinstance(node, dict):
        return ""
    kind, content = node.get("t"), node.get("c")
    if kind == "Str":
        return content
    if kind in ("Space", "SoftBreak", "LineBreak"):
        return " "
    if kind == "Quoted":
        quote = ("“", "”") if content[0]["t"] == "DoubleQuote" else ("‘", "’")
        return quote[0] + stringify(content[1]) + quote[1]
    if kind in ("Link", "Span", "Image"):
        return stringify(content[1])
    if kind in ("Para", "Plain", "Emph", "Strong", "SmallCaps", "Strikeout", "Superscript",
                "Subscript", "Underline"):
        return stringify(content)
    if kind == "Div":
        return stringify(content[1])
    if kind == "Code":
        return content[1]
    if isinstance(content, list):
        return stringify(content)
    return ""




#: Words that make a name an institution's ("Ministry of Foreign Trade"), never inverted.
_INSTITUTION_WORDS = frozenset({"of", "for", "and", "the", "&"})


def _surname_first(person: Person) -> dict[str, str]:
    """A person as CSL's family and given names: from ``sort-name`` ("Chen, Jian") where
    given, else the last word is the family name; an institution's name stays whole."""
    if person.sort_name and "," in person.sort_name:
        family, _, given = person.sort_name.partition(",")
        return {"family": family.strip(), "given": given.strip()}
    words = person.name.split()
    if len(words) > 3 or _INSTITUTION_WORDS & {w.casefold() for w in words}:
        return {"literal": person.name}
    given, _, family = person.name.rpartition(" ")
    return {"family": family, "given": given} if given else {"literal": person.name}


def resolve_source(reading: Reading, bibliography: dict[str, dict[str, Any]] | None,
                   bibliography_path: Path | None) -> Reading:
    """The reading with its source as a CSL item: inline, or looked up by key.

    What the record leaves out and the reading says (title, authors) is filled in, so a
    source written as `{type: article-journal, container-title: …, issued: 2014}` is enough.
    """
    meta = reading.meta
    key = meta.source_key or (meta.source[1:] if isinstance(meta.source, str) else None)
    item: dict[str, Any] | None
    if key is not None:
        field = "source-key" if meta.source_key else "source"
        if bibliography is None:
            raise ContentError(f"cites {key!r} but the collection names no bibliography",
                               path=reading.path, line=reading.line_of(field), field=field)
        if key not in bibliography:
            raise ContentError(f"no entry {key!r} in {bibliography_path}", path=reading.path,
                               line=reading.line_of(field), field=field)
        item = dict(bibliography[key])
    elif isinstance(meta.source, dict):
        item = dict(meta.source)
    else:
        return reading
    item["id"] = reading.id
    item.setdefault("title", meta.full_title)
    # CSL title-cases English titles only; a record that does not say its language is
    # read as in the reading's, so a French title keeps its own capitals.
    if getattr(meta, "lang", None) and not item.get("language"):
        item["language"] = meta.lang
    if not any(k in item for k in ("author", "editor", "container-author")) and meta.authors:
        item["author"] = [_surname_first(p) for p in meta.authors]
    return replace(reading, source=item)
