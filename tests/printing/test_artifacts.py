"""Running heads and folios become pagination artifacts; nothing else changes."""

from __future__ import annotations

import subprocess
from io import BytesIO
from pathlib import Path

import pikepdf

from pressroom.printing.artifacts import mark_pagination_artifacts
from pressroom.printing.layout import render_pdf

_HTML = """<!DOCTYPE html><html lang="en"><head><title>T</title><style>
@page { size: A6; margin: 20mm; @top-center { content: "Running Head" }
@bottom-center { content: counter(page) } }</style></head>
<body><h1>Heading</h1><p>Body text.</p><p style="break-before: page">More.</p></body></html>"""


def _markers(data: bytes) -> list[list[str]]:
    with pikepdf.open(BytesIO(data)) as pdf:
        return [[str(ops[0]) + (f" {int(ops[1].MCID)}" if "/MCID" in ops[1] else "")
                 for ops, op in pikepdf.parse_content_stream(page) if str(op) == "BDC"]
                for page in pdf.pages]


def _text(data: bytes, tmp_path: Path) -> str:
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(data)
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_margin_boxes_become_artifacts(tmp_path: Path):
    data = render_pdf(_HTML, tmp_path).data
    marked = mark_pagination_artifacts(data)
    before, after = _markers(data), _markers(marked)
    # Each page: the running head and the folio were tagged content, now artifacts; the
    # body's marked content keeps its MCIDs.
    assert [len(page) for page in before] == [len(page) for page in after] == [4, 3]
    assert [m for page in after for m in page if m == "/Artifact"] == ["/Artifact"] * 4
    assert [m for m in after[0] if m != "/Artifact"] == before[0][:2]
    assert _text(marked, tmp_path) == _text(data, tmp_path)
    # Reproducible: the same input gives the same bytes.
    assert mark_pagination_artifacts(data) == marked


def test_an_untagged_pdf_is_left_as_it_was():
    from weasyprint import HTML

    plain = HTML(string="<p>x</p>").write_pdf()
    assert mark_pagination_artifacts(plain) == plain
