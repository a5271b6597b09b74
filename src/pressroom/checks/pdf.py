"""Checks of a PDF: its page count and note links, its PDF/UA claim, qpdf's structural
check and the faces it embeds."""


from __future__ import annotations

import re
import shutil
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from pressroom.checks import faces
from pressroom.checks.faces import source_fonts
from pressroom.checks.result import CheckResult
from pressroom.errors import LimitError, RenderError
from pressroom.printing.placement import FORM_PREFIX
from pressroom.sources.links import is_web_link, link_scheme
from pressroom.sources.pdffile import describe_pages
from pressroom.tools.run import DEFAULT_LIMITS, Limits, run_bounded


def pdf_note_links(pdf: Path) -> tuple[int, list[str]]:
    """In the PDF, every note call links to a named destination and each note links back."""
    reader = PdfReader(pdf)
    dests = set(reader.named_destinations)
    links: list[str] = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            obj = annot.get_object()
            if obj.get("/Subtype") != "/Link":
                continue
            dest = obj.get("/Dest")
            if dest is None and "/A" in obj:
                dest = obj["/A"].get("/D")
            if dest is not None:
                links.append(str(dest))
    problems = [f"link to missing destination {d}" for d in links
                if not d.startswith("[") and d not in dests]
    calls = {d for d in links if re.search(r"-note-\d+$", d)}
    backs = {d for d in links if re.search(r"-noteref-\d+$", d)}
    for dest in sorted(calls):
        if dest.replace("-note-", "-noteref-") not in backs:
            problems.append(f"note {dest} has no link back to its call")
    return len(calls), problems


#: Actions a link may take: go to a page of this PDF, or open a web or mail address.
_SAFE_ACTIONS = frozenset({"/GoTo", "/URI"})


def _action_problems(action, where: str, depth: int = 0) -> list[str]:
    action = action.get_object()
    if not isinstance(action, DictionaryObject):
        return [f"{where}: a malformed action"]
    if depth > 32:
        return [f"{where}: actions chained too deep"]
    problems: list[str] = []
    kind = str(action.get("/S", ""))
    if kind not in _SAFE_ACTIONS:
        problems.append(f"{where}: a {kind or 'untyped'} action")
    elif kind == "/URI" and not is_web_link(str(action.get("/URI", ""))):
        scheme = link_scheme(str(action.get("/URI", ""))) or "relative"
        problems.append(f"{where}: a link to a {scheme[:20]}: URI (only http(s) and mailto)")
    chained = action.get("/Next")
    if chained is not None:
        chained = chained.get_object()
        for item in chained if isinstance(chained, ArrayObject) else [chained]:
            problems += _action_problems(item, where, depth + 1)
    return problems


def pdf_link_problems(pdf: Path) -> list[str]:
    """Every action the PDF can take: its annotations' /A and /AA, the document's open action
    and named JavaScript. Only links inside the PDF and to http(s) or mailto pass."""
    reader = PdfReader(pdf)
    root = reader.trailer["/Root"].get_object()
    problems: list[str] = []
    names = root.get("/Names")
    if names is not None and "/JavaScript" in names.get_object():
        problems.append("the document holds JavaScript (/Names /JavaScript)")
    opening = root.get("/OpenAction")
    if opening is not None and isinstance(opening.get_object(), DictionaryObject):
        problems += _action_problems(opening, "the open action")
    if root.get("/AA") is not None:
        problems.append("the document has additional actions (/AA)")
    for number, page in enumerate(reader.pages, 1):
        if page.get("/AA") is not None:
            problems.append(f"page {number}: additional actions (/AA)")
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            where = f"page {number}"
            if annot.get("/A") is not None:
                problems += _action_problems(annot["/A"], where)
            for trigger in (annot.get("/AA") or {}).values():
                problems += _action_problems(trigger, where)
    return problems


def check_links(pdf: Path) -> CheckResult:
    """No link or action in the PDF runs a script, launches a file or opens a file: URL."""
    try:
        problems = pdf_link_problems(pdf)
    except Exception as exc:  # pypdf raises many types for broken files
        return CheckResult(f"pdf links {pdf.name}", False, f"unreadable: {exc}")
    if problems:
        extra = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return CheckResult(f"pdf links {pdf.name}", False, problems[0] + extra)
    return CheckResult(f"pdf links {pdf.name}", True,
                       "every link is inside the PDF, http(s) or mailto")


