"""The Common Cartridge's manifest, read back as the specification lays it out."""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from pressroom.checks.cartridge import cartridge_problems
from pressroom.distribution.cartridge import (
    CP,
    LOM,
    LOMIMSCC,
    CartridgeItem,
    CartridgeModule,
    cartridge,
    manifest,
)

NS = {"cp": CP, "lom": LOM, "lomimscc": LOMIMSCC}


def _modules() -> list[CartridgeModule]:
    def item(ident: str, title: str) -> CartridgeItem:
        return CartridgeItem(ident, title, f"readings/{ident}.html", f"readings/{ident}.pdf",
                             f"{title}, cited. © Someone & Co. <All> rights reserved.")

    return [CartridgeModule("week-1", "Week 1: Alliances", (item("alpha", "Alpha"),
                                                            item("beta", "Beta"))),
            CartridgeModule("week-2", "Week 2", (item("gamma", "Gamma"),))]


def _files() -> dict[str, bytes]:
    return {f"readings/{i}.{ext}": b"x" for i in ("alpha", "beta", "gamma")
            for ext in ("html", "pdf")}


def test_the_manifest_has_a_module_per_part_and_an_item_per_reading():
    root = etree.fromstring(manifest("c-1", "A Reader", "en-GB", _modules()))
    assert root.tag == f"{{{CP}}}manifest" and root.get("identifier") == "c-1"
    assert root.findtext("cp:metadata/cp:schema", namespaces=NS) == "IMS Common Cartridge"
    assert root.findtext("cp:metadata/cp:schemaversion", namespaces=NS) == "1.1.0"
    assert root.findtext(".//lomimscc:title/lomimscc:string", namespaces=NS) == "A Reader"
    (organization,) = root.findall("cp:organizations/cp:organization", NS)
    assert organization.get("structure") == "rooted-hierarchy"
    (top,) = organization.findall("cp:item", NS)
    modules = top.findall("cp:item", NS)
    assert [m.findtext("cp:title", namespaces=NS) for m in modules] == [
        "Week 1: Alliances", "Week 2"]
    assert [[i.get("identifierref") for i in m.findall("cp:item", NS)] for m in modules] == [
        ["resource-alpha", "resource-beta"], ["resource-gamma"]]
    resources = root.findall("cp:resources/cp:resource", NS)
    assert {r.get("type") for r in resources} == {"webcontent"}
    alpha = resources[0]
    assert alpha.get("href") == "readings/alpha.html"
    assert [f.get("href") for f in alpha.findall("cp:file", NS)] == [
        "readings/alpha.html", "readings/alpha.pdf"]
    # Citation and rights in the resource's metadata, escaped by the tree, never by hand.
    assert alpha.findtext(".//lom:description/lom:string", namespaces=NS) == (
        "Alpha, cited. © Someone & Co. <All> rights reserved.")


def test_the_cartridge_is_a_reproducible_zip_that_passes_the_check(tmp_path):
    xml = manifest("c-1", "A Reader", "en-GB", _modules())
    data = cartridge(xml, _files())
    assert data == cartridge(xml, _files())
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist()[0] == "imsmanifest.xml"
    path = tmp_path / "c.imscc"
    path.write_bytes(data)
    assert cartridge_problems(path) == []


def test_the_check_finds_what_an_importer_would_trip_on(tmp_path):
    xml = manifest("c-1", "A Reader", "en-GB", _modules())
    files = _files()
    del files["readings/beta.pdf"]
    root = etree.fromstring(xml)
    resource = root.find("cp:resources/cp:resource", NS)
    resource.set("type", "imsdt_xmlv1p1")
    root.find(".//cp:item[@identifierref='resource-gamma']", NS).set("identifierref", "nope")
    path = tmp_path / "broken.imscc"
    path.write_bytes(cartridge(etree.tostring(root), files))
    assert cartridge_problems(path) == [
        "item item-gamma references nope, not a resource",
        "resource resource-alpha is of type imsdt_xmlv1p1, not webcontent",
        "resource resource-beta: readings/beta.pdf is not in the zip",
    ]
    path.write_bytes(b"not a zip")
    assert cartridge_problems(path)[0].startswith("not a zip file")
