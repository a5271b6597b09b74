"""The print filter: no-hyphens spans only where WeasyPrint could hyphenate the word, and its
other marks for line breaking, each where it belongs."""

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
    # Each span takes the space before it (see the test of runs that end in a space).
    assert '<span class="no-hyphens"> Khrushchev</span>' in body
    assert '<span class="no-hyphens"> Chinese</span>' in body
    assert '<span class="no-hyphens"> de-\u2060Stalinization.</span>' in body
    # Every word under seven letters: WeasyPrint would not hyphenate it anyway.
    assert "Mao" in body and ">Mao<" not in body
    assert "Sino-\u2060Soviet" in body and ">Sino-\u2060Soviet<" not in body


def test_a_lower_limit_protects_shorter_names(tmp_path: Path):
    body = _body(tmp_path, "Then the leaders of China met in Sino-Soviet talks.", 5)
    assert '<span class="no-hyphens"> China</span>' in body


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


# The print filter's other marks, each where it belongs and nowhere else. (Its walk hands a
# list back to Pandoc only when one of its passes changed it: a pass that failed to say so
# would lose its mark here.)

def test_a_note_call_is_joined_to_the_word_before_it(tmp_path: Path):
    body = _body(tmp_path, 'He called the treaty "unequal"[1](#n1){.noteref} and left; '
                 "a *long italic title*[2](#n1){.noteref} too.\n\n[]{#n1}End.", 7)
    # The quotation's marks are text, so that the word and its call are joined up; after an
    # element, the joiner is the element's last character.
    assert '\u201cunequal\u201d\u2060<a href="#n1" class="noteref">1</a>' in body
    assert 'long italic title\u2060</em><a href="#n1" class="noteref">2</a>' in body
    # No span is made for it: WeasyPrint breaks lines badly before an inline box.
    assert "nowrap" not in body
    # A call in a sentence that needs nothing else marked is joined all the same.
    body = _body(tmp_path, "He called it unequal[1](#n1){.noteref} and left.\n\n[]{#n1}End.", 7)
    assert 'unequal\u2060<a href="#n1" class="noteref">1</a>' in body


def test_a_run_of_text_never_ends_in_a_space_before_an_element(tmp_path: Path):
    # WeasyPrint 70 takes a run that ends in a space before an inline box, and fits its line
    # only without that space, for one it cannot break, and strands its first word on a line
    # of its own. The space goes into the element; so does a no-break space.
    body = _body(tmp_path, "It stood outside the international Communist movement, "
                 "on 25 [July]{.x}, in *Pravda*.", 7)
    assert 'the international<span class="no-hyphens"> Communist</span> movement' in body
    assert 'on 25<span class="x"> July</span>, in<em> Pravda</em>.' in body
    body = _body(tmp_path, "The talks of 27 January went on.", 7)
    assert 'of 27<span class="no-hyphens">\u00a0January</span> went' in body


def test_a_day_keeps_its_month_and_circa_its_year(tmp_path: Path):
    body = _body(tmp_path, "On 25 July the talks opened; c. 1961 they ended; 2025 Plans "
                 "and 25 delegates stayed on.", 7)
    assert "25\u00a0July" in body and "c.\u00a01961" in body
    assert "2025 Plans" in body and "25 delegates" in body


def test_a_paragraph_ends_on_two_words_when_its_last_is_short(tmp_path: Path):
    body = _body(tmp_path, "The talks broke down in the end.\n\nThe talks broke down "
                 "unexpectedly-and-irrevocably.", 7)
    assert "in the\u00a0end.</p>" in body
    # A long last word is left to the line breaker.
    assert 'down<span class="no-hyphens"> unexpectedly' in body


def test_a_space_alone_between_two_elements_goes_into_one_of_them(tmp_path: Path):
    body = _body(tmp_path, "See *Paper* [No. 9]{.ref} here.", 7)
    assert "See<em> Paper</em><span class=\"ref\"> No.\u00a09</span>" in body


def test_display_type_keeps_ranges_and_compounds_whole(tmp_path: Path):
    body = _body(tmp_path, "# The Years 1919–1964 of Sino-Soviet Talks\n\nIn 1919–1964.", 7)
    heading = body[body.index("<h1"):body.index("</h1>")]
    assert "1919\u2060\u2013\u20601964" in heading and "Sino-\u2060Soviet" in heading
    # In running text a range may break at its dash.
    assert "1919\u20131964.</p>" in body


def test_an_ordered_list_keeps_its_start_and_style(tmp_path: Path):
    body = _body(tmp_path, "3) first\n4) second\n\nii. one\niii. two", 7)
    assert ('<ol class="numbered decimal one-paren" style="counter-reset: list-item 2">'
            in body)
    assert '<ol class="numbered lower-roman period" style="counter-reset: list-item 1">' in body
    assert body.count("<li>") == 4
