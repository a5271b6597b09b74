"""Unmarked Chinese, Japanese and Korean text: marked with its language as a reading loads
(sources.cjkmark), said once per reading, and printed in the face chosen for that language."""

from __future__ import annotations

import logging
from pathlib import Path

import pypandoc
import pytest

from helpers import FIXTURES, ROOT, TEMPLATES, build_a4, build_epub, copy_fixture, epub_xhtml
from pressroom.checks.faces import pdf_face_problems, pdf_font_names
from pressroom.engine.build import build
from pressroom.engine.settings import Settings
from pressroom.errors import ConfigError, ContentError, StrictError
from pressroom.sources.cjkmark import mark_cjk
from pressroom.sources.coverage import check_coverage
from pressroom.sources.edition import Reading
from pressroom.sources.load import load_edition, load_reading

UNMARKED = FIXTURES / "unmarked"
READING = UNMARKED / "readings" / "treaty-texts.md"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
WARNING = (
    "marked 5 unmarked Chinese, Japanese or Korean phrases: 中苏友好同盟互助条约 as zh-Hans "
    "(Han characters only: the collection's cjk-language), 人民日报 as zh-Hans, "
    "ソ連との条約を報じた as ja (kana), 조약 체결 소식 as ko (hangul), 東京 as zh-Hans")


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_unmarked_phrases_are_marked_and_said_once(caplog):
    with caplog.at_level(logging.WARNING, logger="pressroom"):
        edition = load_edition(UNMARKED)
    body = edition.readings[0].body
    for marked in ("[中苏友好同盟互助条约]{lang=zh-Hans}", "[*人民日报*]{lang=zh-Hans}",
                   "[ソ連との条約を報じた]{lang=ja}", "[조약 체결 소식]{lang=ko}",
                   "[東京]{lang=zh-Hans}"):
        assert marked in body
    # The mark written by hand wins, and is not marked again.
    assert "[東京]{lang=ja}" in body and "[[東京]" not in body
    # No line added: every later file:line stays right.
    assert body.count("\n") == READING.read_text().split("---\n", 2)[2].count("\n")
    messages = [r.getMessage() for r in caplog.records if "unmarked" in r.getMessage()]
    line = _line_of(READING, "中苏友好同盟互助条约")
    assert messages == [f"{READING}:{line}: {WARNING}"]


def test_the_collection_says_what_han_alone_is(tmp_path, caplog):
    content = copy_fixture(tmp_path, "unmarked")
    config = content / "edition.yaml"
    config.write_text(config.read_text() + "cjk-language: ja\n")
    with caplog.at_level(logging.WARNING, logger="pressroom"):
        body = load_edition(content).readings[0].body
    assert "[中苏友好同盟互助条约]{lang=ja}" in body and "[東京]{lang=ja}, is" in body
    assert "[조약 체결 소식]{lang=ko}" in body
    assert "中苏友好同盟互助条约 as ja (Han characters only" in caplog.text


def test_a_cjk_language_that_is_not_one_is_refused(tmp_path):
    content = copy_fixture(tmp_path, "unmarked")
    config = content / "edition.yaml"
    config.write_text(config.read_text() + "cjk-language: fr\n")
    with pytest.raises(ConfigError) as caught:
        load_edition(content)
    message = str(caught.value)
    line = _line_of(config, "cjk-language")
    assert message.startswith(f"{config}:{line}: cjk-language: 'fr' is not a Chinese, ")
    assert "\n" not in message


def test_a_strict_build_stops_at_the_marks_in_one_line(tmp_path):
    settings = Settings(ROOT, UNMARKED, TEMPLATES, tmp_path / "build", strict=True)
    with pytest.raises(StrictError) as caught:
        build(settings, formats=("html",))
    assert "\n" not in str(caught.value)
    assert WARNING in str(caught.value)


@pytest.fixture(scope="module")
def unmarked_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    settings = Settings(ROOT, UNMARKED, TEMPLATES, tmp_path_factory.mktemp("unmarked-build"))
    return build_a4(settings), build_epub(settings)


