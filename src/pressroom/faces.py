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

import importlib.util
import os
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


# EB Garamond is the Latin face, from its current release (Google Fonts' 1.003, packaged for
# Python as fontpkg-eb-garamond): one variable file per style, weights 400-800, so regular,
# bold, italic and bold italic are each drawn from their own design. Debian's
# fonts-ebgaramond is an old draft: two optical sizes (08 and 12) per style under one family
# name with different coverage, which WeasyPrint (telling fonts apart by family and style
# only) mixes up, drawing bullets as a raised "A" and arrows and minus signs as other
# glyphs, and a "12 Bold" with 127 characters that fontconfig passes over for the regular
# face. Those files are never asked for: the stylesheets load the packaged files by
# @font-face, and a character only Debian's files have counts as missing (sibling_coverage).
# Noto Serif sets Greek, Cyrillic and Vietnamese, one file per style with all of them, and is
# the fallback for what EB Garamond lacks; Noto Naskh Arabic sets Arabic script; Noto Sans
# Math and Noto Sans Symbols 2 the mathematical signs and symbols (∈, ☐) no text face has;
# the CJK face takes Han, kana and hangul that no language marks. Latin inside CJK text
# takes the CJK face's own Latin, which matches its punctuation.
_SYMBOLS = ("Noto Sans Math", "Noto Sans Symbols2")
_WESTERN = ("EB Garamond", "Noto Serif", "Noto Naskh Arabic", *_SYMBOLS)
DEFAULT = FaceStack("default", (), (*_WESTERN, "Noto Serif CJK SC"))
_NOTO_LANGS = ("el", "grc", "ru", "uk", "be", "bg", "sr", "mk", "mn", "kk", "ky", "tg", "tt",
               "ba", "vi")
_ARABIC_LANGS = ("ar", "fa", "ur", "ps", "ug", "ckb", "sd")
STACKS: tuple[FaceStack, ...] = (
    DEFAULT,
    FaceStack("greek-cyrillic-vietnamese", _NOTO_LANGS,
              ("Noto Serif", "EB Garamond", *_SYMBOLS, "Noto Serif CJK SC")),
    FaceStack("arabic", _ARABIC_LANGS, ("Noto Naskh Arabic", *_WESTERN[:2], *_SYMBOLS)),
    FaceStack("zh-Hans", ("zh",), ("Noto Serif CJK SC", *_WESTERN), upright_only=True),
    # After zh, so that these longer tags win in the cascade as they do in stack_for().
    FaceStack("zh-Hant", ("zh-Hant", "zh-TW", "zh-HK", "zh-MO"),
              ("Noto Serif CJK TC", *_WESTERN), upright_only=True),
    FaceStack("ja", ("ja",), ("Noto Serif CJK JP", *_WESTERN), upright_only=True),
    FaceStack("ko", ("ko",), ("Noto Serif CJK KR", *_WESTERN), upright_only=True),
)

#: Large print's text (templates/large-print.css takes it as --large-print-faces): Noto Serif
#: first, for its x-height, then the same families as the default, so that whatever the
#: default stack sets, large print sets too, in a chosen face.
LARGE_PRINT = FaceStack("large-print", (), ("Noto Serif", "EB Garamond", *_WESTERN[2:],
                                            "Noto Serif CJK SC"))

#: Code (code spans and blocks) in every language: a monospace face with regular, bold and
#: oblique files, then the text faces for what it lacks.
MONOSPACE = FaceStack("monospace", (), ("DejaVu Sans Mono", *_WESTERN[1:],
                                        "Noto Sans Mono CJK SC"))

#: The face TeX math is typeset in (mathsvg; the EPUB's MathML names it): it needs an
#: OpenType MATH table, which Debian's Noto Sans Math lacks. STIX Two Math, a Times-like
#: design that sits well beside Garamond, ships with ziamath, the typesetter.
MATH_FAMILY = "STIX Two Math"


@dataclass(frozen=True)
class PackagedFile:
    """A font file a Python package ships: what @font-face loads for one style."""

    package: str
    name: str
    style: str
    weight: int = 400


#: Families whose files come from a Python package (pinned in the lock) rather than from
#: fontconfig: the stylesheets load them with @font-face.
PACKAGED: dict[str, tuple[PackagedFile, ...]] = {
    "EB Garamond": tuple(
        PackagedFile("fontpkg_eb_garamond", name, style, weight)
        for name, style in (("files/EBGaramond[wght].ttf", "normal"),
                            ("files/EBGaramond-Italic[wght].ttf", "italic"))
        for weight in (400, 700)),
    MATH_FAMILY: (PackagedFile("ziamath", "fonts/STIXTwoMath-Regular.ttf", "normal"),),
}

