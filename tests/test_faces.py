"""Faces by language: the table, the coverage check at load time, and the built outputs."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
import weasyprint
from fontTools.ttLib import TTFont

from helpers import (
    FIXTURES,
    ROOT,
    TEMPLATES,
    build_a4,
    build_epub,
    copy_fixture,
    epub_file,
    epub_xhtml,
    pdftotext,
)
from pressroom import faces
from pressroom.checks import faces as face_checks
from pressroom.checks.epub import run_epubcheck
from pressroom.engine.build import build
from pressroom.engine.settings import Settings
from pressroom.errors import ContentError
from pressroom.sources import coverage
from pressroom.sources.load import load_edition

SCRIPTS = FIXTURES / "scripts"

#: Text of the fixture, by language, as pdftotext should find it.
SAMPLES = {
    "zh-Hans": "中华人民共和国与苏联在莫斯科签订了友好",
    "ru": "Договор о дружбе, союзе и взаимной помощи",
    "vi": "Việt Nam Dân chủ Cộng hòa; Nguyễn Ái Quốc",
    "el": "Ἡ ἱστορία τῆς συμμαχίας",
    "ja": "日本の新聞は「中ソ友好同盟相互援助条約」を報じた",
}


@pytest.fixture(scope="module")
def scripts_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    settings = Settings(ROOT, SCRIPTS, TEMPLATES, tmp_path_factory.mktemp("scripts-build"))
    pdf = build_a4(settings)
    epub = build_epub(settings)
    return pdf, epub


def _flat(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def test_the_pdf_names_only_chosen_faces(scripts_build):
    pdf, _ = scripts_build
    names = face_checks.pdf_font_names(pdf)
    assert face_checks.pdf_face_problems(pdf) == []
    for face in ("EB-Garamond", "Noto-Serif", "Noto-Serif-Italic", "Noto-Serif-CJK-SC",
                 "Noto-Serif-CJK-JP"):
        assert face in names
    # No slanted CJK: emphasis in Chinese and Japanese is set in the bold face.
    assert "Noto-Serif-CJK-SC-Bold" in names and "Noto-Serif-CJK-JP-Bold" in names
    assert not any("Oblique" in n or ("CJK" in n and "Italic" in n) for n in names)


def test_the_pdf_has_every_script_as_text(scripts_build):
    pdf, _ = scripts_build
    text = _flat(pdftotext(pdf))
    # CJK lines break without spaces, so compare with the spaces taken out.
    squeezed = text.replace(" ", "")
    for lang, sample in SAMPLES.items():
        assert sample.replace(" ", "") in squeezed, lang


def test_the_face_check_sees_a_slanted_copy(tmp_path):
    # Chinese in italics with no language: fontconfig finds no italic and slants the upright
    # face. The check after layout must say so; this is what it exists for.
    html = ('<html lang="en"><body style="font-family: \'Noto Serif CJK SC\'">'
            "<p><i>中文</i></p></body></html>")
    pdf = tmp_path / "slanted.pdf"
    weasyprint.HTML(string=html).write_pdf(pdf)
    problems = face_checks.pdf_face_problems(pdf)
    assert problems and "Noto-Serif-CJK-SC-Oblique" in problems[0]


def test_the_epub_marks_languages_and_uses_the_same_faces(scripts_build):
    _, epub = scripts_build
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    marked = {
        el.get("lang"): el.get(xml_lang)
        for root in epub_xhtml(epub).values() for el in root.iter() if el.get("lang")
    }
    for lang in SAMPLES:
        assert marked.get(lang) == lang
    css = epub_file(epub, "EPUB/styles/stylesheet1.css")
    for stack in faces.STACKS[1:]:
        assert f"{{ font-family: {faces.css_families(stack)}; }}" in css
    assert "font-synthesis: none" in css


def test_a_character_no_face_has_stops_the_build_naming_file_and_line(tmp_path):
    # U+1F9EA (test tube): checked absent from every chosen face below.
    char = "\U0001F9EA"
    assert all(ord(char) not in faces.coverage(f) for f in faces.chosen_families())
    content = copy_fixture(tmp_path, "scripts")
    reading = content / "readings" / "sample.md"
    lines = reading.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("Договор"))
    lines[number - 1] += f" Пробирка: {char}."
    reading.write_text("\n".join(lines) + "\n")
    with pytest.raises(ContentError) as caught:
        load_edition(content)
    assert str(caught.value).startswith(f"{reading}:{number}: U+1F9EA '{char}' has no glyph")
    assert "'ru'" in str(caught.value)


def test_linear_b_is_refused_too(tmp_path):
    char = "\U00010000"  # LINEAR B SYLLABLE B008 A
    content = copy_fixture(tmp_path, "scripts")
    reading = content / "readings" / "sample.md"
    reading.write_text(reading.read_text().replace("Ἡ ἱστορία", f"Ἡ {char} ἱστορία"))
    with pytest.raises(ContentError, match=r"sample\.md:\d+: U\+10000 "):
        load_edition(content)


def test_decomposed_vietnamese_is_covered():
    # "Nguyễn" typed as e + circumflex + tilde: shaping composes it, so it is no error.
    nfd = unicodedata.normalize("NFD", "Nguyễn")
    assert len(nfd) > len("Nguyễn")
    for _, cluster in coverage._clusters(nfd):
        assert coverage._covered(cluster, faces.stack_for("vi").families) is None


@pytest.mark.parametrize(("lang", "stack"), [
    ("zh", "zh-Hans"), ("zh-Hans", "zh-Hans"), ("zh-Hans-HK", "zh-Hans"), ("zh-Hant", "zh-Hant"),
    ("zh-Hant-TW", "zh-Hant"), ("zh-TW", "zh-Hant"), ("ja-JP", "ja"), ("ko", "ko"),
    ("ru", "greek-cyrillic-vietnamese"), ("vi", "greek-cyrillic-vietnamese"),
    ("en-GB", "default"), ("jam", "default"), (None, "default"),
])
def test_languages_pick_their_stack(lang, stack):
    assert faces.stack_for(lang).name == stack


def test_lang_ranges_find_spans_and_divs():
    body = ("A [中文]{lang=zh-Hans} b [x [y]{lang=ja} z]{.c lang=\"ko\"}\n\n"
            "::: {lang=ru}\nТекст\n:::\n\nafter")
    ranges = coverage.lang_ranges(body)
    found = {body[s:e].strip(): lang for s, e, lang in ranges}
    assert found["中文"] == "zh-Hans"
    assert found["y"] == "ja"
    assert found["x [y]{lang=ja} z"] == "ko"
    assert found["Текст"] == "ru"
    assert "after" not in "".join(found)


def test_every_chosen_face_is_installed_from_its_package():
    for family in faces.chosen_families():
        packaged = family in faces.PACKAGED
        assert faces.PACKAGES[family].endswith("(Python)") if packaged else \
            faces.PACKAGES[family].startswith("fonts-")
        assert faces.resolved_file(family).path.is_file()


def test_a_packaged_variable_face_is_loaded_as_one_static_file_per_style():
    files = [faces.packaged_path(f) for f in faces.PACKAGED["EB Garamond"]]
    assert len(set(files)) == 4
    css = faces.render_font_css(TEMPLATES, "print")
    for file, path in zip(faces.PACKAGED["EB Garamond"], files, strict=True):
        assert (f'@font-face {{ font-family: "EB Garamond"; src: url("{path.as_uri()}"); '
                f"font-weight: {file.weight}; font-style: {file.style}; }}") in css
        with TTFont(str(path)) as font:
            assert "fvar" not in font
    assert "@font-face" not in faces.render_font_css(TEMPLATES, "epub")




def test_the_generated_rules_follow_the_table():
    css = faces.render_font_css(TEMPLATES, "print")
    assert (f"html {{ font-family: {faces.css_families(faces.DEFAULT)}; --large-print-faces: "
            f"{faces.css_families(faces.LARGE_PRINT)}; }}") in css
    assert f'code, pre, kbd, samp {{ font-family: "{faces.MONOSPACE.families[0]}"' in css
    for stack in faces.STACKS[1:]:
        selectors = ", ".join(f":lang({t})" for t in stack.langs)
        assert f"{selectors} {{ font-family: {faces.css_families(stack)}; }}" in css
    # WeasyPrint does not know font-synthesis and would warn (an error in strict mode).
    assert "font-synthesis" not in css


def test_greek_cyrillic_and_vietnamese_face_has_them_upright_and_italic():
    # The reason the table sends these languages to Noto Serif: one file per style that has
    # every letter of the samples, so no style is borrowed from elsewhere.
    family = faces.stack_for("ru").families[0]
    for slant in (0, 100):
        files = [f for f in faces.family_files(family) if f.slant == slant and f.weight == 80]
        assert files
        have = frozenset().union(*(faces._cmap(f.path, f.index) for f in files))
        for lang in ("ru", "vi", "el"):
            text = unicodedata.normalize("NFC", SAMPLES[lang])
            assert all(ord(c) in have for c in text if not c.isspace()), (lang, slant)


def test_the_print_html_carries_the_reading_language(tmp_path):
    content = copy_fixture(tmp_path, "scripts")
    reading = content / "readings" / "sample.md"
    reading.write_text(reading.read_text().replace("id: sample-1999\n",
                                                   "id: sample-1999\nlang: ja\n", 1))
    settings = Settings(ROOT, content, TEMPLATES, tmp_path / "build")
    html = build(settings, formats=("html",))[0].path.read_text()
    assert re.search(r'<section id="sample-1999" class="[^"]*reading[^"]*"[^>]* lang="ja"', html)


def test_cjk_text_marked_as_another_language_is_refused(tmp_path):
    # Unmarked CJK text takes a language as it loads (tests/sources/test_coverage.py); text a
    # mark written by hand calls Russian is left as marked, and no Russian face has it.
    content = copy_fixture(tmp_path, "scripts")
    reading = content / "readings" / "sample.md"
    text = reading.read_text().replace("*Дружба навеки!*", "*Дружба навеки!* 万岁")
    reading.write_text(text)
    number = next(i for i, line in enumerate(text.splitlines(), 1) if "万岁" in line)
    with pytest.raises(ContentError) as caught:
        load_edition(content)
    assert str(caught.value).startswith(f"{reading}:{number}: U+4E07 '万' is Chinese, Japanese")
    assert "'ru'" in str(caught.value) and "mark its language" in str(caught.value)


@pytest.mark.slow
def test_the_scripts_epub_passes_epubcheck(scripts_build):
    _, epub = scripts_build
    result = run_epubcheck(epub)
    assert result.ok, result.detail




def test_a_chinese_reading_with_a_chinese_title_is_never_slanted(tmp_path):
    # The running head and the title page's italic subtitle carry the title: on the pages of
    # a reading marked zh they are upright, and quoted Russian italics stay italic.
    content = copy_fixture(tmp_path, "scripts")
    reading = content / "readings" / "sample.md"
    reading.write_text(reading.read_text()
                       .replace("id: sample-1999\n", "id: sample-1999\nlang: zh-Hans\n", 1)
                       .replace("title: On Sample Texts", "title: 论样本文本")
                       .replace("subtitle: A Fixture in Two Paragraphs", "subtitle: 两段的测试"))
    settings = Settings(tmp_path, content, TEMPLATES, tmp_path / "build", strict=True)
    pdf = build_a4(settings)
    assert face_checks.pdf_face_problems(pdf) == []
    names = face_checks.pdf_font_names(pdf)
    assert "Noto-Serif-Italic" in names  # «Дружба навеки!» in a Chinese reading
    assert "论样本文本" in pdftotext(pdf, 1, 1)


def test_a_letter_only_in_a_second_file_of_the_family_is_refused(tmp_path, monkeypatch):
    # A second upright regular file under the family's name (Debian's fonts-ebgaramond is
    # one: an old draft with letters the chosen files lack) is what fontconfig would take for
    # such a letter, and WeasyPrint would embed one file's glyph program for both, so the
    # letter counts missing. The machine need not have one: the test makes it, the chosen
    # file with one more letter, which no face of the default stack has, in its map.
    chosen = faces.resolved_file("EB Garamond")
    char = next(chr(cp) for cp in range(0xA720, 0xA800)
                if unicodedata.category(chr(cp)).startswith("L")
                and all(cp not in faces.coverage(f) for f in faces.DEFAULT.families))
    sibling = tmp_path / "EBGaramond-Draft.ttf"
    with TTFont(str(chosen.path), fontNumber=chosen.index) as font:
        glyph = font.getBestCmap()[ord("a")]
        for table in font["cmap"].tables:
            if table.isUnicode():
                table.cmap[ord(char)] = glyph
        font.save(str(sibling))
    listed = faces.system_files

    def with_sibling(family: str) -> tuple[faces.FaceFile, ...]:
        extra = (faces.FaceFile(sibling, 0, 80, 0),) if family == "EB Garamond" else ()
        return (*listed(family), *extra)

    monkeypatch.setattr(faces, "system_files", with_sibling)
    faces.sibling_coverage.cache_clear()
    try:
        assert ord(char) in faces.sibling_coverage("EB Garamond")
        content = copy_fixture(tmp_path, "scripts")
        reading = content / "readings" / "sample.md"
        reading.write_text(reading.read_text().replace("It goes on,", f"It goes {char} on,"))
        with pytest.raises(ContentError, match=rf"U\+{ord(char):04X} .* only in a second file "
                           "of the family"):
            load_edition(content)
    finally:
        faces.sibling_coverage.cache_clear()


def _identity(font: TTFont) -> tuple[str, int | None]:
    # A subset may drop the name table; a CFF program keeps its PostScript name.
    name = font["name"].getDebugName(6) if "name" in font else None
    if name is None and "CFF " in font:
        name = font["CFF "].cff.fontNames[0]
    return str(name), font["OS/2"].usWeightClass if "OS/2" in font else None


def _embedded_faces(pdf: bytes) -> list[tuple[str, int | None]]:
    """(PostScript name, weight class) of every font program a PDF embeds, read from the
    program itself, not from the name WeasyPrint gives it."""
    import io

    from pypdf import PdfReader

    found = []
    for font in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values():
        descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        program = (descriptor.get("/FontFile2") or descriptor.get("/FontFile3")).get_object()
        with TTFont(io.BytesIO(program.get_data())) as embedded:
            found.append(_identity(embedded))
    return found


def _file_face(face: faces.FaceFile) -> tuple[str, int | None]:
    with TTFont(str(face.path), fontNumber=face.index, lazy=True) as font:
        return _identity(font)


def _ink(pdf: bytes, tmp_path: Path) -> int:
    """Dark pixels of the PDF's first page, rendered by poppler at 100 dpi."""
    from PIL import Image

    source = tmp_path / "ink.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-gray", "-png", "-singlefile", str(source),
                    str(tmp_path / "ink")], check=True)
    with Image.open(tmp_path / "ink.png") as image:
        return sum(image.histogram()[:128])