def test_the_pdf_prints_each_phrase_in_its_languages_face(unmarked_build):
    pdf, _ = unmarked_build
    assert pdf_face_problems(pdf) == []
    names = pdf_font_names(pdf)
    for face in ("Noto-Serif-CJK-SC", "Noto-Serif-CJK-JP", "Noto-Serif-CJK-KR"):
        assert face in names
    # *人民日报*, marked with its emphasis inside the span, is Chinese emphasis: bold, upright.
    assert "Noto-Serif-CJK-SC-Bold" in names
    assert not any("Oblique" in n or ("CJK" in n and "Italic" in n) for n in names)


def test_the_epub_carries_the_marks(unmarked_build):
    _, epub = unmarked_build
    marked = {("".join(el.itertext()), el.get("lang"), el.get(XML_LANG))
              for root in epub_xhtml(epub).values() for el in root.iter() if el.get("lang")}
    for text, lang in (("中苏友好同盟互助条约", "zh-Hans"), ("人民日报", "zh-Hans"),
                       ("ソ連との条約を報じた", "ja"), ("조약 체결 소식", "ko"), ("東京", "ja"),
                       ("東京", "zh-Hans")):
        assert (text, lang, lang) in marked


def _loaded(tmp_path: Path, body: str, cjk_language: str = "zh-Hans") -> Reading:
    reading = tmp_path / "r.md"
    reading.write_text(f"---\ntitle: T\n---\n{body}")
    return mark_cjk(load_reading(reading), "en-GB", cjk_language)


#: What Pandoc reads but never prints: left as written, and no face needs to have it.
NEVER_PRINTED = [
    "A [link](https://example.cn/人民 \"人民日报\") and ![alt](a.png){title=\"人民\"}\n",
    "<span title=\"人民日报\">x</span>\n",
    "<!-- 人民日报 -->\n",
    "Cited.[^人民]\n\n[^人民]: A note.\n",
]
#: Marked by hand: left as written, and printed in the face of its mark.
MARKED_BY_HAND = [
    "::: {lang=ja}\n東京\n:::\n",
    "Marked [東京 *と* 大阪]{lang=ja}.\n",
]
#: Printed exactly as written, so nothing is added: a mark by hand is still needed there.
PRINTED_AS_WRITTEN = [
    "Code: `人民日报`.\n",
    "```\n人民日报\n```\n",
    "Text.\n\n    人民日报 indented code\n",
    "<http://example.cn/人民日报> and https://example.cn/人民日报 too\n",
    "--------  --------\n人民日报   x\n--------  --------\n",
    "+------+---+\n| 人民 | x |\n+------+---+\n",
    "---------------\nA     B\n----- ---------\n1     x\n\n2     人民日报\n---------------\n",
]


@pytest.mark.parametrize("body", NEVER_PRINTED + MARKED_BY_HAND)
def test_what_never_prints_or_is_marked_already_is_left_alone(tmp_path, body):
    reading = _loaded(tmp_path, body)
    assert reading.body == body
    check_coverage(reading, "en-GB")


@pytest.mark.parametrize("body", PRINTED_AS_WRITTEN)
def test_code_urls_and_column_tables_are_never_changed(tmp_path, body):
    reading = _loaded(tmp_path, body)
    assert reading.body == body
    with pytest.raises(ContentError) as caught:
        check_coverage(reading, "en-GB")
    assert "is Chinese, Japanese or Korean text in 'en-GB'" in str(caught.value)
    assert "where the build adds no mark" in str(caught.value)


def test_a_shortcut_reference_link_keeps_its_label(tmp_path):
    # A span would change the label, and the link would no longer find its definition.
    body = "See [人民日报][] often.\n\n[人民日报]: https://example.cn\n"
    assert _loaded(tmp_path, body).body == body


