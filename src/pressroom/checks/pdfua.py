"""An offline PDF/UA-1 self-check: the tagging itself, page by page, read with pypdf.

`inv check` already verifies that a PDF claims PDF/UA-1 exactly when every part of it is
tagged (``checks.pdf.check_claim``); this reads the tags. veraPDF is the reference checker,
but it is not packaged for Debian, npm or PyPI without a download at run time, so this checks
the machine-verifiable points of the Matterhorn Protocol that a tagged book can get wrong:

- the document: marked as tagged (``/MarkInfo``), a structure tree, a language, a title
  shown as the window title (``/DisplayDocTitle``, and a title in the XMP metadata);
- every page: each painting operator (text, paths, images, forms) inside marked content that
  the structure tree reaches, or inside an artifact; every MCID on the page reached from the
  tree; tab order by structure (``/Tabs /S``) where the page has annotations; every link
  annotation the object of a ``Link`` structure element;
- the structure: headings that never skip a level going down (H1 then H3), not both ``H``
  and ``H1``-``H6``; every ``Figure`` with alt text (or actual text);
- the fonts each page uses: embedded, and with a ``/ToUnicode`` map (Type 3 included).

Each problem names its piece (the reading, from the PDF's outline) and its page, so that a
publisher's untagged pages are found where they are. What it does not check that veraPDF
would is listed in the README (PDF/UA self-check).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
)

from pressroom.checks.result import CheckResult

#: Operators that put marks on the page: text, painted paths, shadings, images, forms.
_PAINTING = frozenset({b"Tj", b"TJ", b"'", b'"', b"S", b"s", b"f", b"F", b"f*", b"B",
                       b"B*", b"b", b"b*", b"sh", b"Do", b"INLINE IMAGE"})
#: Deeper than this a form drawing forms is not followed (checks.pdf's limit for placing).
_MAX_FORM_DEPTH = 32
_HEADING = re.compile(r"^/H([1-6])$")


@dataclass(frozen=True)
class Problem:
    """One failure of the self-check: where (piece and page, when it has them) and what."""

    what: str
    page: int | None = None
    piece: str | None = None

    def __str__(self) -> str:
        where = ", ".join(filter(None, (self.piece and f"{self.piece}",
                                        self.page and f"page {self.page}")))
        return f"{where}: {self.what}" if where else self.what


@dataclass
class _Tree:
    """What the structure tree reaches: marked content by (page object, MCID), content of
    forms by (form object, MCID), annotations by object (held inside a Link element?), and
    the elements in document order."""

    mcids: set[tuple[int, int]] = field(default_factory=set)
    form_mcids: set[tuple[int, int]] = field(default_factory=set)
    objects: dict[int, bool] = field(default_factory=dict)
    elements: list[tuple[str, DictionaryObject, int | None]] = field(default_factory=list)


def _idnum(ref) -> int | None:
    return ref.idnum if isinstance(ref, IndirectObject) else None


def _walk_tree(root: DictionaryObject, page_numbers: dict[int, int],
               roles: dict[str, str]) -> _Tree:
    """Every structure element from the root, depth first (document order), with a list and
    a set of the objects seen, so a cycle or a shared element is read once. An annotation is
    recorded with whether a Link element holds it (itself, or an element inside a Link)."""
    tree = _Tree()
    seen: set[int] = set()
    stack: list[tuple[object, int | None, bool]] = [(root.get("/K"), None, False)]
    while stack:
        kids, page, in_link = stack.pop()
        if kids is None:
            continue
        ref = _idnum(kids)
        if ref is not None:
            if ref in seen:
                continue
            seen.add(ref)
        kids = kids.get_object()
        if isinstance(kids, ArrayObject):
            stack.extend((kid, page, in_link) for kid in reversed(kids))
        elif isinstance(kids, NumberObject | int):
            if page is not None:
                tree.mcids.add((page, int(kids)))
        elif isinstance(kids, DictionaryObject):
            kind = kids.get("/Type")
            own_page = _idnum(kids.raw_get("/Pg")) if "/Pg" in kids else page
            if kind == "/MCR":
                if "/Stm" in kids:
                    tree.form_mcids.add((_idnum(kids.raw_get("/Stm")), int(kids["/MCID"])))
                elif own_page is not None:
                    tree.mcids.add((own_page, int(kids["/MCID"])))
            elif kind == "/OBJR":
                obj = _idnum(kids.raw_get("/Obj"))
                if obj is not None:
                    tree.objects[obj] = tree.objects.get(obj, False) or in_link
            else:
                element_type = str(kids.get("/S", ""))
                tree.elements.append((element_type, kids, page_numbers.get(own_page)))
                stack.append((kids.get("/K"), own_page,
                              in_link or _standard(element_type, roles) == "/Link"))
    return tree


def _role_map(root: DictionaryObject) -> dict[str, str]:
    roles = root.get("/RoleMap")
    roles = roles.get_object() if roles is not None else {}
    return {str(k): str(v) for k, v in roles.items()}


def _standard(kind: str, roles: dict[str, str]) -> str:
    for _ in range(8):  # a role map may chain custom types; never loop on a cycle
        if kind not in roles:
            break
        kind = roles[kind]
    return kind


@dataclass
class _Marks:
    """What one page's content paints outside tagged content and artifacts."""

    untagged: int = 0
    mcids: set[int] = field(default_factory=set)
    form_mcids: set[tuple[int, int]] = field(default_factory=set)
    fonts: set[int] = field(default_factory=set)
    font_objects: dict[int, DictionaryObject] = field(default_factory=dict)


