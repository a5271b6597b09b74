"""Find the images a reading names, check them where file and line are known, and point them
at their files.

A Markdown image path is relative to the Markdown file that names it, as in every Markdown
editor. Nothing outside the content folder may be read: an absolute path, a ``..`` that climbs
out, a symbolic link that points out, a URL, a folder or a hidden file is refused here, at load
time, with the reading's file and line, before any renderer sees the path. Each accepted image
is rewritten to its file's URL, which WeasyPrint fetches (its fetcher still refuses anything
outside the project) and which the Lua filter ``media.lua`` puts into the EPUB: Pandoc runs
with ``--sandbox`` and reads no image itself, so the filter reads exactly the files listed in
the metadata by :func:`allowed_sources` and nothing else.

An SVG is XML that can run scripts and fetch: it is parsed safely (``safexml``: no DTD, no
entities, no network) and refused unless it is drawing alone (:func:`svg_refusal`), as a file
and as a ``data:image/svg+xml`` URL alike, so that print and EPUB show the same image.
"""


from __future__ import annotations

import base64
import binascii
import dataclasses
import re
import struct
from pathlib import Path
from urllib.parse import unquote_to_bytes

from lxml import etree

from pressroom.errors import ContentError
from pressroom.sources.bodytext import code, mask
from pressroom.sources.edition import MEDIA_TYPES, Reading, ReadingImage
from pressroom.sources.safexml import parse_untrusted
from pressroom.tools.run import DEFAULT_LIMITS, WHERE_TO_RAISE

#: The types both outputs take: WeasyPrint draws them and EPUB 3 lists them as core media.

# ![alt](target "title"){attrs}: alt may hold brackets in pairs and escapes; the target is a
# <bracketed> path or one without spaces.
_IMAGE = re.compile(
    r"(?<!\\)!\[(?P<alt>(?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)\]"
    r"\((?P<space>\s*)(?P<target><[^>\n]*>|[^\s()]+)(?P<rest>[^)]*)\)"
)
# ![alt][ref], ![alt][] or ![alt] alone: the path comes from a reference definition.
_REFERENCE_IMAGE = re.compile(
    r"(?<!\\)!\[(?!\^)(?P<alt>(?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)\](?!\()(?:\[(?P<ref>[^\]\n]*)\])?")
# [ref]: target "title", as Pandoc reads a link reference definition.
_DEFINITION = re.compile(r"^ {0,3}\[(?P<ref>[^\]\n]+)\]:[ \t]*(?P<target><[^>\n]*>|\S+)",
                         re.MULTILINE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")




#: The most pixels an image may declare: a full A4 page at 600 dpi is about 35 million. A
#: larger one is a decompression bomb (a few bytes of PNG that unpack to gigabytes).
MAX_PIXELS = 50_000_000


def image_size(path: Path) -> tuple[int, int] | None:
    """(width, height) that a PNG, GIF or JPEG file declares in its header, else None."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return struct.unpack(">II", head[16:24])
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", head[6:10])
    if head.startswith(b"\xff\xd8"):
        at = 2
        while at + 9 <= len(head) and head[at] == 0xFF:
            marker, length = head[at + 1], struct.unpack(">H", head[at + 2:at + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", head[at + 5:at + 9])
                return width, height
            at += 2 + length
    return None


SVG = "{http://www.w3.org/2000/svg}"
#: Attributes (in any namespace) that make an SVG load something: href, xlink:href, src.
_REFERENCES = frozenset({"href", "src"})
#: What an SVG may embed by reference: its own fragments and raster images as data: URLs.
_EMBEDDED = re.compile(r"#|data:image/(?:png|jpeg|gif|webp)[;,]", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))""", re.IGNORECASE)
#: Elements that run or embed something other than drawing.
_ACTIVE = frozenset({"script", "foreignobject", "iframe", "embed", "object", "handler",
                     "listener"})
#: Animation elements, which can set any attribute (an href, an event handler) later.
_ANIMATIONS = frozenset({"set", "animate", "animatemotion", "animatetransform",
                         "animatecolor"})


