"""Is the build up to date? A fingerprint of everything a build reads, and the check that
every output is still as the last build wrote it.

A build compares a fingerprint of its sources, templates, the package's code, tool versions,
fonts and options with the one the last complete build recorded (build/<collection id>/.state.json);
if they match and every output listed in the manifest has the digest it was written with,
nothing is done.
"""


from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from pressroom.cache import (
    code_version,
    digest,
    file_digest,
    fonts_fingerprint,
    tool_versions,
    tree_digest,
)
from pressroom.engine.manifest import NAME, Manifest
from pressroom.engine.settings import Output, Settings

#: The state of a collection's last complete build, in its folder (engine.settings.out_dir).
STATE = ".state.json"


def fingerprint(settings: Settings, formats: Iterable[str], papers: Iterable[str],
                kinds: Iterable[str], shared: Iterable[str] = ()) -> dict[str, str]:
    """What a build reads, as digests by component: a change to any makes the build run.

    ``shared`` are the files outside the collection's folder that the last build read (a
    reader's readings may live beside another collection): the collection file itself is in
    the folder, so a change to the list of readings changes "content" first.
    """
    return {
        "collection": str(settings.edition.resolve()),
        "content": tree_digest(settings.content_dir),
        "shared": digest(*(f"{name}:{file_digest(Path(name))}" if Path(name).is_file()
                           else f"{name}:absent" for name in shared)),
        "templates": tree_digest(settings.templates_dir),
        "code": code_version(),
        "tools": tool_versions(),
        "fonts": fonts_fingerprint(),
        "options": digest(",".join(sorted(formats)), ",".join(papers), ",".join(sorted(kinds)),
                          str(settings.strict), str(settings.ocr)),
    }


def read_json(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def up_to_date(settings: Settings, print_: dict[str, str]) -> list[Output] | None:
    """The outputs of the last build if it read exactly what this one would and every output
    listed in its manifest is still byte for byte as it wrote it; else None."""
    state = read_json(settings.out_dir / STATE)
    manifest = Manifest.load(settings.out_dir)
    if not state or manifest is None or state.get("fingerprint") != print_:
        return None
    outputs = []
    for entry in manifest.entries:
        path = settings.out_dir / entry.path
        try:
            if entry.sha256 != file_digest(path):
                return None
        except OSError:
            return None
        outputs.append(Output(entry.format, path, entry.paper, entry.variant, entry.pages,
                              rebuilt=False, reason="up to date"))
    if state.get("manifest") != file_digest(settings.out_dir / NAME):
        return None
    return outputs
