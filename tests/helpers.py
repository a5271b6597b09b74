"""Shared paths and small readers for the tests."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

from pressroom.check import EPUB_NS, XHTML, epub_documents  # noqa: F401 (re-exported to tests)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
MINIMAL = FIXTURES / "minimal"
READER = FIXTURES / "reader" / "reader.yaml"
TEMPLATES = ROOT / "templates"
CONTENT = ROOT / "src" / "content"
SEED_NAME = "000_6279f2246c7e17cc.txt"


def copy_fixture(tmp_path: Path, name: str = "minimal") -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


def pdftotext(pdf: Path, first: int | None = None, last: int | None = None,
              crop_pt: tuple[float, float] | None = None) -> str:
    """Text of a PDF; crop_pt=(top, bottom) leaves out the running heads and folios."""
    args = ["pdftotext", "-enc", "UTF-8"]
    if crop_pt:
        from pypdf import PdfReader

        box = PdfReader(pdf).pages[0].mediabox
        top, bottom = crop_pt
        args += ["-r", "72", "-x", "0", "-y", str(int(top)), "-W", str(int(box.width)),
                 "-H", str(int(float(box.height) - top - bottom))]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


# The package's own reader of EPUB content documents, so tests and inv check parse alike.
epub_xhtml = epub_documents


def epub_file(epub: Path, name: str) -> str:
    with zipfile.ZipFile(epub) as zf:
        return zf.read(name).decode("utf-8")


def page_head(pdf: Path, page: int, height_pt: float = 60) -> str:
    """The text in the top band of a page: its running head, if it has one."""
    from pypdf import PdfReader

    box = PdfReader(pdf).pages[page - 1].mediabox
    args = ["pdftotext", "-enc", "UTF-8", "-f", str(page), "-l", str(page), "-r", "72",
            "-x", "0", "-y", "0", "-W", str(int(box.width)), "-H", str(int(height_pt))]
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout.strip()
