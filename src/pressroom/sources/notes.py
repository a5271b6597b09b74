"""A reading's footnotes: every call has one note, every note one call, in order."""


from __future__ import annotations

import re
from pathlib import Path

from pressroom.errors import ContentError

_NOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:", re.MULTILINE)
_NOTE_CALL = re.compile(r"\[\^([^\]\s]+)\](?!:)")


def check_notes(path: Path, body: str, body_line: int) -> tuple[int, ...]:
    """Check a body's footnotes; the numbers they print as, in order.

    Numbered labels ([^12]) must run 1, 2, 3 … as in the source, since appendices cite notes
    by those numbers. Named labels ([^t1]) are numbered by the order of their calls.
    """

    def line_at(offset: int) -> int:
        return body_line + body[:offset].count("\n")

    defs = [(m.group(1), m.start()) for m in _NOTE_DEF.finditer(body)]
    called = [(m.group(1), m.start()) for m in _NOTE_CALL.finditer(body)]
    labels = [label for label, _ in defs]
    for index, (label, offset) in enumerate(defs):
        if label in labels[:index]:
            raise ContentError(f"note [^{label}] is defined a second time", path=path,
                               line=line_at(offset))
    for label, offset in called:
        if label not in labels:
            raise ContentError(f"note call [^{label}] has no note", path=path,
                               line=line_at(offset))
    calls = [label for label, _ in called]
    for label, offset in defs:
        if label not in calls:
            what = f"note {label}" if label.isdigit() else f"note [^{label}]"
            raise ContentError(f"{what} is never called", path=path, line=line_at(offset))
    for position, (label, offset) in enumerate(called, start=1):
        if label in calls[: position - 1]:
            raise ContentError(f"note [^{label}] is called a second time (a note has one "
                               "call; repeat its text or write Ibid.)",
                               path=path, line=line_at(offset))
    if not all(label.isdigit() for label in labels):
        return tuple(range(1, len(called) + 1))
    # Notes are numbered where they are called, so numbered calls must run 1, 2, 3 … and
    # match the definitions: anything else would renumber notes and misdirect the appendices'
    # cross-references.
    for position, (label, offset) in enumerate(called, start=1):
        if int(label) != position:
            raise ContentError(f"note call [^{label}] is out of order: expected [^{position}]",
                               path=path, line=line_at(offset))
    for position, (label, offset) in enumerate(defs, start=1):
        if int(label) != position:
            raise ContentError(f"note [^{label}] is out of order: expected [^{position}]",
                               path=path, line=line_at(offset))
    return tuple(int(label) for label in labels)
