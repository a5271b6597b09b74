"""pressroom: printable and e-reader editions of scholarly readings, built from sources."""

from .content import Edition, load_edition
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
