"""What a build is told: where the collection, templates and build folder are, strictness,
limits; and what it answers for each output it made."""


from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pressroom.cache import (
    Cache,
)
from pressroom.sources.yamldoc import collection_id
from pressroom.tools.run import DEFAULT_LIMITS, Limits


@dataclass(frozen=True)
class Settings:
    """Where things are and how to build; the tasks fill this from their configuration."""

    project_root: Path
    #: The collection file to build (a folder stands for its edition.yaml).
    edition: Path
    templates_dir: Path
    build_dir: Path
    #: Treat renderer warnings (an unknown CSS property, a missing glyph, a reading without
    #: a rights statement) as errors.
    strict: bool = False
    #: Time and memory for each outside program, and the largest source file.
    limits: Limits = DEFAULT_LIMITS
    #: Recognise the text of scanned PDF readings with OCRmyPDF (cached).
    ocr: bool = False
    #: A Dask distributed scheduler (tcp://host:port) to run the jobs on; None: this
    #: machine's worker processes.
    scheduler: str | None = None
    #: Where the content-addressed cache is kept: any fsspec URL (s3://bucket/prefix) that
    #: the cluster's workers share, so that they put what they made and the build takes it
    #: by its key; None: build/.cache on this machine.
    cache_url: str | None = None

    @property
    def content_dir(self) -> Path:
        """The collection's folder, which its paths are relative to."""
        return self.edition if self.edition.is_dir() else self.edition.parent

    @property
    def boundary(self) -> Path:
        """What the collection's paths may reach: the project when the collection is in it
        (readers share readings), else only the collection's own folder."""
        inside = self.edition.resolve().is_relative_to(self.project_root.resolve())
        return self.project_root if inside else self.content_dir

    @classmethod
    def for_project(cls, root: Path, edition: str = "src/content/edition.yaml",
                    templates: str = "templates", build: str = "build", strict: bool = False,
                    limits: Limits = DEFAULT_LIMITS, ocr: bool = False) -> Settings:
        return cls(root, root / edition, root / templates, root / build, strict, limits, ocr)

    @property
    def cache(self) -> Cache:
        """The content-addressed cache, shared by every collection of the project: a reading
        two readers share at the same page and style is laid out once for both."""
        return Cache(self.cache_url) if self.cache_url else self.local_cache

    @property
    def local_cache(self) -> Cache:
        """build/.cache on this machine: what local programs read as files (the prepared
        documents Pandoc reads, OCRmyPDF's output), whatever store the cache is in."""
        return Cache(self.build_dir / ".cache")

    @functools.cached_property
    def collection_id(self) -> str:
        return collection_id(self.edition)

    @property
    def out_dir(self) -> Path:
        """The collection's own folder under build/: its outputs, manifest, page maps and
        the state of its last build, so that collections built in turn leave each other's
        alone."""
        return self.build_dir / self.collection_id


@dataclass(frozen=True)
class Output:
    format: str
    path: Path
    paper: str | None = None
    variant: str | None = None
    pages: int | None = None
    #: False if the bytes came from the cache (or the whole build was up to date).
    rebuilt: bool = True
    #: Why it was rebuilt, or where it came from.
    reason: str = ""
    #: For PDFs laid out in this build: the page each id is on (where each reading begins
    #: and ends).
    anchor_pages: Mapping[str, int] = field(default_factory=dict, compare=False)
