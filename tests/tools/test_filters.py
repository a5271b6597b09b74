"""The print filter's no-hyphens spans: only where WeasyPrint could hyphenate the word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import TEMPLATES
from pressroom.printing.html import hyphenation_minimum, render_body


def _body(tmp_path: Path, markdown: str, hyphenate_min: int) -> str:
    import pypandoc

    document = json.loads(pypandoc.convert_text(markdown, "json", format="markdown"))
    metadata = tmp_path / "meta.yaml"
    metadata.write_text(json.dumps({"title": "t"}), encoding="utf-8")
    return render_body(document, metadata, hyphenate_min=hyphenate_min)


def test_only_names_long_enough_to_be_hyphenated_are_protected(tmp_path: Path):
    body = _body(tmp_path, "Then the Chinese leaders met Khrushchev and Mao in Sino-Soviet "
                 "talks on de-Stalinization.", 7)
    assert '<span class="no-hyphens">Khrushchev</span>' in body
    assert '<span class="no-hyphens">Chinese</span>' in body
    assert '<span class="no-hyphens">de-\u2060Stalinization.</span>' in body
    # Every word under seven letters: WeasyPrint would not hyphenate it anyway.
    assert "Mao" in body and ">Mao<" not in body
    assert "Sino-\u2060Soviet" in body and ">Sino-\u2060Soviet<" not in body


def test_a_lower_limit_protects_shorter_names(tmp_path: Path):
    body = _body(tmp_path, "Then the leaders of China met in Sino-Soviet talks.", 5)
    assert '<span class="no-hyphens">China</span>' in body


def test_a_compound_is_never_broken_at_its_own_hyphen(tmp_path: Path):
    # A line ending in a hyphen is joined up in the PDF's text layer, so a compound may not
    # end one: a word joiner follows its hyphen (a U+2010 hyphen's, a range's written with
    # one), never a hyphen standing alone.
    body = _body(tmp_path, "A well-known non‐aligned state, 1958-62, and a dash - here and "
                 "there.", 7)
    assert "well-\u2060known" in body and "non\u2010\u2060aligned" in body
    assert "1958-\u206062" in body and "dash - here" in body


@pytest.mark.parametrize(("sheets", "expected"), [
    ({"print.css": "html { hyphenate-limit-chars: 7 3 3 }"}, 7),
    # Set on the root only where it is: elsewhere WeasyPrint's default of five applies.
    ({"print.css": ".footnote { hyphenate-limit-chars: 9 }"}, 5),
    ({"print.css": "html { hyphenate-limit-chars: 7 3 3 }",
      "extra.css": "p.small { hyphenate-limit-chars: 6 }"}, 6),
    ({"print.css": "html { hyphenate-limit-chars: auto }"}, 5),
    ({"print.css": "p { color: black }"}, 5),
])
def test_the_limit_is_the_smallest_the_stylesheets_allow(tmp_path: Path, sheets, expected):
    for name, css in sheets.items():
        (tmp_path / name).write_text(css, encoding="utf-8")
    assert hyphenation_minimum(tmp_path) == expected


def test_the_project_stylesheets_hyphenate_words_of_seven_letters():
    assert hyphenation_minimum(TEMPLATES) == 7
