"""build/manifest.json: every output of the last builds, with its format, size and digest.

One type that the build writes, the up-to-date check reads (an output whose digest changed
is rebuilt) and ``inv check`` reads (what to check, and the page counts to expect).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pressroom.cache import file_digest
from pressroom.engine.settings import Output
from pressroom.errors import CheckError

NAME = "manifest.json"


@dataclass(frozen=True)
class Entry:
    """One output as the manifest lists it."""

    format: str
    #: Relative to the build folder, with forward slashes.
    path: str
    bytes: int
    sha256: str
    paper: str | None = None
    variant: str | None = None
    pages: int | None = None

    def record(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"format": self.format, "path": self.path,
                                 "bytes": self.bytes, "sha256": self.sha256}
        if self.paper:
            entry["paper"] = self.paper
        if self.variant:
            entry["variant"] = self.variant
        if self.pages is not None:
            entry["pages"] = self.pages
        return entry

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Entry:
        return cls(str(record["format"]), str(record["path"]), int(record.get("bytes", 0)),
                   str(record.get("sha256", "")), record.get("paper"), record.get("variant"),
                   record.get("pages"))

    @classmethod
    def of(cls, output: Output, build_dir: Path, staged: Path) -> Entry:
        """The entry for an output whose bytes are staged at ``staged``."""
        return cls(output.format, output.path.relative_to(build_dir).as_posix(),
                   staged.stat().st_size, file_digest(staged), output.paper or None,
                   output.variant or None, output.pages)


@dataclass(frozen=True)
class Manifest:
    entries: tuple[Entry, ...] = ()

    def dumps(self) -> str:
        return json.dumps({"outputs": [e.record() for e in self.entries]}, indent=2,
                          ensure_ascii=False) + "\n"

    @classmethod
    def read(cls, build_dir: Path) -> Manifest:
        """The manifest in build_dir; a missing or unreadable one is a CheckError."""
        path = build_dir / NAME
        if not path.exists():
            raise CheckError("no manifest: run `inv build` first", path=path)
        try:
            records = json.loads(path.read_text(encoding="utf-8"))["outputs"]
            return cls(tuple(Entry.from_record(r) for r in records))
        except (ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
            raise CheckError("unreadable manifest: rebuild with `inv build`",
                             path=path) from exc

    @classmethod
    def load(cls, build_dir: Path) -> Manifest | None:
        """The manifest in build_dir, or None where there is none to trust."""
        try:
            return cls.read(build_dir)
        except CheckError:
            return None

    def merged(self, build_dir: Path, entries: list[Entry], complete: bool) -> Manifest:
        """A partial build (one format, one paper) keeps what this manifest listed of the
        others that still exist; a complete build lists exactly its own outputs."""
        merged: dict[str, Entry] = {}
        if not complete:
            merged = {e.path: e for e in self.entries if (build_dir / e.path).exists()}
        merged.update((e.path, e) for e in entries)
        return Manifest(tuple(merged[k] for k in sorted(merged)))
