"""The EPUB's document: the filters run over it unit by unit, before Pandoc writes the EPUB.

Our filters (tools/filters) cost more than Pandoc's EPUB writer: each walks the whole
document, and in a reader of twenty readings that is two thirds of the EPUB's time. So the
document is filtered for the EPUB as the print body is converted: unit by unit (a reading,
an appendix, a part's page: assemble.document.units_of), side by side, each unit told the
print pages that begin in it and how many tables come before it (an untitled table is
named by its place in the volume), and each unit's result kept by what it was made of. The
units' filtered blocks, joined, are what the filters make of the whole document; the writer
then reads them with no filter. An edit to one reading filters that reading again, and a
reading that grows by a page filters again the units whose pages moved. The EPUB's job
(engine.work) does the filtering, on whichever worker runs it; the building process sends
it the units its cache has and keeps those the job made.

A unit cannot see the others' ids, so the notes filter checks only what a link may point
to; every id of the joined document once, and every internal link to one of them, is
checked here, in the filters' words.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pressroom.assemble.document import Unit, attributes_of, elements, units_of
from pressroom.errors import RenderError
from pressroom.printing.pagemap import ANCHOR_PREFIX, PageMap, filter_arguments
from pressroom.tools.pandoc import run_pandoc, side_by_side
from pressroom.tools.run import DEFAULT_LIMITS, Limits


@dataclass(frozen=True)
class Filtered:
    """One unit's blocks filtered for the EPUB (Pandoc's JSON), its ids and the ids its
    internal links point to."""

    blocks: str
    ids: tuple[str, ...]
    links: tuple[str, ...]

    def record(self) -> dict[str, list[str]]:
        return {"ids": list(self.ids), "links": list(self.links)}


#: A table in a unit's JSON with sorted keys ("t" after "c"); in text, quotes are escaped.
_TABLE = '"t": "Table"}'
#: An id in raw HTML the filters wrote (a note's aside, a page-break marker).
_RAW_ID = re.compile(r'\sid="([^"]+)"')


def _unit_of_anchor(block: str, names: Mapping[str, int]) -> int | None:
    # The pages filter names a unit's anchors ANCHOR_PREFIX + unit + "-" + N, and those
    # before the first unit ANCHOR_PREFIX + N.
    if not block.startswith(ANCHOR_PREFIX):
        return None
    name, _, number = block[len(ANCHOR_PREFIX):].rpartition("-")
    return names.get(name) if number.isdigit() else None


def unit_places(units: Sequence[Unit], texts: Sequence[str],
                placed: Sequence[Mapping[str, object]]) -> list[list[Mapping[str, object]]]:
    """The page starts of ``placed`` (PageMap.placed) that fall in each unit: by their
    anchor's name, or by the id of a PDF reading's source page."""
    names = {unit.name: index for index, unit in enumerate(units)}
    source_pages: dict[str, int] = {}
    for index, (unit, text) in enumerate(zip(units, texts, strict=True)):
        if '"source-page"' not in text:
            continue
        for node in elements(unit.blocks):
            attr = attributes_of(node)
            if node["t"] == "Div" and attr and attr[0] and "source-page" in attr[1]:
                source_pages[attr[0]] = index
    out: list[list[Mapping[str, object]]] = [[] for _ in units]
    for entry in placed:
        block = str(entry["block"])
        index = _unit_of_anchor(block, names)
        if index is None:
            index = source_pages.get(block)
        if index is not None:  # an anchor no unit has places no marker, as in one run
            out[index].append(entry)
    return out


def filter_unit(document: Mapping[str, Any], unit: Unit, metadata_path: Path,
                places: Sequence[Mapping[str, object]], tables_before: int,
                limits: Limits = DEFAULT_LIMITS) -> Filtered:
    """One unit run through the filters as the EPUB's (``pressroom-target``), to JSON."""
    with tempfile.TemporaryDirectory(prefix="pressroom-epub-") as work:
        source = Path(work) / "unit.json"
        source.write_text(json.dumps({"pandoc-api-version": document["pandoc-api-version"],
                                      "meta": document["meta"], "blocks": unit.blocks}),
                          encoding="utf-8")
        pages = Path(work) / "pages-meta.json"
        pages.write_text(json.dumps({"pressroom-pagemap": list(places)}), encoding="utf-8")
        out = run_pandoc(source, "json", metadata=metadata_path, format="json",
                         extra_args=("--metadata-file", str(pages.resolve()),
                                     "--metadata", "pressroom-target=epub",
                                     "--metadata", f"pressroom-unit={unit.name}",
                                     "--metadata", f"pressroom-tables-before={tables_before}",
                                     *filter_arguments()),
                         limits=limits)
    blocks = json.loads(out)["blocks"]
    ids: list[str] = []
    links: list[str] = []
    for node in elements(blocks):
        attr = attributes_of(node)
        if attr and attr[0]:
            ids.append(attr[0])
        if node["t"] == "Link" and node["c"][2][0].startswith("#"):
            links.append(node["c"][2][0][1:])
        elif node["t"] in ("RawBlock", "RawInline") and node["c"][0] == "html":
            ids += _RAW_ID.findall(node["c"][1])
    return Filtered(json.dumps(blocks, ensure_ascii=False), tuple(ids), tuple(links))