def _sample(face: faces.FaceFile) -> str:
    # Letters the face has, so that it, and no fallback, sets them.
    with TTFont(str(face.path), fontNumber=face.index, lazy=True) as font:
        have = font.getBestCmap() or {}
    text = "".join(c for c in "Hamburgefonstiv Quixote 1234" if ord(c) in have)
    return text or "".join(chr(c) for c in sorted(have) if chr(c).isprintable())[:20]


def _render(family: str, weight: int, style: str, text: str) -> bytes:
    css = faces.font_face_css()
    html = (f"<style>{css} body {{ font-size: 28pt; }}</style>"
            f'<p style="font-family: \'{family}\'; font-weight: {weight}; '
            f'font-style: {style}">{text}</p>')
    return weasyprint.HTML(string=html).write_pdf()


@pytest.mark.slow
def test_every_style_of_every_chosen_face_prints_as_itself(tmp_path):
    # Each face file the table offers, asked for by family, weight and style, is the very
    # file the PDF embeds: not another optical size, not the regular face for the bold.
    for family in faces.chosen_families():
        if family == faces.MATH_FAMILY:
            continue  # drawn as paths by ziamath (mathsvg), never set as text
        for face in faces.family_files(family):
            weight = 700 if face.weight >= 200 else 400
            style = "italic" if face.slant == 100 else "oblique" if face.slant == 110 \
                else "normal"
            pdf = _render(family, weight, style, _sample(face))
            assert _embedded_faces(pdf) == [_file_face(face)], (family, face.path.name)


