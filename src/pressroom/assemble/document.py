"""Convert the edition's chunks to one Pandoc document (JSON AST) that every writer reads.

Pandoc reads each chunk on its own, so note labels, link references and warnings belong to
one reading: two readings may both have a note [^1], and a problem in a reading's Markdown is
reported at that file's line. The chunks' blocks are then joined in Python, ids inside each
reading are made the reading's own, and the citations citeproc formatted are put in the
openers' places for them.
"""


from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pressroom.assemble.chunks import Chunk
from pressroom.cache import Cache, code_version, digest, tool_versions
from pressroom.errors import ContentError, PressroomError, RenderError, raise_together
from pressroom.mathsvg import check_math
from pressroom.sources.citations import Citation, stringify, unlink_unsafe
from pressroom.tools.pandoc import convert_text, side_by_side
from pressroom.tools.run import DEFAULT_LIMITS, Limits

#: The AST elements with an Attr, and where it is among their contents.
_ATTR_AT = {"Header": 1, "Div": 0, "Span": 0, "Link": 0, "Image": 0, "Code": 0,
            "CodeBlock": 0, "Table": 0, "Figure": 0}


#: Elements that hold only text: nothing here looks at them, and they are most of an AST.
_LEAVES = frozenset({"Str", "Space", "SoftBreak", "LineBreak"})


def _walked(value: Any) -> bool:
    return isinstance(value, list) or (isinstance(value, dict)
                                       and value.get("t") not in _LEAVES)


def elements(node: Any) -> Iterable[dict[str, Any]]:
    """Every element of a Pandoc AST (a dict with "t") but the leaves of text (``_LEAVES``),
    in document order. A loop over a stack, not nested generators: a reader's AST has
    millions of values, and each level of generator costs every value below it a
    resumption."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "t" in item:
                yield item
            stack.extend(v for v in reversed(item.values()) if _walked(v))
        else:
            stack.extend(v for v in reversed(item) if _walked(v))


def attributes_of(node: dict[str, Any]) -> list[Any] | None:
    at = _ATTR_AT.get(node["t"])
    return node["c"][at] if at is not None else None


def own_ids(blocks: list[dict[str, Any]], prefix: str) -> None:
    """Prefix every id in a chunk, and the chunk's links to them, with ``prefix-``."""
    renamed: dict[str, str] = {}
    for node in elements(blocks):
        attr = attributes_of(node)
        if attr and attr[0]:
            renamed[attr[0]] = f"{prefix}-{attr[0]}"
            attr[0] = renamed[attr[0]]
    for node in elements(blocks):
        if node["t"] == "Link":
            target = node["c"][2]
            if target[0].startswith("#") and target[0][1:] in renamed:
                target[0] = "#" + renamed[target[0][1:]]


def _citation_of(div: dict[str, Any]) -> str | None:
    """The citation a Div is the place of (an opener's ``citation`` Div), or None."""
    attr = div["c"][0]
    return dict(attr[2]).get("citation") if "citation" in attr[1] else None


def _fill_citations(blocks: list[dict[str, Any]], citations: Mapping[str, Citation]) -> None:
    for node in elements(blocks):
        if node["t"] != "Div" or (ident := _citation_of(node)) is None:
            continue
        if ident not in citations:
            raise RenderError(f"citeproc made no citation for {ident!r}")
        node["c"][1][:] = list(citations[ident].blocks)


def place_headings(blocks: list[dict[str, Any]], top: int) -> None:
    """Move a chunk's headings so that its highest sits at level ``top``.

    A file written for Pandoc may start its sections at "#" (the title in its front matter)
    or at "##"; either way they become the sections of the reading, with no level skipped.
    Levels past 6 stay distinct: Pandoc's HTML writers set them as paragraphs of class
    "heading" opening a section of their level, where two levels clamped to h6 would be one.
    """
    headers = [node for node in elements(blocks) if node["t"] == "Header"]
    # The levels the text uses, in order, become consecutive levels from ``top``: a text
    # that goes from ## to #### skips no level in the edition (a reader's outline, and
    # accessibility checkers, refuse a skipped level).
    used = sorted({node["c"][0] for node in headers})
    level = {old: top + rank for rank, old in enumerate(used)}
    for node in headers:
        node["c"][0] = level[node["c"][0]]


