"""A PDF reading's pages tagged in the volume, from the text layer read for the EPUB.

A publisher's page is drawn into its placeholder as a form XObject (printing.placement).
Untagged, it would cost the whole volume its PDF/UA claim; its own tags, where it has any,
belong to another document's structure tree and cannot be carried. So each page is tagged
again, the way a person with Acrobat would and with what pressroom already knows of it:

- its paragraphs, headings and notes are those sources.pdftext found (in reading order,
  headings ranked by size, small type as notes), each a structure element placed in the
  reading's section where its placeholder is; a paragraph that runs on to the next page is
  one element with content on both;
- the form's content is marked, operator by operator, with the element it draws for: a run
  of text belongs to the unit whose line box holds the point it starts at
  (sources.pdfcontent), a figure to a ``Figure`` with the sidecar's alt text (or is an
  artifact, said to be decorative); the running heads and page numbers pdftext left out, and
  rules, tints and backgrounds (a scan under its OCR text), are artifacts;
- the publisher's own marked content is taken out (its MCIDs point into a tree that is not
  there), except optional content, which still decides what shows;
- a web link carried over from the page becomes a ``Link`` in the unit it sits in;
- headings go below the reading's title: the source's largest heading one level under the
  opener's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from io import BytesIO
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from pressroom.errors import RenderError
from pressroom.printing.placement import FORM_PREFIX, Insert, PageTags, Placement, Unit
from pressroom.sources.pdfcontent import (
    BACKGROUND,
    IDENTITY,
    MARKED,
    MAX_DEPTH,
    Drawn,
    Matrix,
    apply,
    invert,
    multiply,
    to_shown,
    walk,
)

_HEADING = re.compile(r"^/H([1-6])$")
#: How far (in line heights) from a line box a run may start and still be of it: a run may
#: begin with a space before the first word poppler boxes.
_REACH = 0.6


def tag_source_pages(data: bytes, placements: Mapping[str, Placement],
                     inserts: Sequence[Insert]) -> bytes:
    """The laid-out PDF (placement.place_pages drew the pages) with every source page whose
    insert carries tags tagged into the structure tree; unchanged if there is none."""
    if not any(item.tags for item in inserts):
        return data
    with pikepdf.open(BytesIO(data)) as pdf:
        tree = pdf.Root.get("/StructTreeRoot")
        if tree is None:
            return data
        tagger = _Tagger(pdf, tree)
        sources: dict[str, pikepdf.Pdf] = {}
        try:
            for number, item in enumerate(inserts):
                if item.tags is None or item.id not in placements:
                    continue
                if item.file not in sources:
                    sources[item.file] = pikepdf.open(item.file)
                rotate = int(sources[item.file].pages[item.index].obj.get("/Rotate", 0))
                tagger.tag(placements[item.id][0], f"{FORM_PREFIX}{number}", item.tags,
                           rotate)
        except pikepdf.PdfError as exc:
            raise RenderError(f"cannot tag the pages of a PDF reading: {exc}") from exc
        finally:
            for source in sources.values():
                source.close()
        tagger.finish()
        out = BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return out.getvalue()


class _Marking:
    """One source page being marked: what it is tagged by, and what marking found."""

    def __init__(self, tags: PageTags, shown: Matrix, page_area: float, alts) -> None:
        self.tags = tags
        self.shown = shown
        self.page_area = page_area
        self.alts = alts
        #: Each figure's alt text and height on the page (poppler's y), by number.
        self.figures: list[tuple[str, float]] = []
        #: Each stream marked: itself, its parent-tree key, the owner of each MCID.
        self.streams: list[tuple[pikepdf.Stream, int, list[tuple[str, Any]]]] = []

    def kind(self, d: Drawn) -> tuple[str, Any]:
        if d.kind in ("text", "form"):
            found = _unit_at(self.tags, apply(self.shown, *d.point))
            if found is not None:
                return ("unit", found)
            return ("artifact", "/Pagination" if d.kind == "text" else "/Layout")
        if d.kind == "image" and not (self.tags.units and d.area >= BACKGROUND):
            alt = next(self.alts, None)
            if alt is None:  # decorative
                return ("artifact", "/Layout")
            self.figures.append((alt, apply(self.shown, *d.point)[1]))
            return ("figure", len(self.figures) - 1)
        return ("artifact", "/Layout")


class _Tagger:
    def __init__(self, pdf: pikepdf.Pdf, tree: pikepdf.Dictionary) -> None:
        self.pdf = pdf
        self.tree = tree
        if "/ParentTree" not in tree:
            tree.ParentTree = pdf.make_indirect(Dictionary(Nums=Array()))
        self.parents = pikepdf.NumberTree(tree.ParentTree)
        self.next_key = int(tree.get("/ParentTreeNextKey", -1))
        if self.next_key < 0:
            self.next_key = max((k for k, _ in self.parents.items()), default=-1) + 1
        #: The elements made so far, by reading and unit (a paragraph across pages is one).
        self.elements: dict[tuple[str, int], pikepdf.Dictionary] = {}
        #: Each reading's heading levels start below this (its opener's title's level).
        self.base: dict[str, int] = {}
        #: The streams marked so far: a form drawn twice is marked once, then an artifact.
        self.tagged: set[tuple[int, int]] = set()
        self.notes = 0

    def key(self) -> int:
        key = self.next_key
        self.next_key += 1
        return key

    def finish(self) -> None:
        self.tree.ParentTreeNextKey = self.next_key

    # -- one page ------------------------------------------------------------------------

    def tag(self, page_index: int, name: str, tags: PageTags, rotate: int) -> None:
        page = self.pdf.pages[page_index]
        xobjects = page.obj.Resources.get("/XObject", Dictionary())
        form = xobjects.get(name)
        if form is None:
            raise RenderError(f"the page drawn for {tags.reading} is missing from the layout")
        holder = _placeholder(self.tree, page.obj)
        if holder is None:
            raise RenderError(f"the layout has no structure element for a page of "
                              f"{tags.reading} to tag")
        if tags.reading not in self.base:
            self.base[tags.reading] = _heading_before(self.tree, holder)
        box = [float(v) for v in form.BBox]
        page_area = abs((box[2] - box[0]) * (box[3] - box[1]))
        marking = _Marking(tags, to_shown(box, rotate), page_area, iter(tags.alts))
        self._stream(form, IDENTITY, marking, 0)
        # The page's elements, in reading order, under its placeholder.
        placed: list[tuple[float, pikepdf.Dictionary]] = []
        units = {u.key: u for u in tags.units}
        for stream, key, owners in marking.streams:
            by_mcid: list[Any] = []
            for mcid, (kind, which) in enumerate(owners):
                if kind == "unit":
                    element = self.elements.get((tags.reading, which))
                    if element is None:
                        element = self._element(holder, page.obj, units[which], tags)
                        self.elements[(tags.reading, which)] = element
                        placed.append((_order(tags.units, which), element))
                else:
                    alt, y = marking.figures[which]
                    element = self._element(holder, page.obj, None, tags)
                    element.Alt = String(alt)
                    placed.append((_figure_order(tags.units, y), element))
                element.K.append(Dictionary(Type=Name.MCR, Pg=page.obj, Stm=stream,
                                            MCID=mcid))
                by_mcid.append(element)
            self.parents[key] = self.pdf.make_indirect(Array(by_mcid))
        placed.sort(key=lambda pair: pair[0])
        holder.K = Array([*_kids(holder), *(element for _, element in placed)])
        self._links(page, name, form, tags, marking.shown, holder)

    def _stream(self, stream: pikepdf.Stream, ctm: Matrix, marking: _Marking,
                depth: int) -> None:
        """Mark one content stream (the page's form, or a form it draws, followed into:
        an OCR'd scan keeps its text in one) and give it its place in the parent tree."""
        self.tagged.add(stream.objgen)
        resources = stream.get("/Resources")
        ops = _without_marks(pikepdf.parse_content_stream(stream))
        classes: dict[int, tuple[str, Any] | None] = {}
        for d in walk(ops, resources, marking.page_area, ctm):
            nested = (resources.get("/XObject", {}).get(d.name)
                      if d.kind == "form" and resources is not None else None)
            if (nested is not None and depth < MAX_DEPTH
                    and nested.objgen not in self.tagged):
                self._stream(nested, d.matrix, marking, depth + 1)
                classes[d.start] = None  # its content is marked inside it
            else:
                classes[d.start] = marking.kind(d)
        content, owners = self._mark(ops, classes, marking)
        stream.write(content)
        key = self.key()
        stream.StructParents = key
        marking.streams.append((stream, key, owners))

    def _mark(self, ops: list[Any], classes: Mapping[int, tuple[str, Any] | None],
              marking: _Marking) -> tuple[bytes, list[tuple[str, Any]]]:
        """The operators with each graphics object inside a marked-content sequence of its
        class: sequences never cross a text object's bounds or optional content's, and a
        form marked inside is drawn outside any."""
        out: list[Any] = []
        owners: list[tuple[str, Any]] = []
        current: tuple[str, Any] | None = None
        units = {u.key: u for u in marking.tags.units}

        def close() -> None:
            nonlocal current
            if current is not None:
                out.append(pikepdf.ContentStreamInstruction([], pikepdf.Operator("EMC")))
                current = None

        for index, instruction in enumerate(ops):
            op = str(instruction.operator)
            if op in ("BT", "ET") or op in MARKED:
                close()
            if index in classes:
                wanted = classes[index]
                if wanted is None:
                    close()
                elif wanted != current:
                    close()
                    kind, which = wanted
                    if kind == "artifact":
                        operands = [Name.Artifact, Dictionary(Type=Name(which))]
                    else:
                        tag = (self._role(units[which].role, marking.tags) if kind == "unit"
                               else "Figure")
                        operands = [Name("/" + tag), Dictionary(MCID=len(owners))]
                        owners.append(wanted)
                    out.append(pikepdf.ContentStreamInstruction(operands,
                                                                pikepdf.Operator("BDC")))
                    current = wanted
            out.append(instruction)
        close()
        return pikepdf.unparse_content_stream(out), owners

    def _role(self, role: str, tags: PageTags) -> str:
        heading = re.fullmatch(r"H(\d)", role)
        if heading:
            return f"H{min(6, self.base.get(tags.reading, 1) + int(heading.group(1)))}"
        return role

    def _element(self, holder: pikepdf.Dictionary, page: pikepdf.Object, unit: Unit | None,
                 tags: PageTags) -> pikepdf.Dictionary:
        """A unit's element (a figure's, for None): its text as the text layer reads it is
        its actual text, whole words across line ends and pages."""
        role = unit.role if unit is not None else "Figure"
        element = Dictionary(Type=Name.StructElem, S=Name("/" + self._role(role, tags)),
                             P=holder, Pg=page, K=Array())
        if unit is not None and unit.text:
            element.ActualText = String(unit.text)
        if role == "Note":
            # PDF/UA: a note has an id of its own.
            self.notes += 1
            element.ID = String(f"{tags.reading}-source-note-{self.notes}")
        if tags.lang:
            element.Lang = String(tags.lang)
        return self.pdf.make_indirect(element)

    def _links(self, page: pikepdf.Page, name: str, form: pikepdf.Object, tags: PageTags,
               shown: Matrix, holder: pikepdf.Dictionary) -> None:
        """The page's links carried over from the source (they have no structure parent
        yet), each a Link element in the unit it sits in."""
        links = [a for a in page.obj.get("/Annots", Array())
                 if a.get("/Subtype") == Name.Link and "/StructParent" not in a]
        if not links:
            return
        placed = multiply(tuple(float(v) for v in form.get("/Matrix", IDENTITY)),  # type: ignore[arg-type]
                          _drawn_at(page, name))
        back = invert(placed)
        for annot in links:
            x0, y0, x1, y1 = (float(v) for v in annot.Rect)
            point = apply(shown, *apply(back, (x0 + x1) / 2, (y0 + y1) / 2))
            unit = _unit_at(tags, point)
            parent = self.elements.get((tags.reading, unit)) if unit is not None else None
            parent = parent if parent is not None else holder
            link = self.pdf.make_indirect(Dictionary(
                Type=Name.StructElem, S=Name.Link, P=parent, Pg=page.obj,
                K=Array([Dictionary(Type=Name.OBJR, Obj=annot, Pg=page.obj)])))
            parent.K = Array([*_kids(parent), link])
            key = self.key()
            annot.StructParent = key
            self.parents[key] = link
        page.obj.Tabs = Name.S


def _kids(element: pikepdf.Dictionary) -> list[Any]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _without_marks(ops: list) -> list:
    """The publisher's marked content taken out, but for optional content (``/OC``), whose
    sequences decide what is shown and stay, balanced."""
    out = []
    kept: list[bool] = []
    for instruction in ops:
        operands, op = instruction.operands, str(instruction.operator)
        if op in ("BDC", "BMC"):
            keep = op == "BDC" and bool(operands) and operands[0] == Name.OC
            kept.append(keep)
            if not keep:
                continue
        elif op == "EMC":
            if not kept or not kept.pop():
                continue
        elif op in ("MP", "DP"):
            continue
        out.append(instruction)
    return out


def _unit_at(tags: PageTags, point: tuple[float, float]) -> int | None:
    """The unit whose line box holds the point (with a little reach), else the nearest
    within reach; None: no unit's (a running head, a page number)."""
    x, y = point
    best: tuple[float, int] | None = None
    for unit in tags.units:
        for left, top, right, bottom in unit.boxes:
            height = max(bottom - top, 1.0)
            reach = _REACH * height
            dx = max(left - reach - x, 0.0, x - right - reach)
            dy = max(top - 0.3 * height - y, 0.0, y - bottom - 0.3 * height)
            if dx == 0 and dy == 0:
                distance = abs(y - (top + bottom) / 2) / height
                if best is None or distance < best[0]:
                    best = (distance, unit.key)
    return best[1] if best is not None else None


def _order(units: Sequence[Any], key: int) -> float:
    for place, unit in enumerate(units):
        if unit.key == key:
            return float(place)
    return float(len(units))


def _figure_order(units: Sequence[Any], y: float) -> float:
    """A figure goes before the first unit that begins below it."""
    for place, unit in enumerate(units):
        if unit.boxes and unit.boxes[0][1] > y:
            return place - 0.5
    return len(units) - 0.5 + 0.001 * y


def _drawn_at(page: pikepdf.Page, name: str) -> Matrix:
    """The transformation the page's content draws the form ``name`` under."""
    ctm: Matrix = IDENTITY
    stack: list[Matrix] = []
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op == "q":
            stack.append(ctm)
        elif op == "Q" and stack:
            ctm = stack.pop()
        elif op == "cm" and len(operands) == 6:
            ctm = multiply(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
        elif op == "Do" and operands and str(operands[0]) == name:
            return ctm
    return ctm


def _walk(tree: pikepdf.Dictionary):
    """The structure elements depth first, in document order."""
    seen: set[tuple[int, int]] = set()
    stack = list(reversed(_kids(tree)))
    while stack:
        item = stack.pop()
        if not isinstance(item, pikepdf.Dictionary) or item.get("/Type") in (Name.MCR,
                                                                              Name.OBJR):
            continue
        if item.is_indirect:
            if item.objgen in seen:
                continue
            seen.add(item.objgen)
        yield item
        stack.extend(reversed(_kids(item)))


def _placeholder(tree: pikepdf.Dictionary, page: pikepdf.Object) -> pikepdf.Dictionary | None:
    """The structure element WeasyPrint made for the placeholder on the page: the last
    element of the page with nothing in it (the placeholder is an empty block, alone on its
    page but for the folio, which is an artifact)."""
    found = None
    for element in _walk(tree):
        if "/Pg" in element and element.Pg.objgen == page.objgen and not _kids(element):
            found = element
    return found


def _heading_before(tree: pikepdf.Dictionary, holder: pikepdf.Dictionary) -> int:
    """The level of the last heading before the element (the reading's title), else 1."""
    level = 1
    for element in _walk(tree):
        if element.objgen == holder.objgen:
            break
        heading = _HEADING.match(str(element.get("/S", "")))
        if heading:
            level = int(heading.group(1))
    return level