def _properties(operands, resources: DictionaryObject) -> DictionaryObject | None:
    if len(operands) < 2:
        return None
    props = operands[1]
    if isinstance(props, NameObject):
        named = (resources.get("/Properties") or DictionaryObject()).get_object()
        props = named.get(props)
    props = props.get_object() if props is not None else None
    return props if isinstance(props, DictionaryObject) else None


def _read_content(content, reader: PdfReader, resources: DictionaryObject, marks: _Marks,
                  inside: bool, form: int | None, depth: int, seen: set[int]) -> None:
    """Walk one content stream: a stack of marked-content sequences, each tagged (an MCID),
    an artifact, or neither; painting outside the first two is untagged content."""
    resources = resources.get_object() if resources is not None else DictionaryObject()
    stack: list[bool] = []
    for operands, operator in ContentStream(content, reader).operations:
        if operator in (b"BDC", b"BMC"):
            tag = operands[0] if operands else None
            props = _properties(operands, resources) if operator == b"BDC" else None
            mcid = props.get("/MCID") if props is not None else None
            if mcid is not None:
                if form is None:
                    marks.mcids.add(int(mcid))
                else:
                    marks.form_mcids.add((form, int(mcid)))
            stack.append(tag == "/Artifact" or mcid is not None)
        elif operator == b"EMC":
            if stack:
                stack.pop()
        elif operator == b"Tf" and operands:
            fonts = (resources.get("/Font") or DictionaryObject()).get_object()
            ref = fonts.raw_get(operands[0]) if operands[0] in fonts else None
            if ref is not None and _idnum(ref) not in marks.font_objects:
                marks.font_objects[_idnum(ref) or id(ref)] = ref.get_object()
        elif operator in _PAINTING:
            covered = inside or any(stack)
            if operator == b"Do" and operands:
                xobjects = (resources.get("/XObject") or DictionaryObject()).get_object()
                ref = xobjects.raw_get(operands[0]) if operands[0] in xobjects else None
                xobject = ref.get_object() if ref is not None else None
                if (xobject is not None and xobject.get("/Subtype") == "/Form"
                        and depth < _MAX_FORM_DEPTH and _idnum(ref) not in seen):
                    # A form's marks count where it is drawn: inside a tagged sequence it is
                    # tagged whole; outside one, its own content must be tagged or artifact.
                    _read_content(xobject, reader, xobject.get("/Resources", resources), marks,
                                  covered, _idnum(ref), depth + 1, seen | {_idnum(ref)})
                    continue
            if not covered:
                marks.untagged += 1


def _font_problems(font: DictionaryObject) -> list[str]:
    name = str(font.get("/BaseFont", font.get("/Name", "a font")))[1:]
    subtype = font.get("/Subtype")
    problems = []
    if "/ToUnicode" not in font:
        problems.append(f"font {name} has no ToUnicode map")
    if subtype == "/Type3":
        return problems
    descendant = font
    if subtype == "/Type0":
        descendant = font["/DescendantFonts"][0].get_object()
    descriptor = descendant.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else DictionaryObject()
    if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
        problems.append(f"font {name} is not embedded")
    return problems


def _outline_pieces(reader: PdfReader, titles: Sequence[str]) -> list[tuple[int, str]]:
    """Where each piece starts (0-based page, title): the outline's top-level entries and any
    entry titled as one of ``titles`` (a reading inside a part)."""
    wanted = {" ".join(t.split()) for t in titles}
    starts: list[tuple[int, str]] = []

    def visit(entries, depth: int) -> None:
        for entry in entries:
            if isinstance(entry, list):
                visit(entry, depth + 1)
                continue
            title = " ".join(str(entry.title).split())
            if depth == 0 or title in wanted:
                page = reader.get_destination_page_number(entry)
                if page is not None and page >= 0:
                    starts.append((page, title))

    try:
        visit(reader.outline, 0)
    except Exception:  # an outline pypdf cannot follow only costs the pieces' names
        return []
    return sorted(starts)


def _piece_of(starts: list[tuple[int, str]], page: int) -> str:
    name = "front matter"
    for start, title in starts:
        if start > page:
            break
        name = title
    return name


def _document_problems(reader: PdfReader) -> Iterator[Problem]:
    root = reader.trailer["/Root"].get_object()
    if not (root.get("/MarkInfo") or {}).get("/Marked"):
        yield Problem("not marked as tagged (/MarkInfo /Marked true)")
    if not str(root.get("/Lang", "")).strip():
        yield Problem("no document language (/Lang)")
    if not (root.get("/ViewerPreferences") or {}).get("/DisplayDocTitle"):
        yield Problem("the title is not shown as the window title (/DisplayDocTitle)")
    metadata = root.get("/Metadata")
    xmp = metadata.get_object().get_data().decode("utf-8", "replace") if metadata else ""
    if "<dc:title" not in xmp:
        yield Problem("no title in the XMP metadata (dc:title)")


