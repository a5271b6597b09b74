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
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from markupsafe import Markup

from pressroom.errors import RenderError
from pressroom.templating import make_environment, render_template
from pressroom.tools.fontconfig import fontconfig


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
    out = fontconfig("fc-list", "-f", "%{file}\t%{index}\t%{weight}\t%{slant}\n", family)
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
    out = fontconfig("fc-match", "-f", "%{family}\t%{file}\t%{index}", f"{family}:regular")
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



_GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "inherit",
            "initial", "math", "emoji", "fangsong"}
_FONT_FAMILY = re.compile(r"font(?:-family)?\s*:\s*([^;}]+)")
_QUOTED = re.compile(r"\"([^\"]+)\"|'([^']+)'")


@cache
def installed_families() -> frozenset[str]:
    """Font families fontconfig knows (what WeasyPrint will find)."""
    out = fontconfig("fc-list", ":", "family")
    names = set()
    for line in out.splitlines():
        names.update(part.strip().lower() for part in line.split(","))
    return frozenset(names)


def require_fonts(css: str, css_path: Path) -> None:
    """Stop, naming the stylesheet line, if a face the stylesheet asks for is not installed."""
    families = installed_families()
    for match in _FONT_FAMILY.finditer(css):
        for quoted in _QUOTED.finditer(match.group(1)):
            name = quoted.group(1) or quoted.group(2)
            if name.lower() in _GENERIC or name.lower() in families:
                continue
            line = css.count("\n", 0, match.start()) + 1
            raise RenderError(
                f"font {name!r} is not installed (the set-up installs it; WeasyPrint would "
                "silently fall back to another face)",
                path=css_path,
                line=line,
            )