#: Link targets a reading may have: the web, mail, and places in the edition.
_LINK_SCHEMES = ("http://", "https://", "mailto:", "#")


def _line_of(text: str, needle: str) -> int | None:
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def check_untrusted(doc: dict[str, Any], text: str, chunk: Chunk) -> None:
    """What a contributor's Markdown may not carry, refused with the file and line that has
    it: links to anything but the web, mail or a place in the edition (javascript:, file:,
    relative paths), and event-handler, style or srcset attributes (script, or CSS that could
    fetch). Every such problem of the chunk is reported in one run. The notes filter checks
    the joined document again."""
    problems: list[PressroomError] = []
    for node in elements(doc["blocks"]):
        if node["t"] == "Link":
            target = node["c"][2][0]
            if not target.strip():
                shown = stringify(node["c"][1])
                problems.append(ContentError(
                    f"the link [{shown}]() has no target (give a URL or #id)",
                    path=chunk.source, line=_line_of(text, f"{shown}]()")
                    or _line_of(text, "]()")))
            elif not target.startswith(_LINK_SCHEMES):
                problems.append(ContentError(f"link to unsupported target {target} (use "
                                             "http(s), mailto or #id)", path=chunk.source,
                                             line=_line_of(text, target)))
        attr = attributes_of(node)
        for key, _ in (attr[2] if attr else []):
            name = key.lower()
            if name.startswith("on") or name in ("style", "srcset"):
                problems.append(ContentError(f"attribute {key} is not allowed (no scripts or "
                                             "styles in the text; use a class)",
                                             path=chunk.source, line=_line_of(text, key)))
    raise_together(problems)


def check_chunk_math(doc: dict[str, Any], text: str, chunk: Chunk) -> None:
    """TeX that cannot be typeset, every formula of the chunk, reported at its line (print
    draws each formula; see mathsvg)."""
    problems: list[PressroomError] = []
    for node in elements(doc["blocks"]):
        if node["t"] == "Math":
            kind, tex = node["c"]
            try:
                check_math(tex, kind["t"] == "DisplayMath")
            except ContentError as exc:
                problems.append(ContentError(exc.message, path=chunk.source,
                                             line=_line_of(text, tex)))
    raise_together(problems)


#: Ids the filters give later (notes.lua): a link may point at a note or its call.
_FILTER_IDS = re.compile(r".+-note(?:ref)?-\w+|.+-notes")


@dataclass(frozen=True)
class ChunkIndex:
    """What assembling the document needs of a chunk, found in the one walk that made it
    ready and cached with it: an unchanged reading is not walked again for its ids, its
    links or its citations' places."""

    #: Its elements' ids (its own, made so by its prefix).
    ids: tuple[str, ...]
    #: Its links' targets, in order.
    links: tuple[str, ...]
    #: It holds a place for a citation citeproc formats (an opener's).
    cites: bool

    @classmethod
    def of(cls, blocks: list[dict[str, Any]]) -> ChunkIndex:
        ids: list[str] = []
        links: list[str] = []
        cites = False
        for node in elements(blocks):
            if node["t"] == "Link":
                links.append(node["c"][2][0])
            elif node["t"] == "Div" and _citation_of(node) is not None:
                cites = True
            if (attr := attributes_of(node)) and attr[0]:
                ids.append(attr[0])
        return cls(tuple(ids), tuple(links), cites)


def check_internal_links(chunks: list[Chunk], indexes: list[ChunkIndex]) -> None:
    """A reading's link to a place in the edition that nothing has (a section left out of
    an excerpt), reported against the file and line that has the link, every one at once."""
    ids = {chunk.end_anchor for chunk in chunks if chunk.end_anchor}
    for index in indexes:
        ids.update(index.ids)
    problems: list[PressroomError] = []
    for chunk, index in zip(chunks, indexes, strict=True):
        if chunk.source is None:
            continue  # a template's link: the notes filter names it, as a template's bug
        text = "\n" * (chunk.first_line - 1) + chunk.markdown
        for target in index.links:
            if target.startswith("#") and target[1:] not in ids and \
                    not _FILTER_IDS.fullmatch(target[1:]):
                written = target[len(f"#{chunk.prefix}-"):] if chunk.prefix and \
                    target.startswith(f"#{chunk.prefix}-") else target[1:]
                problems.append(ContentError(
                    f"link to #{written}, which nothing in the edition has (a section left "
                    "out?)", path=chunk.source, line=_line_of(text, f"#{written}")))
    raise_together(problems)


