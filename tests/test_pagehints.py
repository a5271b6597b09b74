"""Literal page numbers for cross-references: derived rules, hints, and the check that they hold."""

from __future__ import annotations

import subprocess

from helpers import ROOT
from pressroom.pagehints import hint_rules, literal_rules, moved
from pressroom.pdf import render_pdf

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


def test_a_target_that_moved_or_was_never_hinted_is_caught():
    assert moved({"t-1": 2}, {"t-1": 2}, BODY) == []
    assert moved({"t-1": 2}, {"t-1": 3}, BODY) == ["t-1"]
    assert moved({}, {"t-1": 2}, BODY) == ["t-1"]
