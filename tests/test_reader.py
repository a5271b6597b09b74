"""A course reader end to end: the fixture reader (two parts, four readings that each number
their notes from 1, an editors' introduction) in every format, read back from the outputs."""

from __future__ import annotations

import csv
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pypandoc
import pytest

from conftest import Built
from helpers import FIXTURES, XHTML, page_head, pdftotext
from pressroom.checks.epub import epub_note_links, run_epubcheck
from pressroom.checks.outputs import check_outputs
from pressroom.checks.pdf import pdf_note_links
from pressroom.sources.load import load_reading

#: Builds whole editions (or readers): the full suite runs it, the fast tier does not.
pytestmark = pytest.mark.slow

READINGS = {  # id: (title, authors, rights)
    "alpha-1995": ("The First Alliance", "Anna Alpha", "Copyright 1995 Journal of Fixtures."),
    "beta": ("Treaties in Theory", "Bruno Beta", "© 1990 Fixture University Press."),
    "plain": ("A Document Written for Plain Pandoc", "Cora Plain, Dan Document",
              "Public domain."),
    "scripts-1960": ("Names in Three Scripts", "Eve Example",
                     "Copyright 1960 The Fixture Times."),
}
NOTES = 3 + 3 + 3 + 2 + 2  # the four readings' notes and the introduction's
OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"


def a4(built: Built) -> Path:
    return built.one("pdf", "reading", "A4")


def anchor_pages(built: Built) -> dict[str, int]:
    out = next(o for o in built.outputs if o.path == a4(built))
    return dict(out.anchor_pages)


def body_text(pdf: Path, page: int) -> str:
    return pdftotext(pdf, page, page, crop_pt=(60, 0))


def test_every_format_is_built(reader_build: Built):
    made = {(o.format, o.variant, o.paper) for o in reader_build.outputs}
    assert {("pdf", "reading", "A4"), ("pdf", "reading", "US Letter"),
            ("pdf", "large-print", "A4"), ("pdf", "booklet", "A4 landscape"),
            ("pdf", "booklet", "US Letter landscape"), ("epub", None, None)} <= made
    names = {o.path.name for o in reader_build.outputs}
    assert {"fixture-reader-permissions.csv", "fixture-reader-permissions.json"} <= names


def test_every_note_links_to_its_call_and_back_in_every_pdf(reader_build: Built):
    for out in reader_build.outputs:
        if out.format == "pdf" and out.variant != "booklet":
            calls, problems = pdf_note_links(out.path)
            assert (calls, problems) == (NOTES, []), out.path.name


def test_every_note_links_to_its_call_and_back_in_the_epub(reader_build: Built):
    calls, problems = epub_note_links(reader_build.one("epub"))
    assert (calls, problems) == (NOTES, [])


def test_notes_are_numbered_from_1_in_each_reading(reader_build: Built):
    html = reader_build.one("html").read_text(encoding="utf-8")
    for reading in ("alpha-1995", "beta", "scripts-1960", "introduction"):
        assert f'id="{reading}-note-1"' in html
    # Named labels ([^first], [^table], [^last]) are numbered by the order of their calls.
    assert [f'id="plain-note-{n}"' in html for n in (1, 2, 3, 4)] == [True, True, True, False]


def test_epubcheck_finds_nothing(reader_build: Built):
    result = run_epubcheck(reader_build.one("epub"))
    assert result.ok, result.detail


def test_inv_check_passes_on_the_reader(reader_build: Built):
    results = check_outputs(reader_build.settings)
    failed = [f"{r.name}: {r.detail}" for r in results if not r.ok]
    assert not failed


def test_each_reading_opens_on_a_recto_with_its_opener(reader_build: Built):
    pages = anchor_pages(reader_build)
    for reading, (title, authors, rights) in READINGS.items():
        first = pages[reading]
        assert first % 2 == 1, f"{reading} starts on page {first}"
        text = " ".join(body_text(a4(reader_build), first).split())
        assert text.startswith(title), reading
        assert authors.split(",")[0] in text and rights in text, reading


