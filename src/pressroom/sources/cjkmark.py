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
added but the span's brackets, on the same line, so every later file:line stays right; emphasis
that encloses a run goes inside its span, where it is the CJK text's own emphasis (bold). What
never prints and what prints exactly as written is left alone (sources.bodytext: link targets,
attributes, raw HTML, labels; code, URLs, tables laid out by column), and so is everything an
explicit ``lang`` mark covers: a mark written by hand always wins. The build then warns,
once per reading, which phrases it marked and why, so an editor can mark a wrong guess by
hand; a --strict build stops there.
"""

from __future__ import annotations

import dataclasses
import logging
import re

from pressroom.errors import ContentError
from pressroom.faces import stack_for
from pressroom.sources.bodytext import mask, untouchable
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
_CJK_IN = re.compile(_CJK)

# -- what is not text to mark ---------------------------------------------------------------

_REFERENCE = re.compile(r"^ {0,3}\[(?!\^)([^\]\n]+)\]:", re.MULTILINE)


def _protected(body: str) -> list[tuple[int, int]]:
    """Every (start, end) of the body that is not text to mark."""
    found = untouchable(body)
    # Text inside a mark of its own, and a reference link's label written as its text: a
    # label changed by a span would no longer match its definition.
    found += [(start, end) for start, end, _ in lang_ranges(body)]
    for label in {m.group(1) for m in _REFERENCE.finditer(body) if _CJK_IN.search(m.group(1))}:
        found += [(m.start(), m.end()) for m in
                  re.finditer(rf"\[{re.escape(label)}\]", body, re.IGNORECASE)]
    return found


# -- the runs and their languages ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Marked:
    """A phrase marked with a language: what the span encloses (start, end), the phrase as
    the warning names it, its language and why that language."""

    start: int
    end: int
    text: str
    lang: str
    reason: str


def language_of(run: str, cjk_language: str) -> tuple[str, str]:
    """(language, why) of a run of CJK text: kana is Japanese, hangul (without kana) Korean,
    Han alone, or CJK punctuation alone, the collection's default."""
    if _HAS_KANA.search(run):
        return "ja", "kana"
    if _HAS_HANGUL.search(run):
        return "ko", "hangul"
    if _HAS_LETTER.search(run):
        return cjk_language, "Han characters only: the collection's cjk-language"
    return cjk_language, "no Han, kana or hangul: the collection's cjk-language"


_DELIMITERS = ("***", "**", "*", "___", "__", "_")


def _enclosed(body: str, start: int, end: int, masked: str) -> tuple[int, int]:
    """(start, end) widened over emphasis that encloses exactly this run (``*人民日报*``):
    a span inside the emphasis would take its text out of the emphasis's language, and CJK
    emphasis is set in bold only where the emphasis itself has the CJK language."""
    widened = True
    while widened:
        widened = False
        for mark in _DELIMITERS:
            size = len(mark)
            before, after = start - size, end + size
            if (before < 0 or body[before:start] != mark or body[end:after] != mark
                    or "\0" in masked[before:start] + masked[end:after]):
                continue
            outside = body[before - 1:before] + body[after:after + 1]
            # "**" is no "*" pair, and an underscore between letters is no emphasis.
            if mark[0] in outside or (mark[0] == "_" and any(c.isalnum() for c in outside)):
                continue
            start, end, widened = before, after, True
            break
    return start, end


def _escape_start(body: str, start: int) -> int:
    # "!" before "[" would make the span an image, and an odd backslash would escape its
    # bracket: either goes inside the span, where it means what it meant before.
    if start and body[start - 1] == "!":
        start -= 1
    slashes = 0
    while slashes < start and body[start - slashes - 1] == "\\":
        slashes += 1
    return start - 1 if slashes % 2 else start


def find_unmarked(body: str, cjk_language: str) -> list[Marked]:
    """The runs of CJK text no mark covers, outside what Pandoc does not read as text: each
    widened over the emphasis that encloses it, runs that then touch taken as one."""
    # Masking only takes characters away: a body without a CJK character has no run, and is
    # not scanned for what Pandoc does not print (most readings, and the costly part).
    if not _CJK_IN.search(body):
        return []
    masked = mask(body, _protected(body))
    regions: list[list[int]] = []
    for run in _RUN.finditer(masked):
        start, end = _enclosed(body, run.start(), run.end(), masked)
        if regions and regions[-1][1] == start:  # 「*人民日报*」: one phrase
            start = regions.pop()[0]
            start, end = _enclosed(body, start, end, masked)
        regions.append([start, end])
    out = []
    for start, end in regions:
        written = body[start:end].strip("*_")
        out.append(Marked(_escape_start(body, start), end, written,
                          *language_of(written, cjk_language)))
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
        pieces += [body[last:run.start], f"[{body[run.start:run.end]}]{{lang={run.lang}}}"]
        last = run.end
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
    line = reading.body_line + body.count("\n", 0, runs[0].start)
    log.warning("%s", ContentError(
        f"marked {len(phrases)} unmarked Chinese, Japanese or Korean {many}: "
        + ", ".join(listed), path=reading.path, line=line))
    return dataclasses.replace(reading, body="".join(pieces))