@pytest.mark.slow
def test_bold_has_the_ink_of_a_bold_face(tmp_path):
    # Debian's EB Garamond drew its "Bold" at 1.06 times the ink of the regular; a real
    # bold has about 1.4 times. Measured on the page, as a reader sees it.
    text = "Hamburgefonstiv " * 4
    for family in ("EB Garamond", "Noto Serif"):
        for style in ("normal", "italic"):
            regular = _ink(_render(family, 400, style, text), tmp_path)
            bold = _ink(_render(family, 700, style, text), tmp_path)
            assert bold / regular > 1.25, (family, style, bold / regular)


def test_symbols_and_bullets_are_in_chosen_faces():
    # Arrows, the minus sign, ≤, ™, the bullet and ∈ print in a face of the default stack,
    # each in a file of its own family (not another optical size of EB Garamond).
    for char in "→←−≤™•∈☐☒":
        family = next(f for f in faces.DEFAULT.families if ord(char) in faces.coverage(f))
        assert ord(char) not in faces.sibling_coverage(family), char


def test_arabic_script_has_a_face_marked_or_not():
    text = "كتاب المدينة"
    for lang in ("ar", "en-GB"):
        stack = faces.stack_for(lang)
        assert all(any(ord(c) in faces.coverage(f) for f in stack.families)
                   for c in text if not c.isspace()), lang
    assert faces.stack_for("ar").families[0] == "Noto Naskh Arabic"


