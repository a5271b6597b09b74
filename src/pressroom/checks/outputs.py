"""Validate the outputs: EPUBCheck, PDF structure and links, every note call linked both ways."""


from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from pressroom.checks import ace
from pressroom.checks.cartridge import check_cartridge
from pressroom.checks.epub import epub_link_problems, epub_note_links, run_epubcheck
from pressroom.checks.pdf import check_claim, check_faces, check_links, check_pdf, run_qpdf
from pressroom.checks.pdfua import check_pdfua
from pressroom.checks.result import CheckResult
from pressroom.engine.manifest import Manifest
from pressroom.errors import CheckError, LimitError
from pressroom.sources.load import load_edition
from pressroom.tools.run import DEFAULT_LIMITS, Limits

#: Metadata Ace lists as missing that only a third-party certifier can supply.
CERTIFIER_FIELDS = {"a11y:certifiedBy", "a11y:certifierCredential", "a11y:certifierReport"}


def run_accessibility_check(epub: Path, settings, limits: Limits | None = None) -> CheckResult:
    """DAISY Ace: 0 violations and no accessibility metadata missing but the certifier's."""
    reason = ace.ace_available(settings.project_root)
    if reason:
        return CheckResult("ace", True, f"skipped: {reason}", skipped=True)
    try:
        report = ace.run_ace(epub, settings.project_root, settings.build_dir,
                             limits=limits or _limits(settings))
    except CheckError as exc:
        return CheckResult("ace", False, exc.message)
    except LimitError as exc:
        return CheckResult("ace", False, str(exc))
    missing = [m for m in report.missing_metadata if m not in CERTIFIER_FIELDS]
    if report.violations:
        return CheckResult("ace", False, f"{report.summary()}; first: {report.violations[0]}")
    if missing or report.empty_metadata:
        absent = ", ".join(missing or report.empty_metadata)
        return CheckResult("ace", False, f"accessibility metadata missing: {absent}")
    return CheckResult("ace", True, f"{epub.name}: 0 violations ({report.summary()})")


def _limits(settings) -> Limits:
    return getattr(settings, "limits", None) or DEFAULT_LIMITS


def check_outputs(settings) -> list[CheckResult]:
    """Run every check on the outputs listed in build/manifest.json."""
    limits = _limits(settings)
    edition = load_edition(settings.edition, settings.boundary, max_source_mb=limits.source_mb)
    notes = sum(len(r.notes) for r in edition.readings) + (
        len(edition.introduction.notes) if edition.introduction else 0)
    # The self-check names the piece of each page by the readings' titles in the outline.
    pieces = [r.meta.title for r in edition.readings]
    results: list[CheckResult] = []
    for entry in Manifest.read(settings.out_dir).entries:
        path = settings.out_dir / entry.path
        if not path.exists():
            results.append(CheckResult(entry.path, False, "listed but missing"))
            continue
        if entry.format == "epub":
            if not zipfile.is_zipfile(path):
                results.append(CheckResult(f"epub {path.name}", False, "not a zip file"))
                continue
            results.append(run_epubcheck(path, limits))
            results.append(run_accessibility_check(path, settings, limits))
            try:
                calls, problems = epub_note_links(path)
            except ET.ParseError as exc:
                calls, problems = 0, [f"a content document is not well-formed XML: {exc}"]
            ok = not problems and calls == notes
            detail = problems[0] if problems else (
                f"{calls} of {notes} note calls link to notes and back")
            results.append(CheckResult(f"epub notes {path.name}", ok, detail))
            try:
                unsafe = epub_link_problems(path)
            except ET.ParseError as exc:
                unsafe = [f"a content document is not well-formed XML: {exc}"]
            results.append(CheckResult(f"epub links {path.name}", not unsafe, unsafe[0] if unsafe
                                       else "every link is http(s), mailto or inside the book"))
        elif entry.format == "pdf" and entry.variant in ("reading", "large-print"):
            # Not a booklet or handout (imposed, or one reading), nor a print package's PDF
            # (PDF/X, links removed for some printers): the editions themselves.
            results.append(check_pdf(path, entry.pages, notes))
            results.append(check_claim(path))
            results.append(check_pdfua(path, pieces))
        elif entry.format == "pdf" and entry.variant == "lms":
            # A reading's PDF for the LMS: its tags, as for the volume.
            results.append(check_pdfua(path, pieces))
        elif entry.format == "imscc":
            results.append(check_cartridge(path))
        if entry.format == "pdf":
            results.append(run_qpdf(path, limits))
            results.append(check_links(path))
            results.append(check_faces(path))
    return results
