"""Generated course readers for the benchmarks: readings written to files, in two parts."""

from __future__ import annotations

from pathlib import Path


def write_reader(folder: Path, bodies: list[str], ident: str,
                 title: str = "Generated Reading") -> Path:
    """A collection file naming one reading per body (numbered from 1, each with its author
    and rights line), half in Part One and half in Part Two; its path."""
    paths = []
    for n, body in enumerate(bodies, start=1):
        text = (f"---\ntitle: {title} {n}\nauthor: Author {n}\nlang: en-US\n"
                f"rights: Reproduced for teaching, licence {n}.\n---\n\n{body}")
        path = folder / "readings" / f"reading-{n:02d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path.relative_to(folder).as_posix())
    half = len(paths) // 2
    collection = folder / "reader.yaml"
    collection.write_text(
        f"id: {ident}\ntitle: A Generated Reader\npublisher: Bench Press\n"
        "date: 2026-01-01\nlanguage: en-US\nreadings:\n"
        f"  - part: Part One\n    readings: [{', '.join(paths[:half])}]\n"
        f"  - part: Part Two\n    readings: [{', '.join(paths[half:])}]\n",
        encoding="utf-8")
    return collection
