"""Join the pieces of a volume, each laid out alone (``printing.pieces``), into one PDF as
whole as a volume laid out at once: one outline, one structure tree, links inside and
across pieces, named destinations, page labels and the front piece's metadata.

qpdf (through pikepdf) does the PDF: pages and the objects they reach are copied from each
piece with their references mapped, so a structure element's page or an outline item's
destination lands on the copied page. What the join itself decides:

- **Blank versos.** A piece opens on a recto; where the previous one ended on a recto, the
  page between them is blank, as WeasyPrint makes it in a whole volume (no running head, no
  folio: ``@page :blank``).
- **The structure tree.** One Document element holds every piece's top-level elements in
  order; a piece that continues its predecessor's outermost section (a reading in a part)
  has that section's elements joined to the previous one, so the part is one ``Sect``.
  Each piece's parent-tree keys are moved past those of the pieces before it, and its pages'
  and annotations' keys with them.
- **Links across pieces** were written as ``PIECE_LINK`` + id; they become links to the
  named destination, as a link inside a piece is.
- **The outline** is made again from every piece's bookmarks and levels in page order, so a
  reading's heading falls under its part's, as in one layout.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence

import pikepdf
from pikepdf import Array, Dictionary, Name, NameTree, NumberTree, String

from pressroom.errors import RenderError
from pressroom.printing.pieces import PIECE_LINK, LaidPiece, blanks_before


def join(pieces: Sequence[LaidPiece]) -> bytes:
    """The volume's PDF from its pieces, in page order."""
    if not pieces:
        raise RenderError("nothing to join: the volume has no pieces")
    sources = [pikepdf.open(io.BytesIO(p.pdf)) for p in pieces]
    try:
        out = sources[0]
        joiner = _Joiner(out, pieces[0])
        for piece, source in zip(pieces[1:], sources[1:], strict=True):
            joiner.append(piece, source)
        joiner.finish(pieces)
        return saved(out, out.pdf_version)
    finally:
        for source in sources:
            source.close()


def saved(pdf: pikepdf.Pdf, version: str) -> bytes:
    """A PDF made from pieces as bytes, the same for the same pieces (its /ID from its
    content), at the pieces' PDF ``version``: object streams only where that version has
    them (PDF/X-1a is PDF 1.4)."""
    buffer = io.BytesIO()
    streams = (pikepdf.ObjectStreamMode.generate if version >= "1.5"
               else pikepdf.ObjectStreamMode.disable)
    pdf.save(buffer, deterministic_id=True, compress_streams=True, object_stream_mode=streams,
             min_version=version)
    return buffer.getvalue()


