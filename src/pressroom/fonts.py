"""The faces each language prints in, and the check that every character of a reading has one.

One table (``STACKS``) says which installed families set which languages. The print and EPUB
stylesheets get their ``:lang()`` rules from it through ``templates/fonts.css.j2``, so the
families the layout asks for and the families whose coverage is checked are the same list.

Why a check of our own: when no face in a ``font-family`` list has a glyph, WeasyPrint (through
fontconfig) quietly prints it in whatever face the machine has, and where that face has no
italic it slants the upright one. Both are faces nobody chose. So the build reads the character
maps of the chosen faces (the files fontconfig resolves, read with fontTools) and stops at the
first character none of them has, naming the reading's file and line; after layout,
:func:`pdf_face_problems` confirms that a PDF names only chosen faces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from fontTools.ttLib import TTFont
from markupsafe import Markup

from ._run import run_tool
from .errors import ContentError, RenderError
from .templating import make_environment, render_template

if TYPE_CHECKING:
    from .content import Reading


@dataclass(frozen=True)
class FaceStack:
    """The families, in fallback order, that set text in some languages."""

    name: str
    #: BCP 47 tags matched as by CSS :lang(): a tag and every longer tag that starts with it.
    langs: tuple[str, ...]
    families: tuple[str, ...]
    #: CJK faces have no italic: such text is never slanted, emphasis is set in bold.
    upright_only: bool = False


# EB Garamond's character map covers Greek (polytonic too), Cyrillic and Vietnamese, but not
# as one face: the Debian package ships two optical sizes (08 and 12) per style under one
# family name, with different coverage (the 08 italic has a handful of Cyrillic letters, only
# the 12 italic has Russian, no italic has the combining horn of Vietnamese). fontconfig picks
# the 12 files for text marked as those languages while English text keeps the 08 ones, and
# WeasyPrint, which tells fonts apart by family and style only, then embeds one file's glyph
# program for both: Greek and Cyrillic italics print as the wrong glyphs. So text marked as
# Greek, a Cyrillic language or Vietnamese prints in Noto Serif, one file per style with all
# of them; EB Garamond stays the Latin face. Noto Serif is also the fallback for anything EB
# Garamond lacks, and the CJK face for Han, kana and hangul that no language marks. Latin
# inside CJK text takes the CJK face's own Latin, which matches its punctuation.
_WESTERN = ("EB Garamond", "Noto Serif")
DEFAULT = FaceStack("default", (), (*_WESTERN, "Noto Serif CJK SC"))
_NOTO_LANGS = ("el", "grc", "ru", "uk", "be", "bg", "sr", "mk", "mn", "kk", "ky", "tg", "tt",
               "ba", "vi")
STACKS: tuple[FaceStack, ...] = (
    DEFAULT,
    FaceStack("greek-cyrillic-vietnamese", _NOTO_LANGS,
              ("Noto Serif", "EB Garamond", "Noto Serif CJK SC")),
    FaceStack("zh-Hans", ("zh",), ("Noto Serif CJK SC", *_WESTERN), upright_only=True),
    # After zh, so that these longer tags win in the cascade as they do in stack_for().
    FaceStack("zh-Hant", ("zh-Hant", "zh-TW", "zh-HK", "zh-MO"),
              ("Noto Serif CJK TC", *_WESTERN), upright_only=True),
    FaceStack("ja", ("ja",), ("Noto Serif CJK JP", *_WESTERN), upright_only=True),
    FaceStack("ko", ("ko",), ("Noto Serif CJK KR", *_WESTERN), upright_only=True),
)

#: The Debian package that installs each chosen family (scripts/setup.sh installs them).
PACKAGES = {
    "EB Garamond": "fonts-ebgaramond",
    "Noto Serif": "fonts-noto-core",
    "Noto Serif CJK SC": "fonts-noto-cjk",
    "Noto Serif CJK TC": "fonts-noto-cjk",
    "Noto Serif CJK JP": "fonts-noto-cjk",
    "Noto Serif CJK KR": "fonts-noto-cjk",
}


def chosen_families() -> tuple[str, ...]:
    """Every family of the table, each once, in table order."""
    return tuple(dict.fromkeys(f for stack in STACKS for f in stack.families))


def _subtags(tag: str) -> list[str]:
    return tag.lower().split("-")


def _matches(tag: str, prefix: str) -> bool:
    # CSS :lang() and BCP 47 "basic filtering": whole subtags, case-insensitive.
    wanted = _subtags(prefix)
    return _subtags(tag)[: len(wanted)] == wanted


def stack_for(lang: str | None) -> FaceStack:
    """The stack that sets text in ``lang``: the longest matching tag wins, as in the CSS."""
    best, best_len = DEFAULT, 0
    for stack in STACKS:
        for prefix in stack.langs:
            if lang and _matches(lang, prefix) and len(_subtags(prefix)) > best_len:
                best, best_len = stack, len(_subtags(prefix))
    return best


# -- fontconfig and character maps --------------------------------------------------------


def _fontconfig(*args: str) -> str:
    """Run one fontconfig tool (fc-list, fc-match) with a timeout; failures are RenderErrors."""
    return run_tool(args, what=f"fontconfig ({args[0]})").stdout


@dataclass(frozen=True)
class FaceFile:
    path: Path
    index: int
    weight: int  # fontconfig's scale: 80 regular, 200 bold
    slant: int  # 0 roman, 100 italic, 110 oblique


@cache
def family_files(family: str) -> tuple[FaceFile, ...]:
    """Every file fontconfig lists under exactly this family name, in all styles and sizes
    (fc-list matches the name exactly; fc-match answers with a fallback family instead)."""
    out = _fontconfig("fc-list", "-f", "%{file}\t%{index}\t%{weight}\t%{slant}\n", family)
    files = []
    for line in sorted(out.splitlines()):
        path, index, weight, slant = line.split("\t")
        files.append(FaceFile(Path(path), int(index), int(weight), int(slant)))
    return tuple(files)


@cache
def _cmap(path: Path, index: int) -> frozenset[int]:
    try:
        with TTFont(str(path), fontNumber=index, lazy=True) as font:
            return frozenset(font.getBestCmap() or {})
    except Exception as exc:  # fontTools raises many types for unreadable fonts
        raise RenderError(f"cannot read the character map of {path.name}: {exc}",
                          path=path) from exc


@cache
def resolved_file(family: str) -> FaceFile:
    """The upright regular file fontconfig gives for the family (what fc-match answers)."""
    out = _fontconfig("fc-match", "-f", "%{family}\t%{file}\t%{index}", f"{family}:regular")
    names, path, index = out.split("\t")
    if family.lower() not in (n.strip().lower() for n in names.split(",")):
        package = PACKAGES.get(family, "its package")
        raise RenderError(f"font {family!r} is not installed (install {package}); "
                          f"fontconfig offers {names.split(',')[0]!r} instead")
    return FaceFile(Path(path), int(index), 80, 0)


@cache
def coverage(family: str) -> frozenset[int]:
    """Code points of the family's resolved upright file."""
    face = resolved_file(family)
    return _cmap(face.path, face.index)


