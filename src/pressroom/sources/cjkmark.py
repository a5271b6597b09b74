"""Chinese, Japanese and Korean text a reading quotes without marking its language, marked.

A reading written for plain Pandoc may quote Chinese in an English text as it stands
(``the treaty, 中苏友好同盟互助条约, …``). The same Han character is drawn differently in
each of the three languages and the faces for them have no italic, so such text needs a
language before it can print (sources.coverage refuses it otherwise). The text itself says
the language often enough: kana is Japanese, hangul Korean; Han alone could be any of them
and takes the collection's ``cjk-language`` (default zh-Hans).

Each unmarked run (Han, kana and hangul, with the CJK punctuation, spaces and digits between
them) is wrapped in a span ``[…]{lang=xx}`` in the reading's body, before anything else reads
it, so the print edition, the EPUB and the coverage check all see the same mark. Nothing is
added but the span's brackets, on the same line, so every later file:line stays right. What
Pandoc would not read as text is left alone (code, URLs, link targets, attributes, raw HTML,
reference labels, tables laid out by column), and so is everything an explicit ``lang`` mark
covers: a mark written by hand always wins. The build then warns, once per reading, which
phrases it marked and why, so an editor can mark a wrong guess by hand; a --strict build
stops there.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterator

from pressroom.errors import ContentError
from pressroom.faces import stack_for
from pressroom.sources.coverage import CJK_RANGES, lang_ranges
from pressroom.sources.edition import Reading

log = logging.getLogger(__name__)


def _char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(f"{chr(start)}-{chr(end)}" for start, end in ranges)


_KANA = ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F))
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF), (0xFFA0, 0xFFDC))
_HAN = ((0x2E80, 0x2FDF), (0x3005, 0x3007), (0x3021, 0x3029), (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
_LETTER = f"[{_char_class(_KANA + _HANGUL + _HAN)}]"
_CJK = f"[{_char_class(CJK_RANGES)}]"
#: A run: CJK characters (letters or punctuation), with spaces and digits only between them.
_RUN = re.compile(f"{_CJK}(?:[{_char_class(CJK_RANGES)} \t0-9]*{_CJK})?")
_HAS_KANA = re.compile(f"[{_char_class(_KANA)}]")
_HAS_HANGUL = re.compile(f"[{_char_class(_HANGUL)}]")
_HAS_LETTER = re.compile(_LETTER)

# -- what is not text ------------------------------------------------------------------------

_INLINE = re.compile("|".join((
    r"<!--.*?-->",  # an HTML comment
    r"(?<!`)(?P<ticks>`+)(?!`).*?(?<!`)(?P=ticks)(?!`)",  # a code span
    r"<[A-Za-z/!?][^<>\n]*>",  # raw HTML, an autolink
    r"\b(?:https?|ftp|mailto|file):[^\s<>]+",  # a bare URL
    r"\]\((?:[^()\n]|\([^()\n]*\))*\)",  # a link's or an image's target and title
    r"\]\[[^\]\n]*\]",  # a reference link's label
    r"\[\^[^\]\s]+\]",  # a note's label
    r"\{\s*(?:[#.=-]|[A-Za-z][\w:-]*=)[^{}\n]*\}",  # attributes
    r"^ {0,3}\[(?!\^)[^\]\n]+\]:[^\n]*",  # a link reference definition
    r"^:{3,}[^\n]*",  # a fenced div's fence
)), re.DOTALL | re.MULTILINE)
_REFERENCE = re.compile(r"^ {0,3}\[(?!\^)([^\]\n]+)\]:", re.MULTILINE)
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r" {0,3}(?:[-*+]|\d+[.)]|#[.)]|\(?[A-Za-z]{1,2}[.)])[ \t]")
# A row of a grid table, or the dashed lines of a simple or multiline table: those tables
# are laid out by column, and a span's brackets would move every column after it.
_TABLE_RULE = re.compile(r"[ \t]*(?:\+[-=:+]+\+|-{3,}(?:[ \t]+-{3,})*)[ \t]*")


def _code_blocks(body: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every fenced or indented code block, and of every block of lines
    (between blank lines) that is a table laid out by column."""
    lines = body.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    fence: str | None = None
    fence_start = 0
    in_list = in_code = False
    previous_blank = True
    block_start = 0
    table = False
    for index, line in enumerate(lines):
        text = line.rstrip("\n")
        blank = not text.strip()
        if fence is not None:
            if text.strip().startswith(fence) and set(text.strip()) == {fence[0]}:
                yield offsets[fence_start], offsets[index + 1]
                fence, previous_blank, block_start = None, False, index + 1
            continue
        opened = _FENCE.match(text)
        if opened:
            fence, fence_start = opened.group(1), index
            continue
        indented = text.startswith(("    ", "\t"))
        # An indented block after a blank line is code, unless it continues a list item.
        in_code = (in_code and (indented or blank)) or (
            indented and previous_blank and not in_list and not blank)
        if in_code:
            yield offsets[index], offsets[index + 1]
            previous_blank, block_start = blank, index + 1
            continue
        if _LIST_ITEM.match(text):
            in_list = True
        elif not blank and not indented and previous_blank:
            in_list = False
        if blank:
            if table:
                yield offsets[block_start], offsets[index]
            table = False
            block_start = index + 1
        elif _TABLE_RULE.fullmatch(text):
            rule = text.strip()
            # One dashed line under one line of text is a setext heading, not a table.
            table = table or rule.startswith("+") or " " in rule or index == block_start
        previous_blank = blank
    if fence is not None:
        yield offsets[fence_start], len(body)
    if table:
        yield offsets[block_start], len(body)


