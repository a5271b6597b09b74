"""Citations: CSL records formatted by Pandoc's citeproc, in the collection's style."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import FIXTURES, READER
from pressroom.errors import ContentError
from pressroom.sources.citations import read_bibliography, render_citations
from pressroom.sources.load import load_edition
from pressroom.sources.models import csl_item

BARE = FIXTURES / "csl" / "bare.csl"

KINDS = {
    "journal": {"type": "article-journal", "title": "An Article",
                "author": [{"family": "Alpha", "given": "Anna"}],
                "container-title": "Journal of Fixtures", "volume": "7", "issue": "2",
                "issued": {"date-parts": [[1995]]}, "page": "101-124",
                "DOI": "10.1000/fixture.101"},
    "chapter": {"type": "chapter", "title": "A Chapter",
                "author": [{"family": "Beta", "given": "Bruno"}],
                "editor": [{"family": "Chapter", "given": "Carla"}],
                "container-title": "A Book of Alliances", "publisher": "Fixture Press",
                "publisher-place": "Nowhere", "issued": {"date-parts": [[1990]]},
                "page": "57-81"},
    "excerpt": {"type": "book", "title": "A Long Book",
                "author": [{"family": "Gamma", "given": "Gina"}], "publisher": "Fixture Press",
                "issued": {"date-parts": [[2001]]}, "page": "12-30", "number-of-pages": "400"},
    "newspaper": {"type": "article-newspaper", "title": "Moscow Speaks",
                  "container-title": "The Fixture Times",
                  "issued": {"date-parts": [[1960, 4, 22]]}, "page": "5"},
    "archive": {"type": "manuscript", "title": "Letter to the Minister",
                "author": [{"family": "Delta", "given": "Dora"}],
                "archive": "National Fixture Archives", "archive_location": "FO 371/1",
                "issued": {"date-parts": [[1959, 10, 2]]}},
    "web": {"type": "webpage", "title": "A Page on Alliances", "container-title": "Fixtures Online",
            "URL": "https://example.org/alliances", "accessed": {"date-parts": [[2020, 1, 2]]}},
}


def records() -> list[dict]:
    return [{**item, "id": key} for key, item in KINDS.items()]


def test_every_kind_of_source_is_formatted_by_citeproc():
    found = render_citations(records())
    assert set(found) == set(KINDS)
    assert found["journal"].text == ("Alpha, Anna. 1995. “An Article.” Journal of Fixtures 7 "
                                     "(2): 101–24. https://doi.org/10.1000/fixture.101.")
    assert "In A Book of Alliances, edited by Carla Chapter" in found["chapter"].text
    assert "The Fixture Times" in found["newspaper"].text
    assert "National Fixture Archives" in found["archive"].text
    assert "https://example.org/alliances" in found["web"].text
    assert found["excerpt"].text.startswith("Gamma, Gina. 2001. A Long Book.")


def test_citations_come_as_pandoc_blocks_with_live_links():
    blocks = render_citations(records())["web"].blocks
    links = [n for n in blocks[0]["c"] if n["t"] == "Link"]
    assert links[0]["c"][2][0] == "https://example.org/alliances"


def test_citations_come_as_inline_html_with_the_styles_italics():
    found = render_citations(records())
    journal = found["journal"].html
    # The title page sets it as the opener does: the journal's title in italics.
    assert "<em>Journal of Fixtures</em>" in journal
    assert journal.startswith("Alpha, Anna. 1995. ")
    assert not journal.startswith("<p")
    assert ('<a href="https://example.org/alliances">https://example.org/alliances</a>'
            in found["web"].html)


def test_markup_in_a_record_is_escaped_in_the_html():
    found = render_citations([{"id": "x", "type": "book", "title": "A <script>b</script> & c",
                               "publisher": "<b>P</b>"}])
    html = found["x"].html
    assert "<script" not in html.lower() and "<b>" not in html
    assert "&lt;Script&gt;b&lt;/Script&gt; &amp; c" in html


def test_switching_the_csl_style_changes_the_citations():
    chicago = render_citations(records())
    bare = render_citations(records(), BARE)
    assert bare["journal"].text == "FIXTURE STYLE: An Article."
    assert bare["journal"].text != chicago["journal"].text


def test_a_collection_names_its_style(tmp_path: Path):
    reader = tmp_path / "reader.yaml"
    text = READER.read_text(encoding="utf-8").replace(
        "bibliography: sources.bib", f"bibliography: {FIXTURES / 'reader' / 'sources.bib'}\n"
        f"csl: {BARE}")
    reader.write_text(text.replace("readings/", f"{FIXTURES / 'reader' / 'readings'}/").replace(
        "introduction: introduction.md", ""), encoding="utf-8")
    edition = load_edition(reader, root=FIXTURES)
    assert edition.csl == BARE
    found = render_citations([r.source for r in edition.readings if r.source], BARE)
    # Pandoc reads BibTeX titles in sentence case; this style prints them as they come.
    assert found["beta"].text == "FIXTURE STYLE: Treaties in theory."


def test_text_in_a_record_prints_literally():
    found = render_citations([{"id": "x", "type": "book", "title": "Stars *and* [brackets]"}])
    assert found["x"].text.startswith("Stars *and* [")


def test_a_bibtex_bibliography_becomes_csl_records():
    entries = read_bibliography(FIXTURES / "reader" / "sources.bib")
    beta = entries["beta1990"]
    assert (beta["type"], beta["page"], beta["number-of-pages"]) == ("chapter", "57-81", "320")


def test_a_csl_json_bibliography_is_read(tmp_path: Path):
    path = tmp_path / "refs.json"
    path.write_text('[{"id": "k", "type": "book", "title": "A Book"}]', encoding="utf-8")
    assert read_bibliography(path)["k"]["title"] == "A Book"


def test_a_bibliography_of_another_kind_is_refused(tmp_path: Path):
    path = tmp_path / "refs.ris"
    path.write_text("TY  - BOOK\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"CSL JSON \(\.json\) or BibTeX"):
        read_bibliography(path)


@pytest.mark.parametrize(("written", "stored"), [
    (2014, {"date-parts": [[2014]]}),
    ("1960-04", {"date-parts": [[1960, 4]]}),
    ({"date-parts": [[1960, 4, 22]]}, {"date-parts": [[1960, 4, 22]]}),
])
def test_dates_written_by_hand_become_date_parts(written, stored):
    assert csl_item({"type": "book", "issued": written})["issued"] == stored


def test_names_written_as_text_become_csl_names():
    item = csl_item({"type": "book", "author": ["Blank, Gary", "The Editorial Board"]})
    assert item["author"] == [{"family": "Blank", "given": "Gary"},
                              {"literal": "The Editorial Board"}]


def test_a_french_title_keeps_its_capitals_in_every_citation():
    # CSL title-cases English titles only: the record's language, or else the reading's.
    english = {"id": "en", "type": "book", "title": "the life of footnotes",
               "author": [{"family": "Dupont", "given": "Marie"}],
               "issued": {"date-parts": [[1998]]}}
    french = dict(english, id="fr", title="la vie des notes de bas de page", language="fr-FR")
    found = render_citations([english, french])
    assert "The Life of Footnotes" in found["en"].text
    assert "la vie des notes de bas de page" in found["fr"].text.lower()
    assert "La Vie Des Notes" not in found["fr"].text


def test_a_source_record_takes_the_readings_language(tmp_path: Path):
    from pressroom.sources.citations import resolve_source
    from pressroom.sources.load import load_reading

    path = tmp_path / "extrait.md"
    path.write_text("---\ntitle: la vie des notes\nauthor: Marie Dupont\nlang: fr\n"
                    "source: {type: book, issued: 1998}\n---\nTexte.\n", encoding="utf-8")
    item = resolve_source(load_reading(path), None, None).source
    assert item["language"] == "fr"
    assert "la vie des notes" in render_citations([item])["extrait"].text
