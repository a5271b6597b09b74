"""The one way pressroom asks fontconfig anything (fc-list, fc-match): bounded, and a
failure is one RenderError naming the tool."""

from __future__ import annotations

from pressroom.tools.run import run_tool


def fontconfig(*args: str) -> str:
    """What one fontconfig tool prints; args start with the tool's name."""
    return run_tool(args, what=f"fontconfig ({args[0]})").stdout
