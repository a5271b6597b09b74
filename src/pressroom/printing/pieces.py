"""The print volume cut into the pieces that are laid out one by one.

A course reader of twenty readings is 500 pages; laid out as one WeasyPrint document, its
cost, its memory and its time limit grow with the volume and an edit anywhere re-lays it
all. Every reading, part page, note and appendix already opens on a recto (the stylesheet
forces ``break-before: right`` on its section), so the volume breaks there without changing
a line: each piece is laid out alone, starting at the page it has in the volume, and the
pieces are joined (``printing.join``).

Where the pieces begin is read from the stylesheets, not from a list of classes: a section
whose rule forces a recto break starts a piece (``recto_classes``). What comes before the
first (title page, contents) is the front piece. Content after a nested piece inside its
section (rare: a part's closing words after its last reading) stays with the piece that
was being laid out when it came, which is where it falls in the volume.

A piece is a page of its own: the volume's head (its stylesheets), the sections that hold
it as empty shells (no id, so each id is in one piece), and its content. A link to an id
in another piece would be dropped by WeasyPrint, which links only to ids it laid out; it
is written as ``PIECE_LINK`` + id, an external link the join turns back into a link to
the named destination. Only the front piece keeps the volume's metadata (title, authors,
dates): the join takes the document's metadata from it, and a reading that two readers
share lays out to the same bytes in both.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import tinycss2
from lxml import etree
from lxml import html as lxml_html

from pressroom.errors import RenderError

#: How a link to an id in another piece is written in a piece (never in an output).
PIECE_LINK = "x-pressroom-piece:"
#: The front piece's name: the title page and contents.
FRONT = "front"
_RECTO = frozenset({"right", "recto"})


@dataclass(frozen=True)
class Piece:
    """One piece of the volume, as a standalone page."""

    #: The id of the section it opens with, or FRONT.
    name: str
    html: str
    #: The ids laid out in it.
    ids: frozenset[str]
    #: The ids its links point to (in it or in other pieces): the pages it prints numbers of.
    targets: frozenset[str]
    #: Its outermost section continues the previous piece's (a reading inside a part).
    continues: bool


@dataclass(frozen=True)
class LaidPiece:
    """One piece as its layout made it: what the join (printing.join) needs of it."""

    pdf: bytes = field(repr=False)
    #: The volume's page number of its first page.
    first_page: int
    #: Its bookmarks in order: (level, label, open).
    bookmarks: tuple[tuple[int, str, bool], ...]
    #: Its outermost section continues the previous piece's.
    continues: bool = False


def blanks_before(piece: LaidPiece, first_page: int, pages_before: int) -> int:
    """How many blank pages go between the ``pages_before`` pages of a volume that begins at
    ``first_page`` and ``piece``: a piece opens on the page its layout began at (a recto),
    so where the one before it ended on a recto, the verso between them is blank, as
    WeasyPrint leaves it in a volume laid out at once. The join and the imposition both
    place the pieces' pages by this."""
    wanted = piece.first_page - first_page
    if wanted < pages_before:
        raise RenderError(f"a piece starting at page {piece.first_page} overlaps the "
                          f"{pages_before} pages before it")
    return wanted - pages_before


def recto_classes(css: str) -> frozenset[str]:
    """The classes of the sections the stylesheets open on a recto: ``section.X`` rules
    whose last ``break-before`` is right or recto."""
    last: dict[str, str] = {}
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule":
            continue
        for decl in tinycss2.parse_declaration_list(rule.content, skip_comments=True,
                                                    skip_whitespace=True):
            if decl.type != "declaration" or decl.lower_name != "break-before":
                continue
            value = tinycss2.serialize(decl.value).strip().lower()
            for selector in tinycss2.serialize(rule.prelude).split(","):
                selector = selector.strip()
                tag, dot, cls = selector.partition(".")
                if tag == "section" and dot and cls.replace("-", "").isalnum():
                    last[cls] = value
    return frozenset(cls for cls, value in last.items() if value in _RECTO)


def _style_text(document: lxml_html.HtmlElement) -> str:
    return "\n".join(style.text or "" for style in document.iter("style")
                     if style.get("media") in (None, "print", "all"))


def split(page: str, *, whole: bool = False) -> list[Piece]:
    """The pieces of one variant's print page, in page order. ``whole`` gives the volume
    as one piece (what the pieces are checked against)."""
    return Splitter().split(page, whole=whole)


@dataclass(frozen=True)
class _Cut:
    """One piece's body, whatever the head: what every variant's piece has the same."""

    name: str
    body: str
    ids: frozenset[str]
    targets: frozenset[str]
    continues: bool
    #: The front piece: it keeps the volume's metadata in its head.
    front: bool