def test_openers_carry_the_citation_by_citeproc(reader_build: Built):
    text = " ".join(body_text(a4(reader_build), anchor_pages(reader_build)["beta"]).split())
    # Chicago author-date (Pandoc's default style), from the BibTeX entry the reading cites.
    assert "Beta, Bruno. 1990. “Treaties in Theory.” In A Book of Alliances, edited by Carla " \
           "Chapter." in text
    assert "https://doi.org/10.1000/fixture.57" in text


def _toc_numbers(pdf: Path) -> dict[str, int]:
    toc = " ".join(pdftotext(pdf, 2, 2).split())
    assert toc.startswith("Contents")
    found = {}
    for reading, (title, _, _) in READINGS.items():
        match = re.search(re.escape(title) + r"[^\d]*?(\d+)", toc)
        assert match, title
        found[reading] = int(match.group(1))
    return found


def test_the_contents_page_numbers_are_where_the_readings_are(reader_build: Built):
    pdf = a4(reader_build)
    for reading, listed in _toc_numbers(pdf).items():
        title = READINGS[reading][0]
        actual = next(p for p in range(3, 40)
                      if " ".join(body_text(pdf, p).split()).startswith(title))
        assert listed == actual, reading


def test_the_contents_list_parts_readings_with_authors_and_the_introduction(
        reader_build: Built):
    toc = " ".join(pdftotext(a4(reader_build), 2, 2).split())
    order = ["Introduction — Edith Editor, Second Editor", "Week 1: Alliances",
             "The First Alliance — Anna Alpha", "Treaties in Theory — Bruno Beta",
             "Week 2: Documents", "Names in Three Scripts — Eve Example"]
    positions = [toc.find(entry) for entry in order]
    assert -1 not in positions and positions == sorted(positions)


def test_running_heads_follow_the_reading_and_openers_have_none(reader_build: Built):
    pdf, pages = a4(reader_build), anchor_pages(reader_build)
    alpha, beta = pages["alpha-1995"], pages["beta"]
    assert page_head(pdf, alpha) == ""
    assert page_head(pdf, alpha + 1) == "Anna Alpha"  # verso: the authors
    assert page_head(pdf, alpha + 2) == "The First Alliance"  # recto: the short title
    assert page_head(pdf, beta) == ""
    assert page_head(pdf, beta + 1) == "Bruno Beta"


def test_page_numbers_run_on_through_the_reader(reader_build: Built):
    pdf = a4(reader_build)
    pages = anchor_pages(reader_build)
    last = pdftotext(pdf, pages["beta"] + 1, pages["beta"] + 1).split()
    assert last[-1] == str(pages["beta"] + 1)


def test_the_title_page_names_editors_course_institution_and_term(reader_build: Built):
    text = " ".join(pdftotext(a4(reader_build), 1, 1).split())
    for expected in ("Readings in Fixtures", "A Course Reader for Tests", "Edited by",
                     "Edith Editor", "Second Editor", "FIX 101 Introduction to Fixtures",
                     "University of Nowhere, Spring 2021"):
        assert expected in text


def test_the_permissions_report_lists_every_reading_with_its_pages(reader_build: Built):
    path = reader_build.settings.out_dir / "fixture-reader-permissions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = {row["reading"]: row for row in csv.DictReader(lines)}
    assert list(rows) == list(READINGS)
    pages = anchor_pages(reader_build)
    for reading, row in rows.items():
        assert int(row["first_page"]) == pages[reading]
        assert int(row["pages"]) == int(row["last_page"]) - int(row["first_page"]) + 1 >= 1
    assert int(rows["alpha-1995"]["pages"]) >= 3
    assert rows["beta"]["rights_holder"] == "Fixture University Press"
    assert rows["beta"]["permissions"] == "Reproduced for teaching under licence FIX-90-1."
    assert (rows["beta"]["source_pages"], rows["beta"]["source_length"]) == ("57-81", "320")
    assert float(rows["beta"]["share_of_source"]) == round(25 / 320, 4)
    assert rows["alpha-1995"]["citation"].startswith("Alpha, Anna. 1995.")
    assert rows["plain"]["citation"] == ""  # a plain Pandoc file names no source


def test_the_manifest_lists_the_report(reader_build: Built):
    manifest = (reader_build.settings.out_dir / "manifest.json").read_text()
    assert "fixture-reader-permissions.csv" in manifest


