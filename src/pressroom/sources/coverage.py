"""Every character a reading prints has a chosen face: which language each run of text is in
(its ``lang`` marks), and the check against the faces that set that language. What never
prints (a link's target, an attribute, a comment: sources.bodytext) needs no face."""


from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from itertools import pairwise

from pressroom.errors import ContentError
from pressroom.faces import (
    MONOSPACE,
    FaceStack,
    coverage,
    resolved_file,
    sibling_coverage,
    stack_for,
)
from pressroom.sources.bodytext import code, fixed, hidden, inside, mask
from pressroom.sources.edition import Reading

# -- which language each character is in --------------------------------------------------

_LANG_ATTR = re.compile(r"""(?:^|\s)lang=(?:"([^"]*)"|'([^']*)'|([^\s}]+))""")
_SPAN_ATTRS = re.compile(r"\]\{([^{}\n]*)\}")
_DIV_FENCE = re.compile(r"^(:{3,})[ \t]*(.*?)[ \t]*$", re.MULTILINE)


def _lang_of(attrs: str) -> str | None:
    found = _LANG_ATTR.search(attrs)
    return next((g for g in found.groups() if g is not None), None) if found else None


def _span_start(body: str, close: int) -> int | None:
    # The "[" that opens the span whose "]" is at close, skipping nested and escaped brackets.
    depth = 0
    for pos in range(close - 1, -1, -1):
        char = body[pos]
        if pos > 0 and body[pos - 1] == "\\":
            continue
        if char == "]":
            depth += 1
        elif char == "[":
            if depth == 0:
                return pos
            depth -= 1
    return None


def lang_ranges(body: str) -> list[tuple[int, int, str]]:
    """(start, end, lang) of every span ``[…]{lang=…}`` and fenced div ``::: {lang=…}`` in a
    Markdown body, innermost last, so that the last range holding an offset gives its language.
    """
    ranges: list[tuple[int, int, str]] = []
    open_divs: list[tuple[int, str | None]] = []
    for fence in _DIV_FENCE.finditer(body):
        attrs = fence.group(2)
        if attrs:
            open_divs.append((fence.end(), _lang_of(attrs.strip("{}"))))
        elif open_divs:
            start, lang = open_divs.pop()
            if lang:
                ranges.append((start, fence.start(), lang))
    for start, lang in open_divs:
        if lang:
            ranges.append((start, len(body), lang))
    for found in _SPAN_ATTRS.finditer(body):
        lang = _lang_of(found.group(1))
        start = _span_start(body, found.start()) if lang else None
        if lang and start is not None:
            ranges.append((start + 1, found.start(), lang))
    # Outer ranges first: a range inside another starts later or ends sooner.
    ranges.sort(key=lambda r: (r[0], -r[1]))
    return ranges


def _ignorable(char: str) -> bool:
    # Layout never draws these with a glyph of their own: spaces and line ends, format
    # controls (soft hyphen, joiners, marks of direction) and variation selectors.
    code = ord(char)
    return (char.isspace() or unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"}
            or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF)


#: Han, kana, hangul and their punctuation: text that needs a CJK language to be drawn.
CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul jamo
    (0x2E80, 0x2FDF),  # CJK and Kangxi radicals
    (0x3000, 0x30FF),  # CJK punctuation, hiragana, katakana
    (0x3100, 0x31FF),  # bopomofo, Hangul compatibility jamo, katakana extensions
    (0x3400, 0x4DBF),  # Han, extension A
    (0x4E00, 0x9FFF),  # Han
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # Han compatibility ideographs
    (0xFF00, 0xFFEF),  # half- and full-width forms
    (0x20000, 0x3FFFF),  # Han, extensions B and later
)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return any(start <= code <= end for start, end in CJK_RANGES)


def _clusters(text: str) -> Iterator[tuple[int, str]]:
    # A base character with the combining marks after it: shaping composes "e" + U+0302 +
    # U+0303 into "ễ" when the face has the composed letter, so a cluster is judged as a whole.
    start = 0
    for pos in range(1, len(text) + 1):
        if pos == len(text) or not unicodedata.combining(text[pos]):
            yield start, text[start:pos]
            start = pos