_COMMENT = re.compile(r"\s*<!--.*?-->\s*", re.DOTALL)


def _raw_html_as_text(node: Any) -> Any:
    """Raw HTML as the text it is written with: a contributor's tags never reach an output as
    markup (no scripts, no styles), and print as typed, as the README says; a comment, which
    no browser shows, is dropped. Pandoc's own <div> and <span> became Divs and Spans."""
    if isinstance(node, list):
        out = []
        for item in node:
            if isinstance(item, dict) and item.get("t") in ("RawInline", "RawBlock"):
                kind, text = item["c"]
                if kind not in ("html", "html4", "html5"):
                    out.append(item)
                    continue
                if _COMMENT.fullmatch(text):
                    continue
                shown = _COMMENT.sub(" ", text)
                out.append({"t": "Str", "c": shown} if item["t"] == "RawInline"
                           else {"t": "Para", "c": [{"t": "Str", "c": shown.strip()}]})
            else:
                out.append(_raw_html_as_text(item))
        return out
    if isinstance(node, dict):
        return {key: _raw_html_as_text(value) for key, value in node.items()}
    return node


def _unlink_citations(blocks: list[dict[str, Any]]) -> None:
    """What citeproc wrote (in-text citations and the list of references) keeps only safe
    links, as the openers' citations do: a source's URL may be anything."""
    for node in elements(blocks):
        if node["t"] == "Cite" or (node["t"] == "Div" and node["c"][0][0] == "refs"):
            node["c"][1] = unlink_unsafe(node["c"][1])


def chunk_ast(chunk: Chunk, limits: Limits = DEFAULT_LIMITS,
              cache: Cache | None = None) -> dict[str, Any]:
    """One chunk as Pandoc's JSON AST; lines in messages are the source file's.

    With a cache, a chunk whose text (and the code and tools) has not changed is not read by
    Pandoc again: an edit to one reading of twenty converts that one."""
    return ready_chunk(chunk, limits, cache)[0]


def ready_chunk(chunk: Chunk, limits: Limits = DEFAULT_LIMITS, cache: Cache | None = None
                ) -> tuple[dict[str, Any], ChunkIndex]:
    """A chunk's AST as chunk_ast makes it, and its index (one cache entry holds both)."""
    # Blank lines in front keep Pandoc's line numbers those of the file.
    text = "\n" * (chunk.first_line - 1) + chunk.markdown
    cites = chunk.cites
    args: list[str] = []
    inputs: list[bytes] = []
    if cites and "@" in chunk.markdown:
        # Citeproc, as plain Pandoc runs it: the bibliography and style as they are, in the
        # text's language (the locale of "and", "edited by", and which titles are
        # title-cased: English ones only).
        args = ["--citeproc", "--bibliography", str(cites.bibliography.resolve()),
                f"--metadata=lang:{cites.lang}"]
        inputs = [cites.bibliography.read_bytes()]
        if cites.csl:
            args += ["--csl", str(cites.csl.resolve())]
            inputs.append(cites.csl.read_bytes())
    key = digest("chunk", text, str(chunk.source), *args, *inputs, code_version(),
                 tool_versions())
    # The chunk as the checks passed it, its headings placed and its ids its own: an
    # unchanged reading is neither walked nor checked again (its checks depend on nothing
    # but its text).
    ready_key = digest("chunk-ready", key, str(chunk.shift), str(chunk.prefix))
    ready = cache.get("chunks", ready_key, ".json") if cache else None
    if ready is not None:
        found = json.loads(ready)
        return found["doc"], ChunkIndex(tuple(found["ids"]), tuple(found["links"]),
                                        found["cites"])
    raw = cache.get("chunks", key, ".json") if cache else None
    if raw is None:
        # A style's error can quote what citeproc read: never echo it.
        raw = convert_text(text, "json", path=chunk.source, limits=limits, extra_args=args,
                           quote_errors=not (cites and cites.csl and args)).encode("utf-8")
        if cache:
            cache.put("chunks", key, ".json", raw)
    doc = json.loads(raw)
    doc["blocks"] = _raw_html_as_text(doc["blocks"])
    _unlink_citations(doc["blocks"])
    check_untrusted(doc, text, chunk)
    check_chunk_math(doc, text, chunk)
    if chunk.shift:
        place_headings(doc["blocks"], chunk.shift + 1)
    if chunk.prefix:
        own_ids(doc["blocks"], chunk.prefix)
    index = ChunkIndex.of(doc["blocks"])
    if cache:
        cache.put("chunks", ready_key, ".json", json.dumps(
            {"doc": doc, "ids": index.ids, "links": index.links, "cites": index.cites},
            ensure_ascii=False).encode("utf-8"))
    return doc, index


