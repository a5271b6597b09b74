"""pressroom: printable and e-reader editions of scholarly readings, built from sources."""

import importlib
from typing import TYPE_CHECKING

from pressroom.errors import (
    CheckError,
    ConfigError,
    ContentError,
    PressroomError,
    RenderError,
    SafetyError,
    TemplateError,
)

if TYPE_CHECKING:
    from pressroom.engine.build import build
    from pressroom.engine.settings import Settings
    from pressroom.sources.edition import Edition
    from pressroom.sources.load import load_edition


#: The public names of the stages, each imported when first asked for. Deferred (see
#: pressroom.engine): importing the package, for its errors say, loads none of the stages.
_LAZY = {
    "build": "pressroom.engine.build",
    "Settings": "pressroom.engine.settings",
    "Edition": "pressroom.sources.edition",
    "load_edition": "pressroom.sources.load",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
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