def _covered(cluster: str, families: Iterable[str]) -> str | None:
    """The first character of the cluster the stack cannot set, or None.

    Families are tried in order, as the renderer does; a family that has the character only
    in a sibling file stops the search (the renderer would take that file).
    """
    wanted = [c for c in cluster if not _ignorable(c)]
    if not wanted:
        return None
    composed = unicodedata.normalize("NFC", "".join(wanted))
    for family in families:
        have = coverage(family)
        if all(ord(c) in have for c in wanted) or all(ord(c) in have for c in composed):
            return None
        if any(ord(c) in sibling_coverage(family) for c in composed):
            return next(c for c in composed if ord(c) in sibling_coverage(family))
    # Report what is missing everywhere (a mark may be missing where the letter is not).
    for char in wanted:
        if not any(ord(char) in coverage(f) for f in families):
            return char
    return wanted[0]


def _segments(body: str, base: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, lang) pieces of the body, each in one language (the innermost mark)."""
    ranges = lang_ranges(body)
    cuts = sorted({0, len(body), *(r[0] for r in ranges), *(r[1] for r in ranges)})
    for start, end in pairwise(cuts):
        lang = base
        for r_start, r_end, r_lang in ranges:
            if r_start <= start and end <= r_end:
                lang = r_lang
        yield start, end, lang


def _first_problem(text: str, stack: FaceStack) -> tuple[int, str, str] | None:
    """(offset, character, kind) of the first character the stack cannot set, or None."""
    if any(unicodedata.combining(c) for c in set(text)):
        units: Iterable[tuple[int, str]] = _clusters(text)
    else:  # no combining marks: each distinct character once, found where it first occurs
        units = sorted((text.index(c), c) for c in set(text))
    for offset, cluster in units:
        if not stack.upright_only and _is_cjk(cluster[0]):
            return offset, cluster[0], "cjk"
        missing = _covered(cluster, stack.families)
        if missing:
            return offset, missing, "missing"
    return None


#: What code prints in, whatever its language: the monospace faces, upright only.
_CODE_STACK = FaceStack("code", (), MONOSPACE.families, upright_only=True)


def _all_settable(body: str, stack: FaceStack) -> bool:
    """Whether every character of the whole body, as written, is one both its language's
    stack and code's can set: then no part of it can fail, whatever is masked, and the
    body need not be read for what prints (most readings). Only for a body in one
    language without combining marks, where each character is checked alone either way."""
    if "lang" in body or any(unicodedata.combining(c) for c in set(body)):
        return False
    return _first_problem(body, stack) is None and _first_problem(body, _CODE_STACK) is None


def check_coverage(reading: Reading, default_lang: str) -> None:
    """Stop at the first character of the reading's text that no face chosen for its language
    has, naming the reading's file and line (WeasyPrint would print it in some other face)."""
    body = reading.body
    base = getattr(reading.meta, "lang", None) or default_lang
    if _all_settable(body, stack_for(base)):
        return
    # What never prints (a link's target, an attribute, a comment) needs no face: it is read
    # as spaces, which keeps every offset, while the marks are read from the body as written.
    printed = mask(body, hidden(body), " ")
    # Code prints in the monospace stack, whatever its language, so it must have code's
    # characters too (the check of Han, which needs a mark, stays the text's).
    code_spans = sorted(code(body))
    pieces = [(start, end, lang, stack_for(lang), printed)
              for start, end, lang in _segments(body, base)]
    pieces += [(start, end, "code", _CODE_STACK, printed) for start, end in code_spans]
    for start, end, lang, stack, text in pieces:
        problem = _first_problem(text[start:end], stack)
        if problem is None:
            continue
        offset, char, kind = problem
        if kind == "cjk":
            # Han characters are drawn differently in Chinese, Japanese and Korean, and CJK
            # faces have no italic: only a language says which face, and keeps it upright.
            message = (f"U+{ord(char):04X} {char!r} is Chinese, Japanese or Korean text in "
                       f"{lang!r}: mark its language, e.g. [{char}…]{{lang=zh-Hans}} (or "
                       "zh-Hant, ja, ko), or set lang in the reading's front matter")
            if inside(fixed(body), start + offset):
                message += (" (it is in code, a URL or a table laid out by columns, where "
                            "the build adds no mark: mark the language around it by hand)")
        else:
            message = (f"U+{ord(char):04X} {char!r} has no glyph in the faces chosen for "
                       f"{lang!r} ({', '.join(stack.families)}); the print edition would "
                       "borrow a face nobody chose")
            partial = [f for f in stack.families if ord(char) in sibling_coverage(f)]
            if partial:
                first = resolved_file(partial[0]).path.name
                message += (f" ({partial[0]} has it only in a second file of the family, "
                            f"which WeasyPrint would mix up with {first})")
        raise ContentError(message, path=reading.path,
                           line=reading.body_line + body.count("\n", 0, start + offset))
