"""pressroom: printable and e-reader editions of scholarly readings, built from sources."""

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


def __getattr__(name: str):
    # Each is imported when first asked for: importing the package (for its errors, say)
    # loads none of the stages.
    if name == "build":
        from pressroom.engine.build import build

        return build
    if name == "Settings":
        from pressroom.engine.settings import Settings

        return Settings
    if name == "Edition":
        from pressroom.sources.edition import Edition

        return Edition
    if name == "load_edition":
        from pressroom.sources.load import load_edition

        return load_edition
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
