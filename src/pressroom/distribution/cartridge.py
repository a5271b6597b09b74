"""An IMS Common Cartridge 1.1 (`.imscc`) of the collection, as Canvas and Moodle import it.

A cartridge is a zip whose ``imsmanifest.xml`` lists its resources and arranges them in one
organization: here one module (a top-level item) per part of the collection, holding one
item per reading; readings outside any part make a module of their own, named after the
collection. Each reading is one ``webcontent`` resource: a page giving its citation and
rights statement (templates/lms-reading.html.j2), and its PDF. The manifest is built as an
lxml tree, never from strings.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

#: The namespaces of a Common Cartridge 1.1 manifest (IMS CC 1.1, section 4).
CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
LOMIMSCC = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"
LOM = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/resource"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATIONS = " ".join([
    CP, "http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_imscp_v1p2_v1p0.xsd",
    LOMIMSCC, "http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lommanifest_v1p0.xsd",
    LOM, "http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lomresource_v1p0.xsd",
])
#: Every zip entry's time: fixed (the zip format's first day), never the clock.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class CartridgeItem:
    """One reading in the cartridge: its id, title, the page and PDF that present it."""

    ident: str
    title: str
    page: str  # the path of its page inside the cartridge
    pdf: str  # the path of its PDF inside the cartridge
    description: str  # citation and rights, for the resource's metadata


@dataclass(frozen=True)
class CartridgeModule:
    """A module of the course: a part of the collection (or its readings outside parts)."""

    ident: str
    title: str
    items: tuple[CartridgeItem, ...]


def _lom_title(namespace: str, tag: str, title: str, language: str) -> etree._Element:
    lom = etree.Element(f"{{{namespace}}}lom")
    general = etree.SubElement(lom, f"{{{namespace}}}general")
    title_element = etree.SubElement(general, f"{{{namespace}}}title")
    string = etree.SubElement(title_element, f"{{{namespace}}}string", language=language)
    string.text = title
    if tag:
        description = etree.SubElement(general, f"{{{namespace}}}description")
        text = etree.SubElement(description, f"{{{namespace}}}string", language=language)
        text.text = tag
    return lom


def manifest(identifier: str, title: str, language: str,
             modules: Sequence[CartridgeModule]) -> bytes:
    """The cartridge's imsmanifest.xml."""
    nsmap = {None: CP, "lomimscc": LOMIMSCC, "lom": LOM, "xsi": XSI}
    root = etree.Element(f"{{{CP}}}manifest", nsmap=nsmap, identifier=identifier)
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATIONS)
    metadata = etree.SubElement(root, f"{{{CP}}}metadata")
    etree.SubElement(metadata, f"{{{CP}}}schema").text = "IMS Common Cartridge"
    etree.SubElement(metadata, f"{{{CP}}}schemaversion").text = "1.1.0"
    metadata.append(_lom_title(LOMIMSCC, "", title, language))
    organizations = etree.SubElement(root, f"{{{CP}}}organizations")
    organization = etree.SubElement(organizations, f"{{{CP}}}organization",
                                    identifier="organization", structure="rooted-hierarchy")
    top = etree.SubElement(organization, f"{{{CP}}}item", identifier="root")
    resources = etree.SubElement(root, f"{{{CP}}}resources")
    for module in modules:
        folder = etree.SubElement(top, f"{{{CP}}}item", identifier=f"module-{module.ident}")
        etree.SubElement(folder, f"{{{CP}}}title").text = module.title
        for item in module.items:
            entry = etree.SubElement(folder, f"{{{CP}}}item", identifier=f"item-{item.ident}",
                                     identifierref=f"resource-{item.ident}")
            etree.SubElement(entry, f"{{{CP}}}title").text = item.title
            resource = etree.SubElement(resources, f"{{{CP}}}resource",
                                        identifier=f"resource-{item.ident}",
                                        type="webcontent", href=item.page)
            resource_metadata = etree.SubElement(resource, f"{{{CP}}}metadata")
            resource_metadata.append(_lom_title(LOM, item.description, item.title, language))
            etree.SubElement(resource, f"{{{CP}}}file", href=item.page)
            etree.SubElement(resource, f"{{{CP}}}file", href=item.pdf)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def cartridge(manifest_xml: bytes, files: dict[str, bytes]) -> bytes:
    """The .imscc zip: the manifest first, then every file, in a fixed order and with a
    fixed time, so the same collection gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in [("imsmanifest.xml", manifest_xml), *sorted(files.items())]:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return out.getvalue()