@cache
def sibling_coverage(family: str) -> frozenset[int]:
    """Code points only the family's other upright files have (another optical size):
    fontconfig would take such a file, and WeasyPrint confuses two files of one family and
    style, so these count as missing."""
    face = resolved_file(family)
    others: frozenset[int] = frozenset()
    for other in family_files(family):
        if other.slant == 0 and other.weight == 80 and (other.path, other.index) != (
                face.path, face.index):
            others |= _cmap(other.path, other.index)
    return others - coverage(family)


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


_CJK_RANGES = (
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
    return any(start <= code <= end for start, end in _CJK_RANGES)


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


def check_coverage(reading: Reading, default_lang: str) -> None:
    """Stop at the first character of the reading's text that no face chosen for its language
    has, naming the reading's file and line (WeasyPrint would print it in some other face)."""
    body = reading.body
    base = getattr(reading.meta, "lang", None) or default_lang
    for start, end, lang in _segments(body, base):
        stack = stack_for(lang)
        problem = _first_problem(body[start:end], stack)
        if problem is None:
            continue
        offset, char, kind = problem
        if kind == "cjk":
            # Han characters are drawn differently in Chinese, Japanese and Korean, and CJK
            # faces have no italic: only a language says which face, and keeps it upright.
            message = (f"U+{ord(char):04X} {char!r} is Chinese, Japanese or Korean text in "
                       f"{lang!r}: mark its language, e.g. [{char}…]{{lang=zh-Hans}} (or "
                       "zh-Hant, ja, ko), or set lang in the reading's front matter")
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


# -- the stylesheet rules ------------------------------------------------------------------


def css_families(stack: FaceStack) -> str:
    """A CSS font-family value: the stack's families quoted, then the generic serif."""
    return ", ".join([*(f'"{f}"' for f in stack.families), "serif"])


def render_font_css(templates_dir: Path, target: str) -> str:
    """The font rules for ``target`` ("print" or "epub") from templates/fonts.css.j2."""
    if target not in ("print", "epub"):
        raise ValueError(f"unknown target {target!r}")
    # Values are CSS written by us from the table, not data: Markup keeps their quotes.
    stacks = [
        {"name": s.name, "selectors": Markup(", ".join(f":lang({t})" for t in s.langs)),
         "families": Markup(css_families(s))}
        for s in STACKS if s.langs
    ]
    upright = [t for s in STACKS if s.upright_only for t in s.langs]
    context = {
        "target": target,
        "default": Markup(css_families(DEFAULT)),
        "stacks": stacks,
        "upright": Markup(", ".join(f":lang({t})" for t in upright)),
        "upright_sections": Markup(", ".join(f"section.reading:lang({t})" for t in upright)),
        # The emphasis's own language, not an ancestor's: Russian italics quoted in a
        # Chinese reading stay italic.
        "upright_emphasis": Markup(", ".join(f"{el}:lang({t})" for t in upright
                                             for el in ("em", "i"))),
    }
    return render_template(make_environment(templates_dir, "xml"), "fonts.css.j2", context,
                           templates_dir)


# -- after layout: the faces a PDF names ---------------------------------------------------

_SUBSET = re.compile(r"^[A-Z]{6}\+")
# Small capitals are the face's own OpenType features; WeasyPrint adds them to the name.
_VARIANT = re.compile(r"-(?:All-)?(?:Small|Petite)-Caps$|-Unicase$|-Titling$")


def pdf_font_names(pdf: Path) -> list[str]:
    """The font names pdffonts lists for a PDF, without the subset prefix."""
    out = run_tool(["pdffonts", str(pdf)], what="pdffonts", source_path=pdf).stdout
    lines = out.splitlines()[2:]  # a header line and a rule
    return sorted({_SUBSET.sub("", line.split()[0]) for line in lines if line.strip()})


def _style_suffix(face: FaceFile) -> str:
    weight = "" if face.weight <= 80 else "-Bold" if face.weight >= 200 else "-Medium"
    slant = "-Italic" if face.slant == 100 else "-Oblique" if face.slant == 110 else ""
    return weight + slant


@cache
def allowed_pdf_names() -> frozenset[str]:
    """The names WeasyPrint gives the real faces of the chosen families ("EB-Garamond",
    "EB-Garamond-Italic", "Noto-Serif-CJK-SC-Bold" …). A slanted copy of an upright face is
    named "…-Oblique" or "…-Italic" where the family has no such file, so it is refused."""
    names = set()
    for family in chosen_families():
        for face in family_files(family):
            names.add(family.replace(" ", "-") + _style_suffix(face))
    return frozenset(names)


def pdf_face_problems(pdf: Path, theirs: Iterable[str] = ()) -> list[str]:
    """Every font the PDF names that is not a real face of a chosen family, leaving out
    ``theirs``: the faces of PDF readings' pages drawn in as they are."""
    allowed = allowed_pdf_names() | set(theirs)
    return [f"{name}: not a face chosen in pressroom.fonts" for name in pdf_font_names(pdf)
            if _VARIANT.sub("", name) not in allowed and name not in allowed]