def svg_refusal(tree: etree._ElementTree) -> tuple[str, int | None] | None:
    """Why an SVG (parsed by safexml: no DTD, no entities) may not be shown, and the line of
    the SVG where; None if it may. Refused: scripts, embedded documents and event handlers,
    and any reference that is not a fragment (#id) or a raster data: URL: href, xlink:href,
    src, CSS url() and @import, a processing instruction (<?xml-stylesheet?>), a CSS escape
    (which could spell url( in disguise), an animation of a reference or handler."""
    root = tree.getroot()
    if root.tag != f"{SVG}svg":
        return 'its root is not <svg xmlns="http://www.w3.org/2000/svg">', root.sourceline
    for node in root.itersiblings(preceding=True):
        if isinstance(node, etree._ProcessingInstruction):
            return f"a processing instruction <?{node.target} …?>", node.sourceline
    for node in tree.iter():
        if isinstance(node, etree._ProcessingInstruction):
            return f"a processing instruction <?{node.target} …?>", node.sourceline
        if not isinstance(node.tag, str):
            continue
        name = etree.QName(node).localname
        if name.lower() in _ACTIVE:
            return f"a <{name}> element (scripts and embedded documents)", node.sourceline
        if name.lower() in _ANIMATIONS:
            # "xlink:href" names its prefix: the attribute animated is the part after it.
            animated = node.get("attributeName", "").rsplit(":", 1)[-1].strip().lower()
            if animated in _REFERENCES or animated.startswith("on"):
                return f"a <{name}> of {animated[:30]} (an animated reference or handler)", \
                    node.sourceline
        texts = [node.text or ""] if name == "style" else []
        for attr, value in node.attrib.items():
            local = etree.QName(attr).localname
            if local.lower().startswith("on"):
                return f"an event handler ({local[:30]}=…)", node.sourceline
            if local.lower() in _REFERENCES and not _EMBEDDED.match(value.strip()):
                return (f"a reference {local}={_shown(value)} (only #id or a data:image)",
                        node.sourceline)
            texts.append(value)
        for text in texts:
            refused = _css_refusal(text)
            if refused:
                return refused, node.sourceline
    return None


def _shown(value: str) -> str:
    # The contributor's own text, cut short and with no line breaks.
    return repr(" ".join(value.split())[:60])


def _css_refusal(text: str) -> str | None:
    if "\\" in text:
        return "a CSS escape (\\)"
    if "@import" in text.lower():
        return "a CSS @import"
    for match in _CSS_URL.finditer(text):
        target = next(g for g in match.groups() if g is not None).strip()
        if not _EMBEDDED.match(target.strip("'\"")):
            return f"a CSS url({_shown(target)[1:-1]}) (only #id or a data:image)"
    return None


def _check_svg(reading: Reading, offset: int, shown: str, path: Path,
               data: bytes | None = None, max_mb: int = DEFAULT_LIMITS.source_mb) -> None:
    """Refuse an SVG file (or the bytes of a data: URL) that is not drawing alone."""
    line = reading.body_line + reading.body.count("\n", 0, offset)
    size = len(data) if data is not None else path.stat().st_size
    if size > max_mb * 1024 * 1024:
        raise _fail(reading, offset, f"{shown}: an SVG larger than {max_mb} MB (limit "
                                     f"source_mb; {WHERE_TO_RAISE})")
    try:
        tree = parse_untrusted(path, reported=reading.path, line=line, data=data)
    except ContentError as exc:
        raise ContentError(f"{shown}: {exc.message}", path=reading.path, line=line) from None
    refused = svg_refusal(tree)
    if refused:
        what, at = refused
        raise _fail(reading, offset, f"{shown}: the SVG has {what}"
                    + (f" on its line {at}" if at and data is None else "")
                    + "; an image is drawing only, with nothing to run or fetch")


#: data:[type][;params][;base64],payload
_DATA_URL = re.compile(r"data:(?P<type>[^;,]*)(?P<params>(?:;[^;,]*)*),(?P<payload>.*)",
                       re.IGNORECASE | re.DOTALL)
_DATA_TYPES = frozenset({"image/png", "image/jpeg", "image/svg+xml"})


def _check_data_url(reading: Reading, offset: int, written: str, max_mb: int) -> None:
    """A data: image is a PNG or JPEG, or an SVG checked as an SVG file is (the types a file
    may have)."""
    shown = f"image {_shown(written[:40] + ('…' if len(written) > 40 else ''))}"
    match = _DATA_URL.fullmatch(written)
    kind = match.group("type").strip().lower() if match else ""
    if kind not in _DATA_TYPES:
        raise _fail(reading, offset, f"{shown}: a data: image must be image/png, image/jpeg "
                                     "or image/svg+xml")
    if kind != "image/svg+xml":
        return
    payload = unquote_to_bytes(match.group("payload"))
    if ";base64" in match.group("params").lower():
        try:
            payload = base64.b64decode(re.sub(rb"\s", b"", payload), validate=True)
        except binascii.Error:
            raise _fail(reading, offset, f"{shown}: its base64 is broken") from None
    _check_svg(reading, offset, shown, Path("the SVG"), payload, max_mb)


def _fail(reading: Reading, offset: int, message: str) -> ContentError:
    return ContentError(message, path=reading.path,
                        line=reading.body_line + reading.body.count("\n", 0, offset))


