"""pressroom: printable and e-reader editions of scholarly readings, built from sources."""

from typing import TYPE_CHECKING

from .errors import (
    CheckError,
    ConfigError,
    ContentError,
    PressroomError,
    RenderError,
    SafetyError,
    TemplateError,
)
from .pipeline import Settings, build

if TYPE_CHECKING:
    from .content import Edition, load_edition


def __getattr__(name: str):
    # Loading sources needs pydantic; an up-to-date build should not pay for importing it.
    if name in ("Edition", "load_edition"):
        from . import content

        return getattr(content, name)
    raise AttributeError(name)

__all__ = [
    "CheckError",
    "ConfigError",
    "ContentError",
    "Edition",
    "PressroomError",
    "RenderError",
    "SafetyError",
    "Settings",
    "TemplateError",
    "build",
    "load_edition",
]
