"""XML from a contributor (a CSL style, an SVG image), parsed so that parsing itself is safe.

lxml is told to load no DTD, resolve no entity, use no network and refuse huge trees; on top
of that any document type declaration is refused, since neither CSL nor SVG needs one and a
DTD is where entity bombs and external entities live. Errors name the file and line and never
quote anything but the parser's own words.
"""


from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from pressroom.errors import ContentError

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def _dtd_error(path: Path, where: Path, line: int) -> ContentError:
    return ContentError(f"{path.name} declares a DTD (<!DOCTYPE …>): refused, since entities "
                        "there can expand without end or read other files; remove it",
                        path=where, line=line)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False)


def parse_untrusted(path: Path, *, reported: Path | None = None, line: int | None = None,
                    data: bytes | None = None) -> etree._ElementTree:
    """The XML file at path (or ``data``, named path), parsed safely. An error names
    ``reported`` (default: the file) at ``line`` (default: the line the parser stopped at)."""
    where = reported or path
    try:
        if data is None:
            data = path.read_bytes()
    except OSError as exc:
        raise ContentError(f"cannot read {path.name}: {exc.strerror or 'unreadable'}",
                           path=where, line=line) from None
    # Refused before parsing, so that no entity is ever expanded, not even to be counted.
    declared = _DOCTYPE.search(data)
    if declared:
        raise _dtd_error(path, where, line if line is not None
                         else data.count(b"\n", 0, declared.start()) + 1)
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        # The parser's message only: the line it gives is the file's, which we name.
        message = str(exc.msg).split(", line ")[0]
        raise ContentError(f"not well-formed XML: {message}", path=where,
                           line=line if line is not None else exc.lineno) from None
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise _dtd_error(path, where, line if line is not None else 1)
    for node in tree.iter():
        if isinstance(node, etree._Entity):
            raise ContentError(f"{path.name} uses an entity (&{node.name};): refused",
                               path=where, line=line if line is not None else node.sourceline)
    return tree