def _resolve(reading: Reading, content_dir: Path, written: str, offset: int,
             max_mb: int = DEFAULT_LIMITS.source_mb) -> Path:
    shown = f"image {written!r}"
    if _SCHEME.match(written):
        raise _fail(reading, offset, f"{shown}: images must be files beside the reading, "
                                     "not URLs (a build reads nothing from the network)")
    if written.startswith("/"):
        raise _fail(reading, offset, f"{shown}: write the path relative to this file, not "
                                     "an absolute path")
    root = content_dir.resolve()
    path = (reading.path.parent / written).resolve()
    if not path.is_relative_to(root):
        raise _fail(reading, offset, f"{shown} is outside the content folder (an edition "
                                     "reads only its own files)")
    named = [part for part in Path(written).parts if part not in (".", "..")]
    if any(part.startswith(".") for part in (*named, *path.relative_to(root).parts)):
        raise _fail(reading, offset, f"{shown} is in a hidden folder or file")
    if not path.is_file():
        raise _fail(reading, offset, f"{shown}: no such file"
                    if not path.exists() else f"{shown} is not a file")
    if path.suffix.lower() not in MEDIA_TYPES:
        raise _fail(reading, offset, f"{shown}: use PNG, JPEG or SVG (print and EPUB both "
                                     "take those)")
    if path.suffix.lower() == ".svg":
        _check_svg(reading, offset, shown, path, max_mb=max_mb)
    size = image_size(path)
    if size and size[0] * size[1] > MAX_PIXELS:
        raise _fail(reading, offset, f"{shown}: {size[0]} x {size[1]} pixels, more than "
                                     f"{MAX_PIXELS:,} (a decompression bomb?)")
    return path


def resolve_images(reading: Reading, content_dir: Path,
                   max_mb: int = DEFAULT_LIMITS.source_mb) -> Reading:
    """The reading with every image checked and pointed at its file's URL.

    An image needs alt text (it is what a screen reader says and what an e-reader shows when
    images are off); a lone image with alt text is a figure with the alt text as its caption,
    as Pandoc makes it.
    """
    body = reading.body
    # Markdown shown as code (a lesson's ![alt](x.png)) is no image.
    scanned = mask(body, code(body))
    found: list[ReadingImage] = []
    # (start, end) of each target to rewrite, and the file's URL to put there.
    rewrites: list[tuple[int, int, str]] = []

    def accept(written: str, alt: str, offset: int, start: int, end: int) -> None:
        if written.startswith("data:"):
            if not alt:
                raise _fail(reading, offset, "an image has no alt text: describe it "
                            "between the brackets, ![what it shows](…)")
            _check_data_url(reading, offset, written, max_mb)
            return
        if not alt:
            raise _fail(reading, offset, f"image {written!r} has no alt text: describe "
                        f"it between the brackets, ![what it shows]({written})")
        path = _resolve(reading, content_dir, written, offset, max_mb)
        image = ReadingImage(written, path, reading.body_line + body.count("\n", 0, offset),
                             alt)
        found.append(image)
        rewrites.append((start, end, image.source))

    inline = list(_IMAGE.finditer(scanned))
    for match in inline:
        target = match.group("target")
        written = target[1:-1] if target.startswith("<") else target
        start, end = match.span("target")
        if target.startswith("<"):
            start, end = start + 1, end - 1
        accept(written, match.group("alt").strip(), match.start(), start, end)
    # Reference-style images take their path from the definition, which is rewritten (once,
    # however many images use it).
    definitions = {" ".join(m.group("ref").split()).casefold(): m
                   for m in reversed(list(_DEFINITION.finditer(scanned)))}
    rewritten: set[str] = set()
    for match in _REFERENCE_IMAGE.finditer(scanned):
        if any(m.start() <= match.start() < m.end() for m in inline):
            continue
        alt = match.group("alt")
        ref = " ".join((match.group("ref") or alt).split()).casefold()
        definition = definitions.get(ref)
        if definition is None:
            continue  # Pandoc prints it as text: no image.
        if ref in rewritten:
            continue
        rewritten.add(ref)
        target = definition.group("target")
        start, end = definition.span("target")
        if target.startswith("<"):
            target, start, end = target[1:-1], start + 1, end - 1
        accept(target, alt.strip(), match.start(), start, end)
    pieces: list[str] = []
    last = 0
    for start, end, source in sorted(rewrites):
        pieces += [body[last:start], source]
        last = end
    pieces.append(body[last:])
    return dataclasses.replace(reading, body="".join(pieces), images=tuple(found))


def _inert(url: str) -> str:
    # Percent-encode all but letters, digits, "/" and the "%" of what is already encoded, so
    # that Pandoc's Markdown reading of the metadata (smart quotes and dashes, emphasis) cannot
    # change a character; media.lua decodes both this and the image's URL before comparing.
    return re.sub(r"[^A-Za-z0-9/%]", lambda m: f"%{ord(m.group()):02X}", url)


def allowed_sources(readings: tuple[Reading, ...] | list[Reading]) -> list[str]:
    """The image URLs media.lua may read, for Pandoc's metadata (``pressroom-images``)."""
    return sorted({_inert(image.source) for r in readings for image in r.images})