def check_ids(filtered: Sequence[Filtered]) -> None:
    """Every id of the joined document once, every internal link to one of them."""
    seen: set[str] = set()
    for unit in filtered:
        for ident in unit.ids:
            if ident in seen:
                raise RenderError(f"pandoc (epub3): duplicate id #{ident} (links to it would "
                                  "be ambiguous)")
            seen.add(ident)
    missing = [target for unit in filtered for target in unit.links if target not in seen]
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise RenderError(f"pandoc (epub3): dangling internal link: #{missing[0]} (no element "
                          f"has that id){more}")


@dataclass(frozen=True)
class UnitPlan:
    """What one unit's filtered blocks are made of: its name and blocks (JSON, keys
    sorted), the page starts that fall in it, the tables before it."""

    unit: Unit
    text: str
    places: list[Mapping[str, object]]
    tables_before: int

    @property
    def material(self) -> tuple[str, ...]:
        """What its result is kept by."""
        return (self.unit.name, self.text, json.dumps(self.places, sort_keys=True),
                str(self.tables_before))


def plan(document: Mapping[str, Any], page_map: PageMap | None,
         units: list[Unit] | None = None) -> list[UnitPlan]:
    """The units of the document (units_of, unless given), each with what its filtering is
    told."""
    units = units_of(document) if units is None else units
    texts = [unit.text for unit in units]
    places = unit_places(units, texts, page_map.placed() if page_map is not None else [])
    plans, counted = [], 0
    for unit, text, where in zip(units, texts, places, strict=True):
        plans.append(UnitPlan(unit, text, where, counted))
        counted += text.count(_TABLE)
    return plans


def filter_document(document: Mapping[str, Any], metadata_path: Path,
                    plans: Sequence[UnitPlan], known: Sequence[Filtered | None] = (),
                    limits: Limits = DEFAULT_LIMITS) -> tuple[str, list[Filtered]]:
    """The document filtered for the EPUB, as JSON text, and each unit's result: those
    ``known`` (a cache's, by index) as they are, the others filtered side by side, one
    Pandoc per core. The joined document's ids and links are checked."""
    known = list(known) or [None] * len(plans)

    def one(index: int) -> Filtered:
        plan = plans[index]
        if known[index] is not None:
            return known[index]
        if not plan.unit.blocks:
            return Filtered("[]", (), ())
        return filter_unit(document, plan.unit, metadata_path, plan.places,
                           plan.tables_before, limits)

    filtered = side_by_side(one, range(len(plans)))
    check_ids(filtered)
    blocks = ",".join(f.blocks[1:-1] for f in filtered if f.blocks != "[]")
    text = (f'{{"pandoc-api-version": {json.dumps(document["pandoc-api-version"])}, '
            f'"meta": {json.dumps(document["meta"], ensure_ascii=False)}, '
            f'"blocks": [{blocks}]}}')
    return text, filtered
