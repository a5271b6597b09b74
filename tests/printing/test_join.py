"""Pieces laid out by WeasyPrint joined into one PDF: pages and blank versos, one structure
tree, links across pieces, one outline, page labels, qpdf clean."""

from __future__ import annotations

import subprocess

import pikepdf
import pytest
import weasyprint

from pressroom.errors import RenderError
from pressroom.printing.join import join
from pressroom.printing.layout import _bookmarks
from pressroom.printing.pieces import PIECE_LINK, LaidPiece

CSS = """@page { size: A5; margin: 20mm; @bottom-center { content: counter(page) } }
@page :blank { @bottom-center { content: none } }"""


def _piece(body: str, first: int, continues: bool = False, lang: str = "en") -> LaidPiece:
    page = (f"<html lang='{lang}'><head><title>t</title><style>{CSS}</style><style>@page :first"
            f" {{ counter-reset: page {first} }}</style></head><body>{body}</body></html>")
    document = weasyprint.HTML(string=page).render()
    data = document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
    return LaidPiece(data, first, _bookmarks(document), continues)


@pytest.fixture(scope="module")
def joined(tmp_path_factory) -> pikepdf.Pdf:
    part = _piece(f"<section><h1 id='p'>Part</h1><p>See <a href='{PIECE_LINK}r'>the reading"
                  "</a>.</p></section>", 1)
    reading = _piece(f"<section><section><h2 id='r'>Reading</h2><p>Back to <a href='{PIECE_LINK}"
                     "p'>the part</a>, <a href='#r'>here</a>.</p><p style='break-before: page'>"
                     "More.</p></section></section>", 3, continues=True)
    appendix = _piece("<section><h1 id='a'>Appendix</h1></section>", 5)
    path = tmp_path_factory.mktemp("join") / "joined.pdf"
    path.write_bytes(join([part, reading, appendix]))
    return pikepdf.open(path)


def test_the_pages_follow_each_other_with_a_blank_verso_where_a_piece_ended_on_a_recto(
        joined):
    assert len(joined.pages) == 5
    blank = joined.pages[1]
    assert blank.obj.Contents.read_bytes() == b"" and blank.mediabox == joined.pages[0].mediabox
    text = subprocess.run(["pdftotext", joined.filename, "-"], capture_output=True, text=True,
                          check=True).stdout.split("\f")
    assert "Part" in text[0] and text[1].strip() == "" and "Reading" in text[2]
    assert "Appendix" in text[4] and text[4].strip().endswith("5")


def test_one_structure_tree_holds_every_piece_and_a_continued_section_is_one(joined):
    root = joined.Root.StructTreeRoot
    document = root.K if isinstance(root.K, pikepdf.Dictionary) else root.K[0]
    sections = [kid for kid in document.K if kid.get("/S") == "/Sect"]
    # The part and the reading's shell on its first page are one section (WeasyPrint makes
    # an element of a section's every page, so the shell's second page is one of its own,
    # as in a volume laid out at once), and the appendix another.
    assert len(sections) == 3
    part_kids = [kid.get("/S") for kid in sections[0].K]
    assert "/H1" in part_kids and "/Sect" in part_kids
    for kid in sections[0].K:
        assert kid.P.objgen == sections[0].objgen


def test_every_page_and_annotation_key_names_its_own_entry_in_the_parent_tree(joined):
    parents = pikepdf.NumberTree(joined.Root.StructTreeRoot.ParentTree)
    keys: list[int] = []
    for page in joined.pages:
        if "/StructParents" in page.obj:
            keys.append(int(page.obj.StructParents))
        for annot in page.obj.get("/Annots", ()):
            keys.append(int(annot.StructParent))
            assert parents[int(annot.StructParent)].get("/S") == "/Link"
    assert len(keys) == len(set(keys)) and set(keys) == set(parents.keys())
    assert int(joined.Root.StructTreeRoot.ParentTreeNextKey) == max(keys) + 1


def test_links_across_pieces_are_named_destinations_of_the_joined_file(joined):
    dests = pikepdf.NameTree(joined.Root.Names.Dests)
    assert {"p", "r", "a"} <= set(dests.keys())
    targets = []
    for page in joined.pages:
        for annot in page.obj.get("/Annots", ()):
            assert "/A" not in annot
            targets.append(str(annot.Dest))
    assert sorted(targets) == ["p", "r", "r"]
    page_of = {page.objgen: n for n, page in enumerate(joined.pages)}
    assert page_of[dests["r"][0].objgen] == 2 and page_of[dests["a"][0].objgen] == 4


def test_the_outline_is_made_again_by_level_across_pieces(joined):
    with joined.open_outline() as outline:
        tree = [(item.title, [child.title for child in item.children]) for item in outline.root]
    assert tree == [("Part", ["Reading"]), ("Appendix", [])]


def test_the_joined_file_keeps_the_first_pieces_metadata_and_numbers_its_pages(joined):
    assert str(joined.Root.Lang) == "en" and joined.Root.MarkInfo.Marked
    assert "pdfuaid" in joined.open_metadata().keys().__repr__() or (
        b"pdfuaid" in joined.Root.Metadata.read_bytes())
    assert joined.Root.PageLabels.Nums[1].S == "/D"
    check = subprocess.run(["qpdf", "--check", joined.filename], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_same_pieces_join_to_the_same_bytes():
    pieces = [_piece("<h1 id='a'>A</h1>", 1), _piece("<h1 id='b'>B</h1>", 3)]
    assert join(pieces) == join(pieces)


def test_a_piece_that_overlaps_the_one_before_is_an_error():
    with pytest.raises(RenderError, match="overlaps"):
        join([_piece("<p>a</p><p style='break-before: page'>b</p>", 1), _piece("<p>c</p>", 2)])
