"""YAML loading that remembers where every value stands, so errors can name file and line."""


from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pressroom.errors import ContentError
from pressroom.tools.run import DEFAULT_LIMITS, WHERE_TO_RAISE

Loc = tuple[str | int, ...]

#: The deepest nesting of lists and maps a YAML file may have: far past any real data, and
#: far short of Python's stack, which composing (a recursive walk) would otherwise run out of.
MAX_DEPTH = 100


@dataclass(frozen=True)
class YamlDoc:
    """Plain data from a YAML file plus the 1-based line of every key and item in it."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    line_offset: int = 0

    def line_of(self, loc: Sequence[str | int]) -> int:
        """The line of the deepest part of loc that the file has (a missing field: its parent)."""
        loc = tuple(loc)
        while loc not in self.lines and loc:
            loc = loc[:-1]
        return self.lines.get(loc, 1) + self.line_offset

    def error(self, message: str, loc: Sequence[str | int] = (), field: str | None = None):
        return ContentError(message, path=self.path, line=self.line_of(loc), field=field)


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int], seen: set[int]) -> Any:
    # Anchors and aliases are refused: the data has no use for them, and expanding shared
    # nodes (or a node that contains itself) can take exponential time or never end.
    if id(node) in seen:
        raise ContentError("YAML anchors and aliases (&name, *name, <<) are not supported",
                           line=node.start_mark.line + 1)
    seen.add(id(node))
    lines.setdefault(loc, node.start_mark.line + 1)
    # A tag on a map or a list (!!python/object, !!set, a custom !tag) asks for an object
    # the data has no use for; scalars' tags are checked by the safe constructor.
    plain = {yaml.MappingNode: "tag:yaml.org,2002:map", yaml.SequenceNode: "tag:yaml.org,2002:seq"}
    if type(node) in plain and node.tag != plain[type(node)]:
        raise ContentError(f"YAML error: the tag {node.tag} is not supported",
                           line=node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                raise ContentError("keys must be plain names (no lists, maps or << merges)",
                                   line=key_node.start_mark.line + 1)
            key = _construct(key_node)
            if key in out:
                raise ContentError(
                    f"duplicate key {key!r}", line=key_node.start_mark.line + 1, path=None
                )
            lines[(*loc, key)] = key_node.start_mark.line + 1
            out[key] = _walk(value_node, (*loc, key), lines, seen)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, (*loc, i), lines, seen) for i, item in enumerate(node.value)]
    return _construct(node)


def _construct(node: yaml.Node) -> Any:
    # A fresh loader per scalar keeps construction state from leaking between files.
    try:
        return yaml.SafeLoader("").construct_object(node, deep=True)
    except ValueError as exc:  # e.g. an unquoted impossible date: 1950-02-30
        raise ContentError(
            f"cannot read value {getattr(node, 'value', '')!r}: {exc}",
            line=node.start_mark.line + 1,
        ) from exc


def _check_depth(text: str, path: Path, line_offset: int) -> None:
    # The parser is a state machine (no recursion): its events say how deep each value is.
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ContentError(f"YAML error: lists and maps nested more than {MAX_DEPTH} "
                                   "deep", path=path,
                                   line=event.start_mark.line + 1 + line_offset)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def parse_yaml(text: str, path: Path, line_offset: int = 0) -> YamlDoc:
    """Parse YAML text; a syntax error becomes a ContentError naming path and line."""
    try:
        _check_depth(text, path, line_offset)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        problem = exc.problem or exc.context or "invalid YAML"
        raise ContentError(f"YAML error: {problem}", path=path, line=line) from exc
    if node is None:
        return YamlDoc(path, None, {(): 1}, line_offset)
    lines: dict[Loc, int] = {}
    try:
        data = _walk(node, (), lines, set())
    except ContentError as exc:
        raise ContentError(exc.message, path=path, line=(exc.line or 1) + line_offset) from exc
    except yaml.YAMLError as exc:  # e.g. an unknown tag such as !!python/object
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 1 if mark else 1) + line_offset
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ContentError(f"YAML error: {problem}", path=path, line=line) from exc
    return YamlDoc(path, data, lines, line_offset)


def read_text(path: Path, max_mb: int = DEFAULT_LIMITS.source_mb) -> str:
    """A source file's text; a missing, unreadable, too large or non-UTF-8 file is a
    ContentError. Only a regular file is read, and never more than max_mb megabytes of it."""
    limit = max_mb * 1024 * 1024
    try:
        if path.exists() and not path.is_file():
            raise ContentError("not a regular file", path=path)
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError as exc:
        raise ContentError("file not found", path=path) from exc
    except OSError as exc:
        raise ContentError(f"cannot read: {exc.strerror}", path=path) from exc
    if len(data) > limit:
        raise ContentError(f"larger than {max_mb} MB (limit source_mb; {WHERE_TO_RAISE})",
                           path=path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError(f"not UTF-8 text ({exc.reason})", path=path, line=line) from exc


def collection_id(path: Path) -> str:
    """The id a collection file gives itself, read before the collection is loaded: its
    outputs' folder under build/ is named by it. A file whose id cannot be read is named by
    its file name here; loading it then says what is wrong, at its line."""
    collection = path / "edition.yaml" if path.is_dir() else path
    try:
        value = yaml.safe_load(read_text(collection))
    except (ContentError, yaml.YAMLError, OSError):
        value = None
    found = value.get("id") if isinstance(value, dict) else None
    if isinstance(found, str) and _SLUG.fullmatch(found):
        return found
    return _SLUG_CHARS.sub("-", collection.stem.lower()).strip("-") or "collection"


def find_collections(folder: Path) -> list[Path]:
    """Every collection file under ``folder`` (a YAML mapping with an id and readings),
    hidden folders skipped, in path order: what ``inv build --all`` builds."""
    found = []
    for path in sorted(folder.rglob("*.yaml")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        try:
            value = yaml.safe_load(read_text(path))
        except (ContentError, yaml.YAMLError, OSError):
            continue
        if isinstance(value, dict) and "id" in value and isinstance(value.get("readings"), list):
            found.append(path)
    return found


def read_batch(path: Path, root: Path) -> list[Path]:
    """The collection files a batch file names, one path per line relative to the project
    (``#`` starts a comment); a line naming no file is an error at that line."""
    out = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        name = line.split("#", 1)[0].strip()
        if not name:
            continue
        target = (root / name).resolve()
        if not (target.is_file() or (target / "edition.yaml").is_file()):
            raise ContentError(f"no collection file {name!r}", path=path, line=number)
        out.append(target)
    if not out:
        raise ContentError("the batch names no collection", path=path)
    return out


_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")


def load_yaml(path: Path, max_mb: int = DEFAULT_LIMITS.source_mb) -> YamlDoc:
    """Read and parse one YAML file."""
    return parse_yaml(read_text(path, max_mb), path)
