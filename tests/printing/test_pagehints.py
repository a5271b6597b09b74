"""Literal page numbers for cross-references: derived rules, hints, and the check that they hold."""

from __future__ import annotations

import subprocess

from helpers import ROOT
from pressroom.printing.layout import render_pdf
from pressroom.printing.pagehints import hint_rules, literal_rules, settled, wrong

CSS = ('a.x::after { content: ", p.\\00a0" target-counter(attr(href url), page); }\n'
       'nav a::after { content: leader(". ") target-counter(attr(href url), page); }\n'
       'a.y::after { content: target-counter(attr(href url), page, lower-roman); }\n'
       'p { color: black }')
BODY = ('<nav><a href="#t-1">Target</a></nav><p><a class="x" href="#t-1">see</a></p>'
        '<p style="break-before: page" id="t-1">target</p>')


def test_each_target_page_rule_gets_a_counter_twin_and_nothing_else():
    rules = literal_rules(CSS).splitlines()
    assert rules == [
        'a.x::after { content: ", p.\u00a0" counter(pressroom-target-page); }',
        'nav a::after { content: leader(". ") counter(pressroom-target-page); }',
    ]  # a target-counter in another style, or another property, is left to WeasyPrint


def _text(css: str, tmp_path) -> str:
    html = f"<style>{css}</style>{BODY}"
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(render_pdf(html, ROOT, variant=None).data)
    return subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_hinted_numbers_print_as_target_counter_would(tmp_path):
    with_target_counter = _text(CSS, tmp_path)
    literal = _text(CSS + literal_rules(CSS) + hint_rules({"t-1": 2}), tmp_path)
    assert "see, p. 2" in with_target_counter
    assert literal == with_target_counter


def test_what_the_layout_printed_is_read_back_and_checked(tmp_path):
    right = render_pdf(f"<style>{CSS}</style>{BODY}", ROOT, variant=None)
    assert right.printed_pages == {"t-1": (2, 2)}  # the contents entry and the reference
    assert wrong(right.printed_pages, right.anchor_pages) == []
    off = CSS + literal_rules(CSS) + hint_rules({"t-1": 1})
    stale = render_pdf(f"<style>{off}</style>{BODY}", ROOT, variant=None)
    assert stale.printed_pages == {"t-1": (1, 1)}
    assert wrong(stale.printed_pages, stale.anchor_pages) == ["t-1"]
    assert settled(stale.printed_pages, stale.anchor_pages) == {"t-1": 2}


def test_a_draft_with_wrong_numbers_is_not_written_and_one_with_right_ones_is():
    off = CSS + literal_rules(CSS) + hint_rules({"t-1": 1})
    stale = render_pdf(f"<style>{off}</style>{BODY}", ROOT, variant=None, draft=True)
    assert stale.data == b"" and wrong(stale.printed_pages, stale.anchor_pages) == ["t-1"]
    assert stale.anchor_pages["t-1"] == 2  # what the next round needs is there
    on = CSS + literal_rules(CSS) + hint_rules({"t-1": 2})
    right = render_pdf(f"<style>{on}</style>{BODY}", ROOT, variant=None, draft=True)
    assert right.data.startswith(b"%PDF-")
    assert right.data == render_pdf(f"<style>{on}</style>{BODY}", ROOT, variant=None).data


def test_right_literal_numbers_lay_out_byte_for_byte_as_target_counter(tmp_path):
    from helpers import MINIMAL, TEMPLATES
    from pressroom.engine.layout import print_body, print_html
    from pressroom.engine.prepare import prepare
    from pressroom.engine.settings import Settings
    from pressroom.papers import PAGE_SOURCE

    settings = Settings(ROOT, MINIMAL, TEMPLATES, tmp_path / "build")
    prepared = prepare(settings)
    body = print_body(settings, prepared)
    counted = render_pdf(print_html(settings, prepared, body, PAGE_SOURCE), ROOT)
    assert wrong(counted.printed_pages, counted.anchor_pages) == []
    hints = settled(counted.printed_pages, counted.anchor_pages)
    assert hints  # the fixture has contents and cross-references
    literal = render_pdf(print_html(settings, prepared, body, PAGE_SOURCE, hints), ROOT)
    assert literal.data == counted.data


def test_a_hint_names_its_target_as_written_or_escaped_where_css_needs_it():
    rules = hint_rules({"r1-note-2": 5, "r1-é.x:y": 6, "r1-a b/c": 7}).splitlines()
    assert rules[0].startswith('[href="\\23 r1-a\\20 b\\2f c"], '
                               '[href="x-pressroom-piece:r1-a\\20 b\\2f c"] ')
    assert rules[1].startswith('[href="\\23 r1-note-2"], ')
    assert rules[2].startswith('[href="\\23 r1-é.x:y"], ')
    assert all(rule.endswith(f"{n}; }}") for rule, n in zip(rules, (7, 5, 6), strict=True))