def test_code_takes_the_monospace_face_of_the_table():
    css = faces.render_font_css(TEMPLATES, "epub")
    assert f'code, pre, kbd, samp {{ font-family: "{faces.MONOSPACE.families[0]}"' in css
    assert faces.MONOSPACE.families[0] in faces.chosen_families()
    # Regular, bold and oblique files of its own: code is never slanted or emboldened by
    # the renderer.
    styles = {(f.weight, f.slant) for f in faces.family_files(faces.MONOSPACE.families[0])}
    assert {(80, 0), (200, 0), (80, 110), (200, 110)} <= styles


def test_a_character_in_code_needs_the_monospace_face(tmp_path):
    # EB Garamond has the Roman numeral Ⅽ; code prints in the monospace stack, which has not.
    char = next(c for c in "ⅭⅮⅯ"
                if any(ord(c) in faces.coverage(f) for f in faces.DEFAULT.families)
                and not any(ord(c) in faces.coverage(f) for f in faces.MONOSPACE.families))
    content = copy_fixture(tmp_path, "scripts")
    reading = content / "readings" / "sample.md"
    reading.write_text(reading.read_text().replace("It goes on,", f"It goes `{char}` on,"))
    with pytest.raises(ContentError, match=rf"U\+{ord(char):04X} .* chosen for 'code' "
                                           r"\(DejaVu Sans Mono"):
        load_edition(content)
    reading.write_text(reading.read_text().replace(f"`{char}`", char))
    load_edition(content)