def pdfua_problems(pdf: Path, pieces: Sequence[str] = ()) -> list[Problem]:
    """Every problem the self-check finds in the PDF; ``pieces`` are the titles of the
    collection's readings, to name the piece of each page (the outline's top level is
    always one)."""
    reader = PdfReader(pdf)
    problems = list(_document_problems(reader))
    root = reader.trailer["/Root"].get_object()
    page_refs = [reader.pages[i].indirect_reference for i in range(len(reader.pages))]
    page_numbers = {ref.idnum: n for n, ref in enumerate(page_refs, 1) if ref is not None}
    starts = _outline_pieces(reader, pieces)
    tree_root = root.get("/StructTreeRoot")
    tree = _Tree()
    if tree_root is None:
        problems.append(Problem("no structure tree (/StructTreeRoot): the PDF is untagged"))
    roles = _role_map(tree_root.get_object()) if tree_root is not None else {}
    if tree_root is not None:
        tree = _walk_tree(tree_root.get_object(), page_numbers, roles)

    def place(page: int | None) -> dict:
        return {"page": page, "piece": _piece_of(starts, page - 1) if page else None}

    fonts_checked: set[int] = set()
    for number, page in enumerate(reader.pages, 1):
        marks = _Marks()
        contents = page.get_contents()
        if contents is not None:
            _read_content(contents, reader, page.get("/Resources"), marks, False, None, 0,
                          set())
        if marks.untagged:
            problems.append(Problem(f"{marks.untagged} marks painted outside tagged content "
                                    "and artifacts (untagged content)", **place(number)))
        idnum = page_refs[number - 1].idnum if page_refs[number - 1] is not None else None
        unreached = sorted(m for m in marks.mcids if (idnum, m) not in tree.mcids)
        unreached += sorted(m for f, m in marks.form_mcids if (f, m) not in tree.form_mcids)
        if unreached:
            problems.append(Problem(f"marked content MCID {unreached[0]} is not reached from "
                                    "the structure tree" + (f" (and {len(unreached) - 1} more)"
                                                            if len(unreached) > 1 else ""),
                                    **place(number)))
        annots = [a for a in (page.get("/Annots") or []) if a.get_object().get("/Subtype")
                  not in ("/Popup",)]
        if annots and page.get("/Tabs") != "/S":
            problems.append(Problem("annotations, but the tab order is not the structure's "
                                    "(/Tabs /S)", **place(number)))
        for annot in annots:
            if annot.get_object().get("/Subtype") != "/Link":
                continue
            if not tree.objects.get(_idnum(annot)):
                problems.append(Problem("a link annotation outside a Link structure element",
                                        **place(number)))
                break
        for key, font in marks.font_objects.items():
            if key in fonts_checked:
                continue
            fonts_checked.add(key)
            problems += [Problem(what, **place(number)) for what in _font_problems(font)]

    levels: set[str] = set()
    last_level = 0
    for kind, element, page in tree.elements:
        kind = _standard(kind, roles)
        if kind == "/Figure" and not (str(element.get("/Alt", "")).strip()
                                      or str(element.get("/ActualText", "")).strip()):
            problems.append(Problem("a figure without alt text", **place(page)))
        heading = _HEADING.match(kind)
        if kind == "/H" or heading:
            levels.add("H" if kind == "/H" else "Hn")
        if heading:
            level = int(heading.group(1))
            if level > last_level + 1:
                problems.append(Problem(f"heading H{level} after H{last_level or 'none'}: a "
                                        "level skipped", **place(page)))
            last_level = level
    if len(levels) > 1:
        problems.append(Problem("both H and H1-H6 headings"))
    return problems


def claims_pdfua(pdf: Path) -> bool:
    """Whether the PDF's XMP metadata claims PDF/UA (pdfuaid:part)."""
    metadata = PdfReader(pdf).trailer["/Root"].get("/Metadata")
    return metadata is not None and b"pdfuaid:part" in metadata.get_object().get_data()


def check_pdfua(pdf: Path, pieces: Sequence[str] = ()) -> CheckResult:
    """The self-check as `inv check` reports it: a PDF that claims PDF/UA-1 must pass; one
    that does not is reported with what the check finds, and does not fail."""
    name = f"pdf/ua tags {pdf.name}"
    try:
        problems = pdfua_problems(pdf, pieces)
        claims = claims_pdfua(pdf)
    except Exception as exc:  # pypdf raises many types for broken files
        return CheckResult(name, False, f"unreadable: {exc}")
    extra = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    if not problems:
        return CheckResult(name, True, "every page tagged or artifact, structure complete")
    if claims:
        return CheckResult(name, False, f"claims PDF/UA-1, but {problems[0]}{extra}")
    return CheckResult(name, True, f"no PDF/UA-1 claim, rightly: {problems[0]}{extra}")
