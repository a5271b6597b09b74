"""Every note on its call's page: misplaced notes found from the layout's anchors, and a
layout WeasyPrint sets wrong laid out again with the paragraph at the page's foot held.

Most such faults never reach the holds now: the layout context of printing.keepnotes takes
the paragraph over in the first layout (tests/printing/test_keepnotes.py). The holds are
tested where that context is not in place, as on a WeasyPrint whose line layout it cannot
reach, and on the fault it does not cover.
"""

from __future__ import annotations

import pytest
import weasyprint

from helpers import FIXTURES, ROOT, TEMPLATES, variant_html
from pressroom.engine.settings import Settings
from pressroom.printing import footnotes, keepnotes
from pressroom.printing.layout import page_of_anchors, render_pdf

_PAGE = ('<html><head><style>p {{ orphans: 3 }}</style></head><body>'
         '<p class="x">One.<a id="r-noteref-1">1</a><span id="r-note-1" class="footnote">'
         'Note.</span></p><li>Two.<span id="r-note-2" class="footnote">N.</span></li>{more}'
         '</body></html>')


def test_a_note_dropped_or_a_page_late_is_found():
    html = _PAGE.format(more="")
    assert not footnotes.misplaced(html, {"r-note-1": 3, "r-noteref-1": 3, "r-note-2": 4,
                                          "r-noteref-2": 4})
    wrong = footnotes.misplaced(html, {"r-note-1": 4, "r-noteref-1": 3, "r-noteref-2": 4})
    assert wrong.lost == ("r-note-2",) and wrong.moved == (("r-note-1", 4, 3),)
    assert wrong.lost_calls == (4,) and wrong.weight == 101


def test_the_paragraph_split_at_the_foot_of_a_calls_page_is_held_for_one_more_line():
    wrong = footnotes.Misplaced(lost=("r-note-9",), moved=(("r-note-1", 13, 12),
                                                           ("r-note-2", 13, 12)),
                                lost_calls=(15,))
    # A piece from page 11: pages 12 and 14 by index. The first split is at pm-7's orphan
    # line; the second began its page (fewer lines than its orphans), so holding it is no use.
    splits = {1: ("pm-7", 2, 2), 3: None}
    assert footnotes.holds(wrong, 11, splits.get) == {"pm-7": 3}
    splits[3] = ("pm-8", 1, 2)
    assert footnotes.holds(wrong, 11, splits.get) == {"pm-7": 3}
    html = _PAGE.format(more="")
    assert footnotes.with_holds(html, {}) == html
    body = "<body>" + html.split("<body>", 1)[1]
    assert footnotes.with_holds(html, {"pm-9": 4, "pm-7": 3}).endswith(
        "<style>:has(> #pm-7) { orphans: 3 } :has(> #pm-9) { orphans: 4 }</style></head>" + body)
    assert footnotes.with_holds(html, {}, spaced=True).endswith(
        f"<style>{footnotes.SPACED}</style></head>" + body)


@pytest.fixture
def plain_weasyprint(monkeypatch):
    """Layouts by WeasyPrint's own layout context, as where keepnotes cannot install its."""
    monkeypatch.setattr(keepnotes, "installed", lambda: False)
    monkeypatch.setattr(weasyprint.document, "LayoutContext", keepnotes.LayoutContext)


def test_a_held_paragraph_moves_over_whole_and_its_note_stays_with_its_call(plain_weasyprint):
    # A page that fills at the second line of the last paragraph: WeasyPrint 70 keeps that
    # line and moves the page's note (called earlier) to the next page.
    filler = "Word " * 60
    html = ("<html><head><style>@page { size: 120mm 90mm; margin: 10mm } "
            "body { font: 10pt/12pt serif } p { margin: 0; orphans: 2; widows: 2 } "
            ".footnote { float: footnote; footnote-policy: line }</style></head><body>"
            f'<p><span id="pm-1"></span>{filler}<a id="r-noteref-1">1</a>'
            '<span id="r-note-1" class="footnote">A note of two lines, long enough to need '
            'them both at the foot of this small page.</span></p>'
            f'<p><span id="pm-2"></span>{filler * 3}</p></body></html>')
    for words in range(60, 200, 4):
        page = html.replace(filler, "Word " * words, 1)
        first = weasyprint.HTML(string=page).render()
        if footnotes.misplaced(page, page_of_anchors(first)).moved:
            break
    else:
        raise AssertionError("no length of the first paragraph set its note a page late")
    rendered = render_pdf(page, ROOT, variant=None)
    assert not footnotes.misplaced(page, rendered.page_map.anchors)
    assert rendered.page_map.anchors["r-note-1"] == rendered.page_map.anchors["pm-1"]
    assert rendered.page_map.anchors["pm-2"] == 2  # the held paragraph begins page 2


@pytest.mark.slow
def test_a_layout_with_a_note_out_of_place_is_laid_out_again_until_none_is(tmp_path):
    # The real-shaped article's paragraph of seven notes in three lines, in US Letter:
    # WeasyPrint 70 sets it a line a page, each line's notes on the page after, with or
    # without the context that keeps orphan lines from sending notes over.
    assert keepnotes.installed()
    settings = Settings(ROOT, FIXTURES / "pandoc-real" / "reader.yaml", TEMPLATES,
                        tmp_path / "build")
    html = variant_html(settings, "letter")
    first = weasyprint.HTML(string=html, base_url=f"{ROOT}/").render()
    anchors = page_of_anchors(first)
    assert footnotes.misplaced(html, anchors).moved  # the fault is WeasyPrint's, and real
    rendered = render_pdf(html, ROOT, variant=None)
    assert not footnotes.misplaced(html, rendered.page_map.anchors)
    assert rendered.pages < len(first.pages)
    assert not [w for w in rendered.warnings if "is printed on page" in w]
