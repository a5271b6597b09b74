"""One Pandoc document from chunks: notes and ids stay each reading's own."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from pressroom.assemble import document
from pressroom.assemble.chunks import Chunk
from pressroom.assemble.document import build_document, chunk_ast, own_ids
from pressroom.cache import Cache
from pressroom.errors import ContentError
from pressroom.sources.citations import Citation, stringify


def test_two_readings_that_both_number_notes_from_1_join_without_a_collision():
    chunks = [Chunk("# A {#a .reading}\n"), Chunk("Text.[^1]\n\n[^1]: Note of A.\n", shift=1),
              Chunk("# B {#b .reading}\n"), Chunk("Text.[^1]\n\n[^1]: Note of B.\n", shift=1)]
    blocks = build_document(chunks, {})["blocks"]
    paras = [stringify(b) for b in blocks if b["t"] == "Para"]
    assert paras == ["Text.Note of A.", "Text.Note of B."]


def test_ids_inside_a_reading_and_links_to_them_are_made_its_own():
    ast = chunk_ast(Chunk("# Introduction\n\nSee [above](#introduction).\n", shift=1))
    own_ids(ast["blocks"], "alpha")
    header, para = ast["blocks"]
    assert (header["c"][0], header["c"][1][0]) == (2, "alpha-introduction")
    assert para["c"][2]["c"][2][0] == "#alpha-introduction"


def test_a_reading_ends_with_an_anchor_for_its_last_page():
    blocks = build_document([Chunk("Text.\n", end_anchor="alpha-end")], {})["blocks"]
    assert blocks[-1] == {"t": "Div", "c": [["alpha-end", ["reading-end"], []], []]}


def test_the_citation_takes_its_place_in_the_opener():
    cited = Citation(({"t": "Para", "c": [{"t": "Str", "c": "Cited."}]},), "Cited.", "Cited.")
    chunk = Chunk('::: { .citation citation="alpha"}\n:::\n')
    div = build_document([chunk], {"alpha": cited})["blocks"][0]
    assert div["c"][1] == [{"t": "Para", "c": [{"t": "Str", "c": "Cited."}]}]


def test_a_pandoc_warning_is_a_warning_naming_the_reading_file_and_line(tmp_path: Path,
                                                                        caplog):
    # Plain Pandoc warns and goes on; so does a build (a --strict one stops at it).
    path = tmp_path / "reading.md"
    body = "Text.[^1]\n\n[^1]: One.\n\n[^1]: Again.\n"
    with caplog.at_level(logging.WARNING, "pressroom"):
        ast = chunk_ast(Chunk(body, path, first_line=12))
    assert ast["blocks"]
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}:16: pandoc: Duplicate note reference '1'"]


def test_raw_html_prints_as_typed_and_comments_print_nowhere():
    body = ("A <b>tag</b> and <!-- TODO --> a comment.\n\n<!-- a block\ncomment -->\n\n"
            "<div class=\"aside\">\n\nInside.\n\n</div>\n\n<table><tr><td>x</td></tr></table>\n")
    ast = chunk_ast(Chunk(body))
    assert "Raw" not in json.dumps(ast)
    text = stringify(ast["blocks"])
    assert "<b>tag</b>" in text and "TODO" not in text and "a block" not in text
    assert ast["blocks"][1]["t"] == "Div" and "<table><tr><td>x</td></tr></table>" in text


@pytest.mark.parametrize("top", ["#", "##"])
def test_a_readings_sections_sit_one_level_below_its_title(top):
    ast = chunk_ast(Chunk(f"{top} One\n\n{top}# One point one\n\n{top} Two\n", shift=2))
    assert [b["c"][0] for b in ast["blocks"]] == [3, 4, 3]


def test_links_to_places_nothing_has_are_reported_at_their_lines_all_at_once(tmp_path):
    path = tmp_path / "excerpt.md"
    body = "See [the method](#method).\n\nAnd [the data](#data), and [here](#kept).\n\n# Kept\n"
    chunks = [Chunk("# A {#a .reading}\n"), Chunk(body, path, first_line=8, shift=1,
                                                    prefix="a")]
    with pytest.raises(ContentError) as caught:
        build_document(chunks, {})
    assert str(caught.value) == (
        f"{path}:8: link to #method, which nothing in the edition has (a section left out?); "
        "also line 10: link to #data, which nothing in the edition has (a section left out?)")


def test_an_empty_link_target_is_named_at_its_line(tmp_path):
    path = tmp_path / "reading.md"
    with pytest.raises(ContentError) as caught:
        chunk_ast(Chunk("Text.\n\nA [dead link]() here.\n", path, first_line=5))
    assert str(caught.value) == (f"{path}:7: the link [dead link]() has no target (give a "
                                 "URL or #id)")


def test_a_skipped_heading_level_is_closed_up():
    # ## then #### in the source: sections at 3 and 4 under a reading at 2, never 3 and 5.
    ast = chunk_ast(Chunk("## One\n\n#### Deeper\n\n## Two\n", shift=2))
    assert [b["c"][0] for b in ast["blocks"]] == [3, 4, 3]


def test_tex_that_cannot_be_typeset_is_named_at_its_line(tmp_path):
    path = tmp_path / "reading.md"
    body = "Good $x^2$ here.\n\nBad $\\frac{1}$ here.\n"
    with pytest.raises(ContentError) as caught:
        chunk_ast(Chunk(body, path, first_line=3))
    assert str(caught.value).startswith(f"{path}:5: cannot typeset the TeX math $\\frac{{1}}$")


def test_tex_whose_parser_gives_no_reason_still_says_why(tmp_path):
    # latex2mathml stops on an unclosed brace with an error that has no text.
    path = tmp_path / "reading.md"
    with pytest.raises(ContentError) as caught:
        chunk_ast(Chunk("Bad $\\frac{1}{$ here.\n", path))
    message = str(caught.value)
    assert message.startswith(f"{path}:1: cannot typeset the TeX math $\\frac{{1}}{{$: ")
    assert not message.endswith(": ") and "incomplete" in message


def test_an_unclosed_raw_div_is_a_warning_as_in_plain_pandoc(tmp_path: Path, caplog):
    path = tmp_path / "reading.md"
    with caplog.at_level(logging.WARNING, "pressroom"):
        ast = chunk_ast(Chunk("Text.\n\n<div class=\"aside\">\n\nInside.\n", path, first_line=4))
    assert ast["blocks"][1]["t"] == "Div"
    (record,) = caplog.records
    assert record.getMessage().startswith(f"{path}:6: pandoc: Div")
    assert "unclosed" in record.getMessage()


def test_a_chunk_kept_in_the_cache_is_neither_read_nor_checked_again(tmp_path, monkeypatch):
    store = Cache(tmp_path / "cache")
    chunk = Chunk("# Title\n\nText with a [link](#title) and $x^2$.[^1]\n\n[^1]: A note.\n",
                  shift=1)
    first = chunk_ast(chunk, cache=store)
    checked: list[str] = []
    real = document.check_untrusted
    monkeypatch.setattr(document, "check_untrusted",
                        lambda doc, text, c: checked.append(text) or real(doc, text, c))
    assert chunk_ast(chunk, cache=store) == first and checked == []
    # Another placement of the same text is checked and placed anew.
    deeper = chunk_ast(Chunk(chunk.markdown, shift=2), cache=store)
    assert len(checked) == 1 and deeper["blocks"][0]["c"][0] == 3


def test_a_chunks_index_is_its_own_ids_links_and_citation_places_and_kept_with_it(tmp_path):
    store = Cache(tmp_path / "cache")
    chunk = Chunk('# Title\n\nSee [it](#title), [the web](https://example.org/).\n\n'
                  '::: { .citation citation="alpha"}\n:::\n', shift=1, prefix="alpha")
    doc, index = document.ready_chunk(chunk, cache=store)
    assert index == document.ChunkIndex(("alpha-title",), ("#alpha-title",
                                                           "https://example.org/"), True)
    assert document.ready_chunk(chunk, cache=store) == (doc, index)
    plain = document.ready_chunk(Chunk("Text and [a link](#elsewhere).\n"))[1]
    assert plain == document.ChunkIndex((), ("#elsewhere",), False)


def test_a_dead_link_is_found_from_the_cached_index_as_from_the_text(tmp_path: Path):
    store = Cache(tmp_path / "cache")
    path = tmp_path / "reading.md"
    chunks = [Chunk("# One {#one}\n"), Chunk("See [two](#two).\n", path, first_line=3)]
    for _ in range(2):  # the second time from the cache
        with pytest.raises(ContentError, match="link to #two") as raised:
            build_document(chunks, {}, cache=store)
        assert raised.value.line == 3
