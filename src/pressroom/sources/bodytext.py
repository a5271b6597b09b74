"""Which parts of a Pandoc Markdown body are text that prints, found without parsing it.

Two checks read a reading's body as written, by character offset, because their messages
name its lines: the check of faces (sources.coverage) and the marking of unmarked Chinese,
Japanese and Korean text (sources.cjkmark). Both need to know what Pandoc will not print, or
will print exactly as written:

- hidden: never set in type (link and image targets and titles, attributes, raw HTML tags
  and comments, note and reference labels, link reference definitions, div fences); no face
  needs to have it, and nothing there may be changed;
- fixed: printed as written (code spans and blocks, autolinks and bare URLs, and tables
  laid out by column, where a character added would move every column after it); a face
  must have it, but nothing may be added to it.

Pandoc itself gives no source positions for Markdown, so these are found by pattern; each
pattern errs on the side of leaving text alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

Span = tuple[int, int]

_INLINE = re.compile("|".join((
    # A code span: a run of backticks, to the same run, not across a blank line.
    r"(?P<fixed_code>(?<![`\\])(?P<ticks>`+)(?!`)(?:(?!\n[ \t]*\n).)*?(?<!`)(?P=ticks)(?!`))",
    r"(?P<fixed_autolink><[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*>|<[^<>\s@]+@[^<>\s]+>)",
    r"(?P<hidden_tag></?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<[!?][^<>]*>)",
    r"(?P<hidden_definition>^ {0,3}\[(?!\^)[^\]\n]+\]:[^\n]*)",
    r"(?P<hidden_fence>^ {0,3}:{3,}[^\n]*)",
    r"(?P<hidden_target>\]\((?:[^()\n]|\([^()\n]*\))*\))",
    r"(?P<hidden_label>\]\[[^\]\n]*\]|\[\^[^\]\s]+\])",
    r"(?P<hidden_attributes>\{\s*(?:[#.=-]|[A-Za-z][\w:-]*=)[^{}\n]*\})",
    r"(?P<fixed_url>\b(?:https?|ftp|mailto|file):[^\s<>]+)",
)), re.DOTALL | re.MULTILINE)

_CODE_SPAN = re.compile(
    r"(?<![`\\])(?P<ticks>`+)(?!`)(?:(?!\n[ \t]*\n).)*?(?<!`)(?P=ticks)(?!`)", re.DOTALL)

_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")
# What indented lines after a blank line may continue, instead of being code: a list item,
# a note, a definition.
_CONTAINER = re.compile(r" {0,3}(?:[-*+]|\d+[.)]|#[.)]|\(?[A-Za-z]{1,2}[.)]|\[\^[^\]\s]+\]:"
                        r"|[:~])(?:[ \t]|$)")
# A row of a grid table, or the dashed lines of a simple or multiline table.
_TABLE_RULE = re.compile(r"[ \t]*(?:\+[-=:+]+\+|-{3,}(?:[ \t]+-{3,})*)[ \t]*")


def _blocks(body: str, tables: bool = True) -> Iterator[Span]:
    """(start, end) of every fenced or indented code block, and (unless ``tables`` is false)
    of every table laid out by column (grid, simple and multiline tables; pipe tables are
    not)."""
    lines = body.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    fence: str | None = None
    fence_start = 0
    in_container = in_code = False
    previous_blank = True
    block_start = 0
    # A table: its first line, whether it runs across blank lines (a multiline table, or
    # a table without a header, opens with a rule and ends with one), whether it has shown
    # columns (a lone rule is a horizontal rule), whether its last line was its closing rule.
    table: int | None = None
    across = columns = closed = False
    for index, line in enumerate(lines):
        text = line.rstrip("\n")
        blank = not text.strip()
        if fence is not None:
            stripped = text.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                yield offsets[fence_start], offsets[index + 1]
                fence, previous_blank, block_start = None, False, index + 1
            continue
        opened = _FENCE.match(text)
        if opened and table is None:
            fence, fence_start = opened.group(1), index
            continue
        indented = text.startswith(("    ", "\t"))
        in_code = (in_code and (indented or blank)) or (
            indented and previous_blank and not in_container and not blank and table is None)
        if in_code:
            yield offsets[index], offsets[index + 1]
            previous_blank, block_start = blank, index + 1
            continue
        if _CONTAINER.match(text):
            in_container = True
        elif not blank and not indented and previous_blank:
            in_container = False
        if blank:
            if table is not None and not (across and columns and not closed):
                if tables:
                    yield offsets[table], offsets[index]
                table = None
            block_start = index + 1
        else:
            rule = _TABLE_RULE.fullmatch(text)
            grid = bool(rule) and text.strip().startswith("+")
            has_columns = bool(rule) and (grid or " " in text.strip() or "\t" in text.strip())
            if table is None and rule and (has_columns or index == block_start):
                # One dashed line under one line of text is a setext heading, not a table.
                table, across = block_start, index == block_start and not grid
                columns, closed = has_columns, False
            elif table is not None:
                columns = columns or has_columns
                closed = bool(rule) and index > table
        previous_blank = blank
    if fence is not None:
        yield offsets[fence_start], len(body)
    if table is not None and tables:
        yield offsets[table], len(body)


def _comments(body: str) -> Iterator[Span]:
    # By plain search, not a pattern: an unclosed "<!--" costs one search, not one per start.
    at = body.find("<!--")
    while at >= 0:
        end = body.find("-->", at + 4)
        if end < 0:
            return
        yield at, end + 3
        at = body.find("<!--", end + 3)


def _kinds(body: str) -> tuple[list[Span], list[Span]]:
    fixed = list(_blocks(body))
    hidden = list(_comments(mask(body, fixed)))
    # Inline patterns are looked for outside the blocks and comments, so that a backtick in
    # a code block pairs with none in the text after it.
    scanned = mask(body, fixed + hidden)
    for found in _INLINE.finditer(scanned):
        (hidden if found.lastgroup and found.lastgroup.startswith("hidden") else fixed).append(
            found.span())
    return hidden, fixed


def code(body: str) -> list[Span]:
    """(start, end) of every code block and code span: Markdown shown, not read, so a
    lesson's ``[^1]`` or ``![alt](x.png)`` there is no note and no image."""
    blocks = list(_blocks(body, tables=False))
    spans = [found.span() for found in _CODE_SPAN.finditer(mask(body, blocks))]
    return blocks + spans


def hidden(body: str) -> list[Span]:
    """(start, end) of what Pandoc reads from the body but never prints."""
    return _kinds(body)[0]


def fixed(body: str) -> list[Span]:
    """(start, end) of what prints exactly as written: code, URLs, tables by column."""
    return _kinds(body)[1]


def untouchable(body: str) -> list[Span]:
    """Both: every (start, end) of the body where nothing may be added."""
    hide, keep = _kinds(body)
    return hide + keep


def mask(body: str, spans: Iterable[Span], fill: str = "\0") -> str:
    """The body with every character of the spans but its line ends replaced by ``fill``:
    the same length and the same lines, so offsets and line numbers still hold."""
    chars = list(body)
    for start, end in spans:
        for pos in range(start, end):
            if chars[pos] != "\n":
                chars[pos] = fill
    return "".join(chars)


def inside(spans: Iterable[Span], offset: int) -> bool:
    return any(start <= offset < end for start, end in spans)
