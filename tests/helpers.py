"""Shared paths and small readers for the tests."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import zipfile
from pathlib import Path

from pressroom.checks.epub import EPUB_NS, XHTML, epub_documents  # noqa: F401 (re-exported to tests)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
MINIMAL = FIXTURES / "minimal"
READER = FIXTURES / "reader" / "reader.yaml"
TEMPLATES = ROOT / "templates"
CONTENT = ROOT / "src" / "content"
SEED_NAME = "000_6279f2246c7e17cc.txt"
#: The plain-text extraction the default edition's article was imported from, kept in the
#: project as the edition's source.
SEED = CONTENT / "sources" / SEED_NAME


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
def build_a4(settings) -> Path:
    """Build only the A4 reading edition; its path."""
    from pressroom.engine.build import build

    outputs = build(settings, formats=("pdf",), papers=("a4",), kinds=("reading",))
    return next(o.path for o in outputs if o.format == "pdf")


def build_epub(settings) -> Path:
    """Build only the EPUB, as `inv epub` does; its path."""
    from pressroom.engine.build import build

    outputs = build(settings, formats=("epub",))
    return next(o.path for o in outputs if o.format == "epub")


def variant_html(settings, name: str = "a4") -> str:
    """The print HTML of one variant of the table (a4, letter, large-print-a4, booklet-a4 …),
    with WeasyPrint's own target-counter() page numbers."""
    from pressroom.engine.layout import print_body, print_html
    from pressroom.engine.prepare import prepare
    from pressroom.papers import VARIANTS

    prepared = prepare(settings)
    variant = next(v for v in VARIANTS if v.name == name)
    return print_html(settings, prepared, print_body(settings, prepared), variant)


def system_font_caches() -> dict[str, str]:
    """The machine's fontconfig cache files (as this process's configuration reads them), by
    the sha256 of their bytes: what a program must never write over."""
    listing = subprocess.run(["fc-cat", "-r", "-v"], capture_output=True, text=True,
                             check=True, timeout=60).stdout
    files = {line.split(":", 1)[1].strip() for line in listing.splitlines()
             if line.startswith("Cache:")}
    assert files, "fontconfig lists no cache file"
    return {f: hashlib.sha256(Path(f).read_bytes()).hexdigest() for f in sorted(files)}


def units_done(monkeypatch, module, name: str) -> list[str]:
    """The names of the units ``module.name`` (a function of a document and a unit) is
    called for from now on, in order; the function still does its work."""
    names: list[str] = []
    real = getattr(module, name)

    def counting(document, unit, *args, **kwargs):
        names.append(unit.name)
        return real(document, unit, *args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return names
