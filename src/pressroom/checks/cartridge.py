"""A Common Cartridge 1.1 checked against its specification's structure (no schema can be
had offline: IMS publishes the XSDs on its site only).

What an importer (Canvas, Moodle) relies on: a zip with ``imsmanifest.xml`` at its root, in
the CC 1.1 content-packaging namespace, saying it is an "IMS Common Cartridge" of version
1.1.0; one organization, a rooted hierarchy with a single root item; identifiers unique in
the manifest; every item that references something references a resource of the manifest;
every resource of a type this cartridge uses (``webcontent``) with its ``href`` among its
files, and every file it names present in the zip; no path that leaves the cartridge.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from lxml import etree

from pressroom.checks.result import CheckResult

CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
_NS = {"cp": CP}
#: The resource types a cartridge of readings may hold.
RESOURCE_TYPES = frozenset({"webcontent"})


def _outside(href: str) -> bool:
    path = PurePosixPath(href)
    return path.is_absolute() or ".." in path.parts or "://" in href


def cartridge_problems(path: Path) -> list[str]:
    """Every way the cartridge departs from the structure IMS CC 1.1 prescribes."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"not a zip file ({exc})"]
    with zf:
        names = set(zf.namelist())
        if "imsmanifest.xml" not in names:
            return ["no imsmanifest.xml at the root of the zip"]
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            root = etree.fromstring(zf.read("imsmanifest.xml"), parser)
        except etree.XMLSyntaxError as exc:
            return [f"imsmanifest.xml is not well-formed: {exc}"]
    problems: list[str] = []
    if root.tag != f"{{{CP}}}manifest":
        return [f"the manifest's root is {root.tag}, not a manifest in {CP}"]
    if root.findtext("cp:metadata/cp:schema", namespaces=_NS) != "IMS Common Cartridge":
        problems.append("metadata/schema is not 'IMS Common Cartridge'")
    if root.findtext("cp:metadata/cp:schemaversion", namespaces=_NS) != "1.1.0":
        problems.append("metadata/schemaversion is not 1.1.0")
    identifiers = [e.get("identifier") for e in root.iter() if e.get("identifier")]
    duplicates = sorted({i for i in identifiers if identifiers.count(i) > 1})
    if duplicates:
        problems.append(f"identifier {duplicates[0]} is not unique")
    organizations = root.findall("cp:organizations/cp:organization", _NS)
    if len(organizations) != 1:
        problems.append(f"{len(organizations)} organizations, not one")
    for organization in organizations:
        if organization.get("structure") != "rooted-hierarchy":
            problems.append("the organization is not a rooted-hierarchy")
        if len(organization.findall("cp:item", _NS)) != 1:
            problems.append("the organization has not exactly one root item")
    resources = {r.get("identifier"): r for r in root.findall("cp:resources/cp:resource", _NS)}
    for item in root.iter(f"{{{CP}}}item"):
        ref = item.get("identifierref")
        if ref is not None and ref not in resources:
            problems.append(f"item {item.get('identifier')} references {ref}, not a resource")
        if ref is not None and item.findall("cp:item", _NS):
            problems.append(f"item {item.get('identifier')} references a resource and holds "
                            "items")
        if item.getparent().tag != f"{{{CP}}}organization" and not item.findtext(
                "cp:title", namespaces=_NS):
            problems.append(f"item {item.get('identifier')} has no title")
    for ident, resource in resources.items():
        kind = resource.get("type")
        if kind not in RESOURCE_TYPES:
            problems.append(f"resource {ident} is of type {kind}, not webcontent")
        files = [f.get("href", "") for f in resource.findall("cp:file", _NS)]
        href = resource.get("href")
        if href is not None and href not in files:
            problems.append(f"resource {ident}: its href {href} is not among its files")
        for name in files:
            if _outside(name):
                problems.append(f"resource {ident}: {name} leaves the cartridge")
            elif name not in names:
                problems.append(f"resource {ident}: {name} is not in the zip")
    return problems


def check_cartridge(path: Path) -> CheckResult:
    problems = cartridge_problems(path)
    if problems:
        extra = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return CheckResult(f"imscc {path.name}", False, problems[0] + extra)
    return CheckResult(f"imscc {path.name}", True, "a Common Cartridge 1.1, every file in it")