def build_document(chunks: Iterable[Chunk],
                   citations: Mapping[str, Citation] | Callable[[], Mapping[str, Citation]],
                   limits: Limits = DEFAULT_LIMITS, cache: Cache | None = None
                   ) -> dict[str, Any]:
    """The edition as one Pandoc document (JSON), blocks of every chunk in order.

    The chunks are converted side by side, one Pandoc per core: each is its own process, and
    a cold build of a reader has one a reading. A mistake is reported for the first chunk
    in reading order that has one, as a one-by-one conversion would. ``citations`` may be a
    function that waits for citeproc, which can then run beside the conversions."""
    chunks = list(chunks)
    blocks: list[dict[str, Any]] = []
    version: list[int] | None = None
    ready = side_by_side(lambda chunk: ready_chunk(chunk, limits, cache), chunks)
    check_internal_links(chunks, [index for _, index in ready])
    citing: list[dict[str, Any]] = []
    for chunk, (doc, index) in zip(chunks, ready, strict=True):
        version = version or doc["pandoc-api-version"]
        blocks += doc["blocks"]
        if index.cites:
            citing += doc["blocks"]
        if chunk.end_anchor:
            blocks.append({"t": "Div", "c": [[chunk.end_anchor, ["reading-end"], []], []]})
    # Only the chunks that hold citations' places are walked for them.
    _fill_citations(citing, citations() if callable(citations) else citations)
    units = {"t": "MetaList", "c": [{"t": "MetaString", "c": ident}
                                    for ident in unit_headings(blocks)]}
    return {"pandoc-api-version": version or [], "meta": {UNITS: units}, "blocks": blocks}


#: The document's metadata naming the headings its units start at.
UNITS = "pressroom-units"


def unit_headings(blocks: list[dict[str, Any]]) -> list[str]:
    """The ids of the top-level headings that start the document's units: every level-1
    heading (a part, an unparted reading, the note on the text, an appendix) and every
    reading's. A unit runs to the next; the pages filter numbers its anchors within it, and
    the print body is converted unit by unit (printing.html)."""
    return [block["c"][1][0] for block in blocks if block["t"] == "Header" and block["c"][1][0]
            and (block["c"][0] == 1 or "reading" in block["c"][1][1])]


@dataclass(frozen=True)
class Unit:
    """Top-level blocks of the document that Pandoc reads on its own (the print body is
    converted, and the EPUB's document filtered, unit by unit): from the heading of one of
    its units (unit_headings) to the next. The first unit holds what comes before any
    heading of a unit, and has no name."""

    name: str
    blocks: list[Any]
    #: The level of its heading (0: the first unit, which has none).
    level: int
    #: The levels of the sections still open at its end, outermost first.
    open_levels: tuple[int, ...]

    @cached_property
    def text(self) -> str:
        """Its blocks as JSON, keys sorted: what its cached results are kept by (the print
        body's and the EPUB's, made once for both)."""
        return json.dumps(self.blocks, ensure_ascii=False, sort_keys=True)


def units_of(document: Mapping[str, Any]) -> list[Unit]:
    """The document's units, in order (the first may be empty)."""
    starts = {item["c"] for item in document["meta"].get(UNITS, {}).get("c", ())}
    found: list[tuple[str, int, list[Any]]] = [("", 0, [])]
    for block in document["blocks"]:
        if block["t"] == "Header" and block["c"][1][0] in starts:
            found.append((block["c"][1][0], block["c"][0], []))
        found[-1][2].append(block)
    units: list[Unit] = []
    for name, level, blocks in found:
        # --section-divs: a heading closes the open sections of its level and below.
        levels: list[int] = []
        for block in blocks:
            if block["t"] == "Header":
                while levels and levels[-1] >= block["c"][0]:
                    levels.pop()
                levels.append(block["c"][0])
        units.append(Unit(name, blocks, level, tuple(levels)))
    return units