class _Joiner:
    def __init__(self, out: pikepdf.Pdf, first: LaidPiece) -> None:
        self.out = out
        self.first_page = first.first_page
        root = out.Root
        self.struct = root.get("/StructTreeRoot")
        self.document = _document(self.struct) if self.struct is not None else None
        self.parents = (NumberTree(self.struct.ParentTree)
                        if self.struct is not None and "/ParentTree" in self.struct else None)
        self.next_key = _next_key(self.struct, self.parents)
        if "/Names" not in root:
            root.Names = Dictionary()
        if "/Dests" not in root.Names:
            root.Names.Dests = NameTree.new(out).obj
        self.dests = NameTree(root.Names.Dests)
        # Every piece's outline entries' destinations, in order, for the outline made anew.
        self.destinations: list[list[pikepdf.Object]] = [_outline_destinations(out)]

    def append(self, piece: LaidPiece, source: pikepdf.Pdf) -> None:
        out = self.out
        for _ in range(blanks_before(piece, self.first_page, len(out.pages))):
            out.pages.append(pikepdf.Page(_blank_like(out, out.pages[-1])))
        first_new = len(out.pages)
        with warnings.catch_warnings():
            # pikepdf warns that named destinations are not carried with the pages: the
            # join carries them itself (below).
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            out.pages.extend(source.pages)
        new_pages = list(out.pages)[first_new:]
        offset = self.next_key
        highest = -1
        if self.struct is not None and "/StructTreeRoot" in source.Root:
            their = source.Root.StructTreeRoot
            if "/ParentTree" in their:
                for key, value in NumberTree(their.ParentTree).items():
                    self.parents[key + offset] = _copy(out, source, value)
                    highest = max(highest, key)
            kids = _kids(_document(their))
            copied = [_copy(out, source, kid) for kid in kids]
            mine = _kids(self.document)
            if piece.continues and copied and mine:
                # The first element is the section the previous piece's last one began.
                into = mine[-1]
                _append_kids(into, _kids(copied[0]))
                copied = copied[1:]
            _append_kids(self.document, copied)
        renumbered: set[tuple[int, int]] = set()
        for page in new_pages:
            if "/StructParents" in page:
                page.StructParents = int(page.StructParents) + offset
                highest = max(highest, int(page.StructParents) - offset)
            for annot in page.get("/Annots", ()):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + offset
                    highest = max(highest, int(annot.StructParent) - offset)
            # A PDF reading's page, drawn as a form with tags of its own (sourcetags).
            xobjects = page.get("/Resources", {}).get("/XObject", {})
            for name in list(xobjects.keys()):
                form = xobjects[name]
                if "/StructParents" in form and form.objgen not in renumbered:
                    renumbered.add(form.objgen)
                    form.StructParents = int(form.StructParents) + offset
                    highest = max(highest, int(form.StructParents) - offset)
        self.next_key = offset + highest + 1
        if "/Names" in source.Root and "/Dests" in source.Root.Names:
            for name, dest in NameTree(source.Root.Names.Dests).items():
                self.dests[name] = _copy(out, source, dest)
        self.destinations.append(_outline_destinations(source, out))

    def finish(self, pieces: Sequence[LaidPiece]) -> None:
        out = self.out
        if self.struct is not None:
            self.struct.ParentTreeNextKey = self.next_key
        for page in out.pages:
            for annot in page.get("/Annots", ()):
                action = annot.get("/A")
                uri = str(action.get("/URI", "")) if action is not None else ""
                if uri.startswith(PIECE_LINK):
                    name = uri[len(PIECE_LINK):]
                    del annot.A
                    annot.Dest = String(name)
                    annot.Contents = String(name)
        self._outline(pieces)
        out.Root.PageLabels = Dictionary(Nums=Array([0, Dictionary(
            S=Name.D, St=self.first_page)]))

    def _outline(self, pieces: Sequence[LaidPiece]) -> None:
        entries: list[tuple[int, str, bool, pikepdf.Object]] = []
        for piece, dests in zip(pieces, self.destinations, strict=True):
            if len(piece.bookmarks) != len(dests):
                raise RenderError(f"the piece at page {piece.first_page} has "
                                  f"{len(piece.bookmarks)} bookmarks but {len(dests)} "
                                  "outline entries")
            entries += [(level, label, is_open, dest) for (level, label, is_open), dest
                        in zip(piece.bookmarks, dests, strict=True)]
        with self.out.open_outline() as outline:
            outline.root.clear()
            stack: list[tuple[int, pikepdf.OutlineItem]] = []
            for level, label, is_open, dest in entries:
                item = pikepdf.OutlineItem(label, dest)
                item.is_closed = not is_open
                while stack and stack[-1][0] >= level:
                    stack.pop()
                (stack[-1][1].children if stack else outline.root).append(item)
                stack.append((level, item))


def _document(struct: pikepdf.Dictionary) -> pikepdf.Dictionary:
    kids = struct.K
    return kids[0] if isinstance(kids, Array) else kids


def _kids(element: pikepdf.Dictionary) -> list[pikepdf.Object]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _append_kids(parent: pikepdf.Dictionary, kids: list[pikepdf.Object]) -> None:
    if not kids:
        return
    mine = _kids(parent)
    for kid in kids:
        if isinstance(kid, Dictionary) and kid.get("/Type") != Name.MCR and "/S" in kid:
            kid.P = parent
    parent.K = Array(mine + kids)


def _next_key(struct, parents) -> int:
    if struct is None:
        return 0
    if "/ParentTreeNextKey" in struct:
        return int(struct.ParentTreeNextKey)
    keys = [key for key, _ in parents.items()] if parents is not None else []
    return max(keys, default=-1) + 1


def _outline_destinations(source: pikepdf.Pdf, out: pikepdf.Pdf | None = None
                          ) -> list[pikepdf.Object]:
    """Every outline entry's destination, in reading order (copied into ``out``)."""
    found: list[pikepdf.Object] = []
    with source.open_outline() as outline:
        def walk(items) -> None:
            for item in items:
                dest = item.destination
                found.append(dest if out is None else _copy(out, source, dest))
                walk(item.children)
        walk(outline.root)
    return found


def _copy(out: pikepdf.Pdf, source: pikepdf.Pdf, obj: pikepdf.Object) -> pikepdf.Object:
    """``obj`` of ``source`` in ``out``, its references mapped as the pages' were (qpdf copies
    only indirect objects; a direct one is made indirect first)."""
    if not obj.is_indirect:
        obj = source.make_indirect(obj)
    return out.copy_foreign(obj)


def _blank_like(out: pikepdf.Pdf, page: pikepdf.Page) -> pikepdf.Dictionary:
    """An empty page of the same size as ``page`` (its boxes), for a blank verso."""
    blank = Dictionary(Type=Name.Page, Resources=Dictionary(),
                       Contents=out.make_stream(b""), Tabs=Name.S)
    for box in ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox"):
        if box in page.obj:
            blank[box] = page.obj[box]
    return out.make_indirect(blank)
