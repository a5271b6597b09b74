"""--strict: every warning pressroom gives, counted in one place, fails the build at the end.

As MkDocs does: a build logs its warnings as it goes (a reading without a rights line, page
numbers that did not settle, a scanned page without text, what WeasyPrint warned of), and a
strict build that logged any stops before it commits an output, naming how many there were
and the first, so every earlier output stays as it was. One counter on the package's logger
sees them all, wherever in pressroom they were logged.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from pressroom.errors import StrictError

#: Every module logs under this logger's name (logging.getLogger(__name__)).
LOGGER = "pressroom"


class WarningCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if self.first is None:
            self.first = record.getMessage()

    def check(self) -> None:
        """In strict mode: stop if anything was logged."""
        if self.count:
            many = f"{self.count} warnings" if self.count > 1 else "a warning"
            raise StrictError(f"strict mode: the build gave {many}; the first: {self.first}")


@contextlib.contextmanager
def counting() -> Iterator[WarningCounter]:
    """Count the warnings logged while the block runs."""
    counter = WarningCounter()
    logger = logging.getLogger(LOGGER)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