class Splitter:
    """Splits the print pages of one volume's variants. A variant is its stylesheets: the
    pages' bodies are the same, so the body is cut once (the costly part: every element
    placed in its piece, every piece's body written out) and each variant's pieces get their
    own head. A page whose body, or whose stylesheets' recto sections, differ from the last
    one's is cut anew."""

    def __init__(self, recto: Callable[[str], frozenset[str]] = recto_classes) -> None:
        #: What reads the recto sections from a page's stylesheets (the engine's is cached).
        self._recto = recto
        self._last: tuple[str, frozenset[str], list[_Cut]] | None = None

    def split(self, page: str, *, whole: bool = False) -> list[Piece]:
        document = lxml_html.document_fromstring(page)
        body = document.body
        if whole:
            ids = frozenset(e.get("id") for e in body.iter() if e.get("id"))
            return [Piece(FRONT, page, ids, _targets(body), False)]
        starts = self._recto(_style_text(document))
        body_text = page[page.find("<body"):]
        if self._last is not None and self._last[:2] == (body_text, starts):
            cuts = self._last[2]
        else:
            cuts = _cut(body, starts)
            self._last = (body_text, starts, cuts)
        # The document element as lxml writes it, without its end tag: the pieces' pages
        # are written as the whole page would be, head and body in it.
        opening = lxml_html.tostring(etree.Element("html", dict(document.attrib)),
                                     encoding="unicode").removesuffix("</html>")
        return [Piece(cut.name,
                      "<!DOCTYPE html>\n" + opening
                      + lxml_html.tostring(_head(document.head, keep_metadata=cut.front,
                                                 name=cut.name), encoding="unicode")
                      + cut.body + "</html>",
                      cut.ids, cut.targets, cut.continues)
                for cut in cuts]


def _cut(body: etree._Element, starts: frozenset[str]) -> list[_Cut]:
    """The pieces' bodies of a page whose sections of the classes ``starts`` open pieces."""
    def opens_piece(element: etree._Element) -> bool:
        return (element.tag == "section" and element.get("id") is not None
                and bool(starts & set((element.get("class") or "").split())))

    # Each element belongs to the piece that was being laid out when it began.
    names: list[str] = [FRONT]
    owner: dict[etree._Element, int] = {}
    for element in body.iter():
        if not isinstance(element.tag, str):
            owner[element] = len(names) - 1
            continue
        if opens_piece(element):
            names.append(element.get("id"))
        owner[element] = len(names) - 1
    # The pieces each element's subtree holds part of, and those it holds content of (an
    # element of theirs and nothing else): a section that only wraps others is a shell.
    holds: dict[etree._Element, set[int]] = {}
    content: dict[etree._Element, set[int]] = {}
    for element in reversed(list(body.iter())):
        found = {owner[element]}
        solid: set[int] = set()
        for child in element:
            found |= holds[child]
            solid |= content[child]
        holds[element] = found
        content[element] = solid | found if len(found) == 1 else solid

    cuts: list[_Cut] = []
    for index, name in enumerate(names):
        if index not in content[body]:
            continue
        shell_depth = _shells(body, index, owner)
        new_body = _copy(body, index, owner, content)
        ids = frozenset(e.get("id") for e in new_body.iter()
                        if isinstance(e.tag, str) and e.get("id"))
        targets = _targets(new_body)
        _link_out(new_body, ids)
        cuts.append(_Cut(name, lxml_html.tostring(new_body, encoding="unicode"), ids,
                         targets, shell_depth > 0, index == 0))
    return cuts


def with_numbers(html: str, css: str) -> str:
    """A piece's page with ``css`` (its page numbers' rules, pagehints) last in its head."""
    head_end = html.find("</head>")
    return html[:head_end] + "<style>\n" + css + "\n</style>" + html[head_end:]


def _shells(body: etree._Element, index: int, owner: dict) -> int:
    """How many sections outside the piece hold its first element (0: none)."""
    first = next((e for e in body.iter() if owner.get(e) == index and e is not body), None)
    depth = 0
    parent = first.getparent() if first is not None else None
    while parent is not None and parent is not body:
        if parent.tag == "section" and owner[parent] != index:
            depth += 1
        parent = parent.getparent()
    return depth


def _copy(element: etree._Element, index: int, owner: dict, content: dict
          ) -> etree._Element:
    """``element`` with only what belongs to piece ``index`` and the shells around it."""
    mine = owner[element] == index
    attrib = dict(element.attrib)
    if not mine:
        attrib.pop("id", None)
    out = etree.Element(element.tag, attrib)
    out.text = element.text if mine else _blank(element.text)
    for child in element:
        if index not in content[child]:
            continue
        if isinstance(child.tag, str):
            copied = _copy(child, index, owner, content)
        else:  # a comment or processing instruction
            copied = etree.Comment(child.text or "")
        copied.tail = child.tail if owner[child] == index else _blank(child.tail)
        out.append(copied)
    return out


def _blank(text: str | None) -> str | None:
    return "\n" if text and not text.strip() else None


def _head(head: etree._Element, *, keep_metadata: bool, name: str) -> etree._Element:
    """The volume's head for a piece: all of it for the front piece; its stylesheets, its
    character set and a title naming the piece for the others."""
    if keep_metadata:
        return _deep(head)
    out = etree.Element("head")
    for child in head:
        if child.tag == "style" or (child.tag == "meta" and child.get("charset")):
            out.append(_deep(child))
    title = etree.SubElement(out, "title")
    title.text = name
    return out


def _deep(element: etree._Element) -> etree._Element:
    return copy.deepcopy(element)


def _targets(body: etree._Element) -> frozenset[str]:
    return frozenset(a.get("href")[1:] for a in body.iter("a")
                     if (a.get("href") or "").startswith("#") and len(a.get("href")) > 1)


def _link_out(body: etree._Element, ids: Iterable[str]) -> None:
    """Links to ids in other pieces, written as PIECE_LINK + id."""
    here = set(ids)
    for a in body.iter("a"):
        href = a.get("href") or ""
        if href.startswith("#") and len(href) > 1 and href[1:] not in here:
            a.set("href", PIECE_LINK + href[1:])
