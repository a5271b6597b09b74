"""The volume cut into pieces: where they begin (read from the stylesheet), what each holds,
its links to other pieces."""

from __future__ import annotations

from lxml import html as lxml_html

from pressroom.printing.pieces import (
    FRONT,
    PIECE_LINK,
    Splitter,
    recto_classes,
    split,
    with_numbers,
)

CSS = """
section.reading { break-before: right; }
section.part { page: part; break-before: right }
section.appendix { break-before: page; }
section.appendix { break-before: recto; }
section.plain { break-before: right; }
section.plain { break-before: auto; }
"""

PAGE = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Volume</title>
<meta name="author" content="An Editor"><style>{CSS}</style></head><body>
<section class="title-page"><h1>Volume</h1></section>
<nav class="toc"><a href="#r1">One</a> <a href="#p1">Part</a> <a href="#r2">Two</a></nav>
<main>
<section id="r1" class="level1 reading"><h1>One</h1><p id="x">See <a href="#r2">two</a>
and <a href="#x">here</a>.</p><section id="s1" class="plain"><p>Sub</p></section></section>
<section id="p1" class="level1 part"><h1>Part</h1>
<section id="r2" class="level2 reading"><h2>Two</h2><p>Back to <a href="#r1">one</a>.</p></section>
<p id="coda">After two, still in the part.</p>
<section id="r3" class="level2 reading"><h2>Three</h2></section></section>
<section id="a1" class="level1 appendix"><h1>App</h1></section>
</main></body></html>"""


def test_the_recto_classes_are_those_whose_last_break_before_is_a_recto():
    assert recto_classes(CSS) == {"reading", "part", "appendix"}


def test_a_piece_begins_at_every_recto_section_and_each_id_is_in_one_piece():
    pieces = split(PAGE)
    assert [p.name for p in pieces] == [FRONT, "r1", "p1", "r2", "r3", "a1"]
    seen: list[str] = []
    for piece in pieces:
        seen += piece.ids
    assert len(seen) == len(set(seen))
    # What follows a nested piece in its section stays with the piece it falls after.
    by_name = {p.name: p for p in pieces}
    assert "coda" in by_name["r2"].ids and "s1" in by_name["r1"].ids


def test_a_nested_piece_is_held_by_an_empty_shell_of_its_section():
    by_name = {p.name: p for p in split(PAGE)}
    two = lxml_html.document_fromstring(by_name["r2"].html)
    shell = two.body.find(".//section")
    assert shell.get("class") == "level1 part" and shell.get("id") is None
    assert shell.find("h1") is None and shell.find("section").get("id") == "r2"
    assert by_name["r2"].continues and not by_name["p1"].continues
    assert not by_name["a1"].continues


def test_only_the_front_piece_keeps_the_volumes_metadata():
    front, one = split(PAGE)[:2]
    assert "An Editor" in front.html and "<title>Volume</title>" in front.html
    assert "An Editor" not in one.html and "<title>r1</title>" in one.html
    assert CSS.strip()[:30] in one.html


def test_links_to_other_pieces_are_written_for_the_join():
    by_name = {p.name: p for p in split(PAGE)}
    one = by_name["r1"]
    assert f'href="{PIECE_LINK}r2"' in one.html and 'href="#x"' in one.html
    assert one.targets == {"r2", "x"}
    assert by_name[FRONT].html.count(PIECE_LINK) == 3


def test_the_whole_volume_is_one_piece_on_request():
    (whole,) = split(PAGE, whole=True)
    assert whole.html == PAGE and {"r1", "r2", "a1", "coda"} <= whole.ids


def test_a_handout_without_front_matter_has_no_empty_front_piece():
    page = PAGE.split("<main>")[0].split("<section class=\"title-page\">")[0] + (
        '<main><section id="r1" class="level1 reading"><p>Only</p></section></main>'
        "</body></html>")
    assert [p.name for p in split(page)] == ["r1"]


def test_numbers_go_last_in_the_head():
    piece = split(PAGE)[1]
    page = with_numbers(piece.html, "a::after { content: 'n' }")
    assert page.index("a::after") < page.index("</head>") and page.index(CSS[:20]) < page.index(
        "a::after")


def test_the_variants_pieces_share_the_cut_body_and_have_their_own_stylesheets():
    splitter = Splitter()
    splitter.split(PAGE)
    large = PAGE.replace("</style>", "body { font-size: 18pt }</style>")
    pieces = splitter.split(large)
    # Made from the first page's cut body, they are what a split of their own page gives.
    assert pieces == split(large)
    assert all("font-size: 18pt" in p.html for p in pieces)
    assert not any("font-size: 18pt" in p.html for p in split(PAGE))


def test_a_page_with_another_body_or_other_recto_sections_is_cut_anew():
    splitter = Splitter()
    splitter.split(PAGE)
    retitled = PAGE.replace("<h2>Two</h2>", "<h2>Two, retitled</h2>")
    assert splitter.split(retitled) == split(retitled)
    assert "retitled" in {p.name: p for p in splitter.split(retitled)}["r2"].html
    # The appendix no longer opens on a recto: it stays in the last reading's piece.
    no_recto = PAGE.replace("section.appendix { break-before: recto; }", "")
    assert [p.name for p in splitter.split(no_recto)] == [FRONT, "r1", "p1", "r2", "r3"]
