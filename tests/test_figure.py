"""The timeline figure: drawn from the chronology data, in both formats, with a text alternative."""

from __future__ import annotations

import re
import zipfile

from conftest import Built
from helpers import CONTENT, MINIMAL, TEMPLATES, copy_fixture, epub_xhtml, pdftotext
from pressroom.content import load_edition
from pressroom.figure import layout_timeline, phase_groups, render_timeline_svg


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


def _with_unknown_year(chronology):
    # An event whose year is not known (EDTF "XXXX-01"): whatever the date model makes of it,
    # its lower bound is no date. The figure must still be drawn.
    from pressroom.dates import EdtfDate, Point

    unknown = EdtfDate("XXXX-01", Point(0, 1, None), None, None, None)  # type: ignore[arg-type]
    event = chronology.events[0].model_copy(update={"id": "undated", "date": unknown,
                                                    "title": "A month with no year"})
    return chronology.model_copy(update={"events": [*chronology.events, event]})


def test_an_event_of_unknown_year_comes_last_outside_every_phase():
    chronology = _with_unknown_year(_chronology(MINIMAL))
    layout = layout_timeline(chronology)
    assert layout.rows[-1].title_lines == ("A month with no year",)
    last = layout.rows[-1]
    assert all(not (b.y <= last.y < b.y + b.height) for b in layout.bands)
    groups = phase_groups(chronology)
    assert [g.label for g in groups] == ["Early", "Late", None]
    assert [e.id for e in groups[-1].events] == ["undated"] and groups[-1].years == ""
    svg, _ = render_timeline_svg(chronology, TEMPLATES)
    assert "A month with no year" in svg


def test_the_figure_fits_an_a4_plate_with_8pt_type():
    # A plate on A4 (178 x 226 mm for the drawing) at 8 pt or more: the 15-unit dates must be
    # drawn at no less than 8/15 of their size, so the figure may be at most this high.
    layout = layout_timeline(_chronology(MINIMAL))
    assert layout.width <= 720
    full = layout_timeline(next(a.data for a in load_edition(CONTENT).appendices
                                if a.kind == "chronology"))
    scale = min(178 / 25.4 * 72 / full.width, 226 / 25.4 * 72 / full.height)
    assert 15 * scale >= 8
