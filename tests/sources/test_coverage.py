"""Unmarked Chinese, Japanese and Korean text: marked with its language as a reading loads
(sources.cjkmark), said once per reading, and printed in the face chosen for that language."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from helpers import FIXTURES, ROOT, TEMPLATES, build_a4, build_epub, copy_fixture, epub_xhtml
from pressroom.checks.faces import pdf_face_problems, pdf_font_names
from pressroom.engine.build import build
from pressroom.engine.settings import Settings
from pressroom.errors import ConfigError, StrictError
from pressroom.sources.cjkmark import mark_cjk
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


def _marked(tmp_path: Path, body: str, cjk_language: str = "zh-Hans") -> str:
    reading = tmp_path / "r.md"
    reading.write_text(f"---\ntitle: T\n---\n{body}")
    return mark_cjk(load_reading(reading), "en-GB", cjk_language).body


def test_unmarked_phrases_are_marked_and_said_once(caplog):
    with caplog.at_level(logging.WARNING, logger="pressroom"):
        edition = load_edition(UNMARKED)
    body = edition.readings[0].body
    for marked in ("[中苏友好同盟互助条约]{lang=zh-Hans}", "[人民日报]{lang=zh-Hans}",
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


def test_the_epub_carries_the_marks(unmarked_build):
    _, epub = unmarked_build
    marked = {(el.text, el.get("lang"), el.get(XML_LANG))
              for root in epub_xhtml(epub).values() for el in root.iter() if el.get("lang")}
    for text, lang in (("中苏友好同盟互助条约", "zh-Hans"), ("人民日报", "zh-Hans"),
                       ("ソ連との条約を報じた", "ja"), ("조약 체결 소식", "ko"), ("東京", "ja"),
                       ("東京", "zh-Hans")):
        assert (text, lang, lang) in marked


@pytest.mark.parametrize("body", [
    "Code: `人民日报`.\n",
    "```\n人民日报\n```\n",
    "Text.\n\n    人民日报 indented code\n",
    "<http://example.cn/人民日报> and https://example.cn/人民日报 too\n",
    "A [link](https://example.cn/人民 \"人民日报\") and ![alt](a.png){title=\"人民\"}\n",
    "::: {lang=ja}\n東京\n:::\n",
    "Marked [東京 *と* 大阪]{lang=ja}.\n",
    "<span title=\"人民日报\">x</span>\n",
    "--------  --------\n人民日报   x\n--------  --------\n",
    "See [人民日报][] often.\n\n[人民日报]: https://example.cn\n",
    "<!-- 人民日报 -->\n",
])
def test_what_is_not_text_or_is_marked_already_is_left_alone(tmp_path, body):
    assert _marked(tmp_path, body) == body


@pytest.mark.parametrize(("body", "marked"), [
    ("In *人民日报*, 「人民日报」。 too\n", "In *[人民日报]{lang=zh-Hans}*, "
     "[「人民日报」。]{lang=zh-Hans} too\n"),
    ("Dated 1950年2月14日.\n", "Dated 1950[年2月14日]{lang=zh-Hans}.\n"),
    ("- item\n\n    continued, 人民日报\n", "- item\n\n    continued, [人民日报]{lang=zh-Hans}\n"),
    ("# 人民日报 {#paper}\n", "# [人民日报]{lang=zh-Hans} {#paper}\n"),
    ("A [人民日报](https://example.cn) link\n",
     "A [[人民日报]{lang=zh-Hans}](https://example.cn) link\n"),
    ("| 大韩民国 | 대한민국 |\n|---|---|\n",
     "| [大韩民国]{lang=zh-Hans} | [대한민국]{lang=ko} |\n|---|---|\n"),
    ("Inside another language, [Москва 東京]{lang=ru}; not a fence, ::: 北京\n",
     "Inside another language, [Москва 東京]{lang=ru}; not a fence, ::: [北京]{lang=zh-Hans}\n"),
])
def test_text_is_marked_in_place(tmp_path, body, marked):
    assert _marked(tmp_path, body) == marked
