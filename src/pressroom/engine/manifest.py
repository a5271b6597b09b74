"""TODO(pipeline.py)"""


from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from pressroom.cache import (
    file_digest,
)
from pressroom.engine.settings import Output, Settings
from pressroom.engine.state import _read_json

if TYPE_CHECKING:
    pass


# ---------------------------------------------------------------------------------------------
# The manifest


def manifest_entry(out: Output, build_dir: Path, staged: Path) -> dict[str, object]:
    entry: dict[str, object] = {
        "format": out.format,
        "path": out.path.relative_to(build_dir).as_posix(),
        "bytes": staged.stat().st_size,
        "sha256": file_digest(staged),
    }
    if out.paper:
        entry["paper"] = out.paper
    if out.variant:
        entry["variant"] = out.variant
    if out.pages is not None:
        entry["pages"] = out.pages
    return entry


def merged_manifest(settings: Settings, entries: list[dict[str, object]],
                     complete: bool) -> str:
    """A partial build (one format, one paper) keeps what the manifest listed of the others;
    a complete build lists exactly its own outputs."""
    merged: dict[str, dict[str, object]] = {}
    if not complete:
        previous = _read_json(settings.build_dir / "manifest.json") or {}
        for entry in previous.get("outputs", []):
            if isinstance(entry, dict) and "path" in entry and (
                    settings.build_dir / str(entry["path"])).exists():
                merged[str(entry["path"])] = entry
    for entry in entries:
        merged[str(entry["path"])] = entry
    return json.dumps({"outputs": [merged[k] for k in sorted(merged)]}, indent=2,
                      ensure_ascii=False) + "\n"
