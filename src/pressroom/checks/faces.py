"""Which faces a PDF embeds: only the ones chosen in pressroom.faces, apart from a PDF
reading's own (its publisher's faces, drawn in untouched)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from pypdf import PdfReader

from pressroom.errors import CheckError
from pressroom.faces import FaceFile, chosen_families, family_files
from pressroom.printing.placement import FORM_PREFIX
from pressroom.sources.pdffile import pdf_faults
from pressroom.tools.run import run_tool

# -- after layout: the faces a PDF names ---------------------------------------------------

_SUBSET = re.compile(r"^[A-Z]{6}\+")
# Small capitals are the face's own OpenType features; WeasyPrint adds them to the name.
_VARIANT = re.compile(r"-(?:All-)?(?:Small|Petite)-Caps$|-Unicase$|-Titling$")


def pdf_font_names(pdf: Path) -> list[str]:
    """The font names pdffonts lists for a PDF, without the subset prefix."""
    out = run_tool(["pdffonts", str(pdf)], what="pdffonts", source_path=pdf).stdout
    lines = out.splitlines()[2:]  # a header line and a rule
    return sorted({_SUBSET.sub("", line.split()[0]) for line in lines if line.strip()})


def _style_suffix(face: FaceFile) -> str:
    weight = "" if face.weight <= 80 else "-Bold" if face.weight >= 200 else "-Medium"
    slant = "-Italic" if face.slant == 100 else "-Oblique" if face.slant == 110 else ""
    return weight + slant


@cache
def allowed_pdf_names() -> frozenset[str]:
    """The names WeasyPrint gives the real faces of the chosen families ("EB-Garamond",
    "EB-Garamond-Italic", "Noto-Serif-CJK-SC-Bold" …). A slanted copy of an upright face is
    named "…-Oblique" or "…-Italic" where the family has no such file, so it is refused."""
    names = set()
    for family in chosen_families():
        for face in family_files(family):
            names.add(family.replace(" ", "-") + _style_suffix(face))
    return frozenset(names)


def pdf_face_problems(pdf: Path, theirs: Iterable[str] = ()) -> list[str]:
    """Every font the PDF names that is not a real face of a chosen family, leaving out
    ``theirs``: the faces of PDF readings' pages drawn in as they are."""
    allowed = allowed_pdf_names() | set(theirs)
    return [f"{name}: not a face chosen in pressroom.fonts" for name in pdf_font_names(pdf)
            if _VARIANT.sub("", name) not in allowed and name not in allowed]




def source_fonts(pdf: Path) -> set[str]:
    """The fonts of the PDF readings' pages drawn into a volume (their publishers' faces,
    OCR's invisible one): theirs, not the volume's, so the check of our faces leaves them.

    Forms are walked with a list, each once: a source page's forms may nest thousands deep
    or draw themselves, which a recursive walk would follow until Python's stack ran out."""
    found: set[str] = set()

    def entries(holder, key: str) -> dict:
        holder = holder.get_object() if holder is not None else None
        value = holder.get(key) if holder is not None else None
        return dict(value.get_object()) if value is not None else {}

    def fonts_of(resources) -> None:
        todo, seen = [resources], set()
        while todo:
            resources = todo.pop()
            for font in entries(resources, "/Font").values():
                base = str(font.get_object().get("/BaseFont", ""))
                found.add(re.sub(r"^/?(?:[A-Z]{6}\+)?", "", base))
            for item in entries(resources, "/XObject").values():
                item = item.get_object()
                if item.get("/Subtype") == "/Form" and id(item) not in seen:
                    seen.add(id(item))
                    todo.append(item.get("/Resources"))

    def forms_in(resources) -> None:
        # A booklet draws each page as a form of its own: the source pages are one deeper.
        todo = [(resources, 0)]
        while todo:
            resources, depth = todo.pop()
            for name, item in entries(resources, "/XObject").items():
                item = item.get_object()
                if str(name).startswith(FORM_PREFIX):
                    fonts_of(item.get("/Resources"))
                elif item.get("/Subtype") == "/Form" and depth < 3:
                    todo.append((item.get("/Resources"), depth + 1))

    with pdf_faults(pdf, CheckError):
        for page in PdfReader(pdf).pages:
            forms_in(page.get("/Resources"))
    return found
