"""One exception tree: every expected failure is a PressroomError with a file:line message."""


from __future__ import annotations

from pathlib import Path


class PressroomError(Exception):
    """Base of every error a user can cause; its str() is one line, ready to print."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        what = f"{self.field}: " if self.field else ""
        return f"{where}{what}{self.message}"

    def shown_from(self, root: Path) -> str:
        """The message with paths inside ``root`` relative to it: what a person at the
        project's top types, and reads without the machine's own folders in the way."""
        text, prefix = str(self), f"{Path(root).resolve()}/"
        return text.replace(prefix, "")

    def __reduce__(self):
        # A worker process sends its error back pickled: keep the type, the file and line.
        return (_rebuild, (type(self), self.message, self.path, self.line, self.field))


def _rebuild(cls: type[PressroomError], message: str, path: Path | None, line: int | None,
             field: str | None) -> PressroomError:
    return cls(message, path=path, line=line, field=field)


class ConfigError(PressroomError):
    """The edition's configuration (edition.yaml, task options) is wrong."""


class ContentError(PressroomError):
    """A source file (reading, timeline data, plain-text import) is malformed."""


class TemplateError(PressroomError):
    """A Jinja template failed to compile or render."""


class RenderError(PressroomError):
    """Pandoc or WeasyPrint failed, or an output could not be written."""


class CheckError(PressroomError):
    """An output failed validation."""


class SafetyError(RenderError):
    """A renderer tried to read something outside the project."""


class LimitError(PressroomError):
    """An outside program (Pandoc, a checker) ran out of its time or memory limit."""


class StrictError(PressroomError):
    """A strict build (--strict) gave warnings."""


def raise_together(problems: list[PressroomError]) -> None:
    """Raise the first of several problems with the others after it ("; also line 14: ..."),
    so that one run shows every mistake of a file, not one per run. Nothing if none."""
    if not problems:
        return
    first, rest = problems[0], problems[1:]
    if not rest:
        raise first
    also = "; ".join(
        (f"line {p.line}: " if p.line and p.path == first.path else
         f"{p.path}:{p.line}: " if p.line else "")
        + (f"{p.field}: " if p.field else "") + p.message for p in rest)
    raise type(first)(f"{first.message}; also {also}", path=first.path, line=first.line,
                      field=first.field)
