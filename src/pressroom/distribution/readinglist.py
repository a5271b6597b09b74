"""The reading list as RIS and BibTeX, for reading-list systems (Leganto, Talis Aspire) and
reference managers: one record per reading, from the CSL record its citation is made from.

BibTeX is written by Pandoc from the CSL JSON (the one path a citation takes here); Pandoc
writes no RIS, so RIS is written from the CSL record field by field, with the tags of the
RIS specification (the table below), not from any text the citation printed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from pressroom.sources.edition import Edition, Reading
from pressroom.tools.pandoc import convert_text
from pressroom.tools.run import DEFAULT_LIMITS, Limits

#: CSL item types as RIS reference types (anything else is GEN, generic).
RIS_TYPES = {
    "article-journal": "JOUR", "article-magazine": "MGZN", "article-newspaper": "NEWS",
    "book": "BOOK", "chapter": "CHAP", "paper-conference": "CPAPER", "report": "RPRT",
    "thesis": "THES", "webpage": "ELEC", "manuscript": "UNPB", "entry-encyclopedia": "ENCYC",
}
#: CSL variables as RIS tags, in the order a record gives them.
RIS_FIELDS = (("title", "TI"), ("container-title", "T2"), ("collection-title", "T3"),
              ("volume", "VL"), ("issue", "IS"), ("publisher", "PB"),
              ("publisher-place", "CY"), ("ISBN", "SN"), ("ISSN", "SN"), ("DOI", "DO"),
              ("URL", "UR"), ("language", "LA"), ("abstract", "AB"))


def _names(people: Iterable[dict[str, Any]]) -> Iterator[str]:
    for person in people:
        if person.get("literal"):
            yield str(person["literal"])
        else:
            yield ", ".join(filter(None, (person.get("family"), person.get("given"))))


def _one_line(value: Any) -> str:
    return " ".join(str(value).split())


def ris_record(record: dict[str, Any], reading: Reading) -> list[str]:
    """One RIS record (its lines, TY first, ER last) of a reading's CSL record; its rights
    statement goes in a note (N1), since RIS has no tag of its own for it."""
    lines = [f"TY  - {RIS_TYPES.get(str(record.get('type', '')), 'GEN')}"]
    lines += [f"AU  - {_one_line(name)}" for name in _names(record.get("author", []))]
    lines += [f"ED  - {_one_line(name)}" for name in _names(record.get("editor", []))]
    parts = (record.get("issued") or {}).get("date-parts") or [[]]
    if parts and parts[0]:
        lines.append(f"PY  - {parts[0][0]}")
        lines.append("DA  - " + "/".join(f"{p:02d}" if i else str(p)
                                          for i, p in enumerate(parts[0])))
    for variable, tag in RIS_FIELDS:
        if record.get(variable):
            lines.append(f"{tag}  - {_one_line(record[variable])}")
    page = str(record.get("page", ""))
    if page:
        first, _, last = page.replace("\u2013", "-").partition("-")
        lines.append(f"SP  - {first.strip()}")
        if last:
            lines.append(f"EP  - {last.strip()}")
    rights = " ".join(filter(None, (reading.meta.rights, reading.meta.license and
                                    f"Licence: {reading.meta.license}",
                                    reading.meta.permissions)))
    if rights:
        lines.append(f"N1  - {_one_line(rights)}")
    lines.append("ER  - ")
    return lines


def _records(edition: Edition) -> list[tuple[Reading, dict[str, Any]]]:
    return [(reading, reading.source) for reading in edition.readings if reading.source]


def reading_list_ris(edition: Edition) -> str:
    """The reading list in RIS: records in the collection's order, CRLF line ends as the
    specification has them."""
    lines: list[str] = []
    for reading, record in _records(edition):
        lines += [*ris_record(record, reading), ""]
    return "\r\n".join(lines)


def reading_list_bibtex(edition: Edition, limits: Limits = DEFAULT_LIMITS) -> str:
    """The reading list in BibTeX, written by Pandoc from the CSL records (keys: the
    readings' ids)."""
    items = [{**record, "id": reading.id} for reading, record in _records(edition)]
    if not items:
        return ""
    return convert_text(json.dumps(items), "bibtex", format="csljson", path=edition.path,
                        limits=limits)