def _protected(body: str) -> list[tuple[int, int]]:
    """Every (start, end) of the body that is not text to mark."""
    found = [(m.start(), m.end()) for m in _INLINE.finditer(body)]
    found += list(_code_blocks(body))
    # Text inside a mark of its own, and a reference link's label written as its text: a
    # label changed by a span would no longer match its definition.
    found += [(start, end) for start, end, _ in lang_ranges(body)]
    for label in {m.group(1) for m in _REFERENCE.finditer(body)}:
        found += [(m.start(), m.end()) for m in
                  re.finditer(rf"\[{re.escape(label)}\]", body, re.IGNORECASE)]
    return found


# -- the runs and their languages ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Marked:
    """A phrase marked with a language, where, and why that language."""

    text: str
    offset: int
    lang: str
    reason: str


def language_of(run: str, cjk_language: str) -> tuple[str, str]:
    """(language, why) of a run of CJK text: kana is Japanese, hangul Korean, Han alone the
    collection's default."""
    if _HAS_KANA.search(run):
        return "ja", "kana"
    if _HAS_HANGUL.search(run):
        return "ko", "hangul"
    return cjk_language, "Han characters only: the collection's cjk-language"


def find_unmarked(body: str, cjk_language: str) -> list[Marked]:
    """The runs of CJK text no mark covers, outside what Pandoc does not read as text."""
    masked = list(body)
    for start, end in _protected(body):
        masked[start:end] = "\0" * (end - start)
    out = []
    for run in _RUN.finditer("".join(masked)):
        if _HAS_LETTER.search(run.group()):  # punctuation alone says no language
            out.append(Marked(run.group(), run.start(), *language_of(run.group(),
                                                                     cjk_language)))
    return out


def mark_cjk(reading: Reading, default_lang: str, cjk_language: str) -> Reading:
    """The reading with every unmarked run of CJK text in a span of its language, and a
    warning naming them; a reading whose own language is Chinese, Japanese or Korean is
    left as it is (its faces set all three)."""
    base = getattr(reading.meta, "lang", None) or default_lang
    if not reading.body or stack_for(base).upright_only:
        return reading
    runs = find_unmarked(reading.body, cjk_language)
    if not runs:
        return reading
    body = reading.body
    pieces, last = [], 0
    for run in runs:
        pieces += [body[last:run.offset], f"[{run.text}]{{lang={run.lang}}}"]
        last = run.offset + len(run.text)
    pieces.append(body[last:])
    phrases: dict[tuple[str, str], str] = {}
    for run in runs:
        phrases.setdefault((run.text, run.lang), run.reason)
    said: set[str] = set()
    listed = []
    for (text, lang), reason in phrases.items():
        listed.append(f"{text} as {lang}" + ("" if reason in said else f" ({reason})"))
        said.add(reason)
    many = "phrase" if len(phrases) == 1 else "phrases"
    line = reading.body_line + body.count("\n", 0, runs[0].offset)
    log.warning("%s", ContentError(
        f"marked {len(phrases)} unmarked Chinese, Japanese or Korean {many}: "
        + ", ".join(listed), path=reading.path, line=line))
    return dataclasses.replace(reading, body="".join(pieces))