@pytest.mark.parametrize(("body", "marked"), [
    # Emphasis that encloses the phrase goes inside the span, so that it is the emphasis of
    # Chinese text (bold); punctuation that touches the phrase goes with it.
    ("In *人民日报*, 「人民日报」。 too\n", "In [*人民日报*]{lang=zh-Hans}, "
     "[「人民日报」。]{lang=zh-Hans} too\n"),
    ("The slogan 「**人民日报**」 and a_東京_b.\n",
     "The slogan [「**人民日报**」]{lang=zh-Hans} and a_[東京]{lang=zh-Hans}_b.\n"),
    ("*The paper 人民日报* said\n", "*The paper [人民日报]{lang=zh-Hans}* said\n"),
    ("Dated 1950年2月14日.\n", "Dated 1950[年2月14日]{lang=zh-Hans}.\n"),
    # Full-width punctuation alone says no language: it takes the collection's.
    ("Text（see）here.\n", "Text[（]{lang=zh-Hans}see[）]{lang=zh-Hans}here.\n"),
    # "!" would make the span an image, a backslash would escape its bracket.
    ("Wow!人民 and \\!日报\n", "Wow[!人民]{lang=zh-Hans} and [\\!日报]{lang=zh-Hans}\n"),
    ("- item\n\n    continued, 人民日报\n", "- item\n\n    continued, [人民日报]{lang=zh-Hans}\n"),
    ("A note.[^1]\n\n[^1]: One.\n\n    Two, 人民日报.\n",
     "A note.[^1]\n\n[^1]: One.\n\n    Two, [人民日报]{lang=zh-Hans}.\n"),
    ("# 人民日报 {#paper}\n", "# [人民日报]{lang=zh-Hans} {#paper}\n"),
    ("人民日报\n--------\n\nText.\n", "[人民日报]{lang=zh-Hans}\n--------\n\nText.\n"),
    ("A [人民日报](https://example.cn) link\n",
     "A [[人民日报]{lang=zh-Hans}](https://example.cn) link\n"),
    ("| 大韩民国 | 대한민국 |\n|---|---|\n",
     "| [大韩民国]{lang=zh-Hans} | [대한민국]{lang=ko} |\n|---|---|\n"),
    ("Inside another language, [Москва 東京]{lang=ru}; not a fence, ::: 北京\n",
     "Inside another language, [Москва 東京]{lang=ru}; not a fence, ::: [北京]{lang=zh-Hans}\n"),
])
def test_text_is_marked_in_place(tmp_path, body, marked):
    assert _loaded(tmp_path, body).body == marked


def test_marks_written_by_the_build_read_as_pandoc_reads_marks(tmp_path):
    reading = _loaded(tmp_path, "In *人民日报*, 「人民日报」。 and Wow!東京 and 대한민국.\n")
    html = pypandoc.convert_text(reading.body, "html", format="markdown",
                                 extra_args=["--wrap=none"])
    assert '<span lang="zh-Hans"><em>人民日报</em></span>' in html
    assert '<span lang="zh-Hans">「人民日报」。</span>' in html
    assert 'Wow<span lang="zh-Hans">!東京</span>' in html
    assert '<span lang="ko">대한민국</span>' in html


# -- the whole-body shortcut: a body every character of which is settable is not read for
# what prints, and one that is not is read as before --------------------------------------

#: U+1F9EA (test tube): no chosen face has it (tests/test_faces.py checks that).
NO_FACE = "\U0001F9EA"


def _reading(tmp_path: Path, body: str) -> Reading:
    path = tmp_path / "plain.md"
    path.write_text(f"---\ntitle: Plain\n---\n\n{body}", encoding="utf-8")
    return load_reading(path)


def test_a_body_every_face_has_passes_and_keeps_its_text(tmp_path):
    reading = _reading(tmp_path, "Plain English text, with `code` and a [link](#here).\n")
    assert check_coverage(reading, "en") is None
    assert mark_cjk(reading, "en", "zh-Hans") is reading


@pytest.mark.parametrize("body", [
    f"A [link](https://example.org/{NO_FACE}) whose target never prints.\n",
    f"Text <!-- {NO_FACE} in a comment --> and more.\n",
    f"A span [with attributes]{{.note data-x={NO_FACE}}}.\n",
])
def test_a_character_no_face_has_where_nothing_prints_is_still_accepted(tmp_path, body):
    assert check_coverage(_reading(tmp_path, body), "en") is None


def test_a_character_no_face_has_in_the_text_is_still_refused_at_its_line(tmp_path):
    reading = _reading(tmp_path, f"First line.\n\nSecond {NO_FACE} line.\n")
    with pytest.raises(ContentError) as caught:
        check_coverage(reading, "en")
    assert str(caught.value).startswith(f"{reading.path}:7: U+1F9EA")
