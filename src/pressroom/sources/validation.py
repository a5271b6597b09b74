"""YAML data checked against a model: the first problem as one file:line (field) error,
with a hint for a mistyped key."""


from __future__ import annotations

import difflib
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from pressroom.errors import ContentError, PressroomError, raise_together
from pressroom.sources.yamldoc import YamlDoc

M = TypeVar("M", bound=BaseModel)


def _describe_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validate(model: type[M], doc: YamlDoc, error: type[ContentError] = ContentError) -> M:
    """Validate YAML data against a model; every problem becomes a file:line (field) error,
    the first with the others after it, so one run shows them all."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        problems: list[PressroomError] = []
        for found in exc.errors():
            # Tagged unions add their tag ("_file", "_part") to the path; it is not in the
            # file.
            loc = tuple(p for p in found["loc"] if not str(p).startswith("_"))
            message = found["msg"].removeprefix("Value error, ")
            if found["type"] == "missing":
                message = "required field is missing"
            elif found["type"] == "extra_forbidden":
                message = "unknown field" + _did_you_mean(model, loc)
            problems.append(error(f"{_entry_context(doc.data, loc)}{message}", path=doc.path,
                                  line=doc.line_of(loc), field=_describe_loc(loc) or None))
        try:
            raise_together(problems)
        except PressroomError as together:
            raise together from exc
        raise AssertionError("a ValidationError without errors") from exc


def _did_you_mean(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """A hint for a mistyped top-level key: ' (did you mean "pages"?)'."""
    if len(loc) != 1:
        return ""
    names: list[str] = []
    for name, info in model.model_fields.items():
        alias = info.validation_alias
        names += [name, *(str(a) for a in getattr(alias, "choices", ()) if isinstance(a, str))]
    close = difflib.get_close_matches(str(loc[0]), names, n=1, cutoff=0.75)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _entry_context(data: Any, loc: tuple[Any, ...]) -> str:
    # Name the entry by its id, which people search for, rather than only by its index.
    if len(loc) >= 2 and isinstance(data, dict) and isinstance(loc[1], int):
        items = data.get(loc[0])
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            ident = items[loc[1]].get("id")
            if ident:
                return f"{str(loc[0]).rstrip('s')} {ident!r}: "
    return ""