def check_pdf(pdf: Path, expected_pages: object, expected_notes: int) -> CheckResult:
    try:
        reader = PdfReader(pdf)
        pages = len(reader.pages)
        text = reader.pages[min(2, pages - 1)].extract_text()
    except Exception as exc:  # pypdf raises many types for broken files
        return CheckResult(f"pdf {pdf.name}", False, f"unreadable: {exc}")
    if expected_pages is not None and pages != expected_pages:
        return CheckResult(f"pdf {pdf.name}", False,
                           f"{pages} pages, manifest says {expected_pages}")
    if not text.strip():
        return CheckResult(f"pdf {pdf.name}", False, "no extractable text")
    calls, problems = pdf_note_links(pdf)
    if problems:
        return CheckResult(f"pdf {pdf.name}", False, problems[0])
    if calls != expected_notes:
        return CheckResult(f"pdf {pdf.name}", False,
                           f"{calls} notes linked, the edition has {expected_notes}")
    return CheckResult(f"pdf {pdf.name}", True,
                       f"{pages} pages, readable, {calls} notes linked both ways")


def untagged_source_pages(reader: PdfReader) -> list[int]:
    """The pages (1-based) that draw a PDF reading's page without tags: its form has no
    place in the structure's parent tree (printing.sourcetags did not tag it)."""
    found = []
    for number, page in enumerate(reader.pages, 1):
        resources = page.get("/Resources")
        xobjects = (resources.get_object().get("/XObject") if resources is not None else None)
        xobjects = xobjects.get_object() if xobjects is not None else {}
        if any(str(name).startswith(FORM_PREFIX)
               and "/StructParents" not in xobjects[name].get_object() for name in xobjects):
            found.append(number)
    return found


def check_claim(pdf: Path) -> CheckResult:
    """The PDF claims PDF/UA-1 exactly when every part of it is tagged: never when a PDF
    reading's page is drawn in untagged (a scan without text, a figure without alt)."""
    try:
        reader = PdfReader(pdf)
        metadata = reader.trailer["/Root"].get("/Metadata")
        xmp = metadata.get_object().get_data().decode("utf-8", "replace") if metadata else ""
        untagged = untagged_source_pages(reader)
    except Exception as exc:  # pypdf raises many types for broken files
        return CheckResult(f"pdf/ua {pdf.name}", False, f"unreadable: {exc}")
    claims = "pdfuaid:part" in xmp
    pages = describe_pages([n - 1 for n in untagged])
    if untagged and claims:
        return CheckResult(f"pdf/ua {pdf.name}", False,
                           f"claims PDF/UA-1, but the PDF reading's page drawn on page "
                           f"{pages} is not tagged")
    if not untagged and not claims:
        return CheckResult(f"pdf/ua {pdf.name}", False, "does not claim PDF/UA-1")
    return CheckResult(f"pdf/ua {pdf.name}", True, "claims PDF/UA-1, every part tagged"
                       if claims else f"no PDF/UA-1 claim: pages {pages} are a PDF "
                       "reading's, untagged")


def run_qpdf(pdf: Path, limits: Limits = DEFAULT_LIMITS) -> CheckResult:
    """qpdf --check: the PDF's structure (xref, streams, object syntax) is sound."""
    if shutil.which("qpdf") is None:
        return CheckResult(f"qpdf {pdf.name}", False,
                           "qpdf is not installed (the set-up installs it)")
    seconds, memory_mb = limits.of("qpdf")
    try:
        result = run_bounded(["qpdf", "--check", str(pdf)], seconds=seconds,
                             memory_mb=memory_mb, what="qpdf", source_path=pdf)
    except LimitError as exc:
        return CheckResult(f"qpdf {pdf.name}", False, str(exc))
    except OSError as exc:
        return CheckResult(f"qpdf {pdf.name}", False, f"cannot run qpdf: {exc}")
    ok = result.returncode == 0
    lines = (result.stdout + result.stderr).strip().splitlines()
    detail = "structure ok" if ok else (lines[-1] if lines else f"exit {result.returncode}")
    return CheckResult(f"qpdf {pdf.name}", ok, detail)


def check_faces(pdf: Path) -> CheckResult:
    """The PDF names only real faces of the families chosen in fonts.py (no fallback face,
    no slanted copy of an upright one); a PDF reading's pages keep their own."""
    try:
        problems = faces.pdf_face_problems(pdf, source_fonts(pdf))
    except RenderError as exc:
        return CheckResult(f"fonts {pdf.name}", False, exc.message)
    if problems:
        extra = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return CheckResult(f"fonts {pdf.name}", False, problems[0] + extra)
    return CheckResult(f"fonts {pdf.name}", True,
                       f"{len(faces.pdf_font_names(pdf))} faces, all chosen")
