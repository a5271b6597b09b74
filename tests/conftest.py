"""Builds shared by the rendering tests: one of the minimal fixture, one of the real edition."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import CONTENT, MINIMAL, READER, ROOT, TEMPLATES
from pressroom.engine.build import build
from pressroom.engine.settings import Output, Settings


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ from the current templates (review the diff)")


class Built:
    def __init__(self, settings: Settings, outputs: list[Output]) -> None:
        self.settings = settings
        self.outputs = outputs

    def one(self, fmt: str, variant: str | None = None, paper: str | None = None) -> Path:
        for out in self.outputs:
            if out.format == fmt and (variant is None or out.variant == variant) and (
                paper is None or out.paper == paper
            ):
                return out.path
        raise LookupError(f"no {fmt} {variant} {paper} output")


@pytest.fixture(scope="session")
def minimal_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    settings = Settings(ROOT, MINIMAL, TEMPLATES, tmp_path_factory.mktemp("minimal-build"))
    return Built(settings, build(settings))


@pytest.fixture(scope="session")
def edition_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    settings = Settings(ROOT, CONTENT, TEMPLATES, tmp_path_factory.mktemp("edition-build"))
    return Built(settings, build(settings))


@pytest.fixture(scope="session")
def reader_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The fixture course reader: two parts, four readings that each number notes from 1."""
    settings = Settings(ROOT, READER, TEMPLATES, tmp_path_factory.mktemp("reader-build"))
    return Built(settings, build(settings))
