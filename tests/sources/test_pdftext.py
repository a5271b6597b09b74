"""A PDF reading's text layer read back as paragraphs and headings."""

from __future__ import annotations

from pathlib import Path

import weasyprint

from pressroom.sources.pdftext import page_blocks, read_layout
from pressroom.tools.run import DEFAULT_LIMITS

REPORT = """<html><head><style>
@page { size: A4; margin: 25mm }
body { font-family: "DejaVu Serif"; font-size: 11pt }
h1 { font-size: 20pt } p.head { font-weight: bold; margin: 12pt 0 4pt }
</style></head><body>
<h1>A Public Report</h1>
<p>The report opens with a paragraph that says what it is about and why it was written,
long enough to run over two lines of the page.</p>
<p class="head">2. Methods</p>
<p>The methods are described here in a paragraph of their own, set like the first.</p>
<p class="head">2.1 Data sources</p>
<p>1. The data came from three archives, which the first item of this list names.</p>
<p>A closing paragraph ends the page.</p>
</body></html>"""


def test_numbered_headings_set_at_the_texts_size_are_headings(tmp_path: Path):
    # Public documents set their section headings in bold at the text's size, which the
    # text layer does not show: the numbering does.
    pdf = tmp_path / "report.pdf"
    weasyprint.HTML(string=REPORT).write_pdf(pdf)
    blocks = page_blocks(read_layout(pdf, 0, 0, DEFAULT_LIMITS))[0]
    levels = {b.text: b.level for b in blocks}
    assert levels["A Public Report"] == 1
    assert levels["2. Methods"] == 2
    assert levels["2.1 Data sources"] == 3
    # A numbered sentence is a paragraph.
    assert levels["1. The data came from three archives, which the first item of this list "
                  "names."] == 0