def _epub_xml(epub: Path, name: str) -> ET.Element:
    with zipfile.ZipFile(epub) as zf:
        return ET.fromstring(zf.read(name))


def test_the_epub_has_a_chapter_per_reading_and_a_navigation_grouped_by_part(
        reader_build: Built):
    epub = reader_build.one("epub")
    with zipfile.ZipFile(epub) as zf:
        chapters = [n for n in zf.namelist() if re.fullmatch(r"EPUB/text/ch\d+\.xhtml", n)]
        homes = {}
        for name in chapters:
            text = zf.read(name).decode("utf-8")
            for reading in READINGS:
                if f'<section id="{reading}"' in text:
                    homes[reading] = name
    assert len(set(homes.values())) == len(READINGS) == len(homes)
    nav = _epub_xml(epub, "EPUB/nav.xhtml")
    toc = next(n for n in nav.iter(f"{XHTML}nav")
               if n.get("{http://www.idpf.org/2007/ops}type") == "toc")
    tops = toc.find(f"{XHTML}ol").findall(f"{XHTML}li")
    labels = {"".join(li.find(f"{XHTML}a").itertext()).strip(): li for li in tops}
    week1 = labels["Week 1: Alliances"]
    inside = ["".join(a.itertext()).strip() for a in week1.iter(f"{XHTML}a")][1:]
    assert inside[:2] == ["The First Alliance", "Treaties in Theory"]


def test_the_package_credits_editors_and_every_reading_author(reader_build: Built):
    opf = _epub_xml(reader_build.one("epub"), "EPUB/content.opf")
    creators = [e.text for e in opf.iter(f"{DC}creator")]
    contributors = [e.text for e in opf.iter(f"{DC}contributor")]
    assert creators == ["Edith Editor", "Second Editor"]
    # As editors (MARC relator edt), not as authors of the collection.
    roles = {m.get("refines"): m.text for m in opf.iter(f"{OPF}meta")
             if m.get("property") == "role"}
    assert [roles["#" + e.get("id")] for e in opf.iter(f"{DC}creator")] == ["edt", "edt"]
    assert contributors == ["Anna Alpha", "Bruno Beta", "Cora Plain", "Dan Document",
                            "Eve Example"]
    sources = [e.text for e in opf.iter(f"{DC}source")]
    assert len(sources) == 3 and any(s.startswith("Beta, Bruno. 1990.") for s in sources)


def test_a_file_written_for_plain_pandoc_is_a_reading_as_it_stands():
    path = FIXTURES / "reader" / "readings" / "plain.md"
    # Plain Pandoc reads it without complaint ...
    pypandoc.convert_file(str(path), "html5", extra_args=["--fail-if-warnings"])
    # ... and so does the reader, which takes its id from the file name.
    reading = load_reading(path)
    assert (reading.id, reading.notes) == ("plain", (1, 2, 3))
    assert [a.name for a in reading.meta.authors] == ["Cora Plain", "Dan Document"]


def test_the_plain_pandoc_reading_keeps_its_table_and_sections(reader_build: Built):
    html = reader_build.one("html").read_text(encoding="utf-8")
    section = html[html.index('<section id="plain"'):html.index('<section id="scripts-1960"')]
    assert "<table" in section and "A treaty is signed" in section
    # Its language is its own, and its level-1 headings sit below the reading's title, with
    # ids of its own.
    assert section.startswith('<section id="plain" class="level2 reading"')
    assert 'lang="en-GB"' in section.split(">")[0]
    assert '<section id="plain-background" class="level3">' in section


def test_text_in_other_scripts_keeps_its_language(reader_build: Built):
    html = reader_build.one("html").read_text(encoding="utf-8")
    for lang, text in (("zh-Hans", "毛泽东"), ("ru", "Никита Хрущёв"), ("vi", "Hồ Chí Minh")):
        # (The print filter may draw the space before a span into it.)
        assert re.search(f'<span lang="{lang}">\\s?{text}</span>', html), lang
    pdf_text = subprocess.run(["pdftotext", str(a4(reader_build)), "-"], capture_output=True,
                              text=True, check=True).stdout
    assert "Хрущёв" in pdf_text and "Hồ Chí Minh" in pdf_text
