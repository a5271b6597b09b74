"""Footnotes as Pandoc reads them: code is shown, not read; numbers are the source's."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import FIXTURES
from pressroom.errors import ContentError
from pressroom.sources.load import load_reading
from pressroom.sources.notes import check_notes

READINGS = FIXTURES / "pandoc-real" / "readings"


def test_note_and_image_syntax_in_code_is_no_note():
    # The lesson shows [^1] in a code span and a fenced block, and defines its notes in a
    # block quote, with two leading spaces, and inline.
    reading = load_reading(READINGS / "lesson.md")
    assert reading.notes == (1, 2, 3)


def test_labels_that_start_at_2_print_as_2_3_4():
    assert load_reading(READINGS / "excerpt.md").notes == (2, 3, 4)


def test_calls_out_of_order_keep_the_sources_numbers():
    assert load_reading(READINGS / "article.md").notes == (1, 2, 3, 5, 6, 4, 7)


def test_named_labels_and_inline_notes_are_numbered_in_call_order():
    body = "A.[^b] B.^[Inline [with brackets].] C.[^a]\n\n[^a]: A.\n\n[^b]: B.\n"
    assert check_notes(Path("x.md"), body, 1) == (1, 2, 3)


def test_an_inline_note_among_numbered_ones_numbers_them_all_in_order():
    body = "A.[^2] B.^[Inline.]\n\n[^2]: Two.\n"
    assert check_notes(Path("x.md"), body, 1) == (1, 2)


def test_an_escaped_caret_is_no_inline_note():
    # Pandoc: "Text [a][1] and ^[c] and x[2]."
    assert check_notes(Path("x.md"), r"Text [a]^[b] and \^[c] and x^[d].", 1) == (1, 2)


@pytest.mark.parametrize("definition", ["> [^1]: In a quote.", "   [^1]: Three spaces.",
                                        "> > [^1]: Two quotes deep."])
def test_a_definition_is_found_where_pandoc_finds_it(definition):
    assert check_notes(Path("x.md"), f"Text.[^1]\n\n{definition}\n", 1) == (1,)


def test_every_problem_of_a_reading_is_reported_in_one_run():
    body = "A.[^1] B.[^2] C.[^1]\n\n[^1]: One.\n\n[^3]: Three.\n"
    with pytest.raises(ContentError) as caught:
        check_notes(Path("x.md"), body, 10)
    assert str(caught.value) == (
        "x.md:10: note call [^2] has no note; also line 14: note 3 is never called; "
        "also line 10: note [^1] is called a second time (a note has one call; repeat its "
        "text or write Ibid.)").replace("; also line 10", "; line 10")