#: The Debian package that installs each chosen family (scripts/setup.sh installs them), or
#: the Python package that ships it (PACKAGED; requirements.lock installs those).
PACKAGES = {
    "EB Garamond": "fontpkg-eb-garamond (Python)",
    "Noto Serif": "fonts-noto-core",
    "Noto Naskh Arabic": "fonts-noto-core",
    "Noto Sans Math": "fonts-noto-core",
    "Noto Sans Symbols2": "fonts-noto-core",
    "DejaVu Sans Mono": "fonts-dejavu-core",
    "Noto Sans Mono CJK SC": "fonts-noto-cjk",
    "Noto Serif CJK SC": "fonts-noto-cjk",
    "Noto Serif CJK TC": "fonts-noto-cjk",
    "Noto Serif CJK JP": "fonts-noto-cjk",
    "Noto Serif CJK KR": "fonts-noto-cjk",
    MATH_FAMILY: "ziamath (Python)",
}


def _package_file(file: PackagedFile) -> Path:
    # Found without importing the package (ziamath's import is not free).
    spec = importlib.util.find_spec(file.package)
    places = list(spec.submodule_search_locations or []) if spec else []
    path = Path(places[0], file.name) if places else Path(file.name)
    if not path.is_file():
        raise RenderError(f"font file {file.name} is missing from the Python package "
                          f"{file.package} (reinstall with scripts/setup.sh)")
    return path


@cache
def packaged_path(file: PackagedFile) -> Path:
    """The static file of one style, beside the package's own.

    A variable font is instanced here, once, at its weight, and kept beside it
    (``static/``): WeasyPrint would otherwise instance it in every layout and save the
    result with the clock's time in its header, so no two PDFs would be alike. The instance
    keeps the source's timestamps, so its bytes depend on the package's file alone."""
    source = _package_file(file)
    with TTFont(str(source), lazy=True) as font:
        if "fvar" not in font:
            return source
    target = source.parent / "static" / f"{source.stem.split('[')[0]}-{file.weight}.ttf"
    if not target.is_file():
        make_instance(source, file.weight, target)
    return target


def make_instance(source: Path, weight: int, target: Path) -> None:
    """Write the static instance of a variable font at ``weight`` (scripts/setup.sh makes
    them at installation; a build makes any that is missing)."""
    from fontTools.varLib.instancer import instantiateVariableFont

    font = TTFont(str(source), recalcTimestamp=False)
    static = instantiateVariableFont(font, {"wght": weight}, static=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.part")
    static.save(str(partial))
    partial.replace(target)


def make_static_faces() -> list[Path]:
    """Make (if missing) and list the static file of every packaged style: the set-up runs
    this once, so that no build pays for instancing."""
    return [packaged_path(f) for files in PACKAGED.values() for f in files]


def packaged_font_paths() -> frozenset[Path]:
    """Every packaged font file, resolved: the only files outside the project a print page
    may load (printing.fetcher)."""
    return frozenset(packaged_path(f).resolve() for files in PACKAGED.values() for f in files)


def math_face_file() -> Path:
    """The math face's file, for ziamath."""
    return packaged_path(PACKAGED[MATH_FAMILY][0])


def chosen_families() -> tuple[str, ...]:
    """Every family of the table, each once, in order: the text stacks, code's, math's."""
    stacks = (*STACKS, LARGE_PRINT, MONOSPACE)
    return (*dict.fromkeys(f for stack in stacks for f in stack.families), MATH_FAMILY)


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
    """Every face of the family the print pages may draw from: a packaged family's files, in
    the styles they give (a variable file: regular and bold), else what fontconfig lists."""
    if family in PACKAGED:
        return tuple(FaceFile(packaged_path(f), 0, 200 if f.weight >= 600 else 80,
                              100 if f.style == "italic" else 0) for f in PACKAGED[family])
    return system_files(family)


@cache
def system_files(family: str) -> tuple[FaceFile, ...]:
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
    """The upright regular file of the family: a packaged family's own, else what fc-match
    answers."""
    if family in PACKAGED:
        return next(f for f in family_files(family) if f.slant == 0)
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
    for other in system_files(family):
        if other.slant == 0 and other.weight == 80 and (other.path, other.index) != (
                face.path, face.index):
            others |= _cmap(other.path, other.index)
    return others - coverage(family)


# -- the stylesheet rules ------------------------------------------------------------------


def font_face_css() -> Markup:
    """The @font-face rules that load the packaged faces' files, one per style: for every
    page WeasyPrint lays out (the print pages, the EPUB's cover)."""
    rules = []
    for family, files in PACKAGED.items():
        for file in files:
            url = packaged_path(file).resolve().as_uri()
            rules.append(f'@font-face {{ font-family: "{family}"; src: url("{url}"); '
                         f"font-weight: {file.weight}; font-style: {file.style}; }}")
    return Markup("\n".join(rules))


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
        # The EPUB embeds no fonts: it names the faces, which e-readers have or replace.
        "font_faces": font_face_css() if target == "print" else "",
        "large_print": Markup(css_families(LARGE_PRINT)),
        "monospace": Markup(", ".join([*(f'"{f}"' for f in MONOSPACE.families), "monospace"])),
        "math": Markup(f'"{MATH_FAMILY}", math'),
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
            if name.lower() in _GENERIC or name.lower() in families or name in PACKAGED:
                continue
            line = css.count("\n", 0, match.start()) + 1
            raise RenderError(
                f"font {name!r} is not installed (the set-up installs it; WeasyPrint would "
                "silently fall back to another face)",
                path=css_path,
                line=line,
            )
