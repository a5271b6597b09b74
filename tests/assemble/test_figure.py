"""The timeline figure: drawn from the chronology data, in both formats, with a text alternative."""

from __future__ import annotations

import re
import zipfile

from conftest import Built
from helpers import CONTENT, MINIMAL, TEMPLATES, copy_fixture, epub_xhtml, pdftotext
from pressroom.assemble.chunks import assemble_markdown
from pressroom.assemble.figure import LABEL_PX, layout_timeline, phase_groups, render_timeline_svg
from pressroom.sources.load import load_edition


def _chronology(content_dir):
    edition = load_edition(content_dir)
    return next(a.data for a in edition.appendices if a.kind == "chronology")


def test_rows_follow_date_order_and_bands_hold_their_events():
    layout = layout_timeline(_chronology(MINIMAL))
    assert [r.title_lines[0] for r in layout.rows] == [
        "A state is founded", "A treaty is signed", "The quotation is spoken"]
    assert [r.shape for r in layout.rows] == ["dot", "dot", "hollow"]
    bands = {b.label: b for b in layout.bands}
    # Early (1949-1950) holds October 1949; Late (from 1950) holds the 1950 and 1951 events.
    assert bands["Early"].y <= layout.rows[0].y < bands["Early"].y + bands["Early"].height
    late = bands["Late"]
    assert all(late.y <= r.y < late.y + late.height for r in layout.rows[1:])


def test_the_svg_has_a_title_and_description_and_escapes_data(tmp_path):
    content = copy_fixture(tmp_path)
    path = content / "timeline" / "chronology.yaml"
    path.write_text(path.read_text().replace("A treaty is signed", "A <script> & *treaty*"))
    svg, alt = render_timeline_svg(_chronology(content), TEMPLATES)
    assert re.search(r"<title id=\"timeline-title\">Chronology of the Sample", svg)
    assert "<desc id=\"timeline-desc\">A timeline of 3 events" in svg
    assert "A &lt;script&gt; &amp; *treaty*" in svg and "<script>" not in svg
    assert alt.startswith("A timeline of 3 events from October 1949 to 1951?")


def test_the_figure_changes_when_the_data_does(tmp_path):
    before, _ = render_timeline_svg(_chronology(MINIMAL), TEMPLATES)
    content = copy_fixture(tmp_path)
    path = content / "timeline" / "chronology.yaml"
    path.write_text(path.read_text().replace('date: "1950-02-14"', 'date: "1952-06"')
                    .replace("A treaty is signed", "A treaty is delayed"))
    after, _ = render_timeline_svg(_chronology(content), TEMPLATES)
    assert before != after
    assert "A treaty is delayed" in after and "June 1952" in after
    assert "A treaty is signed" not in after


def test_the_figure_is_in_the_epub_with_alt_text(minimal_build: Built):
    epub = minimal_build.one("epub")
    with zipfile.ZipFile(epub) as zf:
        media = [n for n in zf.namelist() if n.startswith("EPUB/media/") and "cover" not in n]
        assert len(media) == 1 and media[0].endswith(".svg")
        assert "A treaty is signed" in zf.read(media[0]).decode()
    images = [img for root in epub_xhtml(epub).values()
              for img in root.iter("{http://www.w3.org/1999/xhtml}img")
              if "cover" not in img.get("src", "")]
    assert len(images) == 1
    assert images[0].get("alt", "").startswith("A timeline of 3 events")


def test_the_figure_is_drawn_in_the_pdf(minimal_build: Built):
    text = pdftotext(minimal_build.one("pdf", "reading", "A4"))
    # SVG text is laid out as text: the labels and the caption are in the PDF.
    assert "The quotation is spoken" in text
    assert "Figure A.1." in text


def test_an_event_without_a_year_is_listed_but_not_drawn(tmp_path):
    content = copy_fixture(tmp_path)
    path = content / "timeline" / "chronology.yaml"
    text = path.read_text()
    path.write_text(text.replace('date: "1951?"', 'date: "XXXX-01"').replace(
        "    strand: ideology\n", "    strand: ideology\n    sort_after: founding\n"))
    chronology = _chronology(content)
    layout = layout_timeline(chronology)
    assert [r.title_lines[0] for r in layout.rows] == ["A state is founded", "A treaty is signed"]
    assert layout.description.endswith(
        "Not drawn, because no year is given: The quotation is spoken (January, year not given).")
    svg, _ = render_timeline_svg(chronology, TEMPLATES)
    drawn = " ".join(re.findall(r"<text [^>]*>([^<]*)</text>", svg))
    assert "A treaty is signed" in drawn
    assert "quotation" not in drawn and "year not given" not in drawn
    markdown = assemble_markdown(load_edition(content), TEMPLATES)
    caption = next(line for line in markdown.splitlines() if line.startswith("[Figure A.1."))
    assert caption.endswith("Not drawn, as no year is given: The quotation is spoken.]{.caption}")
    # The appendix still lists it, after the event its sort_after names.
    order = [markdown.index(f"#chron-{i} ") for i in ("founding", "quotation", "treaty")]
    assert order == sorted(order)
    assert "## [January, year not given]{.event-date}" in markdown


def test_every_band_is_tall_enough_for_its_label():
    # The edition's first phase holds a single event; its name must still fit its band.
    layout = layout_timeline(_chronology(CONTENT))
    assert [b.label for b in layout.bands] == [
        "Inequality", "Revival", "Strain", "Interregnum", "Rupture"]
    for band in layout.bands:
        assert band.height >= LABEL_PX * len(band.label), band.label
    for upper, lower in zip(layout.bands, layout.bands[1:], strict=False):
        assert upper.y + upper.height <= lower.y, (upper.label, lower.label)


def test_an_event_without_a_year_stays_in_its_phase_in_the_text_version(tmp_path):
    content = copy_fixture(tmp_path)
    path = content / "timeline" / "chronology.yaml"
    path.write_text(path.read_text().replace('date: "1951?"', 'date: "XXXX-01"').replace(
        "    strand: ideology\n", "    strand: ideology\n    sort_after: founding\n"))
    groups = phase_groups(_chronology(content))
    placed = next(g for g in groups if any(e.id == "quotation" for e in g.events))
    assert placed.label is not None  # with the event it follows, not in a group of its own


def test_the_figure_fits_an_a4_plate_with_8pt_type():
    # A plate on A4 (178 x 226 mm for the drawing) at 8 pt or more: the 15-unit dates must be
    # drawn at no less than 8/15 of their size, so the figure may be at most this high.
    layout = layout_timeline(_chronology(MINIMAL))
    assert layout.width <= 720
    full = layout_timeline(next(a.data for a in load_edition(CONTENT).appendices
                                if a.kind == "chronology"))
    scale = min(178 / 25.4 * 72 / full.width, 226 / 25.4 * 72 / full.height)
    assert 15 * scale >= 8
