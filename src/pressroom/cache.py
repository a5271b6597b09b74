"""A content-addressed cache of expensive intermediates (Pandoc output, WeasyPrint layouts).

Every entry is keyed by a hash of everything its bytes depend on: the input text, the tool
versions, the fonts fontconfig offers, the package's own code. A key that matches can only
give the bytes a clean build would give, so reusing it is safe; a key that does not match is
never looked at again, and deleting the folder is always safe (the next build is cold).
"""


from __future__ import annotations

import hashlib
import json
import logging
from functools import cache
from importlib import metadata
from pathlib import Path

import fsspec
import fsspec.implementations.local

from pressroom.files import write_bytes_atomic
from pressroom.tools.fontconfig import fontconfig

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent

#: Beside every entry, the sha256 of its bytes when it was written (Cache.put).
CHECK_SUFFIX = ".sha256"

#: The distributions whose versions change what a build produces.
_TOOLS = ("weasyprint", "pypandoc-binary", "pydyf", "tinyhtml5", "tinycss2", "jinja2",
          "pydantic", "pypdf", "edtf", "pyyaml")


def digest(*parts: str | bytes) -> str:
    """The hash of the parts, each length-prefixed so that no two lists collide."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def tree_digest(root: Path, pattern: str = "*") -> str:
    """The hash of every file below root (names and bytes), in a stable order."""
    if not root.exists():
        return digest("missing", str(root))
    parts: list[str] = []
    for path in sorted(p for p in root.rglob(pattern) if p.is_file()):
        if "__pycache__" in path.parts:
            continue
        parts += [path.relative_to(root).as_posix(), file_digest(path)]
    return digest(*parts)


@cache
def tool_versions() -> str:
    """Versions of the libraries and tools that shape the outputs (read without importing)."""
    found = []
    for name in _TOOLS:
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=absent")
    return ";".join(found)


@cache
def code_version() -> str:
    """The package's own code and filters: a change to either is a change to every output."""
    return tree_digest(PACKAGE_DIR)


@cache
def fonts_fingerprint() -> str:
    """The faces fontconfig offers, with their files' sizes and times: installing, removing
    or updating a font changes the layouts that could use it."""
    out = fontconfig("fc-list", "--format", "%{file}|%{family}|%{style}\n")
    lines = []
    for line in sorted(set(out.splitlines())):
        path = line.split("|", 1)[0]
        try:
            stat = Path(path).stat()
            lines.append(f"{line}|{stat.st_size}|{stat.st_mtime_ns}")
        except OSError:
            lines.append(line)
    return digest(*lines)


class Cache:
    """Files under build/.cache/<kind>/<key><suffix>, written atomically, each with the
    sha256 of its bytes beside it (<key><suffix>.sha256); or the same names under any
    fsspec URL (``s3://bucket/pressroom``, ``memory://…``), a store that the machines of a
    cluster share, so that a worker puts what it made and the building process takes it by
    its key (engine.cluster).

    A key is a hash of an entry's inputs, not of its bytes: a file damaged on disk would still
    be found by its key. So an entry is served only if its bytes still have the digest they
    were written with; one that does not is a miss (rebuilt and written again), with a
    warning naming the file, and one without its digest (a build killed between the two
    writes) is a miss.
    """

    def __init__(self, root: Path | str) -> None:
        self.url = str(root)
        if isinstance(root, Path) or "://" not in self.url:
            self.fs: fsspec.AbstractFileSystem | None = None
            self.root = Path(root)
        else:
            fs, root = fsspec.core.url_to_fs(self.url)
            local = isinstance(fs, fsspec.implementations.local.LocalFileSystem)
            # A file:// URL is a folder like any other: written atomically.
            self.fs, self.root = (None, Path(root)) if local else (fs, root)

    def path(self, kind: str, key: str, suffix: str) -> Path | str:
        if self.fs is None:
            return self.root / kind / f"{key}{suffix}"
        return f"{self.root}/{kind}/{key}{suffix}"

    def _read(self, path: Path | str) -> bytes:
        return Path(path).read_bytes() if self.fs is None else self.fs.cat_file(path)

    def _write(self, path: Path | str, data: bytes) -> None:
        if self.fs is None:
            write_bytes_atomic(Path(path), data)
        else:  # an object store writes an object whole or not at all
            self.fs.pipe_file(path, data)

    def get(self, kind: str, key: str, suffix: str) -> bytes | None:
        path = self.path(kind, key, suffix)
        try:
            data = self._read(path)
            recorded = self._read(f"{path}{CHECK_SUFFIX}").decode("ascii")
        except (OSError, UnicodeDecodeError):
            return None
        if hashlib.sha256(data).hexdigest() != recorded.strip():
            log.warning("%s: damaged cache entry (its bytes are not those it was written "
                        "with): made again", path)
            return None
        return data

    def put(self, kind: str, key: str, suffix: str, data: bytes) -> None:
        """Write an entry, its bytes first and their digest after (an entry without its
        digest is a miss); one already there with these bytes is left as it is."""
        path = self.path(kind, key, suffix)
        check = hashlib.sha256(data).hexdigest().encode("ascii")
        try:
            if self._read(f"{path}{CHECK_SUFFIX}") == check:
                return
        except (OSError, UnicodeDecodeError):
            pass
        self._write(path, data)
        self._write(f"{path}{CHECK_SUFFIX}", check)

    def get_json(self, kind: str, key: str) -> object | None:
        raw = self.get(kind, key, ".json")
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def put_json(self, kind: str, key: str, value: object) -> None:
        self.put(kind, key, ".json",
                 json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8"))
